//! Writes the generated 500-rule set and its 20 guarantees to a directory, for timing
//! `handoff check` as a whole process (docs/PERFORMANCE.md, `## Guarantees`):
//!
//! ```text
//! cargo run --release --example gen_guarantees -- /tmp/g500
//! target/release/handoff check -p /tmp/g500
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/common/guarantees.rs"]
mod guarantees;

#[path = "../tests/support/generate.rs"]
mod generate;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "g500".into());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(format!("{dir}/generated.policy"), generate::set(500, 7).text).unwrap();
    std::fs::write(format!("{dir}/guarantees.policy"), guarantees::guarantees()).unwrap();
}
