//! The decision log: every answered verdict as one JSON line ([`line`]), written off the request
//! path by a thread of its own. What it promises (issue 19):
//!
//! - **Whole lines only.** Lines are gathered in a buffer and written together; when a write
//!   fails (a full disk, an I/O error) the file is cut back to its length before that write, so
//!   no half line stays.
//! - **It does not lie about losses.** After a failed write the log is *degraded*: verdicts are
//!   still answered, the ones not logged are counted (`/metrics`,
//!   `handoff_decision_log_dropped_total`), `/healthz` says `degraded`, and every second the
//!   writer tries again; the first line it then writes is a marker,
//!   `{"ts":…,"event":"decision_log_gap","dropped":N,"error":…}`.
//! - **It follows the file.** SIGHUP reopens it, and so does the writer on its own when the file
//!   was moved or deleted (checked every second): logrotate needs no `copytruncate`.
//! - **Its loss on a crash is bounded by `--decision-log-sync`.** `every`: an answer is sent only
//!   after its line is written and `fdatasync`ed, so `kill -9` (or power loss) loses no answered
//!   verdict. `interval` (default, every second) and `never`: a line is handed to the kernel
//!   within about a millisecond of its answer being taken by the connection — `kill -9` loses at
//!   most the lines of that last moment — and the disk is synced every second (`interval`) or
//!   when the OS chooses (`never`), which bounds what a power loss takes.
//! - The file is created with mode 0600.

mod line;

pub use line::{Fields, format_line, rfc3339};

use crate::context::Conversation;
use axum::body::Bytes;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// One decision, as the request path hands it over.
pub struct Entry {
    pub ts: SystemTime,
    /// 32 lowercase hex digits ([`DecisionLog::next_id`]).
    pub decision_id: DecisionId,
    /// The verdict JSON (an object), shared with the response.
    pub verdict: Bytes,
    pub input: Conversation,
    /// The input paths the serving set's rules read: logged by default.
    pub read_paths: Arc<[String]>,
}

/// A decision id as ASCII: 32 lowercase hex digits (the run's nonce, then a counter).
pub type DecisionId = [u8; 32];

/// When the log's file is synced to the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sync {
    /// Before the verdict is answered.
    Every,
    /// At most this long after a line is written.
    Interval(Duration),
    /// When the OS chooses (and on graceful shutdown).
    Never,
}

/// Parses `every`, `interval` (one second), `interval:250ms` or `never`.
pub fn parse_sync(text: &str) -> Result<Sync, String> {
    match text.trim() {
        "every" => Ok(Sync::Every),
        "never" => Ok(Sync::Never),
        "interval" => Ok(Sync::Interval(Duration::from_secs(1))),
        other => match other.strip_prefix("interval:") {
            Some(d) => super::limits::parse_duration(d).map(Sync::Interval),
            None => Err(format!(
                "`{other}` is not a sync policy (use `every`, `interval`, `interval:500ms` or `never`)"
            )),
        },
    }
}

/// How the decision log is set up.
#[derive(Clone, Debug)]
pub struct LogOptions {
    pub path: PathBuf,
    pub sync: Sync,
    pub fields: Fields,
}

/// Counters the writer keeps, for `/metrics` and `/healthz`.
#[derive(Debug, Default)]
pub struct LogState {
    pub written: AtomicU64,
    pub dropped: AtomicU64,
    pub reopened: AtomicU64,
    /// The error that stopped writing, while the log is degraded.
    degraded: Mutex<Option<String>>,
}

impl LogState {
    /// The error that stopped writing, while the log is degraded.
    pub fn degraded(&self) -> Option<String> {
        self.degraded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_degraded(&self, error: Option<String>) {
        *self.degraded.lock().unwrap_or_else(PoisonError::into_inner) = error;
    }
}

/// Sent back once a line is written and synced (`--decision-log-sync every`).
pub type Receipt = tokio::sync::oneshot::Receiver<()>;

enum Msg {
    Entry(Box<Entry>, Option<tokio::sync::oneshot::Sender<()>>),
    Reopen,
    Close,
}

/// An open decision log.
pub struct DecisionLog {
    path: PathBuf,
    tx: Sender<Msg>,
    writer: Mutex<Option<JoinHandle<std::io::Result<u64>>>>,
    nonce: u64,
    counter: AtomicU64,
    waits: bool,
    pub state: Arc<LogState>,
}

impl std::fmt::Debug for DecisionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecisionLog")
            .field("path", &self.path)
            .finish()
    }
}

