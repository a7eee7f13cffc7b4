//! The conversation reader: any bytes as JSON and as YAML; it may refuse, never panic.
#![no_main]

use handoff::context::Conversation;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(c) = Conversation::from_json(text) {
            let _ = c.id();
        }
        if let Ok(c) = Conversation::from_yaml(text) {
            let _ = c.id();
        }
    }
});
