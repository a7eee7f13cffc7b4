//! Reading conversations: `.yaml`/`.yml`/`.json` files (one conversation; YAML may hold several
//! `---` documents), `.jsonl` files (one a line), directories (every such file inside, sorted),
//! and `-` (JSONL on stdin). Inputs are streamed: a `.jsonl` file of any size is read a line at
//! a time, and one bad document never stops the others.

use crate::context::{Conversation, InputError};
use std::io::BufRead;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One document read from the inputs.
pub struct Item {
    /// Where it came from: `path`, `path:LINE` for JSONL, `-:LINE` for stdin.
    pub origin: String,
    pub conversation: Result<Conversation, InputError>,
}

impl Item {
    /// The name to show for it: the conversation's `id`, else where it came from.
    pub fn label(&self) -> String {
        match &self.conversation {
            Ok(c) => c.id().unwrap_or_else(|| self.origin.clone()),
            Err(_) => self.origin.clone(),
        }
    }
}

/// Something that stopped an input from being read at all (a missing file, an unreadable
/// directory).
pub struct Unreadable {
    pub origin: String,
    pub message: String,
}

/// The files an input names, expanded (directories walked, sorted by path). Each directory is
/// entered once, by its canonical path: a symbolic link that leads back into a directory being
/// walked is reported, not followed.
fn expand(input: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<Unreadable>) {
    if input.as_os_str() == "-" {
        out.push(input.to_path_buf());
        return;
    }
    match std::fs::metadata(input) {
        Ok(m) if m.is_dir() => {
            let mut found = Vec::new();
            walk(input, &mut found, &mut HashSet::new(), errors);
            found.sort();
            out.extend(found);
        }
        Ok(_) => out.push(input.to_path_buf()),
        Err(e) => errors.push(Unreadable { origin: input.display().to_string(), message: e.to_string() }),
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, seen: &mut HashSet<PathBuf>, errors: &mut Vec<Unreadable>) {
    match std::fs::canonicalize(dir) {
        Ok(real) if !seen.insert(real.clone()) => {
            errors.push(Unreadable {
                origin: dir.display().to_string(),
                message: format!("already walked as `{}` (a symbolic link loop, or a second link to it)", real.display()),
            });
            return;
        }
        Ok(_) => {}
        Err(e) => {
            errors.push(Unreadable { origin: dir.display().to_string(), message: e.to_string() });
            return;
        }
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(Unreadable { origin: dir.display().to_string(), message: e.to_string() });
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, out, seen, errors);
        } else if is_conversation_file(&path) {
            out.push(path);
        }
    }
}

fn is_conversation_file(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json" | "jsonl"))
}

/// A document as read, not yet parsed when it is a JSONL line: batch runs parse lines on
/// every core.
pub enum Raw {
    /// A JSONL line: where it came from (`path` or `-`), its 1-based number, its text.
    Line { origin: std::sync::Arc<str>, number: usize, text: String },
    /// A YAML or JSON document, already read.
    Document(Box<Item>),
}

impl Raw {
    /// Parses the document.
    pub fn into_item(self) -> Item {
        match self {
            Raw::Line { origin, number, text } => {
                let conversation = Conversation::from_json(&text).map_err(|mut e| {
                    // A JSONL error is named by its line in the file.
                    e.line = Some(number);
                    e
                });
                Item { origin: format!("{origin}:{number}"), conversation }
            }
            Raw::Document(item) => *item,
        }
    }

    /// Bytes of input it stands for (for progress).
    pub fn size(&self) -> u64 {
        match self {
            Raw::Line { text, .. } => text.len() as u64,
            Raw::Document(_) => 0,
        }
    }
}

