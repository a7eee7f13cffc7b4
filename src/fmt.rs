//! The formatter: one canonical layout for `.policy` files, comments kept.
//!
//! - items keep their order, separated by one blank line (consecutive one-line lexicons and
//!   defaults keep the source's choice of none or one, and lexicons in a group align their `{`);
//! - two spaces of indentation; header fields, context fields and clauses one per line, header
//!   keys and context paths aligned;
//! - clauses in the order `when unless because priority queue tag say must`;
//! - a `when` / `unless` too long for the line is broken one operand of its top `and` / `or`
//!   chain per line, the operator leading and the operands aligned (LANGUAGE.md §1);
//! - parentheses as the author wrote them, redundant ones included (and where precedence needs
//!   them in a tree built by hand);
//! - strings re-escaped, numbers as the shortest text that reads back the same.
//!
//! The formatter proves itself in `tests/fmt.rs`: parsing the output gives the same tree,
//! formatting twice changes nothing, and every comment survives.

mod comments;
mod expr;

pub use expr::{as_written as format_expr_as_written, to_string as format_expr};

use crate::ast::{
    self, ContextBlock, DefaultDecl, Expr, Guarantee, Header, Item, Lexicon, Principle, Rule, Type,
};
use crate::diagnostic::Diagnostic;
use crate::source::FileId;
use comments::Comments;

/// Lines longer than this are broken where the layout allows.
const WIDTH: usize = 100;
const INDENT: &str = "  ";

/// Parses and formats one file; the syntax errors if it does not parse.
pub fn format_source(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let (ast, diagnostics) = crate::syntax::parse(file, text);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    Ok(format(&ast, text))
}

/// Formats a parsed file; `source` is the text it was parsed from (for comments and blank
/// lines).
pub fn format(file: &ast::File, source: &str) -> String {
    // First pass: which lines will be printed, so that each comment finds its line.
    let mut collect = Printer {
        file,
        source,
        out: String::new(),
        mode: Mode::Collect(Vec::new()),
    };
    collect.file();
    let Mode::Collect(mut anchors) = collect.mode else {
        return String::new();
    };
    anchors.push(source.len() + 1);
    let comments = Comments::new(&file.comments, source, anchors);
    let mut printer = Printer {
        file,
        source,
        out: String::new(),
        mode: Mode::Emit(comments),
    };
    printer.file();
    printer.finish()
}

enum Mode<'a> {
    Collect(Vec<usize>),
    Emit(Comments<'a>),
}

struct Printer<'a> {
    file: &'a ast::File,
    source: &'a str,
    out: String,
    mode: Mode<'a>,
}

