//! The evaluator: a random policy set and a random conversation (split at the first NUL byte).
//! When both are valid the verdict is computed and written as JSON, which must parse; a
//! verdict never panics, whatever the set and the conversation.
#![no_main]

use handoff::context::Conversation;
use handoff::set::PolicySet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Some((policy, conversation)) = text.split_once('\0') else {
        return;
    };
    let Ok(set) = PolicySet::from_sources([("main.policy", policy)]) else {
        return;
    };
    let Ok(conversation) = Conversation::from_json(conversation) else {
        return;
    };
    let verdict = set.evaluate(&conversation);
    let mut json = Vec::new();
    verdict.write_json(&mut json);
    assert!(
        serde_json::from_slice::<serde_json::Value>(&json).is_ok(),
        "the verdict JSON does not parse: {}",
        String::from_utf8_lossy(&json)
    );
});
