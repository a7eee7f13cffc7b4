//! 20 guarantees over `generate::set(500, 7)`, shared by `benches/prove.rs` and
//! `examples/gen_guarantees.rs` (which writes both to a directory for whole-process timing).

use super::generate;

/// 20 guarantees over the generated set: most hold, the premier ones on rules that do not
/// exclude premier customers are violated.
pub fn guarantees() -> String {
    let mut out = String::from("principle \"Guarantees\" {\n");
    for k in 0..20 {
        let when = match k % 5 {
            0 => format!("signals.distress >= 0.{}", 70 + k),
            1 => format!("customer.contacts_7d >= {}", 3 + k),
            2 => format!("intent == \"{}\" and customer.vulnerable", generate::intent(k)),
            3 => format!("intent == \"{}\" and ai.confidence < 0.5", generate::intent(k)),
            _ => format!("intent == \"{}\" and customer.tier == \"premier\"", generate::intent(k)),
        };
        let ensure = if k % 5 >= 3 { "review" } else { "human" };
        out.push_str(&format!("  guarantee \"G{k}\" {{\n    when {when}\n    ensure {ensure}\n  }}\n"));
    }
    out.push_str("}\n");
    out
}

