//! `handoff serve`: the long-running verdict service, over HTTP ([`http`]) or standard input and
//! output ([`stdio`]), with hot reload ([`crate::reload`]), a decision log ([`log`]) and metrics
//! ([`metrics`]).
//!
//! Every verdict is computed under one snapshot of the current policy set and carries its digest;
//! reloads run on a thread of their own and swap the compiled set atomically.

pub mod auth;
pub mod http;
pub mod limits;
pub mod log;
pub mod metrics;
pub mod openapi;
pub mod pin;
pub mod routes;
pub mod stdio;
pub mod tls;

use crate::context::Conversation;
use crate::reload::{Outcome, Reloader, Trigger, WatchHealth, WatchOptions};
use crate::set::{LoadError, PolicySet};
use axum::body::Bytes;
use limits::{Budget, Limits};
use log::{DecisionId, DecisionLog, Entry, LogOptions};
use metrics::Metrics;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Everything `handoff serve` can be told.
#[derive(Clone, Debug)]
pub struct Options {
    pub policies: PathBuf,
    pub listen: String,
    pub stdio: bool,
    pub decision_log: Option<LogOptions>,
    pub limits: Limits,
    /// `--token-file`: bearer tokens, one per line.
    pub token_file: Option<PathBuf>,
    /// `--insecure-no-auth`: serve a non-loopback address without tokens.
    pub insecure_no_auth: bool,
    /// `--tls-cert` and `--tls-key` (PEM).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Size limits of the policy set and `--archive`.
    pub reload: crate::reload::ReloadOptions,
    pub watch: WatchOptions,
    /// Reload only on SIGHUP.
    pub no_watch: bool,
    /// How long graceful shutdown waits for requests still running.
    pub shutdown_timeout: Duration,
}

/// What the transports share: the current set, the counters, the decision log, the limits.
pub struct Service {
    pub reloader: Arc<Reloader>,
    pub metrics: Metrics,
    pub log: Option<DecisionLog>,
    pub limits: Limits,
    /// How the directory is watched, for `GET /v1/policy`; `None` with `--no-watch`.
    pub watch: Option<Arc<Mutex<WatchHealth>>>,
    /// `--token-file`: when set, every route but `/healthz` needs a bearer token.
    pub tokens: Option<auth::Tokens>,
    /// `--tls-cert`/`--tls-key`.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// Request body bytes in flight ([`Limits::inflight`]).
    pub budget: Budget,
    /// Batches evaluated at once ([`Limits::batches`]).
    pub batch_slots: Arc<tokio::sync::Semaphore>,
    /// Bytes to reserve for the next verdict's JSON: the largest seen so far (capped), so the
    /// buffer is allocated once instead of grown by doubling.
    verdict_size: AtomicUsize,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("reloader", &self.reloader)
            .field("limits", &self.limits)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

/// A verdict as the transports answer it.
pub struct Decided {
    /// The verdict JSON, shared (not copied) with the decision log.
    pub json: Bytes,
    /// Its decision id, when the decision log is on.
    pub decision_id: Option<DecisionId>,
    /// Its decision log entry, to record once the verdict is answered ([`Service::record`]).
    pub entry: Option<Entry>,
}

/// The most [`Service::verdict_size`] reserves up front.
const MAX_RESERVE: usize = 16 * 1024;

impl Service {
    pub fn new(
        reloader: Arc<Reloader>,
        log: Option<DecisionLog>,
        limits: Limits,
        watch: Option<Arc<Mutex<WatchHealth>>>,
    ) -> Service {
        Service {
            reloader,
            metrics: Metrics::default(),
            log,
            limits,
            watch,
            tokens: None,
            tls: None,
            budget: Budget::new(limits.inflight),
            batch_slots: Arc::new(tokio::sync::Semaphore::new(limits.batches.max(1))),
            verdict_size: AtomicUsize::new(1024),
        }
    }

    /// Evaluates one conversation under `set`, counts it, and returns the verdict JSON with its
    /// decision id and log entry (when the log is on); the entry is recorded once answered.
    pub fn decide(&self, set: &PolicySet, conversation: Conversation) -> Result<Decided, String> {
        let start = Instant::now();
        let verdict = set.evaluate(&conversation);
        let took = start.elapsed();
        self.metrics.verdict(verdict.route, took);
        let reserve = self.verdict_size.load(Ordering::Relaxed);
        let mut json = Vec::with_capacity(reserve);
        verdict.write_json(&mut json);
        drop(verdict);
        if json.len() > reserve && reserve < MAX_RESERVE {
            let grown = (json.len() + json.len() / 4).min(MAX_RESERVE);
            self.verdict_size.fetch_max(grown, Ordering::Relaxed);
        }
        let json = Bytes::from(json);
        let Some(log) = &self.log else {
            return Ok(Decided {
                json,
                decision_id: None,
                entry: None,
            });
        };
        let decision_id = log.next_id();
        let entry = Entry {
            ts: SystemTime::now(),
            decision_id,
            verdict: json.clone(),
            input: conversation,
            read_paths: Arc::clone(&self.reloader.current().read_paths),
        };
        Ok(Decided {
            json,
            decision_id: Some(decision_id),
            entry: Some(entry),
        })
    }

