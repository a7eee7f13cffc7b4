//! The HTTP transport (axum on tokio): `POST /v1/verdict`, `POST /v1/verdicts`,
//! `GET /v1/policy`, `GET /healthz`, `GET /metrics`. Errors are JSON: `{"error": "…"}`.

use super::limits::Limits;
use super::log::rfc3339;
use super::{Service, Shutdown};
use crate::context::{Conversation, InputError};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use serde_json::{Value, json};
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

type Shared = State<Arc<Service>>;

/// Binds `listen`, prints `listening on ADDR` on stderr, and serves until SIGINT or SIGTERM;
/// then lets running requests finish (for at most `grace`).
pub async fn serve(
    service: Arc<Service>,
    listen: &str,
    grace: Duration,
    shutdown: Shutdown,
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on `{listen}`: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on `{listen}`: {e}"))?;
    eprintln!("listening on {addr}");
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, router(service))
        .with_graceful_shutdown(async move {
            shutdown.wait().await;
            eprintln!("handoff serve: stopping; finishing the requests in flight");
            let _ = stopping_tx.send(());
        })
        .into_future();
    let deadline = async move {
        if stopping_rx.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => result.map_err(|e| format!("the server stopped: {e}")),
        () = deadline => {
            eprintln!("handoff serve: requests still running after {} s; stopping anyway", grace.as_secs());
            Ok(())
        }
    }
}

/// The routes, for [`serve`] and for embedding.
pub fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/v1/verdict", post(verdict))
        .route("/v1/verdicts", post(verdicts))
        .route("/v1/policy", get(policy))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(service)
}

/// An error answer: a status and `{"error": …}` (with `line` and `column` for malformed JSON).
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    at: Option<(usize, usize)>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            at: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match self.at {
            Some((line, column)) => json!({"error": self.message, "line": line, "column": column}),
            None => json!({"error": self.message}),
        };
        (self.status, json_body(body.to_string().into_bytes())).into_response()
    }
}

fn json_body(bytes: Vec<u8>) -> ([(header::HeaderName, HeaderValue); 1], Body) {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        Body::from(bytes),
    )
}

/// Counts an error answer on its way out.
fn respond(service: &Service, result: Result<Response, ApiError>) -> Response {
    match result {
        Ok(response) => response,
        Err(e) => {
            service.metrics.error(e.status.as_u16());
            e.into_response()
        }
    }
}

async fn verdict(State(service): Shared, request: Request) -> Response {
    let result = match read_body(&service.limits, request).await {
        Ok(body) => one(&service, &body),
        Err(e) => Err(e),
    };
    respond(&service, result)
}

async fn verdicts(State(service): Shared, request: Request) -> Response {
    let result = match read_body(&service.limits, request).await {
        Ok(body) => many(&service, &body),
        Err(e) => Err(e),
    };
    respond(&service, result)
}

fn one(service: &Service, body: &[u8]) -> Result<Response, ApiError> {
    let conversation = Conversation::from_json(utf8(body)?).map_err(input_error)?;
    service
        .limits
        .check(&conversation)
        .map_err(|m| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, m))?;
    let loaded = service.reloader.current();
    let (json, decision_id) = service
        .decide(&loaded.set, conversation)
        .map_err(|m| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m))?;
    drop(loaded);
    let mut response = json_body(json).into_response();
    if let Some(value) = decision_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        response.headers_mut().insert("x-decision-id", value);
    }
    Ok(response)
}

fn many(service: &Service, body: &[u8]) -> Result<Response, ApiError> {
    let value: Value = serde_json::from_str(utf8(body)?).map_err(|e| malformed(&e))?;
    let shape = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "the body must be `{\"conversations\": [ … ]}`",
        )
    };
    let Value::Object(mut top) = value else {
        return Err(shape());
    };
    let Some(Value::Array(items)) = top.remove("conversations") else {
        return Err(shape());
    };
    let limits = &service.limits;
    if items.len() > limits.batch {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} conversations, over the limit of {} (`--max-batch`)",
                items.len(),
                limits.batch
            ),
        ));
    }
    let mut conversations = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let c = Conversation::from_value(item).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("conversation {}: {}", i + 1, e.message),
            )
        })?;
        limits.check(&c).map_err(|m| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("conversation {}: {m}", i + 1),
            )
        })?;
        conversations.push(c);
    }
    // The whole batch under one set.
    let loaded = service.reloader.current();
    let mut out = Vec::with_capacity(64 + conversations.len() * 512);
    out.extend_from_slice(b"{\"verdicts\":[");
    for (i, c) in conversations.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let (json, _) = service
            .decide(&loaded.set, c)
            .map_err(|m| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m))?;
        out.extend_from_slice(&json);
    }
    out.extend_from_slice(b"]}");
    Ok(json_body(out).into_response())
}

