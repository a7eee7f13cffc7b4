//! Counters for `GET /metrics`, in the Prometheus text format. Lock-free: the request path only
//! increments atomics.

use crate::ast::Route;
use super::log::LogState;
use crate::reload::{Reloader, Status};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the evaluation latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005,
    0.01, 0.025, 0.05, 0.1,
];

/// HTTP statuses counted as errors.
const ERRORS: [u16; 12] = [400, 401, 404, 405, 408, 409, 413, 414, 415, 431, 500, 503];

#[derive(Debug, Default)]
pub struct Metrics {
    /// By route: ai, review, human.
    verdicts: [AtomicU64; 3],
    /// By bucket; the last counts what no bucket holds (+Inf only).
    latency: [AtomicU64; BUCKETS.len() + 1],
    latency_sum_ns: AtomicU64,
    errors: [AtomicU64; ERRORS.len()],
    stdio_errors: AtomicU64,
}

fn route_index(route: Route) -> usize {
    match route {
        Route::Ai => 0,
        Route::Review => 1,
        Route::Human => 2,
    }
}

const ROUTES: [Route; 3] = [Route::Ai, Route::Review, Route::Human];

impl Metrics {
    /// Counts one verdict and how long its evaluation took.
    pub fn verdict(&self, route: Route, took: Duration) {
        if let Some(c) = self.verdicts.get(route_index(route)) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        let secs = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        if let Some(c) = self.latency.get(bucket) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.latency_sum_ns.fetch_add(ns, Ordering::Relaxed);
    }

    /// Counts one error answer.
    pub fn error(&self, status: u16) {
        if let Some(c) = ERRORS
            .iter()
            .position(|s| *s == status)
            .and_then(|i| self.errors.get(i))
        {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one error line of the stdio transport.
    pub fn stdio_error(&self) {
        self.stdio_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self, reloader: &Reloader, log: Option<&LogState>, inflight: usize) -> String {
        let mut out = String::with_capacity(4096);
        let _ = self.write(&mut out, reloader);
        let _ = write_service(&mut out, log, inflight);
        out
    }

    fn write(&self, out: &mut String, reloader: &Reloader) -> std::fmt::Result {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        head(out, "handoff_verdicts_total", "counter", "Verdicts given, by route.")?;
        for (route, c) in ROUTES.iter().zip(&self.verdicts) {
            writeln!(out, "handoff_verdicts_total{{route=\"{}\"}} {}", route.as_str(), get(c))?;
        }

        head(out, "handoff_evaluation_seconds", "histogram", "Time to evaluate one conversation.")?;
        let mut cumulative = 0u64;
        for (bound, c) in BUCKETS.iter().zip(&self.latency) {
            cumulative += get(c);
            writeln!(out, "handoff_evaluation_seconds_bucket{{le=\"{bound}\"}} {cumulative}")?;
        }
        cumulative += self.latency.last().map_or(0, get);
        writeln!(out, "handoff_evaluation_seconds_bucket{{le=\"+Inf\"}} {cumulative}")?;
        let sum = get(&self.latency_sum_ns) as f64 / 1e9;
        writeln!(out, "handoff_evaluation_seconds_sum {sum}")?;
        writeln!(out, "handoff_evaluation_seconds_count {cumulative}")?;

        let help = "Requests refused, by HTTP status (stdio: error lines).";
        head(out, "handoff_errors_total", "counter", help)?;
        for (status, c) in ERRORS.iter().zip(&self.errors) {
            writeln!(out, "handoff_errors_total{{status=\"{status}\"}} {}", get(c))?;
        }
        writeln!(out, "handoff_errors_total{{status=\"stdio\"}} {}", get(&self.stdio_errors))?;
        write_policy(out, reloader)
    }
}

/// `# HELP` and `# TYPE` of a metric.
fn head(out: &mut String, name: &str, kind: &str, help: &str) -> std::fmt::Result {
    writeln!(out, "# HELP {name} {help}")?;
    writeln!(out, "# TYPE {name} {kind}")
}

/// Reloads and the serving policy set.
fn write_policy(out: &mut String, reloader: &Reloader) -> std::fmt::Result {
    let Status { reloads, unchanged, failed, last_error, .. } = reloader.status();
    head(out, "handoff_reloads_total", "counter", "Policy reloads, by outcome.")?;
    writeln!(out, "handoff_reloads_total{{outcome=\"ok\"}} {reloads}")?;
    writeln!(out, "handoff_reloads_total{{outcome=\"unchanged\"}} {unchanged}")?;
    writeln!(out, "handoff_reloads_total{{outcome=\"failed\"}} {failed}")?;

    let loaded = reloader.current();
    head(out, "handoff_policy_info", "gauge", "The policy set serving now (value 1).")?;
    writeln!(
        out,
        "handoff_policy_info{{digest=\"{}\",version=\"{}\"}} 1",
        label(loaded.set.digest()),
        label(loaded.set.version().unwrap_or(""))
    )?;
    head(out, "handoff_policy_files", "gauge", "Files in the serving policy set.")?;
    writeln!(out, "handoff_policy_files {}", loaded.files.len())?;
    let loaded_at = loaded
        .loaded_at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let help = "When the serving set was loaded.";
    head(out, "handoff_policy_loaded_timestamp_seconds", "gauge", help)?;
    writeln!(out, "handoff_policy_loaded_timestamp_seconds {loaded_at}")?;
    let help = "1 when the latest reload failed.";
    head(out, "handoff_policy_last_reload_failed", "gauge", help)?;
    writeln!(out, "handoff_policy_last_reload_failed {}", u8::from(last_error.is_some()))
}

/// The decision log's counters and the bytes of request bodies held.
fn write_service(out: &mut String, log: Option<&LogState>, inflight: usize) -> std::fmt::Result {
    let help = "Request body bytes charged to --max-inflight now.";
    head(out, "handoff_request_bytes_in_flight", "gauge", help)?;
    writeln!(out, "handoff_request_bytes_in_flight {inflight}")?;
    let Some(log) = log else { return Ok(()) };
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    for (name, help, value) in [
        ("written", "Decision log lines written.", get(&log.written)),
        ("dropped", "Answered verdicts the decision log could not write.", get(&log.dropped)),
        (
            "reopened",
            "Times the decision log file was opened again (SIGHUP, moved, deleted).",
            get(&log.reopened),
        ),
    ] {
        head(out, &format!("handoff_decision_log_{name}_total"), "counter", help)?;
        writeln!(out, "handoff_decision_log_{name}_total {value}")?;
    }
    let help = "1 while the decision log cannot be written.";
    head(out, "handoff_decision_log_degraded", "gauge", help)?;
    writeln!(out, "handoff_decision_log_degraded {}", u8::from(log.degraded().is_some()))
}

/// A label value with `\`, `"` and newlines escaped.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
