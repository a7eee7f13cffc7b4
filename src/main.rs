// mimalloc: each verdict allocates and frees a few dozen small blocks (the parsed conversation,
// the verdict, its JSON); see docs/PERFORMANCE.md, "Service".
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    handoff::cli::main()
}