    /// Records answered verdicts in the decision log.
    pub fn record(&self, entries: impl IntoIterator<Item = Entry>) {
        if let Some(log) = &self.log {
            for entry in entries {
                log.record(entry);
            }
        }
    }

    /// Records verdicts and, with `--decision-log-sync every`, blocks until their lines are
    /// written and synced (for a thread outside the async runtime: stdio).
    pub fn record_blocking(&self, entries: impl IntoIterator<Item = Entry>) {
        let Some(log) = &self.log else { return };
        let receipts: Vec<_> = entries.into_iter().filter_map(|e| log.record(e)).collect();
        for receipt in receipts {
            let _ = receipt.blocking_recv();
        }
    }

    /// Whether answers wait for their log lines (`--decision-log-sync every`).
    pub fn log_waits(&self) -> bool {
        self.log.as_ref().is_some_and(DecisionLog::waits)
    }

    /// Records verdicts and waits until their lines are written and synced.
    pub async fn record_and_wait(&self, entries: Vec<Entry>) {
        let Some(log) = &self.log else { return };
        let receipts: Vec<_> = entries.into_iter().filter_map(|e| log.record(e)).collect();
        for receipt in receipts {
            let _ = receipt.await;
        }
    }

    /// Whether a request may be served: always `/healthz`, the rest only with a known bearer
    /// token when `--token-file` is given.
    pub fn authorize<B>(&self, request: &hyper::Request<B>) -> Result<(), routes::ApiError> {
        let Some(tokens) = &self.tokens else {
            return Ok(());
        };
        if request.uri().path() == "/healthz" {
            return Ok(());
        }
        let presented = request
            .headers()
            .get(axum::http::header::AUTHORIZATION)
            .map(axum::http::HeaderValue::as_bytes);
        if tokens.allows(presented) {
            return Ok(());
        }
        Err(routes::ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "a bearer token is required (`Authorization: Bearer TOKEN`)",
        ))
    }

    /// SIGHUP: reopen the decision log, read the token file again, re-arm the watch and reload
    /// (or reload now, without a watch).
    fn hangup(&self, trigger: Option<&Trigger>) {
        if let Some(log) = &self.log {
            log.reopen();
        }
        if let Some(tokens) = &self.tokens {
            match tokens.reload() {
                Ok(n) => eprintln!("handoff serve: token file read again ({n} tokens)"),
                Err(e) => eprintln!("handoff serve: {e}; the tokens stay as they were"),
            }
        }
        match trigger {
            Some(trigger) => trigger.reload(),
            None => {
                let outcome = self.reloader.reload();
                report(&self.reloader, &outcome);
            }
        }
    }

    /// `GET /v1/policy`'s `watching` and `watcher`.
    pub fn watch_report(&self) -> (String, serde_json::Value) {
        let Some(health) = &self.watch else {
            return (
                "off (SIGHUP reloads)".to_string(),
                serde_json::json!({"mode": "off", "healthy": true}),
            );
        };
        let h = health.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let mode = h.mode.describe();
        let report = serde_json::json!({
            "mode": mode,
            "healthy": h.healthy(),
            "rearmed": h.rearmed,
            "missed_events": h.missed_events,
            "rescan_interval_ms": crate::reload::RESCAN_INTERVAL.as_millis() as u64,
            "last_rescan": log::rfc3339(h.last_rescan),
            "error": h.error,
        });
        (mode, report)
    }

    /// Flushes and closes the decision log (after the last request).
    fn close_log(&self) {
        let Some(log) = &self.log else { return };
        match log.close() {
            Ok(n) => eprintln!("handoff serve: decision log flushed ({n} decisions written)"),
            Err(e) => eprintln!("handoff serve: the decision log may be incomplete: {e}"),
        }
    }
}

