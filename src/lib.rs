//! handoff — a rules-and-policy engine for human-first customer service.

pub mod ast;
pub mod batch;
pub mod check;
pub mod cli;
pub mod context;
pub mod diagnostic;
pub mod eval;
pub mod expect;
pub mod fmt;
pub mod reload;
pub mod report;
pub mod schema;
pub mod serve;
pub mod set;
pub mod signals;
pub mod source;
pub mod syntax;

pub use ast::{Priority, Route};
pub use context::{Conversation, Message, Sender};
pub use diagnostic::{Code, Diagnostic, Severity};
pub use eval::Verdict;
pub use set::{Analysis, LoadError, PolicySet};
pub use source::{Source, Span};
