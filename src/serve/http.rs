//! The HTTP transport: `POST /v1/verdict`, `POST /v1/verdicts`, `GET /v1/policy`,
//! `GET /healthz`, `GET /metrics`. Errors are JSON: `{"error": "…"}`.
//!
//! Connections are served by hyper's HTTP/1.1 server on [`threads`] threads, each running a
//! single-threaded tokio runtime of its own; the accepting runtime hands every new connection to
//! the thread with the fewest open ones, where it stays. A request therefore never wakes another
//! thread, and a verdict is computed on the thread that read it. `POST /v1/verdict`, the route
//! that carries the load, is answered directly; the other routes go through an axum router
//! ([`router`]).

use super::limits::Limits;
use super::log::rfc3339;
use super::pin;
use super::{Service, Shutdown};
use crate::context::{Conversation, InputError};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::{BodyExt, Either, Full};
use hyper::body::Incoming;
use hyper::service::Service as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use std::convert::Infallible;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

type Shared = State<Arc<Service>>;

/// Threads that serve connections: `HANDOFF_SERVE_THREADS`, else one per core.
pub fn threads() -> usize {
    std::env::var("HANDOFF_SERVE_THREADS")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
        .min(256)
}

/// One serving thread, as the accept loop sees it.
struct Lane {
    connections: mpsc::UnboundedSender<std::net::TcpStream>,
    open: Arc<AtomicUsize>,
}

