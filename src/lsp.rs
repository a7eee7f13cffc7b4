//! `handoff lsp`: a Language Server over standard input and output.
//!
//! Diagnostics as you type for the whole policy set the file belongs to (the same codes,
//! ranges and help as `handoff check`), hover, go to definition, completion and formatting.
//! Messages are read by [`transport`] with bounded memory; a malformed message is answered
//! with a JSON-RPC error and the server goes on. The protocol types come from `lsp-types`, the
//! message framing types from `lsp-server` (rust-analyzer's crates).

mod features;
mod text;
mod transport;
mod workspace;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CompletionOptions, HoverProviderCapability, InitializeResult, OneOf, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind,
};
use std::io::{BufRead, Write};
pub use features::KEYWORDS;
pub use transport::MAX_BODY;
use transport::Incoming;
use workspace::Workspace;

/// Serves one client until `exit`. Returns the process exit code: 0 after `shutdown` then
/// `exit`, 1 when the input ends or `exit` comes without `shutdown` (as the protocol asks).
pub fn serve(mut input: impl BufRead, mut output: impl Write) -> u8 {
    let mut server = Server { workspace: Workspace::default(), initialized: false, shut_down: false };
    loop {
        let incoming = match transport::read(&mut input) {
            Ok(incoming) => incoming,
            Err(_) => return 1,
        };
        let out = match incoming {
            Incoming::End => return 1,
            Incoming::Malformed { code, message } => {
                vec![transport::Outgoing::ErrorWithoutId { code, message }]
            }
            Incoming::Message(Message::Notification(n)) if n.method == note::Exit::METHOD => {
                return if server.shut_down { 0 } else { 1 };
            }
            Incoming::Message(message) => server.handle(message),
        };
        for message in out {
            if transport::write(&mut output, &message).is_err() {
                return 1;
            }
        }
    }
}

struct Server {
    workspace: Workspace,
    initialized: bool,
    shut_down: bool,
}

impl Server {
    fn handle(&mut self, message: Message) -> Vec<transport::Outgoing> {
        match message {
            Message::Request(request) => {
                let (response, notifications) = self.request(request);
                std::iter::once(response.into()).chain(notifications.into_iter().map(Into::into)).collect()
            }
            Message::Notification(n) => self.notification(n).into_iter().map(Into::into).collect(),
            // Answers to requests we never send.
            Message::Response(_) => Vec::new(),
        }
    }

    fn request(&mut self, request: Request) -> (Response, Vec<Notification>) {
        let id = request.id.clone();
        if request.method == req::Initialize::METHOD {
            self.initialized = true;
            return (ok(id, initialize_result()), Vec::new());
        }
        if !self.initialized {
            return (error(id, ErrorCode::ServerNotInitialized, "the server is not initialized yet"), Vec::new());
        }
        if self.shut_down {
            return (error(id, ErrorCode::InvalidRequest, "the server is shutting down"), Vec::new());
        }
        let method = request.method.clone();
        let result = match method.as_str() {
            req::Shutdown::METHOD => {
                self.shut_down = true;
                Ok(serde_json::Value::Null)
            }
            req::HoverRequest::METHOD => params(request).map(|p| json(features::hover(&self.workspace, &p))),
            req::GotoDefinition::METHOD => params(request).map(|p| json(features::definition(&self.workspace, &p))),
            req::Completion::METHOD => params(request).map(|p| json(features::completion(&self.workspace, &p))),
            req::Formatting::METHOD => params(request).map(|p| json(features::formatting(&self.workspace, &p))),
            _ => Err((ErrorCode::MethodNotFound, format!("`{method}` is not supported"))),
        };
        let response = match result {
            Ok(value) => Response { id, response_result: Ok(value) },
            Err((code, message)) => error(id, code, &message),
        };
        (response, Vec::new())
    }

    fn notification(&mut self, n: Notification) -> Vec<Notification> {
        if !self.initialized {
            return Vec::new();
        }
        let method = n.method.clone();
        let changed = match method.as_str() {
            note::DidOpenTextDocument::METHOD => n
                .extract::<lsp_types::DidOpenTextDocumentParams>(&method)
                .ok()
                .map(|p| self.workspace.open(p.text_document.uri, p.text_document.text)),
            note::DidChangeTextDocument::METHOD => n
                .extract::<lsp_types::DidChangeTextDocumentParams>(&method)
                .ok()
                .and_then(|p| self.workspace.change(p.text_document.uri, p.content_changes)),
            note::DidSaveTextDocument::METHOD => {
                n.extract::<lsp_types::DidSaveTextDocumentParams>(&method).ok().map(|p| p.text_document.uri)
            }
            note::DidCloseTextDocument::METHOD => n
                .extract::<lsp_types::DidCloseTextDocumentParams>(&method)
                .ok()
                .map(|p| self.workspace.close(p.text_document.uri)),
            _ => None,
        };
        changed.map(|uri| features::diagnostics(&self.workspace, &uri)).unwrap_or_default()
    }
}

fn initialize_result() -> InitializeResult {
    InitializeResult {
        capabilities: ServerCapabilities {
            text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            definition_provider: Some(OneOf::Left(true)),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec![".".into(), " ".into()]),
                ..CompletionOptions::default()
            }),
            document_formatting_provider: Some(OneOf::Left(true)),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo { name: "handoff".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
    }
}

type Failure = (ErrorCode, String);

fn params<P: serde::de::DeserializeOwned>(request: Request) -> Result<P, Failure> {
    serde_json::from_value(request.params).map_err(|e| (ErrorCode::InvalidParams, format!("invalid params: {e}")))
}

fn json(value: impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn ok(id: RequestId, value: impl serde::Serialize) -> Response {
    Response { id, response_result: Ok(json(value)) }
}

fn error(id: RequestId, code: ErrorCode, message: &str) -> Response {
    Response {
        id,
        response_result: Err(lsp_server::ResponseError { code: code as i32, message: message.to_string(), data: None }),
    }
}
