//! `handoff serve`: the long-running verdict service, over HTTP ([`http`]) or standard input and
//! output ([`stdio`]), with hot reload ([`crate::reload`]), a decision log ([`log`]) and metrics
//! ([`metrics`]).
//!
//! Every verdict is computed under one snapshot of the current policy set and carries its digest;
//! reloads run on a thread of their own and swap the compiled set atomically.

pub mod http;
pub mod limits;
pub mod log;
pub mod metrics;
pub mod pin;
pub mod stdio;

use crate::context::Conversation;
use crate::reload::{Outcome, Reloader, WatchMode, WatchOptions};
use crate::set::PolicySet;
use axum::body::Bytes;
use limits::Limits;
use log::{DecisionId, DecisionLog, Entry};
use metrics::Metrics;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Everything `handoff serve` can be told.
#[derive(Clone, Debug)]
pub struct Options {
    pub policies: PathBuf,
    pub listen: String,
    pub stdio: bool,
    pub decision_log: Option<PathBuf>,
    pub log_text: bool,
    pub limits: Limits,
    pub watch: WatchOptions,
    /// Reload only on SIGHUP.
    pub no_watch: bool,
    /// How long graceful shutdown waits for requests still running.
    pub shutdown_timeout: Duration,
}

/// What the transports share: the current set, the counters, the decision log, the limits.
#[derive(Debug)]
pub struct Service {
    pub reloader: Arc<Reloader>,
    pub metrics: Metrics,
    pub log: Option<DecisionLog>,
    pub limits: Limits,
    /// How the directory is watched, for `GET /v1/policy`.
    pub watching: String,
    /// Bytes to reserve for the next verdict's JSON: the largest seen so far (capped), so the
    /// buffer is allocated once instead of grown by doubling.
    verdict_size: AtomicUsize,
}

/// A verdict as the transports answer it.
pub struct Decided {
    /// The verdict JSON, shared (not copied) with the decision log.
    pub json: Bytes,
    /// Its decision id, when the decision log is on.
    pub decision_id: Option<DecisionId>,
}

/// The most [`Service::verdict_size`] reserves up front.
const MAX_RESERVE: usize = 16 * 1024;

impl Service {
    pub fn new(
        reloader: Arc<Reloader>,
        log: Option<DecisionLog>,
        limits: Limits,
        watching: String,
    ) -> Service {
        Service {
            reloader,
            metrics: Metrics::default(),
            log,
            limits,
            watching,
            verdict_size: AtomicUsize::new(1024),
        }
    }

    /// Evaluates one conversation under `set`, counts it, queues it for the decision log, and
    /// returns the verdict JSON and its decision id (when the log is on).
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
            });
        };
        let decision_id = log.next_id();
        log.record(Entry {
            ts: SystemTime::now(),
            decision_id,
            verdict: json.clone(),
            input: conversation,
        });
        Ok(Decided {
            json,
            decision_id: Some(decision_id),
        })
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

/// Runs the service until a signal (HTTP) or the end of input (stdio); returns the exit code.
pub fn run(options: Options) -> u8 {
    use crate::cli::exit;
    let reloader = match Reloader::load(&options.policies) {
        Ok(r) => Arc::new(r),
        Err(e) => {
            eprint!("{}", e.render(std::io::stderr().is_terminal(), 100));
            eprintln!(
                "handoff serve: the policy set in `{}` does not load; nothing to serve",
                options.policies.display()
            );
            return exit::COULD_NOT_RUN;
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
    let log = match &options.decision_log {
        None => None,
        Some(path) => match DecisionLog::open(path, options.log_text) {
            Ok(log) => Some(log),
            Err(e) => {
                eprintln!(
                    "handoff serve: cannot open the decision log `{}`: {e}",
                    path.display()
                );
                return exit::COULD_NOT_RUN;
            }
        },
    };
    let (watching, trigger) = if options.no_watch {
        ("off (SIGHUP reloads)".to_string(), None)
    } else {
        let for_report = Arc::clone(&reloader);
        match reloader.spawn(options.watch, move |o| report(&for_report, o)) {
            Ok(spawned) => {
                if let Some(reason) = &spawned.fallback_reason {
                    eprintln!(
                        "handoff serve: the platform's file watcher failed ({reason}); polling instead"
                    );
                }
                let mode = match spawned.mode {
                    WatchMode::Native => "native".to_string(),
                    WatchMode::Poll(d) => format!("polling every {} ms", d.as_millis()),
                    WatchMode::None => "waiting for the directory".to_string(),
                };
                (mode, Some(spawned.trigger))
            }
            Err(e) => {
                eprintln!("handoff serve: cannot start watching: {e}; SIGHUP still reloads");
                ("off (SIGHUP reloads)".to_string(), None)
            }
        }
    };
    let service = Arc::new(Service::new(reloader, log, options.limits, watching));

    // Signals, SIGHUP reloads and (HTTP) accepting connections; the connections themselves are
    // served by threads of their own (`http::serve`), the stdio lines by one thread.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("handoff serve: cannot start: {e}");
            return exit::COULD_NOT_RUN;
        }
    };
    let shutdown = runtime.block_on(async {
        spawn_sighup(Arc::clone(&service.reloader));
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
        ))
    };
    if let Some(trigger) = trigger {
        trigger.stop();
    }
    service.close_log();
    runtime.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(()) => exit::OK,
        Err(message) => {
            eprintln!("handoff serve: {message}");
            exit::COULD_NOT_RUN
        }
    }
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
            eprint!("{}", e.render(std::io::stderr().is_terminal(), 100));
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

/// Reloads on every SIGHUP (off the async workers). The handler is in place when this returns.
fn spawn_sighup(reloader: Arc<Reloader>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            return;
        };
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                let r = Arc::clone(&reloader);
                let _ = tokio::task::spawn_blocking(move || {
                    let outcome = r.reload();
                    report(&r, &outcome);
                })
                .await;
            }
        });
    }
    #[cfg(not(unix))]
    let _ = reloader;
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
