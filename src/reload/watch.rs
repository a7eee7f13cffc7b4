//! The watching layer of hot reload: file-system noise in, *settled changes* out.
//!
//! Three things keep a watch from going stale (issue 19, finding 1):
//! - the parent directory is watched too, so replacing the directory itself is an event;
//! - after every settled change and every [`Trigger::reload`] (SIGHUP) the platform's watcher is
//!   re-armed from scratch: a directory removed and created again (`rm -rf dir && cp -r new
//!   dir`, where ext4 may even reuse the inode) is watched anew, not through a watch the kernel
//!   has already dropped;
//! - every [`RESCAN_INTERVAL`] a cheap re-scan (a `stat` of every `.policy` file and directory,
//!   no file is read)
//!   compares a fingerprint of the tree — names, sizes, modification and change times, inodes —
//!   with the last one, and reports a change that no event announced. Whether the change matters
//!   is then decided by content: the reload compares the new set's digest with the serving one.

use notify::{Config, Event, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// How long the directory must stay quiet before a change counts as settled.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(50);

/// A change that keeps coming (a long burst of writes) is acted on after this long anyway.
const MAX_SETTLE: Duration = Duration::from_millis(500);

/// How often the tree is re-scanned as a safety net for events the watcher missed.
pub const RESCAN_INTERVAL: Duration = Duration::from_secs(1);

/// The re-scan stops counting entries here (a runaway tree is still fingerprinted, partly).
const RESCAN_ENTRIES: usize = 10_000;

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

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Msg::Fs => "fs",
            Msg::Requested => "requested",
            Msg::Stop => "stop",
        })
    }
}

/// Asks a [`Watch`] (or the thread of a [`super::Reloader::spawn`]) to act now, or to stop.
#[derive(Clone, Debug)]
pub struct Trigger(Sender<Msg>);

impl Trigger {
    /// Reports a change as if the files had changed and re-arms the watcher (used for SIGHUP).
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
    /// Neither could start (the directory may not exist yet); the re-scan still runs.
    None,
}

impl WatchMode {
    pub fn describe(self) -> String {
        match self {
            WatchMode::Native => "native".to_string(),
            WatchMode::Poll(d) => format!("polling every {} ms", d.as_millis()),
            WatchMode::None => "waiting for the directory".to_string(),
        }
    }
}

/// How the watch is doing, for `GET /v1/policy`: shared with the thread that waits.
#[derive(Clone, Debug)]
pub struct WatchHealth {
    pub mode: WatchMode,
    /// Times the watcher was started again (after each settled change and each SIGHUP).
    pub rearmed: u64,
    /// Changes that no event announced and the re-scan found.
    pub missed_events: u64,
    /// When the tree was last re-scanned (the watching thread is alive when this is recent).
    pub last_rescan: SystemTime,
    /// Why the platform's watcher could not start, when it could not.
    pub error: Option<String>,
}

impl WatchHealth {
    /// Watching, and the thread re-scanned within three intervals.
    pub fn healthy(&self) -> bool {
        self.mode != WatchMode::None
            && SystemTime::now()
                .duration_since(self.last_rescan)
                .map_or(true, |d| d < 3 * RESCAN_INTERVAL + MAX_SETTLE)
    }
}

/// Settled changes of a policy directory.
pub struct Watch {
    dir: PathBuf,
    options: WatchOptions,
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    watcher: Option<Box<dyn Watcher + Send>>,
    fingerprint: Option<u64>,
    health: Arc<Mutex<WatchHealth>>,
    /// The reason the native watcher failed, if it did.
    pub fallback_reason: Option<String>,
}

impl Watch {
    /// Starts watching `dir`. Never fails: when the platform's watcher cannot start it polls, and
    /// when nothing can start the re-scan still notices the directory appearing or changing.
    pub fn new(dir: impl AsRef<Path>, options: WatchOptions) -> Watch {
        let dir = std::path::absolute(dir.as_ref()).unwrap_or_else(|_| dir.as_ref().to_path_buf());
        let (tx, rx) = mpsc::channel();
        let health = WatchHealth {
            mode: WatchMode::None,
            rearmed: 0,
            missed_events: 0,
            last_rescan: SystemTime::now(),
            error: None,
        };
        let mut watch = Watch {
            fingerprint: fingerprint(&dir),
            dir,
            options,
            tx,
            rx,
            watcher: None,
            health: Arc::new(Mutex::new(health)),
            fallback_reason: None,
        };
        watch.start();
        watch
    }

    pub fn mode(&self) -> WatchMode {
        self.with_health(|h| h.mode)
    }

    pub fn trigger(&self) -> Trigger {
        Trigger(self.tx.clone())
    }