/// Binds `listen`, prints `listening on ADDR` on stderr, and serves on `threads` threads until
/// SIGINT or SIGTERM; then stops accepting, lets running requests finish (for at most `grace`)
/// and closes idle connections.
pub async fn serve(
    service: Arc<Service>,
    listen: &str,
    grace: Duration,
    shutdown: Shutdown,
    threads: usize,
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on `{listen}`: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on `{listen}`: {e}"))?;
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every lane holds a sender until its last connection has ended.
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let router = TowerToHyperService::new(router(Arc::clone(&service)));
    let mut lanes = Vec::with_capacity(threads.max(1));
    for i in 0..threads.max(1) {
        let (tx, rx) = mpsc::unbounded_channel();
        let open = Arc::new(AtomicUsize::new(0));
        let conn = Arc::new(Conn {
            service: Arc::clone(&service),
            router: router.clone(),
        });
        let (stop, alive, count) = (stop_rx.clone(), alive_tx.clone(), Arc::clone(&open));
        std::thread::Builder::new()
            .name(format!("handoff-http-{i}"))
            .spawn(move || lane(conn, rx, stop, alive, count))
            .map_err(|e| format!("cannot start: {e}"))?;
        lanes.push(Lane {
            connections: tx,
            open,
        });
    }
    drop(alive_tx);
    eprintln!("listening on {addr}");

    let stopping = shutdown.wait();
    tokio::pin!(stopping);
    let mut next = 0usize;
    loop {
        let accepted = tokio::select! {
            () = &mut stopping => break,
            accepted = listener.accept() => accepted,
        };
        let tcp = match accepted {
            Ok((tcp, _)) => tcp,
            Err(e) => {
                // Out of file descriptors and the like: the listener stays; try again shortly.
                eprintln!("handoff serve: cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let Ok(tcp) = tcp.into_std() else { continue };
        next = next.wrapping_add(1);
        dispatch(&mut lanes, next, tcp)?;
    }
    eprintln!("handoff serve: stopping; finishing the requests in flight");
    drop(listener);
    let _ = stop_tx.send(true);
    drop(lanes);
    match tokio::time::timeout(grace, alive_rx.recv()).await {
        Ok(_) => Ok(()),
        Err(_) => {
            eprintln!(
                "handoff serve: requests still running after {} s; stopping anyway",
                grace.as_secs()
            );
            Ok(())
        }
    }
}

/// Hands a connection to the lane with the fewest open connections (ties going round from
/// `next`). A lane whose thread has stopped (it could not start its runtime) is dropped and the
/// next one tried.
fn dispatch(lanes: &mut Vec<Lane>, next: usize, tcp: std::net::TcpStream) -> Result<(), String> {
    let mut tcp = tcp;
    loop {
        let n = lanes.len();
        let open = |i: &usize| {
            lanes
                .get(*i)
                .map_or(usize::MAX, |l| l.open.load(Ordering::Relaxed))
        };
        let Some(i) = (0..n).map(|k| (next + k) % n).min_by_key(open) else {
            return Err("no thread is left to serve connections".into());
        };
        let Some(lane) = lanes.get(i) else {
            return Err("no thread is left to serve connections".into());
        };
        lane.open.fetch_add(1, Ordering::Relaxed);
        match lane.connections.send(tcp) {
            Ok(()) => return Ok(()),
            Err(mpsc::error::SendError(back)) => {
                lane.open.fetch_sub(1, Ordering::Relaxed);
                lanes.swap_remove(i);
                tcp = back;
            }
        }
    }
}

/// What every connection of a lane shares.
struct Conn {
    service: Arc<Service>,
    router: TowerToHyperService<Router>,
}

/// A serving thread: its own single-threaded runtime, the connections handed to it, until the
/// accept loop stops and the last of them has ended.
fn lane(
    conn: Arc<Conn>,
    mut incoming: mpsc::UnboundedReceiver<std::net::TcpStream>,
    stop: watch::Receiver<bool>,
    alive: mpsc::Sender<()>,
    open: Arc<AtomicUsize>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("handoff serve: cannot start a serving thread: {e}");
            return;
        }
    };
    runtime.block_on(async move {
        let (mine_tx, mut mine_rx) = mpsc::channel::<()>(1);
        while let Some(tcp) = incoming.recv().await {
            match tokio::net::TcpStream::from_std(tcp) {
                Ok(tcp) => {
                    let task = connection(Arc::clone(&conn), tcp, stop.clone(), Arc::clone(&open));
                    let token = mine_tx.clone();
                    tokio::spawn(async move {
                        task.await;
                        drop(token);
                    });
                }
                Err(_) => {
                    open.fetch_sub(1, Ordering::Relaxed);
                }
            }
        }
        drop(mine_tx);
        let _ = mine_rx.recv().await;
    });
    drop(alive);
}

/// One connection, HTTP/1.1 with keep-alive, until the client closes it or the service stops
/// (then the request in progress is answered first).
async fn connection(
    conn: Arc<Conn>,
    tcp: tokio::net::TcpStream,
    stop: watch::Receiver<bool>,
    open: Arc<AtomicUsize>,
) {
    let mut stop = stop;
    let service = hyper::service::service_fn(move |request| {
        let conn = Arc::clone(&conn);
        async move { Ok::<_, Infallible>(handle(&conn, request).await) }
    });
    let http = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .pipeline_flush(true)
        .serve_connection(TokioIo::new(tcp), service);
    tokio::pin!(http);
    let stopping = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    tokio::select! {
        _ = http.as_mut() => {}
        () = stopping => {
            http.as_mut().graceful_shutdown();
            let _ = http.await;
        }
    }
    open.fetch_sub(1, Ordering::Relaxed);
}

type Reply = Either<Full<Bytes>, Body>;

async fn handle(conn: &Conn, request: hyper::Request<Incoming>) -> hyper::Response<Reply> {
    if request.method() == Method::POST && request.uri().path() == "/v1/verdict" {
        let (parts, body) = request.into_parts();
        let service = &conn.service;
        let result = match read_body(&service.limits, &parts.headers, body).await {
            Ok(body) => one(service, &parts.headers, &body),
            Err(e) => Err(e),
        };
        let response = result.unwrap_or_else(|e| {
            service.metrics.error(e.status.as_u16());
            e.into_full()
        });
        return response.map(Either::Left);
    }
    match conn.router.call(request).await {
        Ok(response) => response.map(Either::Right),
        Err(never) => match never {},
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

impl ApiError {
    /// `{"error": …}` (with `line` and `column` for malformed JSON) under the error's status.
    fn into_full(self) -> hyper::Response<Full<Bytes>> {
        let body = match self.at {
            Some((line, column)) => json!({"error": self.message, "line": line, "column": column}),
            None => json!({"error": self.message}),
        };
        json_response(self.status, Bytes::from(body.to_string()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.into_full().map(Body::new)
    }
}

/// A JSON answer: the status, `content-type: application/json`, the bytes (not copied).
fn json_response(status: StatusCode, bytes: Bytes) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(bytes));
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
    let result = match read_body(&service.limits, &parts.headers, body).await {
        Ok(body) => one(&service, &parts.headers, &body).map(|r| r.map(Body::new)),
        Err(e) => Err(e),
    };
    respond(&service, result)
}

/// Batches of more bytes than this are evaluated on the blocking pool, so that the serving
/// thread goes on answering its other connections meanwhile.
const INLINE_BATCH: usize = 16 * 1024;

async fn verdicts(State(service): Shared, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let result = match read_body(&service.limits, &parts.headers, body).await {
        Ok(body) if body.len() > INLINE_BATCH => {
            let shared = Arc::clone(&service);
            tokio::task::spawn_blocking(move || many(&shared, &parts.headers, &body))
                .await
                .unwrap_or_else(|e| {
                    Err(ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("the batch stopped unexpectedly: {e}"),
                    ))
                })
        }
        Ok(body) => many(&service, &parts.headers, &body),
        Err(e) => Err(e),
    };
    respond(&service, result)
}

/// One conversation's verdict: parsed, checked against the limits, decided under the current set.
fn one(
    service: &Service,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<hyper::Response<Full<Bytes>>, ApiError> {
    let conversation = Conversation::from_json(utf8(body)?).map_err(input_error)?;
    service
        .limits
        .check(&conversation)
        .map_err(|m| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, m))?;
    let loaded = service.reloader.current();
    if let Some(refused) = pin::refuse(headers, loaded.set.digest()) {
        service.metrics.error(StatusCode::CONFLICT.as_u16());
        return Ok(refused);
    }
    let decided = service
        .decide(&loaded.set, conversation)
        .map_err(|m| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m))?;
    drop(loaded);
    let mut response = json_response(StatusCode::OK, decided.json);
    if let Some(value) = decided
        .decision_id
        .and_then(|id| HeaderValue::from_bytes(&id).ok())
    {
        response.headers_mut().insert("x-decision-id", value);
    }
    Ok(response)
}

fn many(service: &Service, headers: &HeaderMap, body: &[u8]) -> Result<Response, ApiError> {
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
    if let Some(refused) = pin::refuse(headers, loaded.set.digest()) {
        service.metrics.error(StatusCode::CONFLICT.as_u16());
        return Ok(refused.map(Body::new));
    }
    let mut out = Vec::with_capacity(64 + conversations.len() * 512);
    out.extend_from_slice(b"{\"verdicts\":[");
    for (i, c) in conversations.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let decided = service
            .decide(&loaded.set, c)
            .map_err(|m| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m))?;
        out.extend_from_slice(&decided.json);
    }
    out.extend_from_slice(b"]}");
    Ok(json_response(StatusCode::OK, Bytes::from(out)).map(Body::new))
}