/// Reads the whole body within the size and time limits.
async fn read_body(limits: &Limits, request: Request) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the body is over the limit of {} bytes (`--max-body`)",
                limits.body
            ),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.body as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(
        limits.timeout,
        axum::body::to_bytes(request.into_body(), limits.body),
    )
    .await
    {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) if is_length_limit(&e) => Err(too_large()),
        Ok(Err(e)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("cannot read the body: {e}"),
        )),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the body did not arrive within {} ms (`--timeout`)",
                limits.timeout.as_millis()
            ),
        )),
    }
}

/// Whether reading stopped at the size limit (`http-body-util`'s `LengthLimitError`, which axum
/// does not re-export, so it is recognised by its message).
fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.to_string().contains("length limit exceeded") {
            return true;
        }
        source = s.source();
    }
    false
}

fn utf8(body: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(body).map_err(|e| {
        let valid = body.get(..e.valid_up_to()).unwrap_or_default();
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let column = valid.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: format!(
                "malformed JSON at line {line}, column {column}: the body is not UTF-8"
            ),
            at: Some((line, column)),
        }
    })
}

fn malformed(e: &serde_json::Error) -> ApiError {
    let text = e.to_string();
    let message = text
        .rfind(" at line ")
        .and_then(|i| text.get(..i))
        .unwrap_or(&text);
    ApiError {
        status: StatusCode::BAD_REQUEST,
        message: format!(
            "malformed JSON at line {}, column {}: {message}",
            e.line(),
            e.column()
        ),
        at: Some((e.line(), e.column())),
    }
}

fn input_error(e: InputError) -> ApiError {
    match (e.line, e.column) {
        (Some(line), Some(column)) => ApiError {
            status: StatusCode::BAD_REQUEST,
            message: format!(
                "malformed JSON at line {line}, column {column}: {}",
                e.message
            ),
            at: Some((line, column)),
        },
        _ => ApiError::new(StatusCode::BAD_REQUEST, e.message),
    }
}

async fn policy(State(service): Shared) -> Response {
    let loaded = service.reloader.current_full();
    let status = service.reloader.status();
    let body = json!({
        "digest": loaded.set.digest(),
        "version": loaded.set.version(),
        "files": loaded.files,
        "loaded_at": rfc3339(loaded.loaded_at),
        "reloads": status.reloads,
        "failed_reloads": status.failed,
        "last_error": status.last_error,
        "last_error_at": status.last_error_at.map(rfc3339),
        "warnings": loaded.set.warnings().len(),
        "directory": service.reloader.dir().display().to_string(),
        "watching": service.watching,
    });
    json_body(body.to_string().into_bytes()).into_response()
}

async fn healthz() -> Response {
    json_body(br#"{"status":"ok"}"#.to_vec()).into_response()
}

async fn metrics(State(service): Shared) -> Response {
    let text = service.metrics.render(&service.reloader);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        text,
    )
        .into_response()
}

async fn not_found(State(service): Shared, request: Request) -> Response {
    let message = format!("no such endpoint `{}`", request.uri().path());
    respond(&service, Err(ApiError::new(StatusCode::NOT_FOUND, message)))
}

async fn method_not_allowed(State(service): Shared, request: Request) -> Response {
    let message = format!(
        "`{}` does not accept `{}`",
        request.uri().path(),
        request.method()
    );
    respond(
        &service,
        Err(ApiError::new(StatusCode::METHOD_NOT_ALLOWED, message)),
    )
}
