//! Validation passes over a parsed set. Being written.

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::schema::Schema;
use crate::source::Source;

/// Every error and warning of the set (besides syntax and schema ones), in no particular order.
pub fn check(files: &[ast::File], schema: &Schema, sources: &[Source]) -> Vec<Diagnostic> {
    let _ = (files, schema, sources);
    Vec::new()
}
