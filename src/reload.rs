//! Hot reload: watch a policy directory, run the whole pipeline (parse, check, compile) off the
//! request path once a change settles, and swap the compiled set atomically, keeping the last
//! good set when the new one is broken.
//!
//! Two layers:
//! - [`Watch`] turns file-system noise into *settled changes*: it watches the directory
//!   recursively (editors that save by rename, files created and deleted, a Kubernetes ConfigMap's
//!   `..data` symlink swap), watches the parent so that the directory itself may be replaced,
//!   debounces, and falls back to polling when the platform's watcher fails. [`watch_loop`] is the
//!   authoring loop of `check --watch` and `test --watch`.
//! - [`Reloader`] holds the current [`Loaded`] set behind an [`ArcSwap`]: readers take a snapshot
//!   and compute a whole verdict under it; [`Reloader::reload`] builds a new set and swaps it in
//!   only when it is valid.

use crate::set::{LoadError, PolicySet};
use arc_swap::{ArcSwap, Guard};
use notify::{Config, Event, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// How long the directory must stay quiet before a change counts as settled.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(50);

/// A change that keeps coming (a long burst of writes) is acted on after this long anyway.
const MAX_SETTLE: Duration = Duration::from_millis(500);

/// How often the directory's identity is checked, to catch a replaced directory that no event
/// announced.
const IDENTITY_CHECK: Duration = Duration::from_secs(1);

/// How a [`Watch`] learns about changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchOptions {
    pub debounce: Duration,
    /// `Some(interval)`: poll instead of using the platform's watcher.
    pub poll: Option<Duration>,
}

impl Default for WatchOptions {
    fn default() -> WatchOptions {
        WatchOptions {
            debounce: DEFAULT_DEBOUNCE,
            poll: None,
        }
    }
}

/// Why a settled change was reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Files under the directory changed.
    Files,
    /// Someone asked (SIGHUP, [`Trigger::reload`]).
    Requested,
}

enum Msg {
    Fs,
    Requested,
    Stop,
}

/// Asks a [`Watch`] (or the thread of a [`Reloader::spawn`]) to act now, or to stop.
#[derive(Clone, Debug)]
pub struct Trigger(Sender<Msg>);

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Msg::Fs => "fs",
            Msg::Requested => "requested",
            Msg::Stop => "stop",
        })
    }
}

impl Trigger {
    /// Reports a change as if the files had changed (used for SIGHUP).
    pub fn reload(&self) {
        let _ = self.0.send(Msg::Requested);
    }

    /// Ends the watch: [`Watch::wait`] returns `None`.
    pub fn stop(&self) {
        let _ = self.0.send(Msg::Stop);
    }
}

/// Which watcher is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchMode {
    Native,
    Poll(Duration),
    /// Neither could start (the directory may not exist yet); the identity check still runs.
    None,
}

/// Settled changes of a policy directory.
pub struct Watch {
    dir: PathBuf,
    options: WatchOptions,
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    watcher: Option<Box<dyn Watcher + Send>>,
    mode: WatchMode,
    identity: Option<(u64, u64)>,
    /// The reason the native watcher failed, if it did.
    pub fallback_reason: Option<String>,
}

impl Watch {
    /// Starts watching `dir`. Never fails: when the platform's watcher cannot start it polls, and
    /// when nothing can start it still notices the directory appearing or being replaced.
    pub fn new(dir: impl AsRef<Path>, options: WatchOptions) -> Watch {
        let dir = std::path::absolute(dir.as_ref()).unwrap_or_else(|_| dir.as_ref().to_path_buf());
        let (tx, rx) = mpsc::channel();
        let mut watch = Watch {
            identity: identity(&dir),
            dir,
            options,
            tx,
            rx,
            watcher: None,
            mode: WatchMode::None,
            fallback_reason: None,
        };
        watch.start();
        watch
    }

    pub fn mode(&self) -> WatchMode {
        self.mode
    }

    pub fn trigger(&self) -> Trigger {
        Trigger(self.tx.clone())
    }

    fn start(&mut self) {
        self.watcher = None;
        let poll = self.options.poll;
        if poll.is_none() {
            match self.native() {
                Ok(w) => {
                    self.watcher = Some(w);
                    self.mode = WatchMode::Native;
                    return;
                }
                Err(e) => self.fallback_reason = Some(e.to_string()),
            }
        }
        let interval = poll.unwrap_or(Duration::from_millis(500));
        match self.polling(interval) {
            Ok(w) => {
                self.watcher = Some(w);
                self.mode = WatchMode::Poll(interval);
            }
            Err(e) => {
                self.fallback_reason.get_or_insert_with(|| e.to_string());
                self.mode = WatchMode::None;
            }
        }
    }

