//! A policy set: every `*.policy` file under a directory, run through the whole pipeline
//! (syntax → check → compile) and identified by a content digest.

use crate::ast;
use crate::check;
use crate::context::Conversation;
use crate::diagnostic::{self, Code, Diagnostic, Report};
use crate::eval::{self, Program, Verdict};
use crate::prove;
use crate::schema::Schema;
use crate::source::{FileId, Source};
use crate::syntax;
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A parsed and checked (not yet compiled) set: what `handoff check` and `fmt` need.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// In path order; a [`FileId`] indexes this list.
    pub sources: Vec<Source>,
    pub files: Vec<ast::File>,
    pub schema: Schema,
    /// Every diagnostic of the set, errors and warnings, sorted by place.
    pub diagnostics: Vec<Diagnostic>,
    /// **(v0.2)** Each guarantee and how it fared (empty when the set has other errors).
    pub proofs: Vec<prove::Proof>,
}

impl Analysis {
    /// Parses and checks sources (sorted into path order first).
    pub fn new(mut sources: Vec<Source>) -> Analysis {
        sources.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        let mut diagnostics = Vec::new();
        let mut files = Vec::with_capacity(sources.len());
        for (i, source) in sources.iter().enumerate() {
            let id = FileId::try_from(i).unwrap_or(FileId::MAX);
            let (file, found) = syntax::parse_source(id, source);
            diagnostics.extend(found);
            files.push(file);
        }
        let (schema, found) = Schema::build(&files);
        diagnostics.extend(found);
        diagnostics.extend(check::check(&files, &schema, &sources));
        let mut proofs = Vec::new();
        if !diagnostics.iter().any(Diagnostic::is_error) {
            // guarantees are proved over the compiled set, which confirms counterexamples
            let program = eval::compile(&files, &sources, &schema, String::new());
            proofs = prove::prove_all(&files, &sources, &schema, &program);
            diagnostics.extend(prove::diagnostics(&proofs));
        }
        diagnostic::sort(&mut diagnostics);
        Analysis { sources, files, schema, diagnostics, proofs }
    }

    /// Reads every `*.policy` file under `dir` (recursively) and analyses them. A directory
    /// that cannot be read is an `io` diagnostic.
    pub fn load(dir: impl AsRef<Path>) -> Analysis {
        Analysis::load_limited(dir, SizeLimits::default())
    }

    /// [`Analysis::load`] within size limits: a file or set over them is an `io` diagnostic and
    /// nothing is parsed (a garbage file must not flood the diagnostics).
    pub fn load_limited(dir: impl AsRef<Path>, limits: SizeLimits) -> Analysis {
        match read_dir_sources_limited(dir.as_ref(), limits) {
            Ok(sources) => Analysis::new(sources),
            Err(d) => Analysis {
                sources: Vec::new(),
                files: Vec::new(),
                schema: Schema::default(),
                diagnostics: vec![d],
                proofs: Vec::new(),
            },
        }
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Renders every diagnostic for people.
    pub fn render(&self, color: bool, width: usize) -> String {
        diagnostic::render(&self.diagnostics, &self.sources, color, width)
    }

    /// Compiles a set without errors. A violated guarantee does not stop it (LANGUAGE.md §9:
    /// `eval`, `test`, `diff` and `list` load such a set); its diagnostic becomes a warning of
    /// the compiled set, and [`PolicySet::guarantees_hold`] says so.
    pub fn compile(mut self) -> Result<PolicySet, LoadError> {
        let errors = self.diagnostics.iter().filter(|d| d.is_error());
        if errors.clone().any(|d| d.code != Code::GuaranteeViolated) {
            return Err(LoadError::new(self.diagnostics, self.sources));
        }
        for d in &mut self.diagnostics {
            if d.code == Code::GuaranteeViolated {
                d.severity = diagnostic::Severity::Warning;
            }
        }
        let digest = digest(&self.sources);
        let program = eval::compile(&self.files, &self.sources, &self.schema, digest);
        Ok(PolicySet {
            program: Arc::new(program),
            sources: Arc::new(self.sources),
            warnings: Arc::new(self.diagnostics),
        })
    }
}

/// A compiled policy set, ready to evaluate conversations. Cheap to clone and share across
/// threads.
#[derive(Clone, Debug)]
pub struct PolicySet {
    program: Arc<Program>,
    sources: Arc<Vec<Source>>,
    warnings: Arc<Vec<Diagnostic>>,
}

impl PolicySet {
    /// Parses, checks and compiles every `*.policy` file under `dir`.
    pub fn load(dir: impl AsRef<Path>) -> Result<PolicySet, LoadError> {
        Analysis::load(dir).compile()
    }