impl Printer<'_> {
    /// Starts the line of `anchor`: its leading comments, then the indentation.
    fn open(&mut self, anchor: usize, indent: &str) {
        match &mut self.mode {
            Mode::Collect(anchors) => anchors.push(anchor),
            Mode::Emit(c) => c.leading(anchor, indent, false, &mut self.out),
        }
        self.out.push_str(indent);
    }

    /// Ends the line of `anchor` with its trailing comments.
    fn close(&mut self, anchor: usize, indent: &str) {
        match &mut self.mode {
            Mode::Collect(_) => self.out.push('\n'),
            Mode::Emit(c) => c.trailing(anchor, indent, &mut self.out),
        }
    }

    /// The closing `}` of a block at `indent`; comments before it stay inside the block.
    fn close_brace(&mut self, anchor: usize, indent: &str) {
        let inner = format!("{indent}{INDENT}");
        match &mut self.mode {
            Mode::Collect(anchors) => anchors.push(anchor),
            Mode::Emit(c) => c.leading(anchor, &inner, true, &mut self.out),
        }
        self.out.push_str(indent);
        self.out.push('}');
        self.close(anchor, indent);
    }

    /// A whole line.
    fn line(&mut self, anchor: usize, indent: &str, text: &str) {
        self.open(anchor, indent);
        self.out.push_str(text);
        self.close(anchor, indent);
    }

    /// Whether a comment sits inside `start..end` of the source.
    fn comment_within(&self, start: u32, end: u32) -> bool {
        self.file
            .comments
            .iter()
            .any(|c| c.span.start > start && c.span.start < end)
    }

    fn finish(mut self) -> String {
        let eof = self.source.len() + 1;
        if let Mode::Emit(c) = &mut self.mode {
            c.leading(eof, "", true, &mut self.out);
            c.rest(&mut self.out);
        }
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        self.out
    }

    fn file(&mut self) {
        let items = &self.file.items;
        let groups = self.lexicon_groups();
        let pad = |i: usize| groups.get(i).copied().unwrap_or(0);
        for (i, item) in items.iter().enumerate() {
            if let Some(prev) = i.checked_sub(1).and_then(|p| items.get(p)) {
                let together = self.one_liner(prev, pad(i - 1))
                    && self.one_liner(item, pad(i))
                    && !blank_between(self.source, prev, item);
                if !together {
                    self.out.push('\n');
                }
            }
            match item {
                Item::Header(h) => self.header(h),
                Item::Default(d) => self.default_decl(d),
                Item::Context(c) => self.context(c),
                Item::Lexicon(l) => self.lexicon(l, pad(i)),
                Item::Principle(p) => self.principle(p),
                Item::Rule(r) => self.rule(r, ""),
                Item::Guarantee(g) => self.guarantee(g, ""),
            }
        }
    }

    /// Items that may sit on consecutive lines.
    fn one_liner(&self, item: &Item, pad: usize) -> bool {
        match item {
            Item::Default(_) => true,
            Item::Lexicon(l) => !self.lexicon_breaks(l, pad),
            _ => false,
        }
    }

    fn header(&mut self, h: &Header) {
        let start = h.span.start as usize;
        let mut fields: Vec<(usize, &str, String)> = Vec::new();
        for (key, value) in [
            ("owner", &h.owner),
            ("version", &h.version),
            ("description", &h.description),
        ] {
            if let Some(v) = value {
                fields.push((v.span.start as usize, key, expr::string(&v.node)));
            }
        }
        if let Some(first) = h.ai_must.first() {
            let names: Vec<&str> = h.ai_must.iter().map(|m| m.node.as_str()).collect();
            fields.push((first.span.start as usize, "ai_must", names.join(", ")));
        }
        let head = format!("policy {} {{", expr::string(&h.name.node));
        if fields.is_empty() && !self.comment_within(h.span.start, h.span.end) {
            self.line(start, "", &format!("{head}}}"));
            return;
        }
        self.line(start, "", &head);
        let width = fields.iter().map(|(_, k, _)| k.len()).max().unwrap_or(0);
        for (anchor, key, value) in fields {
            self.line(anchor, INDENT, &format!("{key:width$} {value}"));
        }
        self.close_brace(brace(h.span), "");
    }

    fn default_decl(&mut self, d: &DefaultDecl) {
        let text = format!(
            "default {} because {}",
            d.route.node,
            expr::string(&d.because.node)
        );
        self.line(d.span.start as usize, "", &text);
    }

    fn context(&mut self, c: &ContextBlock) {
        let start = c.span.start as usize;
        if c.fields.is_empty() && !self.comment_within(c.span.start, c.span.end) {
            self.line(start, "", "context {}");
            return;
        }
        self.line(start, "", "context {");
        let width = c
            .fields
            .iter()
            .map(|f| f.path.node.len())
            .max()
            .unwrap_or(0);
        for f in &c.fields {
            let mut text = format!("{:width$} : {}", f.path.node, type_text(&f.ty.node));
            if let Some(d) = &f.default {
                text.push_str(" = ");
                match &d.node {
                    crate::ast::FieldDefault::Literal(l) => text.push_str(&expr::literal(l)),
                    crate::ast::FieldDefault::List(items) => {
                        let items: Vec<String> = items.iter().map(expr::literal).collect();
                        text.push_str(&format!("[{}]", items.join(", ")));
                    }
                }
            }
            self.line(f.span.start as usize, INDENT, &text);
        }
        self.close_brace(brace(c.span), "");
    }

    fn lexicon_one_line(l: &Lexicon, pad: usize) -> String {
        let phrases: Vec<String> = l.phrases.iter().map(|p| expr::string(&p.node)).collect();
        let name = format!("{:pad$}", l.name.node);
        if phrases.is_empty() {
            format!("lexicon {name} {{}}")
        } else {
            format!("lexicon {name} {{ {} }}", phrases.join(", "))
        }
    }

    /// Whether a lexicon takes one line per phrase.
    fn lexicon_breaks(&self, l: &Lexicon, pad: usize) -> bool {
        Self::lexicon_one_line(l, pad).chars().count() > WIDTH
            || self.comment_within(l.span.start, l.span.end)
    }

    fn lexicon(&mut self, l: &Lexicon, pad: usize) {
        let start = l.span.start as usize;
        if !self.lexicon_breaks(l, pad) {
            self.line(start, "", &Self::lexicon_one_line(l, pad));
            return;
        }
        self.line(start, "", &format!("lexicon {} {{", l.name.node));
        let phrases: Vec<String> = l.phrases.iter().map(|p| expr::string(&p.node)).collect();
        let last = phrases.len().saturating_sub(1);
        if self.comment_within(l.span.start, l.span.end) {
            // One phrase a line, so that each comment keeps its phrase.
            for (i, (p, text)) in l.phrases.iter().zip(&phrases).enumerate() {
                let comma = if i < last { "," } else { "" };
                self.line(p.span.start as usize, INDENT, &format!("{text}{comma}"));
            }
        } else {
            // Filled lines.
            let mut line = String::new();
            let mut anchor = start;
            for (i, (p, text)) in l.phrases.iter().zip(&phrases).enumerate() {
                let comma = if i < last { "," } else { "" };
                if !line.is_empty()
                    && INDENT.len() + line.len() + text.chars().count() + comma.len() > WIDTH
                {
                    self.line(anchor, INDENT, line.trim_end());
                    line.clear();
                }
                if line.is_empty() {
                    anchor = p.span.start as usize;
                }
                line.push_str(text);
                line.push_str(comma);
                line.push(' ');
            }
            if !line.is_empty() {
                self.line(anchor, INDENT, line.trim_end());
            }
        }
        self.close_brace(brace(l.span), "");
    }

    fn principle(&mut self, p: &Principle) {
        let start = p.span.start as usize;
        let head = format!("principle {} {{", expr::string(&p.name.node));
        if p.rules.is_empty() && p.guarantees.is_empty() && !self.comment_within(p.span.start, p.span.end) {
            self.line(start, "", &format!("{head}}}"));
            return;
        }
        self.line(start, "", &head);
        // rules and guarantees in the order they were written
        let mut members: Vec<(u32, Option<&Rule>, Option<&Guarantee>)> = p.rules.iter().map(|r| (r.span.start, Some(r), None)).collect();
        members.extend(p.guarantees.iter().map(|g| (g.span.start, None, Some(g))));
        members.sort_by_key(|m| m.0);
        for (i, (_, r, g)) in members.into_iter().enumerate() {
            if i > 0 {
                self.out.push('\n');
            }
            if let Some(r) = r {
                self.rule(r, INDENT);
            }
            if let Some(g) = g {
                self.guarantee(g, INDENT);
            }
        }
        self.close_brace(brace(p.span), "");
    }

    /// `guarantee "NAME" { when … unless … ensure … }`
    fn guarantee(&mut self, g: &Guarantee, indent: &str) {
        let start = g.span.start as usize;
        let head = format!("guarantee {} {{", expr::string(&g.name.node));
        let inner = format!("{indent}{INDENT}");
        self.line(start, indent, &head);
        if let Some(e) = &g.when {
            self.condition("when", e, &inner);
        }
        if let Some(e) = &g.unless {
            self.condition("unless", e, &inner);
        }
        if let Some(r) = &g.ensure {
            self.line(r.span.start as usize, &inner, &format!("ensure {}", r.node));
        }
        self.close_brace(brace(g.span), indent);
    }

    fn rule(&mut self, r: &Rule, indent: &str) {
        let start = r.span.start as usize;
        let head = format!(
            "{} {} {{",
            r.effect.node.as_str(),
            expr::string(&r.name.node)
        );
        let inner = format!("{indent}{INDENT}");
        let empty = r.when.is_none()
            && r.unless.is_none()
            && r.because.is_none()
            && r.priority.is_none()
            && r.queue.is_none()
            && r.tags.is_empty()
            && r.say.is_none()
            && r.must.is_empty();
        if empty && !self.comment_within(r.span.start, r.span.end) {
            self.line(start, indent, &format!("{head}}}"));
            return;
        }
        self.line(start, indent, &head);
        if let Some(e) = &r.when {
            self.condition("when", e, &inner);
        }
        if let Some(e) = &r.unless {
            self.condition("unless", e, &inner);
        }
        if let Some(b) = &r.because {
            self.line(
                b.span.start as usize,
                &inner,
                &format!("because {}", expr::string(&b.node)),
            );
        }
        if let Some(p) = &r.priority {
            self.line(
                p.span.start as usize,
                &inner,
                &format!("priority {}", p.node),
            );
        }
        if let Some(q) = &r.queue {
            self.line(
                q.span.start as usize,
                &inner,
                &format!("queue {}", expr::string(&q.node)),
            );
        }
        for t in &r.tags {
            self.line(
                t.span.start as usize,
                &inner,
                &format!("tag {}", expr::string(&t.node)),
            );
        }
        if let Some(s) = &r.say {
            self.line(
                s.span.start as usize,
                &inner,
                &format!("say {}", expr::string(&s.node)),
            );
        }
        if let Some(first) = r.must.first() {
            let names: Vec<&str> = r.must.iter().map(|m| m.node.as_str()).collect();
            self.line(
                first.span.start as usize,
                &inner,
                &format!("must {}", names.join(", ")),
            );
        }
        self.close_brace(brace(r.span), indent);
    }

    /// `when EXPR` / `unless EXPR`, broken at its top `and` / `or` when too long or when
    /// comments sit between its operands (each then stays after its operand).
    fn condition(&mut self, keyword: &str, e: &Expr, indent: &str) {
        let anchor = e.span.start as usize;
        let flat = expr::as_written(e);
        let fits = indent.len() + keyword.len() + 1 + flat.chars().count() <= WIDTH;
        let chain = expr::chain(e);
        // A comment between two operands keeps its place only if they go on separate lines.
        let between = chain.as_ref().is_some_and(|c| {
            c.parts.windows(2).any(|w| match w {
                [(_, a), (_, b)] => self.comment_within(a.end.saturating_sub(1), b.start),
                _ => false,
            })
        });
        let chain = if fits && !between { None } else { chain };
        let Some(expr::Chain { word: op, parts, parens }) = chain else {
            self.line(anchor, indent, &format!("{keyword} {flat}"));
            return;
        };
        self.open(anchor, indent);
        let pad = " ".repeat((keyword.len() + 1 + parens).saturating_sub(op.len() + 1));
        let continuation = format!("{indent}{pad}");
        let mut operands = parts.iter().peekable();
        let mut first = true;
        while let Some((part, span)) = operands.next() {
            if first {
                self.out.push_str(keyword);
                first = false;
            } else {
                self.out.push_str(&continuation);
                self.out.push_str(op);
            }
            self.out.push(' ');
            self.out.push_str(part);
            let Some((_, next)) = operands.peek() else {
                break;
            };
            if let Mode::Emit(c) = &mut self.mode {
                c.between(
                    span.end as usize,
                    next.start as usize,
                    &continuation,
                    &mut self.out,
                );
            } else {
                self.out.push('\n');
            }
        }
        self.close(anchor, indent);
    }
}

