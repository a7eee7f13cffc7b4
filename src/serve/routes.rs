//! The routes of the HTTP transport and their answers: `POST /v1/verdict`, `POST /v1/verdicts`,
//! `GET /v1/policy`, `GET /healthz`, `GET /metrics`. Errors are JSON: `{"error": "…"}`.
//!
//! A verdict reaches the decision log only once it is answered: its entry rides in the answer's
//! body ([`Answer`]) and is recorded when hyper takes the body to write it (with
//! `--decision-log-sync every`, the line is written and synced first, then the answer sent).

use super::limits::{Charge, Limits, SMALL_BODY};
use super::log::{Entry, rfc3339};
use super::pin;
use super::{Decided, Service};
use crate::context::{Conversation, InputError};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use hyper::body::{Frame, SizeHint};
use serde_json::{Value, json};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

type Shared = State<Arc<Service>>;

/// The routes, for [`serve`] and for embedding.
pub fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/v1/verdict", post(verdict))
        .route("/v1/verdicts", post(verdicts))
        .route("/v1/policy", get(policy))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
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
    /// More fields of the body (`If-Policy-Digest`'s 409 names both digests).
    fields: Option<Box<serde_json::Map<String, Value>>>,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            at: None,
            fields: None,
        }
    }

    /// The same error with more fields in its body.
    pub(super) fn with_fields(mut self, fields: serde_json::Map<String, Value>) -> ApiError {
        self.fields = Some(Box::new(fields));
        self
    }
}

impl ApiError {
    /// 503: the service is at one of its limits; the client may retry.
    fn busy(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    pub(super) fn status(&self) -> StatusCode {
        self.status
    }

    /// `{"error": …}` (with `line` and `column` for malformed JSON) under the error's status.
    pub(super) fn into_answer(self) -> hyper::Response<Answer> {
        let mut body = match self.at {
            Some((line, column)) => json!({"error": self.message, "line": line, "column": column}),
            None => json!({"error": self.message}),
        };
        if let (Some(fields), Value::Object(map)) = (self.fields, &mut body) {
            map.extend(*fields);
        }
        let mut response = json_response(self.status, Bytes::from(body.to_string()));
        match self.status {
            StatusCode::SERVICE_UNAVAILABLE => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            StatusCode::UNAUTHORIZED => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.into_answer().map(Body::new)
    }
}

/// A JSON answer: the status, `content-type: application/json`, the bytes (not copied).
fn json_response(status: StatusCode, bytes: Bytes) -> hyper::Response<Answer> {
    let mut response = hyper::Response::new(Answer::plain(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn json_body(bytes: Vec<u8>) -> Response {
    json_response(StatusCode::OK, Bytes::from(bytes)).map(Body::new)
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

/// `POST /v1/verdict` through the router (embedding); [`serve`] answers it in [`handle`].
async fn verdict(State(service): Shared, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let answer = verdict_answer(&service, &parts.headers, body).await;
    answer.map(Body::new)
}

/// `POST /v1/verdict`: read, decide, answer; errors are counted.
pub(super) async fn verdict_answer<B>(
    service: &Arc<Service>,
    headers: &HeaderMap,
    body: B,
) -> hyper::Response<Answer>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let result = match read_body(service, headers, body).await {
        Ok((body, _charge)) => one(service, pin::pinned(headers).as_deref(), &body),
        Err(e) => Err(e),
    };
    match result {
        Ok(decided) => deliver(service, decided.json, decided.decision_id, decided.entry.into_iter().collect()).await,
        Err(e) => {
            service.metrics.error(e.status.as_u16());
            e.into_answer()
        }
    }
}

/// The answer to a decision: logged when hyper takes it, or (sync `every`) logged and synced
/// before it is sent.
async fn deliver(
    service: &Arc<Service>,
    json: Bytes,
    decision_id: Option<super::log::DecisionId>,
    entries: Vec<Entry>,
) -> hyper::Response<Answer> {
    let mut response = if service.log_waits() {
        service.record_and_wait(entries).await;
        json_response(StatusCode::OK, json)
    } else {
        let mut response = json_response(StatusCode::OK, json);
        response.body_mut().log = Some((Arc::clone(service), entries));
        response
    };
    if let Some(value) = decision_id.and_then(|id| HeaderValue::from_bytes(&id).ok()) {
        response.headers_mut().insert("x-decision-id", value);
    }
    response
}

/// A JSON answer's body; the decisions it carries are logged when hyper first polls it.
pub struct Answer {
    data: Option<Bytes>,
    log: Option<(Arc<Service>, Vec<Entry>)>,
}

impl Answer {
    fn plain(data: Bytes) -> Answer {
        Answer {
            data: Some(data),
            log: None,
        }
    }
}

impl hyper::body::Body for Answer {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if let Some((service, entries)) = this.log.take() {
            service.record(entries);
        }
        Poll::Ready(this.data.take().map(|d| Ok(Frame::data(d))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64))
    }
}

/// Batches of more bytes than this are evaluated on the blocking pool, so that the serving
/// thread goes on answering its other connections meanwhile.
const INLINE_BATCH: usize = 16 * 1024;

async fn verdicts(State(service): Shared, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let result = match read_body(&service, &parts.headers, body).await {
        Ok((body, charge)) => batch(&service, body, charge, pin::pinned(&parts.headers)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((json, entries)) => deliver(&service, json, None, entries).await.map(Body::new),
        Err(e) => respond(&service, Err(e)),
    }
}

/// A batch, once one of the `--max-batches` slots is free (waiting at most `--timeout`).
async fn batch(
    service: &Arc<Service>,
    body: Bytes,
    charge: Charge,
    pinned: Option<Vec<String>>,
) -> Result<(Bytes, Vec<Entry>), ApiError> {
    let slot = tokio::time::timeout(
        service.limits.timeout,
        Arc::clone(&service.batch_slots).acquire_owned(),
    )
    .await;
    let Ok(Ok(slot)) = slot else {
        return Err(ApiError::busy(format!(
            "{} batches are being evaluated already (`--max-batches`); retry later",
            service.limits.batches
        )));
    };
    if body.len() <= INLINE_BATCH {
        return many(service, pinned.as_deref(), &body);
    }
    let shared = Arc::clone(service);
    tokio::task::spawn_blocking(move || {
        let result = many(&shared, pinned.as_deref(), &body);
        drop((slot, charge));
        result
    })
    .await
    .unwrap_or_else(|e| {
        Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the batch stopped unexpectedly: {e}"),
        ))
    })
}

/// One conversation's verdict: parsed, checked against the limits, decided under the current set.
fn one(service: &Service, pinned: Option<&[String]>, body: &[u8]) -> Result<Decided, ApiError> {
    let conversation = Conversation::from_json(utf8(body)?).map_err(input_error)?;
    service
        .limits
        .check(&conversation)
        .map_err(|m| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, m))?;
    let loaded = service.reloader.current();
    pin::check(pinned, loaded.set.digest())?;
    service
        .decide(&loaded.set, conversation)
        .map_err(|m| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m))
}

fn many(
    service: &Service,
    pinned: Option<&[String]>,
    body: &[u8],
) -> Result<(Bytes, Vec<Entry>), ApiError> {
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
    pin::check(pinned, loaded.set.digest())?;
    let mut out = Vec::with_capacity(64 + conversations.len() * 512);
    let mut entries = Vec::new();
    out.extend_from_slice(b"{\"verdicts\":[");
    for (i, c) in conversations.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let decided = service
            .decide(&loaded.set, c)
            .map_err(|m| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m))?;
        out.extend_from_slice(&decided.json);
        entries.extend(decided.entry);
    }
    out.extend_from_slice(b"]}");
    Ok((Bytes::from(out), entries))
}