    /// [`PolicySet::load`] for a service: a set with a violated or unproved guarantee is refused
    /// too (LANGUAGE.md §9), with those diagnostics as errors.
    pub fn load_for_serving(dir: impl AsRef<Path>) -> Result<PolicySet, LoadError> {
        PolicySet::load(dir)?.for_serving()
    }

    /// This set, unless one of its guarantees is violated or unproved (`serve` refuses such a
    /// set); the refusing diagnostics become errors.
    pub fn for_serving(self) -> Result<PolicySet, LoadError> {
        let set = self;
        if set.guarantees_hold() {
            return Ok(set);
        }
        let diagnostics = set
            .warnings
            .iter()
            .filter(|d| prove::refused(std::slice::from_ref(*d)))
            .map(|d| Diagnostic { severity: diagnostic::Severity::Error, ..d.clone() })
            .collect();
        Err(LoadError::new(diagnostics, set.sources.to_vec()))
    }

    /// The same from memory: `(name, text)` pairs.
    pub fn from_sources<I, N, T>(sources: I) -> Result<PolicySet, LoadError>
    where
        I: IntoIterator<Item = (N, T)>,
        N: Into<String>,
        T: Into<String>,
    {
        let sources = sources.into_iter().map(|(n, t)| Source::new(n, t)).collect();
        Analysis::new(sources).compile()
    }

    /// The verdict for one conversation. Never fails, never panics.
    pub fn evaluate<'a>(&'a self, conversation: &'a Conversation) -> Verdict<'a> {
        self.program.evaluate(conversation)
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Content hash of the set (file names and texts, in path order).
    pub fn digest(&self) -> &str {
        self.program.digest()
    }

    /// `version` of each header that gives one, in path order, joined by `+`.
    pub fn version(&self) -> Option<&str> {
        self.program.version()
    }

    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Warnings found while loading (a set with errors does not load), a violated guarantee's
    /// `guarantee-violated` among them.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Whether every guarantee of the set is proved (none violated or unproved): what `serve`
    /// requires before it serves a set.
    pub fn guarantees_hold(&self) -> bool {
        !prove::refused(&self.warnings)
    }
}

/// Why a policy set did not load: every diagnostic, with the sources to render them.
#[derive(Clone, Debug)]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Vec<Source>,
    /// The diagnostics as miette reports them (each with its file's text).
    reports: Arc<[Report]>,
}

impl LoadError {
    /// A load error of these diagnostics, rendered against `sources`.
    pub fn new(diagnostics: Vec<Diagnostic>, sources: Vec<Source>) -> LoadError {
        let reports = diagnostics.iter().map(|d| Report::new(d, &sources)).collect();
        LoadError {
            diagnostics,
            sources,
            reports,
        }
    }

    /// Every diagnostic rendered for people (see [`diagnostic::render`]).
    pub fn render(&self, color: bool, width: usize) -> String {
        diagnostic::render(&self.diagnostics, &self.sources, color, width)
    }

