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

mod watch;

pub use watch::{
    Cause, DEFAULT_DEBOUNCE, RESCAN_INTERVAL, Trigger, Watch, WatchHealth, WatchMode, WatchOptions,
};

use crate::set::{LoadError, PolicySet, SizeLimits};
use arc_swap::{ArcSwap, Guard};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

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
    /// The input paths its rules read ([`crate::eval::Program::read_paths`]), shared with the
    /// decision log entries of its verdicts.
    pub read_paths: Arc<[String]>,
}

impl Loaded {
    fn new(set: PolicySet) -> Loaded {
        let files = set.sources().iter().map(|s| s.name.clone()).collect();
        let read_paths = set.program().read_paths().map(str::to_string).collect();
        Loaded {
            set,
            loaded_at: SystemTime::now(),
            files,
            read_paths,
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
    options: ReloadOptions,
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

/// What every load of a [`Reloader`] observes.
#[derive(Clone, Debug, Default)]
pub struct ReloadOptions {
    /// Size limits of the set (`--max-policy-file`, `--max-policy-set`).
    pub limits: SizeLimits,
    /// `--archive DIR`: every set is stored there before it goes live; a
    /// set that cannot be stored does not go live.
    pub archive: Option<PathBuf>,
}

/// The most diagnostics a report of a failed reload shows (the rest are counted).
const REPORT_DIAGNOSTICS: usize = 20;
/// The most bytes of a report of a failed reload (`last_error`, stderr).
const REPORT_BYTES: usize = 64 * 1024;

/// A failed load, rendered for people within bounds: the first [`REPORT_DIAGNOSTICS`]
/// diagnostics, a count of the rest, at most [`REPORT_BYTES`] in all.
pub fn report(e: &LoadError, color: bool) -> String {
    let mut out = String::new();
    let mut shown = 0usize;
    for d in e.diagnostics.iter().take(REPORT_DIAGNOSTICS) {
        if out.len() >= REPORT_BYTES {
            break;
        }
        out.push_str(&crate::diagnostic::render(
            std::slice::from_ref(d),
            &e.sources,
            color,
            100,
        ));
        shown += 1;
    }
    if out.len() > REPORT_BYTES {
        let mut cut = REPORT_BYTES;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("\n… (cut at 64 KiB)\n");
    }
    let rest = e.diagnostics.len().saturating_sub(shown);
    if rest > 0 {
        out.push_str(&format!("… and {rest} more diagnostics\n"));
    }
    out.push_str(&crate::diagnostic::summary(&e.diagnostics));
    out
}

impl Reloader {
    /// Loads the set in `dir`; an invalid set is an error (there is no last good set yet).
    pub fn load(dir: impl AsRef<Path>) -> Result<Reloader, LoadError> {
        Reloader::load_with(dir, ReloadOptions::default())
    }

    /// [`Reloader::load`] with size limits and an archive.
    pub fn load_with(dir: impl AsRef<Path>, options: ReloadOptions) -> Result<Reloader, LoadError> {
        let dir = dir.as_ref().to_path_buf();
        let set = load_set(&dir, &options)?;
        Ok(Reloader {
            dir,
            options,
            current: ArcSwap::from_pointee(Loaded::new(set)),
            status: Mutex::new(Status::default()),
            reloading: Mutex::new(()),
            attempts: AtomicU64::new(0),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The directory as a service shows it: as given when relative, only its own name when
    /// absolute (a service does not tell its callers where it keeps its files).
    pub fn shown_dir(&self) -> String {
        shown_dir(&self.dir)
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
        let outcome = match load_set(&self.dir, &self.options) {
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
            status.last_error = Some(report(e, false));
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
        let health = watch.health();
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
            health,
            thread,
        })
    }
}

/// Loads the set in `dir` with source locations relative to the directory: as `PolicySet::load`
/// gives them for a relative `dir` (`policies/care.policy`, unchanged), and from the directory's
/// own name for an absolute one (`/srv/x/policies` → `policies/care.policy`), so that verdicts
/// and `/v1/policy` do not show where the service keeps its files. The digest does not change.
/// Refused when a guarantee is violated or unproved; archived first when `--archive` is given:
/// a set that cannot be archived is not served.
fn load_set(dir: &Path, options: &ReloadOptions) -> Result<PolicySet, LoadError> {
    let mut analysis = crate::set::Analysis::load_limited(dir, options.limits);
    if dir.is_absolute() {
        let shown = shown_dir(dir);
        for source in &mut analysis.sources {
            source.path = format!("{shown}/{}", source.name);
        }
    }
    let set = analysis.compile()?.for_serving()?;
    if let Some(archive) = &options.archive {
        crate::archive::store(archive, &set).map_err(|e| {
            LoadError::new(
                vec![crate::diagnostic::Diagnostic::new(
                crate::diagnostic::Code::Io,
                None,
                format!(
                    "cannot archive policy set {} in `{}`: {e}; it is not served",
                    set.digest(),
                    archive.display()
                ),
            )],
                Vec::new(),
            )
        })?;
    }
    Ok(set)
}

fn shown_dir(dir: &Path) -> String {
    if dir.is_relative() {
        return dir.display().to_string();
    }
    dir.file_name()
        .map_or_else(|| ".".to_string(), |n| n.to_string_lossy().into_owned())
}

/// A running reload thread.
#[derive(Debug)]
pub struct Spawned {
    pub trigger: Trigger,
    pub mode: WatchMode,
    pub fallback_reason: Option<String>,
    pub health: Arc<Mutex<WatchHealth>>,
    pub thread: JoinHandle<()>,
}
