//! The text of every explanation. Prose is wrapped as it appears in `docs/DIAGNOSTICS.md`;
//! examples are complete policy sets (one file), checked by `tests/explain.rs`.

use super::{Example, Explanation};
use crate::diagnostic::Code;

pub const INTRO: &str = "# Diagnostics

<!-- Generated from src/explain/entries.rs by `UPDATE_DOCS=1 cargo test --test explain`; do not
edit by hand. `handoff explain CODE` prints the same text. -->

`handoff check` reports **every** problem of a policy set in one run: each with a stable code,
the file, line and column, a snippet of the source, and a `help` line saying what to do.
Errors stop a set from loading (the service keeps serving the last good set); warnings do not.

```console
$ handoff check -p policies
$ handoff check -p policies --format json   # {\"diagnostics\": [{severity, code, message, file, line, column, help}]}
$ handoff explain unknown-field             # what a code means, why, an example and its fix
```

When part of a file does not parse, the `syntax` error is the one to fix first; the checker
does not add follow-on `missing-default`, `unknown-lexicon` or `unused-lexicon` diagnostics for
a `default`, a `lexicon` or a `mentions` that is written in the text but did not parse.

In JSON, `line` and `column` are 1-based (columns count characters); a set-wide problem such as
`missing-default` has `file`, `line` and `column` set to `null`.

Every example below is a test (`tests/explain.rs`): the example produces its code, the fixed
version produces no diagnostic at all. Every code also has a fixture in `tests/corpus/` (named
after the code) whose rendered output is snapshotted in `tests/snapshots/corpus__<code>.snap`.
";

const fn policy(text: &'static str) -> Example {
    Example::Policy(text)
}