    /// Every diagnostic without colour at width 100, then the summary line.
    pub fn rendered(&self) -> String {
        let mut out = self.render(false, 100);
        out.push_str(&diagnostic::summary(&self.diagnostics));
        out
    }
}

/// `the policy set does not load: 2 errors, 0 warnings`; each diagnostic, with its source,
/// is a related diagnostic (as miette renders it).
impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the policy set does not load: {}", diagnostic::summary(&self.diagnostics))
    }
}

impl std::error::Error for LoadError {}

impl miette::Diagnostic for LoadError {
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        Some(Box::new(self.reports.iter().map(|r| r as &dyn miette::Diagnostic)))
    }
}

/// SHA-256 over each file's name and text (length-prefixed), in path order; hex, 64 chars.
pub fn digest(sources: &[Source]) -> String {
    let mut hasher = Sha256::new();
    for s in sources {
        hasher.update((s.name.len() as u64).to_le_bytes());
        hasher.update(s.name.as_bytes());
        hasher.update((s.text.len() as u64).to_le_bytes());
        hasher.update(s.text.as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// How large a policy set may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeLimits {
    /// Bytes of one `.policy` file.
    pub file: u64,
    /// Bytes of all the set's files together.
    pub set: u64,
}

impl Default for SizeLimits {
    fn default() -> SizeLimits {
        SizeLimits { file: 1024 * 1024, set: 16 * 1024 * 1024 }
    }
}

/// Every `*.policy` file under `dir`, named by its path relative to `dir` with `/`.
pub fn read_dir_sources(dir: &Path) -> Result<Vec<Source>, Diagnostic> {
    read_dir_sources_limited(dir, SizeLimits::default())
}

/// [`read_dir_sources`] within size limits, checked before any file is read.
pub fn read_dir_sources_limited(dir: &Path, limits: SizeLimits) -> Result<Vec<Source>, Diagnostic> {
    let mut paths = Vec::new();
    collect_policy_files(dir, &mut paths, 0).map_err(|e| io_error(dir, &e))?;
    let mut total = 0u64;
    for path in &paths {
        let len = std::fs::metadata(path).map_err(|e| io_error(path, &e))?.len();
        total = total.saturating_add(len);
        if len > limits.file {
            return Err(too_large(&format!("`{}` is {len} bytes, over the limit of {} bytes for one file", path.display(), limits.file)));
        }
        if total > limits.set {
            return Err(too_large(&format!("the policy files under `{}` are over the limit of {} bytes for a set", dir.display(), limits.set)));
        }
    }
    let mut sources = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = std::fs::read(&path).map_err(|e| io_error(&path, &e))?;
        let rel = path.strip_prefix(dir).unwrap_or(&path);
        let name = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        let mut source = Source::from_bytes(name, bytes);
        source.path = display_path(dir, &source.name);
        sources.push(source);
    }
    Ok(sources)
}

/// `dir/name` as people would type it: `policies/care.policy`, `./care.policy` stays `care.policy`.
fn display_path(dir: &Path, name: &str) -> String {
    let dir = dir.to_string_lossy();
    let dir = dir.trim_end_matches('/');
    match dir {
        "" | "." => name.to_string(),
        d => format!("{d}/{name}"),
    }
}

fn collect_policy_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> std::io::Result<()> {
    if depth > 64 {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        // Editors' and Kubernetes' hidden files (`.#x.policy`, `..data`) are not policies.
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = std::fs::metadata(&path)?; // follows symlinks, as ConfigMaps need
        if kind.is_dir() {
            collect_policy_files(&path, out, depth + 1)?;
        } else if path.extension().is_some_and(|e| e == "policy") {
            out.push(path);
        }
    }
    Ok(())
}

fn too_large(message: &str) -> Diagnostic {
    Diagnostic::new(Code::Io, None, message.to_string())
        .with_help("`serve --max-policy-file SIZE` and `--max-policy-set SIZE` raise the limits")
}

fn io_error(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::new(Code::Io, None, format!("cannot read `{}`: {e}", path.display()))
        .with_help("`-p, --policies DIR` names the directory of `.policy` files")
}