impl DecisionLog {
    /// Opens the file for appending (creating it, mode 0600) and starts the writer thread.
    pub fn open(options: LogOptions) -> std::io::Result<DecisionLog> {
        let file = open(&options.path)?;
        let (tx, rx) = mpsc::channel();
        let state = Arc::new(LogState::default());
        let waits = options.sync == Sync::Every;
        let path = options.path.clone();
        let mut writer = Writer::new(file, options, Arc::clone(&state));
        let handle = std::thread::Builder::new()
            .name("handoff-decision-log".into())
            .spawn(move || writer.run(&rx))?;
        Ok(DecisionLog {
            path,
            tx,
            writer: Mutex::new(Some(handle)),
            nonce: line::nonce(),
            counter: AtomicU64::new(0),
            waits,
            state,
        })
    }

    /// A fresh decision id: 32 hex digits, unique per process run and decision (no allocation).
    pub fn next_id(&self) -> DecisionId {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut id = [b'0'; 32];
        let (high, low) = id.split_at_mut(16);
        line::hex16(high, self.nonce);
        line::hex16(low, n);
        id
    }

    /// Whether an answer waits for its line ([`Sync::Every`]).
    pub fn waits(&self) -> bool {
        self.waits
    }

    /// Queues one decision; never blocks on the disk. With [`Sync::Every`], the receipt resolves
    /// once the line is written and synced (or counted as dropped).
    pub fn record(&self, entry: Entry) -> Option<Receipt> {
        let (ack, receipt) = if self.waits {
            let (tx, rx) = tokio::sync::oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let _ = self.tx.send(Msg::Entry(Box::new(entry), ack));
        receipt
    }

    /// Reopens the file at its path (SIGHUP).
    pub fn reopen(&self) {
        let _ = self.tx.send(Msg::Reopen);
    }

    /// Writes every queued decision, flushes, and stops the writer. Returns the lines written.
    /// Later calls do nothing.
    pub fn close(&self) -> std::io::Result<u64> {
        let handle = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(handle) = handle else { return Ok(0) };
        let _ = self.tx.send(Msg::Close);
        match handle.join() {
            Ok(result) => result,
            Err(_) => Err(std::io::Error::other(
                "the decision log writer stopped unexpectedly",
            )),
        }
    }
}

fn open(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Device and inode of an open file or a path, to notice the file moved or deleted.
#[cfg(unix)]
fn identity(meta: std::io::Result<std::fs::Metadata>) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    meta.ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(meta: std::io::Result<std::fs::Metadata>) -> Option<(u64, u64)> {
    meta.ok().map(|_| (0, 0))
}

/// How long the writer naps when the queue runs dry, and how many naps before it waits longer.
const NAP: Duration = Duration::from_millis(1);
const NAPS: u32 = 20;
/// How often the writer checks the file's path, retries after an error and syncs (`interval`).
const TICK: Duration = Duration::from_secs(1);
/// Lines gathered before a write even while more keep coming.
const GATHER: usize = 256 * 1024;

struct Writer {
    options: LogOptions,
    file: File,
    state: Arc<LogState>,
    pending: Vec<u8>,
    lines: u64,
    acks: Vec<tokio::sync::oneshot::Sender<()>>,
    /// Verdicts not logged since writing stopped.
    gap: u64,
    error: Option<String>,
    last_tick: Instant,
    last_sync: Instant,
    unsynced: bool,
}

impl Writer {
    fn new(file: File, options: LogOptions, state: Arc<LogState>) -> Writer {
        Writer {
            options,
            file,
            state,
            pending: Vec::with_capacity(GATHER),
            lines: 0,
            acks: Vec::new(),
            gap: 0,
            error: None,
            last_tick: Instant::now(),
            last_sync: Instant::now(),
            unsynced: false,
        }
    }

    fn run(&mut self, rx: &Receiver<Msg>) -> std::io::Result<u64> {
        let mut naps = 0u32;
        loop {
            if self.last_tick.elapsed() >= TICK {
                self.tick();
            }
            // Write whenever the queue runs dry. Then nap a little before waiting longer: while
            // decisions keep coming, the request path finds the writer awake.
            let msg = match rx.try_recv() {
                Ok(msg) => msg,
                Err(TryRecvError::Disconnected) => break,
                Err(TryRecvError::Empty) => {
                    self.write();
                    if naps < NAPS {
                        naps += 1;
                        std::thread::sleep(NAP);
                        continue;
                    }
                    match rx.recv_timeout(TICK) {
                        Ok(msg) => msg,
                        Err(RecvTimeoutError::Timeout) => continue,
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            };
            naps = 0;
            match msg {
                Msg::Entry(entry, ack) => self.take(&entry, ack),
                Msg::Reopen => self.reopen(),
                Msg::Close => break,
            }
        }
        self.write();
        if self.error.is_none() {
            self.file.sync_data()?;
        }
        match &self.error {
            Some(e) => Err(std::io::Error::other(e.clone())),
            None => Ok(self.state.written.load(Ordering::Relaxed)),
        }
    }

    fn take(&mut self, entry: &Entry, ack: Option<tokio::sync::oneshot::Sender<()>>) {
        if self.error.is_some() {
            self.gap += 1;
            self.state.dropped.fetch_add(1, Ordering::Relaxed);
            if let Some(ack) = ack {
                let _ = ack.send(());
            }
            return;
        }
        format_line(&mut self.pending, entry, &self.options.fields);
        self.lines += 1;
        self.acks.extend(ack);
        if self.pending.len() >= GATHER {
            self.write();
        }
    }

    /// Writes the gathered lines; on failure cuts the file back, counts them dropped and stops
    /// writing until [`Writer::tick`] succeeds in writing the marker.
    fn write(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let before = self.file.metadata().map(|m| m.len());
        let mut result = self.file.write_all(&self.pending);
        if result.is_ok() && self.options.sync == Sync::Every {
            result = self.file.sync_data();
        }
        match result {
            Ok(()) => {
                self.state.written.fetch_add(self.lines, Ordering::Relaxed);
                self.unsynced = self.options.sync != Sync::Every;
            }
            Err(e) => {
                // No half line: back to the length before this write (never longer).
                if let Ok(before) = before
                    && self.file.metadata().is_ok_and(|m| m.len() > before)
                {
                    let _ = self.file.set_len(before);
                }
                self.gap += self.lines;
                self.state.dropped.fetch_add(self.lines, Ordering::Relaxed);
                self.fail(format!("cannot write `{}`: {e}", self.options.path.display()));
            }
        }
        self.pending.clear();
        self.lines = 0;
        for ack in self.acks.drain(..) {
            let _ = ack.send(());
        }
        if let Sync::Interval(every) = self.options.sync
            && self.unsynced
            && self.last_sync.elapsed() >= every
        {
            self.sync();
        }
    }

    fn sync(&mut self) {
        if self.file.sync_data().is_ok() {
            self.unsynced = false;
        }
        self.last_sync = Instant::now();
    }

    fn fail(&mut self, error: String) {
        if self.error.is_none() {
            eprintln!("handoff serve: the decision log stops: {error}; verdicts are still answered");
        }
        self.state.set_degraded(Some(error.clone()));
        self.error = Some(error);
    }

    /// Once a second: follow a moved or deleted file, retry after an error, sync (`interval`).
    fn tick(&mut self) {
        self.last_tick = Instant::now();
        let open_now = identity(self.file.metadata());
        let at_path = identity(std::fs::metadata(&self.options.path));
        if open_now != at_path {
            self.reopen();
        }
        if self.error.is_some() {
            self.resume();
        }
        if matches!(self.options.sync, Sync::Interval(_)) && self.unsynced {
            self.sync();
        }
    }

    /// Opens the path again (SIGHUP, or the file moved or deleted); what was gathered goes to
    /// the old file first.
    fn reopen(&mut self) {
        self.write();
        match open(&self.options.path) {
            Ok(file) => {
                let _ = self.file.sync_data();
                self.file = file;
                self.state.reopened.fetch_add(1, Ordering::Relaxed);
                if self.error.is_some() {
                    self.resume();
                }
            }
            Err(e) => self.fail(format!("cannot reopen `{}`: {e}", self.options.path.display())),
        }
    }

    /// Tries to write the gap marker; writing resumes when it is written.
    fn resume(&mut self) {
        let marker = serde_json::json!({
            "ts": rfc3339(SystemTime::now()),
            "event": "decision_log_gap",
            "dropped": self.gap,
            "error": self.error,
        });
        let mut text = marker.to_string().into_bytes();
        text.push(b'\n');
        let before = self.file.metadata().map(|m| m.len());
        match self.file.write_all(&text).and_then(|()| self.file.sync_data()) {
            Ok(()) => {
                eprintln!(
                    "handoff serve: the decision log resumes ({} verdicts were not logged)",
                    self.gap
                );
                self.gap = 0;
                self.error = None;
                self.state.set_degraded(None);
            }
            Err(_) => {
                if let Ok(before) = before
                    && self.file.metadata().is_ok_and(|m| m.len() > before)
                {
                    let _ = self.file.set_len(before);
                }
            }
        }
    }
}
