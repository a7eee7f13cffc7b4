//! The HTTP transport: connections, threads, the limits of the connection layer; the routes are
//! in [`super::routes`].
//!
//! Connections are served by hyper's HTTP/1.1 server on [`threads`] threads, each running a
//! single-threaded tokio runtime of its own; the accepting runtime hands every new connection to
//! the thread with the fewest open ones, where it stays. A request therefore never wakes another
//! thread, and a verdict is computed on the thread that read it. `POST /v1/verdict`, the route
//! that carries the load, is answered directly; the other routes go through an axum router
//! ([`router`]).
//!
//! Bounds of the connection layer (issue 19): at most `--max-connections` open (more are
//! answered 503 and closed); a request head must arrive within `--idle-timeout` of the
//! connection's start or its previous answer (closing slowloris and idle keep-alive
//! connections alike); a head over [`MAX_HEAD`] gets 431, a URI over [`MAX_URI`] 414; a client
//! that half-closes after its request is answered; and every connection is closed *lingering*
//! (the write side shut, what the client still sends read and dropped for up to [`LINGER`]), so
//! that an error answer reaches a client whose unread bytes would otherwise turn the close into
//! a reset that discards it.

use super::Service;
use super::Shutdown;
use super::limits::{MAX_HEAD, MAX_URI};
use super::routes::{Answer, ApiError, verdict_answer};
pub use super::routes::router;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use http_body_util::Either;
use hyper::body::Incoming;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::convert::Infallible;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};

/// How long a closing connection keeps reading (and dropping) what the client still sends.
pub const LINGER: Duration = Duration::from_secs(1);

