//! Batch runs over corpora of any size: a reader thread cuts the input into chunks of
//! [`CHUNK`] jobs and sends them through a bounded channel; each chunk is processed on every
//! core (rayon) and its results are handed back in input order. At most a few chunks are alive
//! at once, so memory stays flat whatever the corpus size.
//!
//! ```
//! let mut total = 0u64;
//! let sent = handoff::batch::run(
//!     |push: &mut dyn FnMut(u64)| (1..=10_000u64).for_each(|n| push(n)),
//!     |n| n * 2,
//!     |r| total += r,
//!     &handoff::batch::Progress::hidden(),
//! );
//! assert_eq!((total, sent), (100_010_000, ()));
//! ```

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::sync::mpsc;

/// Jobs per chunk: large enough to amortise the hand-off, small enough to keep memory flat.
pub const CHUNK: usize = 1024;
/// Chunks read ahead while one is being processed.
const READ_AHEAD: usize = 2;

/// Something to process; its size (bytes of input) drives the progress bar.
pub trait Job: Send {
    fn size(&self) -> u64 {
        0
    }
}

impl Job for u64 {}

/// Runs `produce` on a reader thread (it calls `push` for every job, in order), `work` on every
/// core, and `sink` on the calling thread with the results in the order of the jobs. Returns
/// what `produce` returned.
pub fn run<J, R, T, P, W, S>(produce: P, work: W, mut sink: S, progress: &Progress) -> T
where
    J: Job,
    R: Send,
    T: Send,
    P: FnOnce(&mut dyn FnMut(J)) -> T + Send,
    W: Fn(J) -> R + Sync + Send,
    S: FnMut(R),
{
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Vec<J>>(READ_AHEAD);
        let reader = scope.spawn(move || {
            let mut chunk = Vec::with_capacity(CHUNK);
            let result = {
                let mut push = |job: J| {
                    chunk.push(job);
                    if chunk.len() >= CHUNK {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                        // The receiver only goes away when the sink side failed; then the
                        // rest is simply dropped.
                        let _ = tx.send(full);
                    }
                };
                produce(&mut push)
            };
            if !chunk.is_empty() {
                let _ = tx.send(chunk);
            }
            result
        });
        // While the pool works on one chunk, this thread hands the previous one's results
        // to the sink, so printing never leaves the cores idle.
        let work = &work;
        rayon::in_place_scope(|scope| {
            let mut pending: Option<(mpsc::Receiver<Vec<R>>, u64, u64)> = None;
            let mut drain = |pending: Option<(mpsc::Receiver<Vec<R>>, u64, u64)>| {
                if let Some((results, count, bytes)) = pending {
                    for r in results.recv().into_iter().flatten() {
                        sink(r);
                    }
                    progress.advance(count, bytes);
                }
            };
            for chunk in rx {
                let bytes: u64 = chunk.iter().map(Job::size).sum();
                let count = chunk.len() as u64;
                let (done, results) = mpsc::sync_channel(1);
                scope.spawn(move |_| {
                    let out: Vec<R> = chunk.into_par_iter().map(work).collect();
                    let _ = done.send(out);
                });
                drain(pending.take());
                pending = Some((results, count, bytes));
            }
            drain(pending);
        });
        match reader.join() {
            Ok(result) => result,
            // The reader only runs our own reading code, which does not panic; should it
            // anyway, re-raise it here rather than invent a result.
            Err(payload) => std::panic::resume_unwind(payload),
        }
    })
}

/// A progress bar on stderr, shown only when stderr is a terminal.
pub struct Progress {
    bar: Option<ProgressBar>,
    done: std::sync::atomic::AtomicU64,
}

impl Progress {
    /// A bar over `total_bytes` of input (a spinner when unknown, 0), on stderr when it is a
    /// terminal, hidden otherwise.
    pub fn stderr(total_bytes: u64) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        let bar = if total_bytes > 0 {
            let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg} (eta {eta})",
            ) {
                bar.set_style(style);
            }
            bar
        } else {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}") {
                bar.set_style(style);
            }
            bar
        };
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress { bar: Some(bar), done: std::sync::atomic::AtomicU64::new(0) }
    }

    pub fn hidden() -> Progress {
        Progress { bar: None, done: std::sync::atomic::AtomicU64::new(0) }
    }

    fn advance(&self, count: u64, bytes: u64) {
        use std::sync::atomic::Ordering;
        let done = self.done.fetch_add(count, Ordering::Relaxed) + count;
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
            bar.set_message(format!("{done} conversations"));
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
