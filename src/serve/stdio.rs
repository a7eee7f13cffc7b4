//! The stdio transport: one JSON conversation per line in, one verdict per line out, in order,
//! for services that embed the binary as a subprocess. A bad line gets
//! `{"error": "…", "line": N}` and the stream goes on; blank lines are skipped. Output is flushed
//! whenever no further input is waiting, so a caller that writes one line and waits gets its
//! answer at once, and a caller that streams gets large writes.

use super::{Service, Shutdown};
use crate::context::Conversation;
use serde_json::json;
use std::io::{BufReader, BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

type Out = Mutex<BufWriter<Stdout>>;

fn lock(out: &Out) -> MutexGuard<'_, BufWriter<Stdout>> {
    out.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Serves standard input until it ends or SIGINT/SIGTERM arrives; the line being answered when
/// the signal arrives is finished first.
pub fn run(
    service: &Arc<Service>,
    runtime: &tokio::runtime::Runtime,
    shutdown: Shutdown,
) -> Result<(), String> {
    let out: Arc<Out> = Arc::new(Mutex::new(BufWriter::with_capacity(
        64 * 1024,
        std::io::stdout(),
    )));
    let stopping = Arc::new(AtomicBool::new(false));
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    {
        let (service, out, stopping) =
            (Arc::clone(service), Arc::clone(&out), Arc::clone(&stopping));
        std::thread::Builder::new()
            .name("handoff-stdio".into())
            .spawn(move || {
                let result = serve_lines(&service, &out, &stopping);
                let _ = done_tx.send(result);
            })
            .map_err(|e| format!("cannot start: {e}"))?;
    }
    let finished = runtime.block_on(async {
        tokio::select! {
            result = done_rx => Some(result),
            () = shutdown.wait() => None,
        }
    });
    match finished {
        Some(Ok(Ok(()))) => Ok(()),
        Some(Ok(Err(e))) => Err(format!("stdio: {e}")),
        Some(Err(_)) => Err("stdio: the reader stopped unexpectedly".into()),
        None => {
            // Wait for the line in progress, then keep the reader from starting another.
            let mut guard = lock(&out);
            stopping.store(true, Ordering::SeqCst);
            let _ = guard.flush();
            eprintln!("handoff serve: stopping");
            Ok(())
        }
    }
}

pub use crate::lines::{Got, read_line};

fn serve_lines(service: &Service, out: &Out, stopping: &AtomicBool) -> std::io::Result<()> {
    let mut input = BufReader::with_capacity(64 * 1024, std::io::stdin());
    let mut buf = Vec::with_capacity(4096);
    let mut number = 0usize;
    loop {
        buf.clear();
        let read = read_line(&mut input, &mut buf, service.limits.body)?;
        if matches!(read, Got::Eof) {
            break;
        }
        number += 1;
        let mut o = lock(out);
        if stopping.load(Ordering::SeqCst) {
            return Ok(());
        }
        let answer = match read {
            Got::TooLong => Some(Err(json!({
                "error": format!("the line is over the limit of {} bytes (`--max-body`)", service.limits.body),
                "line": number,
            }))),
            _ => answer(service, &buf, number),
        };
        match answer {
            None => {}
            Some(Ok(decided)) => {
                // `every`: logged and synced before it is answered; otherwise once answered.
                let waits = service.log_waits();
                if waits {
                    service.record_blocking(decided.entry);
                    o.write_all(&decided.json)?;
                    o.write_all(b"\n")?;
                } else {
                    o.write_all(&decided.json)?;
                    o.write_all(b"\n")?;
                    service.record(decided.entry);
                }
            }
            Some(Err(error)) => {
                service.metrics.stdio_error();
                serde_json::to_writer(&mut *o, &error)?;
                o.write_all(b"\n")?;
            }
        }
        if input.buffer().is_empty() {
            o.flush()?;
        }
    }
    lock(out).flush()
}

/// The verdict for one line, an error object, or nothing for a blank line.
pub fn answer(
    service: &Service,
    line: &[u8],
    number: usize,
) -> Option<Result<super::Decided, serde_json::Value>> {
    let text = match std::str::from_utf8(line) {
        Ok(t) => t.trim(),
        Err(e) => {
            return Some(Err(json!({
                "error": format!("the line is not UTF-8 (at byte {})", e.valid_up_to() + 1),
                "line": number,
            })));
        }
    };
    if text.is_empty() {
        return None;
    }
    let conversation = match Conversation::from_json(text) {
        Ok(c) => c,
        Err(e) => {
            let error = match e.column {
                Some(column) => json!({
                    "error": format!("malformed JSON at column {column}: {}", e.message),
                    "line": number,
                    "column": column,
                }),
                None => json!({"error": e.message, "line": number}),
            };
            return Some(Err(error));
        }
    };
    if let Err(message) = service.limits.check(&conversation) {
        return Some(Err(json!({"error": message, "line": number})));
    }
    let loaded = service.reloader.current();
    Some(
        service
            .decide(&loaded.set, conversation)
            .map_err(|m| json!({"error": m, "line": number})),
    )
}
