//! handoff — a rules-and-policy engine for human-first customer service.
//!
//! Compliance teams write, in `.policy` files, where an AI assistant may act on its own and
//! where a person must step in. The pipeline is the architecture:
//!
//! ```text
//! source text ─ syntax (pest) ─▶ AST with spans ─ check ─▶ diagnostics
//!                                      └─ compile ─▶ Program ─ evaluate(Conversation) ─▶ Verdict
//! ```
//!
//! The whole pipeline, from policy text to an explained verdict:
//!
//! ```
//! let policy = r#"
//!     policy "Care" { version "2026.11" ai_must disclose_ai }
//!     default human because "No rule lets the assistant handle this on its own."
//!     context {
//!       intent        : string
//!       ai.confidence : number
//!     }
//!     lexicon bereavement { "passed away", "funeral" }
//!     require human "Bereavement" {
//!       when any customer message mentions bereavement
//!       queue "care-team"
//!       because "The customer wrote \"{matched}\"."
//!     }
//!     allow ai "Invoice copies" {
//!       when intent == "invoice_copy" and ai.confidence >= 0.8
//!       because "A routine request ({intent})."
//!     }
//! "#;
//! let set = handoff::PolicySet::from_sources([("care.policy", policy)])?;
//!
//! let conversation: handoff::Conversation = serde_json::from_str(r#"{
//!     "id": "c-1", "intent": "invoice_copy", "ai": {"confidence": 0.93},
//!     "messages": [{"from": "customer", "text": "My mum passed away, I need her last invoice"}]
//! }"#)?;
//! let verdict = set.evaluate(&conversation);
//! assert_eq!(verdict.route, handoff::Route::Human);          // a `require` beats any `allow`
//! assert_eq!(verdict.queue(), Some("care-team"));
//! assert_eq!(verdict.decided_by_names(), ["Bereavement"]);
//! assert!(verdict.justification().contains("passed away"));
//!
//! // Missing data never makes the assistant more autonomous: without a confidence the
//! // `allow ai` rule cannot match, and the default (a person) decides.
//! let unsure: handoff::Conversation = serde_json::from_str(r#"{"intent": "invoice_copy"}"#)?;
//! let verdict = set.evaluate(&unsure);
//! assert_eq!(verdict.route, handoff::Route::Human);
//! assert_eq!(verdict.unknown(), ["ai.confidence"]);
//!
//! let json = serde_json::to_string(&verdict)?;                // the verdict JSON of INTERFACE.md
//! assert!(json.starts_with(r#"{"conversation":null,"route":"human""#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A set with mistakes does not load; its error renders every diagnostic at once:
//!
//! ```
//! let err = handoff::PolicySet::from_sources([("p.policy", "allow ai \"x\" { when intnet == 1 }")])
//!     .unwrap_err();
//! let codes: Vec<&str> = err.diagnostics.iter().map(|d| d.code.as_str()).collect();
//! assert!(codes.contains(&"unknown-field") && codes.contains(&"missing-because"));
//! assert!(codes.contains(&"missing-default"));
//! ```

//! # Features
//!
//! - `serve` (default): the verdict service ([`serve`]) and hot reload ([`reload`]), on tokio,
//!   hyper and axum.
//! - `cli` (default, implies `serve`): the command line ([`cli`], the `handoff` binary), batch
//!   runs ([`batch`]) and HTML reports.
//!
//! `handoff = { version = "0.1", default-features = false }` gives parsing, checking,
//! evaluation, signals and the formatter without any of those dependencies. `lsp` (default):
//! `handoff lsp`, the language server.

#[cfg(feature = "serve")]
#[cfg_attr(not(feature = "cli"), allow(dead_code, reason = "`handoff show` reads the archive"))]
mod archive;
pub mod ast;
#[cfg(feature = "cli")]
pub mod batch;
#[cfg(feature = "cli")]
mod catalogue;
pub mod check;
pub mod prove;
#[cfg(feature = "cli")]
pub mod cli;
pub mod context;
pub mod diagnostic;
pub mod eval;
#[cfg(any(feature = "cli", feature = "lsp"))]
#[cfg_attr(not(feature = "cli"), allow(dead_code, reason = "the language server reads only its keys"))]
mod expect;
pub mod explain;
pub mod fmt;
#[cfg(any(feature = "cli", feature = "lsp"))]
#[cfg_attr(not(feature = "cli"), allow(dead_code, reason = "the language server reads only its keys"))]
mod input_schema;
#[cfg(feature = "serve")]
mod lines;
#[cfg(feature = "lsp")]
pub mod lsp;
#[cfg(feature = "serve")]
pub mod reload;
#[cfg(feature = "cli")]
mod report;
pub mod schema;
#[cfg(feature = "serve")]
pub mod serve;
pub mod set;
mod short;
pub mod signals;
pub mod source;
pub mod syntax;
#[cfg(any(feature = "cli", feature = "serve"))]
mod time;

pub use ast::{Priority, Route};
pub use context::{Conversation, Message, Sender};
pub use diagnostic::{Code, Diagnostic, Severity};
pub use eval::Verdict;
pub use set::{Analysis, LoadError, PolicySet};
pub use source::{Source, Span};