    fn native(&self) -> notify::Result<Box<dyn Watcher + Send>> {
        let mut w = RecommendedWatcher::new(
            handler(self.dir.clone(), self.tx.clone()),
            Config::default(),
        )?;
        self.add_paths(&mut w, true)?;
        Ok(Box::new(w))
    }

    fn polling(&self, interval: Duration) -> notify::Result<Box<dyn Watcher + Send>> {
        let config = Config::default()
            .with_poll_interval(interval)
            .with_compare_contents(true);
        let mut w = PollWatcher::new(handler(self.dir.clone(), self.tx.clone()), config)?;
        // Not the parent: polling would read every file beside the directory; the identity
        // check catches a replaced directory instead.
        self.add_paths(&mut w, false)?;
        Ok(Box::new(w))
    }

    fn add_paths(&self, w: &mut dyn Watcher, parent: bool) -> notify::Result<()> {
        w.watch(&self.dir, RecursiveMode::Recursive)?;
        // The parent, so that replacing the directory itself is seen at once; best effort.
        if let Some(parent) = self
            .dir
            .parent()
            .filter(|p| parent && !p.as_os_str().is_empty())
        {
            let _ = w.watch(parent, RecursiveMode::NonRecursive);
        }
        Ok(())
    }

    /// Blocks until the next settled change; `None` once stopped.
    pub fn wait(&mut self) -> Option<Cause> {
        let mut cause = loop {
            match self.rx.recv_timeout(IDENTITY_CHECK) {
                Ok(Msg::Fs) => break Cause::Files,
                Ok(Msg::Requested) => break Cause::Requested,
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return None,
                Err(RecvTimeoutError::Timeout) => {
                    if self.identity_changed() {
                        break Cause::Files;
                    }
                    if self.mode == WatchMode::None {
                        self.start();
                    }
                }
            }
        };
        let start = Instant::now();
        while start.elapsed() < MAX_SETTLE {
            match self.rx.recv_timeout(self.options.debounce) {
                Ok(Msg::Fs) => {}
                Ok(Msg::Requested) => cause = Cause::Requested,
                Ok(Msg::Stop) => return None,
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        self.identity_changed();
        Some(cause)
    }

    /// Whether the directory was replaced (or appeared, or vanished) since last seen; if so, the
    /// watch moves to the new one.
    fn identity_changed(&mut self) -> bool {
        let now = identity(&self.dir);
        if now == self.identity {
            return false;
        }
        self.identity = now;
        self.start();
        true
    }
}

/// The event handler: every change under `dir` (or to `dir` itself) is one `Fs` message. Plain
/// reads are not changes (the reload itself reads every file).
fn handler(dir: PathBuf, tx: Sender<Msg>) -> impl Fn(notify::Result<Event>) + Send + 'static {
    move |event: notify::Result<Event>| {
        let relevant = match &event {
            Ok(e) => {
                is_change(&e.kind)
                    && (e.paths.is_empty() || e.paths.iter().any(|p| p.starts_with(&dir)))
            }
            // Overflow, watch errors: rescan to be safe.
            Err(_) => true,
        };
        if relevant {
            let _ = tx.send(Msg::Fs);
        }
    }
}

fn is_change(kind: &EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode};
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

#[cfg(unix)]
fn identity(dir: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(dir: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(dir).ok().map(|_| (0, 0))
}

/// Watches `dir` and calls `run` once now and again after every settled change, clearing the
/// screen first when standard output is a terminal: the authoring loop of `--watch`.
pub fn watch_loop(dir: &Path, mut run: impl FnMut()) {
    use std::io::{IsTerminal, Write};
    let mut watch = Watch::new(dir, WatchOptions::default());
    if let Some(reason) = &watch.fallback_reason {
        eprintln!(
            "handoff: cannot watch `{}` natively ({reason}); polling instead",
            dir.display()
        );
    }
    let tty = std::io::stdout().is_terminal();
    loop {
        if tty {
            print!("\x1b[2J\x1b[H");
            let _ = std::io::stdout().flush();
        }
        run();
        let _ = std::io::stdout().flush();
        eprintln!(
            "\nwatching `{}` for changes (ctrl-c to stop)",
            dir.display()
        );
        if watch.wait().is_none() {
            return;
        }
    }
}

/// A compiled set and when it was loaded.
#[derive(Debug)]
pub struct Loaded {
    pub set: PolicySet,
    pub loaded_at: SystemTime,
    /// The set's files, relative to the directory, in path order.
    pub files: Vec<String>,
}

impl Loaded {
    fn new(set: PolicySet) -> Loaded {
        let files = set.sources().iter().map(|s| s.name.clone()).collect();
        Loaded {
            set,
            loaded_at: SystemTime::now(),
            files,
        }
    }
}

/// What a reload did.
#[derive(Debug)]
pub enum Outcome {
    /// A new valid set now serves.
    Swapped {
        digest: String,
        files: usize,
        took: Duration,
    },
    /// The files hold the set already serving.
    Unchanged,
    /// The new set has errors (or cannot be read); the last good set keeps serving.
    Failed(Arc<LoadError>),
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Swapped { .. } => "ok",
            Outcome::Unchanged => "unchanged",
            Outcome::Failed(_) => "failed",
        }
    }
}

