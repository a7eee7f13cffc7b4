//! The policy parser and checker: any text, one file or two (split at the first NUL byte);
//! neither may panic, and the diagnostics must render.
#![no_main]

use handoff::Source;
use handoff::set::Analysis;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let sources = match text.split_once('\0') {
        Some((a, b)) => vec![Source::new("a.policy", a), Source::new("b.policy", b)],
        None => vec![Source::new("main.policy", text.as_ref())],
    };
    let analysis = Analysis::new(sources);
    let _ = analysis.render(false, 80);
    if let Ok(set) = analysis.compile() {
        let _ = set.digest();
    }
});