    /// The watch's health, updated as it runs.
    pub fn health(&self) -> Arc<Mutex<WatchHealth>> {
        Arc::clone(&self.health)
    }

    fn with_health<T>(&self, f: impl FnOnce(&mut WatchHealth) -> T) -> T {
        f(&mut self.health.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// (Re)starts the platform's watcher, or the polling one when it fails.
    fn start(&mut self) {
        self.watcher = None;
        let poll = self.options.poll;
        let mut mode = WatchMode::None;
        if poll.is_none() {
            match self.native() {
                Ok(w) => {
                    self.watcher = Some(w);
                    mode = WatchMode::Native;
                }
                Err(e) => self.fallback_reason = Some(e.to_string()),
            }
        }
        if mode == WatchMode::None {
            let interval = poll.unwrap_or(Duration::from_millis(500));
            match self.polling(interval) {
                Ok(w) => {
                    self.watcher = Some(w);
                    mode = WatchMode::Poll(interval);
                }
                Err(e) => {
                    self.fallback_reason.get_or_insert_with(|| e.to_string());
                }
            }
        }
        let error = self.fallback_reason.clone();
        self.with_health(|h| {
            h.mode = mode;
            h.error = error;
        });
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
        // Not the parent: polling would read every file beside the directory; the re-scan
        // catches a replaced directory instead.
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

    /// Blocks until the next settled change; `None` once stopped. The watcher is re-armed
    /// before this returns, so a change made after it returns is seen.
    pub fn wait(&mut self) -> Option<Cause> {
        let mut cause = loop {
            match self.rx.recv_timeout(RESCAN_INTERVAL) {
                Ok(Msg::Fs) => break Cause::Files,
                Ok(Msg::Requested) => break Cause::Requested,
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return None,
                Err(RecvTimeoutError::Timeout) => {
                    if self.rescan() {
                        self.with_health(|h| h.missed_events += 1);
                        break Cause::Files;
                    }
                    if self.mode() == WatchMode::None {
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
        self.start();
        self.with_health(|h| h.rearmed += 1);
        self.rescan();
        Some(cause)
    }

    /// Takes a new fingerprint of the tree; whether it differs from the last one.
    fn rescan(&mut self) -> bool {
        let now = fingerprint(&self.dir);
        self.with_health(|h| h.last_rescan = SystemTime::now());
        if now == self.fingerprint {
            return false;
        }
        self.fingerprint = now;
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

/// A hash of every `.policy` file and directory under `dir` (symlinks followed, each directory
/// once): its path, size, modification and change times and inode. `None` when `dir` cannot be
/// read.
fn fingerprint(dir: &Path) -> Option<u64> {
    let mut hasher = DefaultHasher::new();
    let meta = std::fs::metadata(dir).ok()?;
    stamp(&meta).3.hash(&mut hasher); // which directory, not when it last changed
    let mut seen = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    let mut entries = 0usize;
    while let Some(at) = pending.pop() {
        let Ok(meta) = std::fs::metadata(&at) else {
            continue;
        };
        let key = stamp(&meta);
        if seen.contains(&key.3) {
            continue; // a symlink loop, or a directory linked twice
        }
        seen.push(key.3);
        let Ok(read) = std::fs::read_dir(&at) else {
            continue;
        };
        // What the loader reads: `.policy` files and directories, hidden ones left out (a
        // decision log kept beside the policies does not count as a change).
        let mut children: Vec<_> = read
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        children.sort();
        for path in children {
            let meta = std::fs::metadata(&path);
            let is_dir = meta.as_ref().is_ok_and(std::fs::Metadata::is_dir);
            if !is_dir && path.extension().is_none_or(|e| e != "policy") {
                continue;
            }
            entries += 1;
            if entries > RESCAN_ENTRIES {
                return Some(hasher.finish());
            }
            path.hash(&mut hasher);
            match meta {
                Ok(_) if is_dir => pending.push(path),
                Ok(m) => stamp(&m).hash(&mut hasher),
                Err(_) => 0u8.hash(&mut hasher),
            }
        }
    }
    Some(hasher.finish())
}

/// Size, modification time, change time and (device, inode) of an entry.
type Stamp = (u64, (i64, i64), (i64, i64), (u64, u64));

#[cfg(unix)]
fn stamp(m: &std::fs::Metadata) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    (
        m.len(),
        (m.mtime(), m.mtime_nsec()),
        (m.ctime(), m.ctime_nsec()),
        (m.dev(), m.ino()),
    )
}

#[cfg(not(unix))]
fn stamp(m: &std::fs::Metadata) -> Stamp {
    let mtime = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64);
    (m.len(), (mtime, 0), (0, 0), (0, 0))
}