/// Why the service could not run (or stopped on an error).
#[derive(Debug)]
pub enum ServeError {
    /// The policy set does not load: nothing to serve.
    Load { policies: PathBuf, error: LoadError },
    /// The decision log cannot be opened.
    DecisionLog { path: PathBuf, error: std::io::Error },
    /// The token file or the TLS certificate and key cannot be used.
    Access(String),
    /// The runtime cannot start.
    Start(std::io::Error),
    /// The transport failed (e.g. the address cannot be listened on).
    Transport(String),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Load { policies, .. } => write!(
                f,
                "the policy set in `{}` does not load; nothing to serve",
                policies.display()
            ),
            ServeError::DecisionLog { path, error } => {
                write!(f, "cannot open the decision log `{}`: {error}", path.display())
            }
            ServeError::Start(e) => write!(f, "cannot start: {e}"),
            ServeError::Access(message) | ServeError::Transport(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ServeError {}

/// Runs the service until a signal (HTTP) or the end of input (stdio).
pub fn run(options: Options) -> Result<(), ServeError> {
    let reloader = match Reloader::load_with(&options.policies, options.reload.clone()) {
        Ok(r) => Arc::new(r),
        Err(error) => {
            return Err(ServeError::Load {
                policies: options.policies,
                error,
            });
        }
    };
    {
        let loaded = reloader.current();
        eprintln!(
            "handoff serve: policy set `{}`: {} files, digest {}",
            options.policies.display(),
            loaded.files.len(),
            short(loaded.set.digest())
        );
    }
    let log = match options.decision_log.clone() {
        None => None,
        Some(log) => {
            let path = log.path.clone();
            match DecisionLog::open(log) {
                Ok(log) => Some(log),
                Err(error) => return Err(ServeError::DecisionLog { path, error }),
            }
        }
    };
    let (tokens, tls) = match access(&options) {
        Ok(access) => access,
        Err(message) => return Err(ServeError::Access(message)),
    };
    let (watch, trigger) = if options.no_watch {
        (None, None)
    } else {
        let for_report = Arc::clone(&reloader);
        match reloader.spawn(options.watch, move |o| report(&for_report, o)) {
            Ok(spawned) => {
                if let Some(reason) = &spawned.fallback_reason {
                    eprintln!(
                        "handoff serve: the platform's file watcher failed ({reason}); polling instead"
                    );
                }
                (Some(spawned.health), Some(spawned.trigger))
            }
            Err(e) => {
                eprintln!("handoff serve: cannot start watching: {e}; SIGHUP still reloads");
                (None, None)
            }
        }
    };
    let mut service = Service::new(reloader, log, options.limits, watch);
    service.tokens = tokens;
    service.tls = tls;
    let service = Arc::new(service);

    // Signals, SIGHUP reloads and (HTTP) accepting connections; the connections themselves are
    // served by threads of their own (`http::serve`), the stdio lines by one thread.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => return Err(ServeError::Start(e)),
    };
    let shutdown = runtime.block_on(async {
        spawn_sighup(Arc::clone(&service), trigger.clone());
        Shutdown::register()
    });
    let result = if options.stdio {
        stdio::run(&service, &runtime, shutdown)
    } else {
        runtime.block_on(http::serve(
            Arc::clone(&service),
            &options.listen,
            options.shutdown_timeout,
            shutdown,
            http::threads(),
            options.insecure_no_auth,
        ))
    };
    if let Some(trigger) = trigger {
        trigger.stop();
    }
    service.close_log();
    runtime.shutdown_timeout(Duration::from_millis(100));
    result.map_err(ServeError::Transport)
}

/// The token file and the TLS acceptor the options name.
fn access(
    options: &Options,
) -> Result<(Option<auth::Tokens>, Option<tokio_rustls::TlsAcceptor>), String> {
    let tokens = options
        .token_file
        .as_deref()
        .map(auth::Tokens::load)
        .transpose()?;
    let tls = match &options.tls {
        Some((cert, key)) => Some(tls::acceptor(cert, key)?),
        None => None,
    };
    Ok((tokens, tls))
}

/// Logs a reload's outcome on stderr.
fn report(reloader: &Reloader, outcome: &Outcome) {
    match outcome {
        Outcome::Swapped {
            digest,
            files,
            took,
        } => eprintln!(
            "handoff serve: reloaded `{}`: {files} files, digest {} ({} ms)",
            reloader.dir().display(),
            short(digest),
            took.as_millis()
        ),
        Outcome::Unchanged => {}
        Outcome::Failed(e) => {
            eprintln!("{}", crate::reload::report(e, std::io::stderr().is_terminal()));
            eprintln!(
                "handoff serve: the edited policy set has errors; still serving digest {}",
                short(reloader.current().set.digest())
            );
        }
    }
}

fn short(digest: &str) -> &str {
    digest.get(..12).unwrap_or(digest)
}

/// On every SIGHUP (off the async workers): re-arms the watch and reloads (through `trigger`,
/// or directly with `--no-watch`). The handler is in place when this returns.
fn spawn_sighup(service: Arc<Service>, trigger: Option<Trigger>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            return;
        };
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                let service = Arc::clone(&service);
                let trigger = trigger.clone();
                let _ = tokio::task::spawn_blocking(move || service.hangup(trigger.as_ref())).await;
            }
        });
    }
    #[cfg(not(unix))]
    let _ = (service, trigger);
}

/// SIGINT and SIGTERM, caught from the moment [`Shutdown::register`] returns (so a signal sent
/// right after `listening on` is printed is never the default, abrupt one).
pub struct Shutdown {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Shutdown {
    /// Installs the handlers; call inside the runtime.
    pub fn register() -> Shutdown {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signals = match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(term), Ok(int)) => Some((term, int)),
                _ => None,
            };
            Shutdown { signals }
        }
        #[cfg(not(unix))]
        Shutdown {}
    }

    /// Resolves on SIGINT or SIGTERM.
    pub async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut term, mut int)) = self.signals {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