/// Counters and the last error, for `GET /v1/policy` and metrics.
#[derive(Clone, Debug, Default)]
pub struct Status {
    /// Reloads that swapped in a new set.
    pub reloads: u64,
    pub unchanged: u64,
    pub failed: u64,
    /// The diagnostics of the latest reload, when it failed; cleared by a good one.
    pub last_error: Option<String>,
    pub last_error_at: Option<SystemTime>,
}

/// The current policy set of a long-running process, swapped atomically on reload.
pub struct Reloader {
    dir: PathBuf,
    current: ArcSwap<Loaded>,
    status: Mutex<Status>,
    /// One reload at a time.
    reloading: Mutex<()>,
    attempts: AtomicU64,
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloader")
            .field("dir", &self.dir)
            .field("digest", &self.current().set.digest())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Reloader {
    /// Loads the set in `dir`; an invalid set is an error (there is no last good set yet).
    pub fn load(dir: impl AsRef<Path>) -> Result<Reloader, LoadError> {
        let dir = dir.as_ref().to_path_buf();
        let set = PolicySet::load(&dir)?;
        Ok(Reloader {
            dir,
            current: ArcSwap::from_pointee(Loaded::new(set)),
            status: Mutex::new(Status::default()),
            reloading: Mutex::new(()),
            attempts: AtomicU64::new(0),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A snapshot of the current set: compute a whole verdict (or a whole batch) under it. Cheap;
    /// do not hold it across an `.await`.
    pub fn current(&self) -> Guard<Arc<Loaded>> {
        self.current.load()
    }

    /// The current set, owned.
    pub fn current_full(&self) -> Arc<Loaded> {
        self.current.load_full()
    }

    pub fn status(&self) -> Status {
        lock(&self.status).clone()
    }

    /// Reload attempts so far, whatever their outcome.
    pub fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::Relaxed)
    }

    /// Runs the whole pipeline over the directory and swaps the new set in if it is valid and
    /// differs from the current one.
    pub fn reload(&self) -> Outcome {
        let _one_at_a_time = lock(&self.reloading);
        self.attempts.fetch_add(1, Ordering::Relaxed);
        let start = Instant::now();
        let outcome = match PolicySet::load(&self.dir) {
            Ok(set) if set.digest() == self.current.load().set.digest() => Outcome::Unchanged,
            Ok(set) => {
                let digest = set.digest().to_string();
                let files = set.sources().len();
                self.current.store(Arc::new(Loaded::new(set)));
                Outcome::Swapped {
                    digest,
                    files,
                    took: start.elapsed(),
                }
            }
            Err(e) => Outcome::Failed(Arc::new(e)),
        };
        let mut status = lock(&self.status);
        match &outcome {
            Outcome::Swapped { .. } => status.reloads += 1,
            Outcome::Unchanged => status.unchanged += 1,
            Outcome::Failed(_) => status.failed += 1,
        }
        if let Outcome::Failed(e) = &outcome {
            status.last_error = Some(e.rendered());
            status.last_error_at = Some(SystemTime::now());
        } else {
            status.last_error = None;
            status.last_error_at = None;
        }
        outcome
    }

    /// Watches the directory on a thread of its own and reloads after every settled change (or
    /// [`Trigger::reload`]), calling `on_reload` with each outcome. Returns the trigger (SIGHUP,
    /// stop), the mode the watch runs in, and the thread.
    pub fn spawn(
        self: &Arc<Self>,
        options: WatchOptions,
        mut on_reload: impl FnMut(&Outcome) + Send + 'static,
    ) -> std::io::Result<Spawned> {
        let mut watch = Watch::new(&self.dir, options);
        let trigger = watch.trigger();
        let mode = watch.mode();
        let fallback_reason = watch.fallback_reason.clone();
        let reloader = Arc::clone(self);
        let thread = std::thread::Builder::new()
            .name("handoff-reload".into())
            .spawn(move || {
                while watch.wait().is_some() {
                    let outcome = reloader.reload();
                    on_reload(&outcome);
                }
            })?;
        Ok(Spawned {
            trigger,
            mode,
            fallback_reason,
            thread,
        })
    }
}

/// A running reload thread.
#[derive(Debug)]
pub struct Spawned {
    pub trigger: Trigger,
    pub mode: WatchMode,
    pub fallback_reason: Option<String>,
    pub thread: JoinHandle<()>,
}
