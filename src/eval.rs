//! Compiling a checked set into a [`Program`] and evaluating conversations into [`Verdict`]s.
//!
//! - [`compile`](mod@compile): paths → slots, lexicons → one automaton, regexes built once,
//!   conditions → an arena of nodes (`program` holds the types; nodes, slots and rules
//!   are named by distinct id types);
//! - `run`: the three-valued value of a condition over one conversation (`run/found.rs`: which
//!   phrase made a condition hold, asked after the decision for `{matched}` and `--explain`);
//! - `conjunct`: rules' top-level tests in typed form; `index`: which rules can match;
//! - `decide`: the decision of LANGUAGE.md §3, top to bottom. One function decides whether a
//!   rule matches (`Run::matches`); the index's candidates, the single-test rules and
//!   `--explain` all ask it, and no mode changes how it evaluates;
//! - `verdict`: the verdict and what it answers; `render` and `json`: its reasons, its
//!   justification and its JSON, computed when asked for;
//! - `explain` and `why`: the per-rule trace of `--explain`.

mod cell;
mod compile;
mod conjunct;
mod decide;
mod explain;
mod index;
mod lexicon;
mod program;
mod render;
mod run;
mod value;
mod verdict;
mod why;

pub use compile::compile;
pub(crate) use lexicon::normalized;
pub(crate) use run::{compare, contains_ci};
pub(crate) use value::{V, or as tri_or};
pub use program::Program;
pub use verdict::{Decider, Verdict};