/// The most bytes a closing connection reads and drops.
const LINGER_BYTES: usize = 4 * 1024 * 1024;

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
    insecure_no_auth: bool,
) -> Result<(), String> {
    let (listener, addr) = bind(&service, listen, insecure_no_auth).await?;
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
        let open: usize = lanes.iter().map(|l| l.open.load(Ordering::Relaxed)).sum();
        if open >= service.limits.connections {
            service.metrics.error(503);
            tokio::spawn(refuse(tcp));
            continue;
        }
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

/// Binds `listen`; an address other than loopback is refused without `--token-file` unless
/// `--insecure-no-auth` says so.
async fn bind(
    service: &Service,
    listen: &str,
    insecure_no_auth: bool,
) -> Result<(tokio::net::TcpListener, std::net::SocketAddr), String> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on `{listen}`: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on `{listen}`: {e}"))?;
    if !addr.ip().is_loopback() && service.tokens.is_none() {
        if !insecure_no_auth {
            return Err(format!(
                "refusing to serve `{addr}`, which is not a loopback address, to anyone who can \
                 reach it: give `--token-file FILE` (bearer tokens), or `--insecure-no-auth` if \
                 something in front of the service checks callers"
            ));
        }
        eprintln!(
            "handoff serve: warning: `{addr}` is served without authentication (`--insecure-no-auth`)"
        );
    }
    Ok((listener, addr))
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
        .max_blocking_threads(conn.service.limits.batches.max(1))
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

/// A connection over `--max-connections`: a 503 if it can be written at once, then a lingering
/// close.
async fn refuse(tcp: tokio::net::TcpStream) {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
        retry-after: 1\r\nconnection: close\r\ncontent-length: 81\r\n\r\n\
        {\"error\":\"too many open connections (`--max-connections`); retry later\"}\n";
    let _ = tcp.try_write(BUSY);
    linger(tcp).await;
}

/// Shuts the write side and reads what the client still sends, for at most [`LINGER`] and
/// [`LINGER_BYTES`], then closes: the answers already written reach the client whole.
async fn linger(mut tcp: tokio::net::TcpStream) {
    let _ = tcp.shutdown().await;
    let drain = async {
        let mut sink = [0u8; 4096];
        let mut total = 0usize;
        while let Ok(n @ 1..) = tcp.read(&mut sink).await {
            total += n;
            if total > LINGER_BYTES {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

/// A second handle on the connection's socket, for [`linger`] once hyper is done with it.
fn keep_socket(tcp: &tokio::net::TcpStream) -> Option<std::net::TcpStream> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        tcp.as_fd()
            .try_clone_to_owned()
            .ok()
            .map(std::net::TcpStream::from)
    }
    #[cfg(not(unix))]
    {
        let _ = tcp;
        None
    }
}

/// One connection, HTTP/1.1 with keep-alive, until the client closes it or the service stops
/// (then the request in progress is answered first); closed lingering.
async fn connection(
    conn: Arc<Conn>,
    tcp: tokio::net::TcpStream,
    stop: watch::Receiver<bool>,
    open: Arc<AtomicUsize>,
) {
    let socket = keep_socket(&tcp);
    let idle = conn.service.limits.idle;
    let service = Arc::clone(&conn.service);
    let failed = match conn.service.tls.clone() {
        Some(tls) => {
            if let Ok(Ok(stream)) = tokio::time::timeout(idle, tls.accept(tcp)).await {
                serve_http(conn, stream, stop).await;
            }
            None // a failed or slow handshake is closed; no plain-text answer inside TLS
        }
        None => serve_http(conn, KeepOpen(tcp), stop).await,
    };
    if let Some(socket) = socket.and_then(|s| tokio::net::TcpStream::from_std(s).ok()) {
        if let Some(status) = failed {
            service.metrics.error(status.as_u16());
        }
        linger(socket).await;
    }
    open.fetch_sub(1, Ordering::Relaxed);
}

/// A TCP stream whose shutdown hyper cannot perform: the connection's end is [`linger`]'s, so
/// that hyper's last answer (also the bodiless 431 or 400 it writes for a request it could not
/// read) reaches the client before the close.
struct KeepOpen(tokio::net::TcpStream);

impl AsyncRead for KeepOpen {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for KeepOpen {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }
}

/// hyper's HTTP/1.1 server over `io` (TCP, or TLS over it); the status hyper answered (with an
/// empty body) when it could not read a request, for the metrics.
async fn serve_http<I>(conn: Arc<Conn>, io: I, stop: watch::Receiver<bool>) -> Option<StatusCode>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut stop = stop;
    let idle = conn.service.limits.idle;
    let service = hyper::service::service_fn(move |request| {
        let conn = Arc::clone(&conn);
        async move { Ok::<_, Infallible>(handle(&conn, request).await) }
    });
    let http = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .pipeline_flush(false)
        .half_close(true)
        .timer(TokioTimer::new())
        .header_read_timeout(idle)
        .max_buf_size(MAX_HEAD)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(http);
    let stopping = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    let result = tokio::select! {
        result = http.as_mut() => result,
        () = stopping => {
            http.as_mut().graceful_shutdown();
            http.await
        }
    };
    match result {
        Err(e) if e.is_parse_too_large() => Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE),
        Err(e) if e.is_parse() => Some(StatusCode::BAD_REQUEST),
        _ => None,
    }
}

type Reply = Either<Answer, Body>;

async fn handle(conn: &Conn, request: hyper::Request<Incoming>) -> hyper::Response<Reply> {
    let service = &conn.service;
    let target = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let refused = if target > MAX_URI {
        Some(ApiError::new(
            StatusCode::URI_TOO_LONG,
            format!("the request target is over {MAX_URI} bytes"),
        ))
    } else {
        service.authorize(&request).err()
    };
    if let Some(e) = refused {
        service.metrics.error(e.status().as_u16());
        return e.into_answer().map(Either::Left);
    }
    if request.method() == Method::POST && request.uri().path() == "/v1/verdict" {
        let (parts, body) = request.into_parts();
        return verdict_answer(service, &parts.headers, body)
            .await
            .map(Either::Left);
    }
    match conn.router.call(request).await {
        Ok(response) => response.map(Either::Right),
        Err(never) => match never {},
    }
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