/// Every file the inputs name, expanded (directories walked, sorted), with those that could
/// not be read at all.
pub fn expand_all(inputs: &[PathBuf]) -> (Vec<PathBuf>, Vec<Unreadable>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for input in inputs {
        expand(input, &mut files, &mut errors);
    }
    // Each file once, by its canonical path (an input named twice, or reached by two links).
    let mut seen = HashSet::new();
    files.retain(|f| f.as_os_str() == "-" || seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    (files, errors)
}

fn read_file(path: &Path, each: &mut impl FnMut(Raw)) -> Result<(), Unreadable> {
    let origin = path.display().to_string();
    let unreadable = |e: std::io::Error| Unreadable { origin: origin.clone(), message: e.to_string() };
    if path.as_os_str() == "-" {
        let stdin = std::io::stdin();
        return read_jsonl(stdin.lock(), "-", each).map_err(unreadable);
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("jsonl") => {
            let file = std::fs::File::open(path).map_err(unreadable)?;
            read_jsonl(std::io::BufReader::with_capacity(1 << 16, file), &origin, each).map_err(unreadable)
        }
        Some("json") => {
            let text = read_document(path).map_err(unreadable)?;
            each(Raw::Document(Box::new(Item { origin: origin.clone(), conversation: Conversation::from_json(&text) })));
            Ok(())
        }
        _ => {
            let text = read_document(path).map_err(unreadable)?;
            read_yaml_documents(&text, &origin, &mut |item| each(Raw::Document(Box::new(item))));
            Ok(())
        }
    }
}

/// The largest conversation document: a JSONL line, a `.json` or `.yaml` file. A larger one is
/// an invalid input (exit 1), never read whole.
pub const MAX_DOCUMENT: usize = 16 * 1024 * 1024;

/// A whole `.json` or `.yaml` file, refused when over [`MAX_DOCUMENT`].
fn read_document(path: &Path) -> std::io::Result<String> {
    let len = std::fs::metadata(path)?.len();
    if len > MAX_DOCUMENT as u64 {
        return Err(std::io::Error::other(format!("the file is {len} bytes, over the limit of {MAX_DOCUMENT} bytes")));
    }
    let text = std::fs::read_to_string(path)?;
    Ok(match text.strip_prefix(BOM) {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// A UTF-8 byte order mark, which some editors write at the start of a file: not part of the
/// document.
const BOM: &str = "\u{feff}";

/// One conversation a line; blank lines are skipped; a bad line (not UTF-8, over
/// [`MAX_DOCUMENT`], malformed) is reported as `origin:LINE` and the others go on.
pub fn read_jsonl(mut reader: impl BufRead, origin: &str, each: &mut impl FnMut(Raw)) -> std::io::Result<()> {
    use crate::lines::{Got, read_line};
    let origin: std::sync::Arc<str> = origin.into();
    let mut number = 0;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let got = read_line(&mut reader, &mut buf, MAX_DOCUMENT)?;
        if got == Got::Eof {
            return Ok(());
        }
        number += 1;
        let refused = |message: String| {
            let conversation = Err(InputError { message, line: Some(number), column: None });
            Raw::Document(Box::new(Item { origin: format!("{origin}:{number}"), conversation }))
        };
        if got == Got::TooLong {
            each(refused(format!("the line is over the limit of {MAX_DOCUMENT} bytes")));
            continue;
        }
        if number == 1 && buf.starts_with(BOM.as_bytes()) {
            buf.drain(..BOM.len());
        }
        match String::from_utf8(std::mem::take(&mut buf)) {
            Ok(text) if text.trim().is_empty() => {}
            Ok(text) => each(Raw::Line { origin: origin.clone(), number, text }),
            Err(e) => each(refused(format!("the line is not UTF-8 (at byte {})", e.utf8_error().valid_up_to() + 1))),
        }
    }
}

fn read_yaml_documents(text: &str, origin: &str, each: &mut impl FnMut(Item)) {
    use serde::Deserialize;
    let mut count = 0;
    let mut last_error: Option<InputError> = None;
    // The same documents again as YAML values, only where `.nan` or `.inf` may be written.
    let mut as_yaml = crate::context::may_hold_non_finite(text)
        .then(|| serde_yaml::Deserializer::from_str(text).map(serde_yaml::Value::deserialize));
    for document in serde_yaml::Deserializer::from_str(text) {
        count += 1;
        let yaml = as_yaml.as_mut().and_then(Iterator::next);
        let read = serde_json::Value::deserialize(document).map_err(|e| {
            let loc = e.location();
            InputError {
                message: strip_location(&e.to_string()),
                line: loc.as_ref().map(|l| l.line()),
                column: loc.as_ref().map(|l| l.column()),
            }
        });
        // After a syntax error serde_yaml's stream gives the same error again for every
        // following "document" (it cannot be resynchronised): reported once, then the file
        // ends. A document that is valid YAML but not a conversation (a number out of range,
        // a list at the top) is reported and the next ones are still read.
        if let Err(e) = &read {
            if last_error.as_ref() == Some(e) {
                break;
            }
            last_error = Some(e.clone());
        }
        let conversation = read
            .map(|mut value| {
                if let Some(Ok(yaml)) = yaml {
                    crate::context::mark_non_finite(&yaml, &mut value);
                }
                value
            })
            .and_then(Conversation::from_value);
        let origin = if count == 1 { origin.to_string() } else { format!("{origin}#{count}") };
        each(Item { origin, conversation });
    }
}

fn strip_location(text: &str) -> String {
    match text.find(" at line ") {
        Some(i) => text.get(..i).unwrap_or(text).to_string(),
        None => text.to_string(),
    }
}

/// `origin:line:column: message` for an input that could not be read.
pub fn describe_error(origin: &str, e: &InputError) -> String {
    // JSONL origins already carry the line.
    let has_line = origin.rsplit(':').next().is_some_and(|s| s.parse::<usize>().is_ok());
    match (e.line, e.column) {
        (_, Some(c)) if has_line => format!("{origin}:{c}: {}", e.message),
        (Some(l), Some(c)) => format!("{origin}:{l}:{c}: {}", e.message),
        (Some(l), None) if !has_line => format!("{origin}:{l}: {}", e.message),
        _ => format!("{origin}: {}", e.message),
    }
}

impl crate::batch::Job for Raw {
    fn size(&self) -> u64 {
        Raw::size(self)
    }
}

/// Reads the inputs on a reader thread, parses and runs `work` on every core, and calls `sink`
/// with the results in input order; a progress bar shows on stderr when it is a terminal.
/// Returns the inputs that could not be read at all.
pub fn run_batch<R: Send>(
    inputs: &[PathBuf],
    work: impl Fn(Item) -> R + Sync + Send,
    sink: impl FnMut(R),
) -> Vec<Unreadable> {
    let (files, mut errors) = expand_all(inputs);
    let total: u64 = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "jsonl"))
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let progress = crate::batch::Progress::stderr(total);
    let more = crate::batch::run(
        move |push: &mut dyn FnMut(Raw)| {
            let mut errors = Vec::new();
            for file in files {
                if let Err(e) = read_file(&file, &mut |raw| push(raw)) {
                    errors.push(e);
                }
            }
            errors
        },
        |raw: Raw| work(raw.into_item()),
        sink,
        &progress,
    );
    progress.finish();
    errors.extend(more);
    errors
}

/// A warning for each top-level key of a conversation that looks like a misspelt built-in
/// (`message`, `signal`, `chanel`, `expects`), unless the policy set reads a path under it.
pub fn key_warnings(set: &crate::PolicySet, origin: &str, conversation: &Conversation) -> Vec<String> {
    let declared = |key: &str| {
        set.program()
            .slots
            .iter()
            .any(|s| s.path.split('.').next() == Some(key))
    };
    conversation
        .misspelt_keys()
        .into_iter()
        .filter(|(key, _)| !declared(key))
        .map(|(key, builtin)| {
            let effect = match builtin {
                "messages" => " (`messages` is unknown while it is left out)",
                "expect" => " (not read as a test's expectations)",
                _ => " (read as a field of its own)",
            };
            format!("{origin}: top-level key `{key}`{effect}: did you mean `{builtin}`?")
        })
        .collect()
}
