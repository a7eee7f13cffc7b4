//! The `handoff` command line: argument definitions; one file per subcommand in `cli/`.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

mod check;
mod completions;
mod diff;
mod eval;
mod explain;
mod fmt;
mod input;
mod list;
#[cfg(feature = "lsp")]
mod lsp;
pub mod man;
mod schema;
mod serve;
mod show;
mod test;
mod watch;

/// Where AI may act and where a person must step in: policies as code.
#[derive(Debug, Parser)]
#[command(name = "handoff", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// Directory of `.policy` files (searched recursively)
    #[arg(short = 'p', long = "policies", value_name = "DIR", default_value = "policies")]
    pub policies: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate a policy set; print every diagnostic
    Check(CheckArgs),
    /// Dry-run: a verdict for each conversation
    Eval(EvalArgs),
    /// Run every conversation that carries an `expect:` block
    Test(TestArgs),
    /// Impact analysis: verdicts under two policy sets, and what changed
    Diff(DiffArgs),
    /// Rewrite policy files in canonical layout (comments kept)
    Fmt(FmtArgs),
    /// Long-running verdict service (HTTP or stdio) with hot reload
    Serve(Box<ServeArgs>),
    /// The rule catalogue: every rule with its principle, route, queue, owner and version
    List(ListArgs),
    /// What a diagnostic code means, why, an example and its fix
    Explain(ExplainArgs),
    /// JSON Schema (2020-12) of a conversation for this policy set
    Schema(SchemaArgs),
    /// Shell completions (bash, zsh, fish, powershell, elvish)
    Completions(CompletionsArgs),
    /// The man page (roff), every subcommand and option
    Man,
    /// A Language Server over stdio: diagnostics as you type, hover, definition, completion,
    /// formatting
    #[cfg(feature = "lsp")]
    Lsp,
    /// Print a policy set that `serve --archive` stored: its manifest and every file's text
    Show(ShowArgs),
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The set's digest (`policy.digest` of a verdict), or its first 8+ hex digits
    #[arg(value_name = "DIGEST")]
    pub digest: String,
    /// The archive directory given to `serve --archive`
    #[arg(long, value_name = "DIR", default_value = "policy-archive")]
    pub archive: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Re-run on every save
    #[arg(long)]
    pub watch: bool,
    /// Write each violated guarantee's counterexample to DIR/<guarantee>.yaml (ready for
    /// `eval --explain`)
    #[arg(long, value_name = "DIR")]
    pub counterexamples: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    Table,
    Json,
    Jsonl,
    Yaml,
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Conversations: `.yaml`/`.json` files, `.jsonl` files, directories, or `-` (JSONL on stdin).
    /// With none, the samples shipped with the project.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
    pub format: EvalFormat,
    /// Add the per-rule trace, and the `allow ai` rules that came closest
    #[arg(long)]
    pub explain: bool,
    /// Also write a self-contained HTML report
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Conversations with `expect:` blocks; with none, the shipped samples
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
    /// Re-run on every save
    #[arg(long)]
    pub watch: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The policy set before the change
    #[arg(long, value_name = "OLD_DIR")]
    pub base: PathBuf,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Also write a self-contained HTML report
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// List files that would change, change nothing, exit 1 if any would
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Address to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8686")]
    pub listen: String,
    /// Serve over standard input and output, one JSON conversation per line
    #[arg(long)]
    pub stdio: bool,
    /// Append every verdict to this file as a JSON line
    #[arg(long, value_name = "FILE")]
    pub decision_log: Option<PathBuf>,
    /// Keep message texts in the decision log
    #[arg(long)]
    pub log_text: bool,
    /// Also log this input field (dotted path) in the decision log; repeatable. By default only
    /// the conversation id, the paths the rules read and the messages' metadata are logged
    #[arg(long = "log-field", value_name = "PATH")]
    pub log_fields: Vec<String>,
    /// When the decision log is synced to disk: `every` (before each answer), `interval`
    /// (every second; `interval:250ms`) or `never`
    #[arg(long, value_name = "POLICY", default_value = "interval", value_parser = crate::serve::log::parse_sync)]
    pub decision_log_sync: crate::serve::log::Sync,
    /// Bearer tokens, one per line; every route but /healthz then needs one (re-read on SIGHUP)
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Serve a non-loopback address without --token-file
    #[arg(long)]
    pub insecure_no_auth: bool,
    /// TLS certificate chain (PEM); needs --tls-key
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM); needs --tls-cert
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Most open connections; more are answered 503 and closed
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_connections: usize,
    /// Request body bytes held at once, all requests together (beyond the first 64 KiB of
    /// each); more gets 503
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = crate::serve::limits::parse_size)]
    pub max_inflight: usize,
    /// Batches (`POST /v1/verdicts`) evaluated at once; others wait up to --timeout, then 503.
    /// Default: the number of cores
    #[arg(long, value_name = "N")]
    pub max_batches: Option<usize>,
    /// Store every policy set served in this directory, by digest, before it goes live
    /// (`handoff show DIGEST` prints one)
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,
    /// Largest policy file; a larger one makes the set fail to load
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = crate::serve::limits::parse_size)]
    pub max_policy_file: usize,
    /// Largest policy set (all files together)
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = crate::serve::limits::parse_size)]
    pub max_policy_set: usize,
    /// Time for a request head to arrive, from the connection's start or its previous answer
    /// (closes idle keep-alive and slow-header connections)
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = crate::serve::limits::parse_duration)]
    pub idle_timeout: std::time::Duration,
    /// Largest request body (stdio: line), e.g. `1MiB`, `65536`; larger gets 413
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = crate::serve::limits::parse_size)]
    pub max_body: usize,
    /// Most messages in one conversation; more gets 413
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_messages: usize,
    /// Largest text of one message, e.g. `32k`; larger gets 413 (never truncated)
    #[arg(long, value_name = "SIZE", default_value = "32k", value_parser = crate::serve::limits::parse_size)]
    pub max_text: usize,
    /// Most conversations in one `POST /v1/verdicts`; more gets 413
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_batch: usize,
    /// Time allowed to receive a request body, e.g. `10s`, `500ms`; slower gets 408
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::serve::limits::parse_duration)]
    pub timeout: std::time::Duration,
    /// Poll the policy directory at this interval instead of using the platform's watcher
    #[arg(long, value_name = "DURATION", value_parser = crate::serve::limits::parse_duration)]
    pub poll: Option<std::time::Duration>,
    /// Quiet time after a change before reloading
    #[arg(long, value_name = "DURATION", default_value = "50ms", value_parser = crate::serve::limits::parse_duration)]
    pub debounce: std::time::Duration,
    /// Do not watch the policy directory; reload only on SIGHUP
    #[arg(long)]
    pub no_watch: bool,
    /// How long graceful shutdown waits for requests in flight
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::serve::limits::parse_duration)]
    pub shutdown_timeout: std::time::Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Csv,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A diagnostic code, e.g. `unknown-field`; with none, every code
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_name = "SHELL", value_enum)]
    pub shell: clap_complete::Shell,
}

/// Exit codes shared by the commands.
pub mod exit {
    pub const OK: u8 = 0;
    /// Errors in the policies, invalid inputs, failed tests.
    pub const FAILURE: u8 = 1;
    /// The command could not run (unreadable directory, broken policy set for eval, bad usage).
    pub const COULD_NOT_RUN: u8 = 2;
}

/// Runs the command line; `main` is only this.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::COULD_NOT_RUN } else { exit::OK });
        }
    };
    let code = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::List(args) => list::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Man => man::run(),
        #[cfg(feature = "lsp")]
        Command::Lsp => lsp::run(),
        Command::Show(args) => show::run(&args),
    };
    ExitCode::from(code)
}
