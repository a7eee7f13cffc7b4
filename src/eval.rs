//! Compiling a checked set into a [`Program`] and evaluating conversations into [`Verdict`]s.
//!
//! - [`compile`](mod@compile): paths → slots, lexicons → one automaton, regexes built once,
//!   conditions → an arena of nodes;
//! - `run`: three-valued evaluation of conditions over one conversation;
//! - `conjunct`: rules' top-level tests in typed form, and whether a rule matches;
//! - `verdict`: the decision of LANGUAGE.md §3, and the verdict with its rendering;
//! - `explain`: the per-rule trace of `--explain`.

mod cell;
mod compile;
mod conjunct;
mod explain;
mod index;
mod json;
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
