//! Compiling a checked set into a [`Program`] and evaluating conversations. Being written.

use crate::ast::{self, Priority, Route};
use crate::context::Conversation;
use crate::schema::Schema;
use crate::source::Source;

#[derive(Debug)]
pub struct Program {
    digest: String,
    version: Option<String>,
}

pub fn compile(files: &[ast::File], sources: &[Source], schema: &Schema, digest: String) -> Program {
    let _ = (files, sources, schema);
    Program { digest, version: None }
}

impl Program {
    pub fn digest(&self) -> &str {
        &self.digest
    }
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }
    pub fn evaluate<'a>(&'a self, conversation: &'a Conversation) -> Verdict<'a> {
        Verdict { route: Route::Human, priority: Priority::Normal, program: self, conversation }
    }
}

pub struct Verdict<'a> {
    pub route: Route,
    pub priority: Priority,
    program: &'a Program,
    conversation: &'a Conversation,
}

impl serde::Serialize for Verdict<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Verdict", 3)?;
        s.serialize_field("conversation", &self.conversation.id())?;
        s.serialize_field("route", &self.route)?;
        s.serialize_field("policy", &serde_json::json!({"version": self.program.version(), "digest": self.program.digest()}))?;
        s.end()
    }
}