/// Reads the whole body within the size and time limits, charging what is over [`SMALL_BODY`]
/// to the in-flight budget (503 when it is spent; the charge is given back when dropped). A body
/// that arrives in one piece (the usual case: it came with the headers) is kept as it is.
async fn read_body<B>(
    service: &Service,
    headers: &HeaderMap,
    body: B,
) -> Result<(Bytes, Charge), ApiError>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let limits: &Limits = &service.limits;
    let budget = &service.budget;
    let mut charge = budget.empty();
    let busy = || {
        ApiError::busy(format!(
            "request bodies in flight are over the limit of {} bytes (`--max-inflight`); retry later",
            limits.inflight
        ))
    };
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the body is over the limit of {} bytes (`--max-body`)",
                limits.body
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.body as u64) {
        return Err(too_large());
    }
    // A declared length is charged at once: a body that cannot be held is refused before it is
    // read.
    let declared = declared.map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
    if !budget.grow(&mut charge, declared.saturating_sub(SMALL_BODY)) {
        return Err(busy());
    }
    let collect = async {
        let mut body = body;
        let mut first: Option<Bytes> = None;
        let mut joined: Vec<u8> = Vec::new();
        let mut total = 0usize;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("cannot read the body: {e}"),
                )
            })?;
            let Ok(data) = frame.into_data() else {
                continue; // trailers
            };
            total = total.saturating_add(data.len());
            if total > limits.body {
                return Err(too_large());
            }
            let need = total.saturating_sub(SMALL_BODY);
            let charged = charge.bytes();
            if need > charged && !budget.grow(&mut charge, need - charged) {
                return Err(busy());
            }
            match first.take() {
                None if joined.is_empty() => first = Some(data),
                earlier => {
                    if let Some(earlier) = earlier {
                        joined.extend_from_slice(&earlier);
                    }
                    joined.extend_from_slice(&data);
                }
            }
        }
        Ok(first.unwrap_or_else(|| Bytes::from(joined)))
    };
    match tokio::time::timeout(limits.timeout, collect).await {
        Ok(result) => result.map(|body| (body, charge)),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the body did not arrive within {} ms (`--timeout`)",
                limits.timeout.as_millis()
            ),
        )),
    }
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
            fields: None,
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
        fields: None,
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
            fields: None,
        },
        _ => ApiError::new(StatusCode::BAD_REQUEST, e.message),
    }
}

async fn policy(State(service): Shared) -> Response {
    let loaded = service.reloader.current_full();
    let status = service.reloader.status();
    let (watching, watcher) = service.watch_report();
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
        "directory": service.reloader.shown_dir(),
        "watching": watching,
        "watcher": watcher,
    });
    json_body(body.to_string().into_bytes())
}

/// `{"status":"ok"}`, or `"degraded"` with the reason while the decision log cannot be
/// written (still 200: verdicts are still served).
async fn healthz(State(service): Shared) -> Response {
    let degraded = service
        .log
        .as_ref()
        .and_then(|log| log.state.degraded().map(|e| (e, log)));
    match degraded {
        None => json_body(br#"{"status":"ok"}"#.to_vec()),
        Some((error, log)) => json_body(
            json!({
                "status": "degraded",
                "decision_log": {
                    "error": error,
                    "dropped": log.state.dropped.load(std::sync::atomic::Ordering::Relaxed),
                },
            })
            .to_string()
            .into_bytes(),
        ),
    }
}

async fn metrics(State(service): Shared) -> Response {
    let text = service.metrics.render(
        &service.reloader,
        service.log.as_ref().map(|l| &*l.state),
        service.budget.used(),
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        text,
    )
        .into_response()
}

async fn openapi() -> Response {
    json_body(super::openapi::JSON.as_bytes().to_vec())
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
