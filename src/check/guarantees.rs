//! **(v0.2)** Guarantees are checked like rules (fields, types, lexicons, regexes, the
//! `contradiction` and `out-of-range` warnings) and their names are unique among guarantees
//! (`duplicate-guarantee`), apart from rule names. Proving them is [`crate::prove`]'s work.

use super::{Checker, logic, types};
use crate::ast::{self, Effect};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Span, Spanned};
use std::collections::HashMap;

/// Every check of every guarantee of the set.
pub(super) fn check(cx: &mut Checker<'_>, guarantees: &[&ast::Guarantee]) {
    let mut seen: HashMap<&str, Span> = HashMap::with_capacity(guarantees.len());
    for g in guarantees {
        let name = g.name.node.as_str();
        if let Some(&first) = seen.get(name) {
            cx.report(
                Diagnostic::at(Code::DuplicateGuarantee, g.name.span, format!("guarantee `{name}` is defined twice"))
                    .with_label("defined again here")
                    .with_related(first, "first defined here")
                    .with_help("guarantee names are unique in a set: `check` reports each guarantee by its name"),
            );
        } else {
            seen.insert(name, g.name.span);
        }
        if g.when.is_none() {
            cx.report(
                Diagnostic::at(Code::MissingWhen, g.name.span, format!("guarantee `{name}` has no `when`"))
                    .with_label("needs a `when` condition")
                    .with_help("every guarantee needs exactly one `when CONDITION`; write `when true` for every conversation"),
            );
        }
        // The expressions are those of a rule: checked through the same passes, as a rule
        // that matches when its `when` is true or unknown (a guarantee's premise).
        let mut as_rule = ast::Rule::new(Spanned::new(Effect::RequireHuman, g.name.span), g.name.clone(), g.span);
        as_rule.when = g.when.clone();
        as_rule.unless = g.unless.clone();
        types::check_rule(cx, &as_rule);
        logic::check_contradiction(cx, &as_rule);
    }
}