pub const ALL: &[Explanation] = &[
    Explanation {
        code: Code::Syntax,
        what: "The text is not a valid `.policy` file: an unexpected token, an unclosed brace or
string, a clause written twice (`when` twice in one rule; only `tag` may repeat), or nesting
deeper than the parser accepts.",
        why: "Nothing else can be checked in a part of a file that does not parse. The parser
recovers at the next top-level item where it can, so other files and items are still checked.",
        example: policy(r#"default human because "A person decides."
require human "Asked for a person" {
  when signals.human_requested
  because "The customer asked to speak to a person.
}"#),
        fix: "Close the string with `\"`.",
        fixed: policy(r#"default human because "A person decides."
require human "Asked for a person" {
  when signals.human_requested
  because "The customer asked to speak to a person."
}"#),
    },
    Explanation {
        code: Code::UnknownField,
        what: "A condition, `is missing` / `is present` test or template reads a path that is not
built in (`id`, `channel`, `signals.*`) and not declared in any `context` block. Inside `where`,
`text`, `sentiment` and `from` name the message; outside `where` they are unknown too. When a
declared path is close, the help suggests it (``did you mean `customer.tier`?``).",
        why: "An undeclared path would always be missing, so every `require` reading it would
always match (fail-safe) and every `allow` reading it never would. That is almost always a typo.",
        example: policy(r#"default human because "A person decides."
context { customer.tier : string = "standard" }
require human "Premier customers" {
  when customer.teir == "premier"
  because "Premier customers talk to a person."
}"#),
        fix: "Read the declared path (or declare the one you meant).",
        fixed: policy(r#"default human because "A person decides."
context { customer.tier : string = "standard" }
require human "Premier customers" {
  when customer.tier == "premier"
  because "Premier customers talk to a person."
}"#),
    },
    Explanation {
        code: Code::TypeMismatch,
        what: "Values of different types meet: a number compared with a string, `<` on something
that is not a number, a `[…]` element of the wrong type, a string that is not among the options
of a `one of` field (the help lists them), `contains` on something that is neither a list nor
a string, `matches` / `mentions` on something that is not a string, a `when`, `unless`, `and`,
`or`, `not` or `where` operand that is not a condition, `count(…)` compared with a non-number.
Also a field declared twice with different types or defaults, and a default of the wrong type.",
        why: "Such a comparison could never be true on well-formed data; the rule would silently
never match (or, for a `require`, match only when data is missing).",
        example: policy(r#"default human because "A person decides."
context { customer.tier : one of ["standard", "plus", "premier"] = "standard" }
require human "Gold customers" {
  when customer.tier == "gold"
  because "Gold customers talk to a person."
}"#),
        fix: "Compare with a possible value of the field (or add the value to its `one of` list).",
        fixed: policy(r#"default human because "A person decides."
context { customer.tier : one of ["standard", "plus", "premier"] = "standard" }
require human "Premier customers" {
  when customer.tier == "premier"
  because "Premier customers talk to a person."
}"#),
    },
    Explanation {
        code: Code::DuplicateRule,
        what: "Two rules of the set (in any files, inside or outside principles) have the same name.
Reported at the second, with the first shown.",
        why: "Verdicts, tests and diffs refer to rules by name; two rules with one name make
`decided_by` ambiguous.",
        example: policy(r#"default human because "A person decides."
require human "Refunds" {
  when signals.distress >= 0.8
  because "Distressed refund request."
}
require review "Refunds" {
  when signals.sentiment < -0.5
  because "Unhappy refund request."
}"#),
        fix: "Give each rule its own name.",
        fixed: policy(r#"default human because "A person decides."
require human "Distressed refunds" {
  when signals.distress >= 0.8
  because "Distressed refund request."
}
require review "Unhappy refunds" {
  when signals.sentiment < -0.5
  because "Unhappy refund request."
}"#),
    },
    Explanation {
        code: Code::DuplicateLexicon,
        what: "Two `lexicon` declarations have the same name.",
        why: "`mentions NAME` must mean one list of phrases.",
        example: policy(r#"default human because "A person decides."
lexicon bereavement { "passed away", "funeral" }
lexicon bereavement { "died", "my late" }
require human "Bereavement" {
  when any customer message mentions bereavement
  because "The customer wrote \"{matched}\"."
}"#),
        fix: "Merge the phrases into one lexicon.",
        fixed: policy(r#"default human because "A person decides."
lexicon bereavement { "passed away", "funeral", "died", "my late" }
require human "Bereavement" {
  when any customer message mentions bereavement
  because "The customer wrote \"{matched}\"."
}"#),
    },
    Explanation {
        code: Code::UnknownLexicon,
        what: "`mentions NAME` names a lexicon that no file declares (with a suggestion when one is
close).",
        why: "The test could never match anything.",
        example: policy(r#"default human because "A person decides."
lexicon self_harm { "hurt myself" }
require human "Self-harm risk" {
  when last customer message mentions self_harn
  because "A risk to the customer's safety."
}"#),
        fix: "Name the declared lexicon.",
        fixed: policy(r#"default human because "A person decides."
lexicon self_harm { "hurt myself" }
require human "Self-harm risk" {
  when last customer message mentions self_harm
  because "A risk to the customer's safety."
}"#),
    },
    Explanation {
        code: Code::MissingBecause,
        what: "A rule has no `because \"…\"` clause.",
        why: "Every verdict must be explainable to a person: the deciding rules' reasons are the
justification.",
        example: policy(r#"default human because "A person decides."
require human "Asked for a person" {
  when signals.human_requested
}"#),
        fix: "Say why the rule decides as it does.",
        fixed: policy(r#"default human because "A person decides."
require human "Asked for a person" {
  when signals.human_requested
  because "The customer asked to speak to a person."
}"#),
    },
    Explanation {
        code: Code::MissingWhen,
        what: "A rule has no `when` clause. Reported at the rule's name.",
        why: "A rule without a condition says nothing about when it applies.",
        example: policy(r#"default ai because "The assistant answers."
require human "Always a person" {
  because "Every conversation goes to a person."
}"#),
        fix: "Write the condition; if the rule should apply to every conversation, say so with
`when true`.",
        fixed: policy(r#"default ai because "The assistant answers."
require human "Always a person" {
  when true
  because "Every conversation goes to a person."
}"#),
    },
    Explanation {
        code: Code::MissingDefault,
        what: "No file of the set has a `default ROUTE because \"…\"` line.",
        why: "The default decides when no rule matches; without it a verdict would have no route.",
        example: policy(r#"require human "Asked for a person" {
  when signals.human_requested
  because "The customer asked to speak to a person."
}"#),
        fix: "Add one default to the set (usually `human`: what no rule allows goes to a person).",
        fixed: policy(r#"default human because "No rule allows the assistant to handle this on its own."
require human "Asked for a person" {
  when signals.human_requested
  because "The customer asked to speak to a person."
}"#),
    },
    Explanation {
        code: Code::MultipleDefaults,
        what: "More than one `default` line in the set (in any files). Each extra one is reported,
with the first shown.",
        why: "A verdict must not depend on which file was read first.",
        example: policy(r#"default human because "A person decides."
default ai because "The assistant decides.""#),
        fix: "Keep one.",
        fixed: policy(r#"default human because "A person decides.""#),
    },
    Explanation {
        code: Code::InvalidRegex,
        what: "The pattern of `matches \"…\"` does not compile with Rust's `regex` crate; the help
quotes the engine's reason. Look-around (`(?=…)`, `(?<!…)`) and backreferences are not
supported.",
        why: "The test could not run. Note that in a policy string `\\b` and `\\d` are handed to the
regex engine as written.",
        example: policy(r#"default human because "A person decides."
require review "Chargebacks" {
  when any customer message matches "(refund|chargeback"
  because "A payment dispute."
}"#),
        fix: "Close the group (or escape the parenthesis: `\\(`).",
        fixed: policy(r#"default human because "A person decides."
require review "Chargebacks" {
  when any customer message matches "(refund|chargeback)"
  because "A payment dispute."
}"#),
    },
    Explanation {
        code: Code::UnknownPlaceholder,
        what: "A `because` template contains a `{placeholder}` that is not a declared path, `id`,
`channel`, a signal or `{matched}`; or `{matched}` in a rule whose `when` has no `mentions`; or
a `{` that is never closed. `{{` and `}}` are literal braces.",
        why: "A justification that cannot be rendered would show `unknown` or a half-written brace
to the person reading it.",
        example: policy(r#"default human because "A person decides."
context { intent : string = "none" }
require review "Complaints" {
  when intent == "complaint"
  because "Complaint about {intnet}."
}"#),
        fix: "Name a declared path (the help suggests the closest).",
        fixed: policy(r#"default human because "A person decides."
context { intent : string = "none" }
require review "Complaints" {
  when intent == "complaint"
  because "Complaint about {intent}."
}"#),
    },
    Explanation {
        code: Code::ObligationOnHuman,
        what: "`must …` on a `require human` rule.",
        why: "Obligations bind the assistant; when a person takes the conversation the assistant
does not reply, so they would never apply.",
        example: policy(r#"default human because "A person decides."
require human "Asked for a person" {
  when signals.human_requested
  must offer_human
  because "The customer asked to speak to a person."
}"#),
        fix: "Remove it, or put it on an `allow ai` or `require review` rule, or in a header's
`ai_must`.",
        fixed: policy(r#"default human because "A person decides."
require human "Asked for a person" {
  when signals.human_requested
  because "The customer asked to speak to a person."
}"#),
    },
    Explanation {
        code: Code::UnusedLexicon,
        what: "A lexicon that no `mentions` refers to.",
        why: "Usually a rule was meant to use it, or it is left over from an earlier version.",
        example: policy(r#"default human because "A person decides."
lexicon refunds { "refund", "money back" }"#),
        fix: "Use it in a rule, or remove it.",
        fixed: policy(r#"default human because "A person decides."
lexicon refunds { "refund", "money back" }
require review "Refund requests" {
  when any customer message mentions refunds
  because "The customer wrote \"{matched}\"."
}"#),
    },
    Explanation {
        code: Code::Contradiction,
        what: "A `when` that can never be true, found by reasoning over simple facts about one path
inside an `and`: numeric ranges (`x > 5 and x < 3`), equalities (`x == \"a\" and x == \"b\"`,
`x == 1 and x != 1`), lists (`x in [\"a\"] and x not in [\"a\"]`), bools (`x and not x`), the
options of a `one of` field, `is missing` with `is present`, and `when false`. An `or` is
reported when every branch is impossible. The check is sound: it warns only when certain.",
        why: "The rule never matches on known data. A `require` rule still matches when the fields
it reads are unknown (the fail-safe), so such a rule is not dead code, but it is almost
certainly not what was meant.",
        example: policy(r#"default human because "A person decides."
context { customer.contacts_7d : number = 0 }
require review "Frequent contacts" {
  when customer.contacts_7d > 5 and customer.contacts_7d < 3
  because "The customer keeps coming back."
}"#),
        fix: "Write the range that was meant.",
        fixed: policy(r#"default human because "A person decides."
context { customer.contacts_7d : number = 0 }
require review "Frequent contacts" {
  when customer.contacts_7d > 3 and customer.contacts_7d < 50
  because "The customer keeps coming back."
}"#),
    },
    Explanation {
        code: Code::ShadowedAllow,
        what: "An `allow ai` rule that some `require` (without `unless`) always overrides: the
require's `when` follows from the allow's `when` (each of its conjuncts is one of the allow's,
or follows from the allow's facts about the same path, like `ai.confidence < 0.5` from
`ai.confidence < 0.3`), or is simply `true`.",
        why: "A `require` always wins over an `allow`, so the allow never routes a conversation to
the assistant.",
        example: policy(r#"default human because "A person decides."
context {
  intent : string = "none"
  ai.confidence : number = 0
}
require review "Billing is reviewed" {
  when intent == "billing"
  because "Billing replies are approved by a person."
}
allow ai "Billing fixes" {
  when intent == "billing" and ai.confidence >= 0.9
  because "A routine billing fix."
}"#),
        fix: "Narrow the require (or remove the allow).",
        fixed: policy(r#"default human because "A person decides."
context {
  intent : string = "none"
  ai.confidence : number = 0
}
require review "Unsure billing is reviewed" {
  when intent == "billing" and ai.confidence < 0.9
  because "Billing replies the assistant is unsure of are approved by a person."
}
allow ai "Billing fixes" {
  when intent == "billing" and ai.confidence >= 0.9
  because "A routine billing fix."
}"#),
    },
    Explanation {
        code: Code::OutOfRange,
        what: "A number compared with a signal (or a message's `sentiment` inside `where`) lies
outside the signal's range, or the comparison can never hold at the edge of it. Ranges:
`signals.sentiment`, `signals.sentiment_min` and message `sentiment` −1…1; `signals.distress`
0…1; `signals.negative_streak`, `signals.repeated`, `signals.ai_turns` 0 or more.",
        why: "The comparison either never holds or always holds, so it tests nothing.
`signals.distress >= 1` is fine (the maximum), `signals.distress > 1` can never hold.",
        example: policy(r#"default human because "A person decides."
require human "High emotional load" {
  when signals.distress >= 1.5
  because "Emotional load is high."
}"#),
        fix: "Compare within the signal's range.",
        fixed: policy(r#"default human because "A person decides."
require human "High emotional load" {
  when signals.distress >= 0.8
  because "Emotional load is high."
}"#),
    },
    Explanation {
        code: Code::GuaranteeViolated,
        what: "A guarantee does not hold: some conversation for which its `when` is true (or
unknown) and its `unless` is not true gets a route below the one it ensures. The help shows the
counterexample, a concrete conversation that `eval` routes lower (the checker confirms it with
the evaluator first); `check --format json` carries it as `counterexample`, and
`check --counterexamples DIR` writes it as a YAML file ready for `eval --explain`.",
        why: "A guarantee is how a principle stays non-negotiable: an edit elsewhere in the set
(a new `allow ai`, a narrowed `require`) must not quietly break it. `check` and `serve` refuse
the set.",
        example: policy(r#"default ai because "The assistant answers."
lexicon self_harm { "hurt myself", "end it all" }
principle "Safety is never automated" {
  guarantee "Self-harm always reaches a person" {
    when any customer message mentions self_harm
    ensure human
  }
}"#),
        fix: "Add (or restore) the rule that gives the ensured route.",
        fixed: policy(r#"default ai because "The assistant answers."
lexicon self_harm { "hurt myself", "end it all" }
principle "Safety is never automated" {
  require human "Self-harm risk" {
    when any customer message mentions self_harm
    because "The customer wrote \"{matched}\"."
  }
  guarantee "Self-harm always reaches a person" {
    when any customer message mentions self_harm
    ensure human
  }
}"#),
    },
    Explanation {
        code: Code::DuplicateGuarantee,
        what: "Two guarantees of the set have the same name (guarantee names live apart from rule
names). Reported at the second, with the first shown.",
        why: "Counterexample files and reports name guarantees; two with one name would be
confused.",
        example: policy(r#"default human because "A person decides."
guarantee "People first" {
  when true
  ensure human
}
guarantee "People first" {
  when signals.distress >= 0.5
  ensure review
}"#),
        fix: "Give each guarantee its own name.",
        fixed: policy(r#"default human because "A person decides."
guarantee "People first" {
  when true
  ensure human
}
guarantee "Distress gets a person" {
  when signals.distress >= 0.5
  ensure review
}"#),
    },
    Explanation {
        code: Code::GuaranteeUnproved,
        what: "The checker could neither prove a guarantee for every conversation nor find a
conversation that breaks it: a construct its encoding does not cover, a counterexample that
might need more messages than the search covers, or a search that reached its limit. The help
says which.",
        why: "\"Proved\" must mean proved for all conversations, never a sample. `check` still
passes (a warning), but `serve` refuses a set with an unproved guarantee.",
        example: policy(r#"default ai because "The assistant answers."
require human "Long conversations" {
  when count(customer messages) >= 30
  because "A long conversation goes to a person."
}
guarantee "Long conversations reach a person" {
  when count(customer messages) >= 30
  ensure human
}"#),
        fix: "State the guarantee so the checker can decide it (here: a smaller count), or
simplify the condition the help names.",
        fixed: policy(r#"default ai because "The assistant answers."
require human "Long conversations" {
  when count(customer messages) >= 12
  because "A long conversation goes to a person."
}
guarantee "Long conversations reach a person" {
  when count(customer messages) >= 12
  ensure human
}"#),
    },
    Explanation {
        code: Code::MatchesWhenMissing,
        what: "The `when` of a `require` rule reads a declared path that has no default (outside `is
missing` / `is present`), and the rule does not test whether it is missing: every conversation
that lacks the field makes the condition unknown, and an unknown `require` matches (fail-safe).",
        why: "Fail-safe is right, but it should be a choice the rule shows: otherwise every conversation
without the field lands in the rule's queue with `check` clean.",
        example: policy(r#"default ai because "The assistant answers."
context { account.risk : number }
require human "Risky account" {
  when account.risk > 0.8
  because "The account's risk is {account.risk}."
}"#),
        fix: "Say that a missing value matches, or give the field a default.",
        fixed: policy(r#"default ai because "The assistant answers."
context { account.risk : number }
require human "Risky account" {
  when account.risk > 0.8 or account.risk is missing
  because "The account's risk is {account.risk}."
}"#),
    },
    Explanation {
        code: Code::MatchedWithoutPhrase,
        what: "`{matched}` in a rule whose `when` is not an `and` (at any depth) with a positive
`mentions` among its operands (one not under `not`, `no`, `every` or `count`): the rule can
match with no phrase found, and `{matched}` then renders `unknown`.",
        why: "A reason that renders as `The customer wrote \"unknown\"` explains nothing to the person
who takes the conversation.",
        example: policy(r#"default ai because "The assistant answers."
context { customer.vulnerable : bool = false }
lexicon grief { "passed away", "funeral" }
require human "Grief" {
  when customer.vulnerable or any customer message mentions grief
  because "The customer wrote \"{matched}\"."
}"#),
        fix: "Give each way of matching its own rule, so that `{matched}` only appears where a phrase
was found.",
        fixed: policy(r#"default ai because "The assistant answers."
context { customer.vulnerable : bool = false }
lexicon grief { "passed away", "funeral" }
require human "Grief" {
  when any customer message mentions grief
  because "The customer wrote \"{matched}\"."
}
require human "Vulnerable customer" {
  when customer.vulnerable
  because "The customer is in vulnerable circumstances."
}"#),
    },
    Explanation {
        code: Code::Io,
        what: "The policy directory or one of its files cannot be read.",
        why: "Nothing can be checked. `handoff check` exits with 2.",
        example: Example::Command("handoff check -p does-not-exist"),
        fix: "Name a readable directory of `.policy` files.",
        fixed: Example::Command("handoff check -p policies"),
    },
];