/// The offset of the closing `}` of a block.
fn brace(span: crate::source::Span) -> usize {
    (span.end as usize).saturating_sub(1)
}

fn type_text(t: &Type) -> String {
    match t {
        Type::Bool => "bool".into(),
        Type::Number => "number".into(),
        Type::String => "string".into(),
        Type::List => "list".into(),
        Type::OneOf(options) => {
            let options: Vec<String> = options.iter().map(|o| expr::string(o)).collect();
            format!("one of [{}]", options.join(", "))
        }
    }
}

/// Whether the source has a blank line between two items.
fn blank_between(source: &str, a: &Item, b: &Item) -> bool {
    let gap = source
        .get(a.span().end as usize..b.span().start as usize)
        .unwrap_or("");
    let parts: Vec<&str> = gap.split('\n').collect();
    parts.len() > 2
        && parts
            .iter()
            .skip(1)
            .take(parts.len() - 2)
            .any(|l| l.trim().is_empty())
}

impl Printer<'_> {
    /// For each item, the width its lexicon name is padded to: consecutive one-line lexicons
    /// with no blank line between them align their `{`.
    fn lexicon_groups(&self) -> Vec<usize> {
        let items = &self.file.items;
        let mut pads = vec![0; items.len()];
        let mut i = 0;
        while i < items.len() {
            let mut j = i;
            while let (Some(a @ Item::Lexicon(_)), Some(b @ Item::Lexicon(_))) =
                (items.get(j), items.get(j + 1))
            {
                if blank_between(self.source, a, b) {
                    break;
                }
                j += 1;
            }
            let group: Vec<&Lexicon> = (i..=j)
                .filter_map(|k| match items.get(k) {
                    Some(Item::Lexicon(l)) => Some(l),
                    _ => None,
                })
                .collect();
            let width = group.iter().map(|l| l.name.node.len()).max().unwrap_or(0);
            if group.len() > 1 && group.iter().all(|l| !self.lexicon_breaks(l, width)) {
                for pad in pads.iter_mut().take(j + 1).skip(i) {
                    *pad = width;
                }
            }
            i = j + 1;
        }
        pads
    }
}