/// Reads the whole body within the size and time limits. A body that arrives in one piece (the
/// usual case: it came with the headers) is kept as it is, not copied.
async fn read_body<B>(limits: &Limits, headers: &HeaderMap, body: B) -> Result<Bytes, ApiError>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
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
    let collect = async move {
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
        Ok(result) => result,
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
    json_body(body.to_string().into_bytes())
}

async fn healthz() -> Response {
    json_body(br#"{"status":"ok"}"#.to_vec())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_go_to_the_least_busy_live_lane() {
        let Ok(listener) = std::net::TcpListener::bind("127.0.0.1:0") else {
            return; // no loopback here
        };
        let Ok(addr) = listener.local_addr() else {
            return;
        };
        let connect = || std::net::TcpStream::connect(addr).ok();
        let lane = || {
            let (tx, rx) = mpsc::unbounded_channel();
            let open = Arc::new(AtomicUsize::new(0));
            (
                Lane {
                    connections: tx,
                    open: Arc::clone(&open),
                },
                rx,
                open,
            )
        };
        let (a, mut a_rx, a_open) = lane();
        let (b, b_rx, _) = lane();
        let (c, mut c_rx, c_open) = lane();
        a_open.store(5, Ordering::Relaxed);
        drop(b_rx); // b's thread has stopped
        let mut lanes = vec![a, b, c];
        for n in 0..3 {
            let Some(tcp) = connect() else { return };
            assert_eq!(dispatch(&mut lanes, n, tcp), Ok(()));
        }
        assert_eq!(lanes.len(), 2, "the stopped lane is dropped");
        assert!(a_rx.try_recv().is_err(), "the busy lane got nothing");
        assert_eq!(c_open.load(Ordering::Relaxed), 3);
        assert!(c_rx.try_recv().is_ok());
        drop((a_rx, c_rx));
        let Some(tcp) = connect() else { return };
        assert!(dispatch(&mut lanes, 0, tcp).is_err());
        assert!(lanes.is_empty());
    }
}
