//! `edict fmt`: one canonical layout, every comment kept.
//!
//! The layout: one statement a line group, a blank line kept (never more
//! than one) where the source had any; a rule's head (`name:`, effect,
//! actions, `by`, `to category`, time bounds) on its first line, then
//! `where`, `unless` and `because` each on a line of its own indented by two
//! spaces; a test's expectations one a line, indented by two, `deny` padded
//! to line up with `allow`. A comment after code stays after the code of the
//! same clause; a comment on a line of its own stays on a line of its own,
//! before the same code.
//!
//! The formatter checks its own work: the output must parse to the same
//! statements, keep every comment, and format to itself. Otherwise it
//! refuses, and nothing is written.

use crate::check::query::literal_text;
use crate::check::RawQuery;
use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::split::code_chars;
use crate::syntax::{parse_file, written_name as name, SyntaxError};
use crate::value::Value;

/// A rule's head longer than this puts its time window on the next line.
const MAX_WIDTH: usize = 88;

/// Why a text could not be formatted.
#[derive(Debug)]
pub enum FormatError {
    /// The text has syntax errors: it is left as it is.
    Syntax(Vec<SyntaxError>),
    /// The formatter's output failed its own check (a bug in edict).
    Unsafe(&'static str),
}

/// The text in canonical form.
pub fn format_text(text: &str) -> Result<String, FormatError> {
    let out = format_once(text)?;
    let again = format_once(&out).map_err(|_| FormatError::Unsafe("the output does not parse"))?;
    if again != out {
        return Err(FormatError::Unsafe(
            "formatting the output changes it again",
        ));
    }
    if canonical(text)?
        != canonical(&out).map_err(|_| FormatError::Unsafe("the output does not parse"))?
    {
        return Err(FormatError::Unsafe("the output means something else"));
    }
    if comments(text).len() != comments(&out).len() {
        return Err(FormatError::Unsafe("a comment would be lost"));
    }
    Ok(out)
}

/// The statements printed without comments: equal for texts that mean the same.
fn canonical(text: &str) -> Result<String, FormatError> {
    let (file, errors) = parse_file(0, text);
    if !errors.is_empty() {
        return Err(FormatError::Syntax(errors));
    }
    Ok(file
        .statements
        .iter()
        .flat_map(|s| statement_lines(s).into_iter().map(|l| l.text + "\n"))
        .collect())
}

/// A comment: where its `#` is, its text, and whether it has a line of its own.
struct Comment {
    at: usize,
    text: String,
    own_line: bool,
}

fn comments(text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some((i, _)) = code_chars(line).find(|&(_, c)| c == '#') {
            let own_line = line[..i]
                .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                .is_empty();
            out.push(Comment {
                at: offset + i,
                text: line[i..].trim_end().to_string(),
                own_line,
            });
        }
        offset += line.len();
    }
    out
}

/// One output line and the source ranges it stands for.
struct Line {
    text: String,
    /// Where the source code that the line stands for starts: one offset a clause.
    sources: Vec<usize>,
    indent: &'static str,
}

fn format_once(text: &str) -> Result<String, FormatError> {
    let (file, errors) = parse_file(0, text);
    if !errors.is_empty() {
        return Err(FormatError::Syntax(errors));
    }
    let mut comments = comments(text).into_iter().peekable();
    let mut out = String::new();
    let mut last_end: Option<usize> = None;
    let blank_before = |out: &mut String, last_end: Option<usize>, at: usize| {
        if let Some(end) = last_end.filter(|&end| end <= at) {
            if text[end..at].matches('\n').count() >= 2 {
                out.push('\n');
            }
        }
    };
    for statement in &file.statements {
        let span = statement.span();
        // a statement's span can take in the spaces after it (pest keeps
        // the ones it skipped looking for an optional clause)
        let end = span.start()
            + text[span.range()]
                .trim_end_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                .len();
        let span = Span::new(span.file, span.start(), end);
        // comments on lines of their own before the statement
        while let Some(c) = comments.next_if(|c| c.at < span.start()) {
            blank_before(&mut out, last_end, c.at);
            out.push_str(&c.text);
            out.push('\n');
            last_end = Some(c.at + c.text.len());
        }
        blank_before(&mut out, last_end, span.start());
        // comments inside the statement, or after it on its last line
        let line_end = text[span.end()..]
            .find('\n')
            .map_or(text.len(), |i| span.end() + i);
        let mut inside: Vec<Comment> = Vec::new();
        while let Some(c) = comments.next_if(|c| c.at < line_end) {
            inside.push(c);
        }
        // a list with comments among its items keeps an item a line, so
        // that each comment stays beside its item
        let among_items = inside.iter().any(|c| c.at < span.end());
        let lines = among_items
            .then(|| list_lines(statement))
            .flatten()
            .unwrap_or_else(|| statement_lines(statement));
        out.push_str(&attach(lines, inside));
        last_end = Some(line_end);
    }
    for c in comments {
        blank_before(&mut out, last_end, c.at);
        out.push_str(&c.text);
        out.push('\n');
        last_end = Some(c.at + c.text.len());
    }
    Ok(align_comments(&out))
}

/// Code wider than this does not push the comments of its neighbours out:
/// its own comment follows it after two spaces.
const ALIGN_UP_TO: usize = 60;

/// Lines up the comments that follow code on consecutive lines of the same
/// indentation, two spaces after the longest code of at most
/// [`ALIGN_UP_TO`] characters; a longer line's comment follows it after two
/// spaces, so that one long line does not move every comment beside it.
fn align_comments(text: &str) -> String {
    let split: Vec<(&str, Option<&str>)> = text
        .lines()
        .map(|l| match code_chars(l).find(|&(_, c)| c == '#') {
            Some((i, _)) if !l[..i].trim().is_empty() => (l[..i].trim_end(), Some(&l[i..])),
            _ => (l, None),
        })
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < split.len() {
        let indent = |line: &str| line.len() - line.trim_start().len();
        let mut j = i;
        while j < split.len() && split[j].1.is_some() && indent(split[j].0) == indent(split[i].0) {
            j += 1;
        }
        if j == i {
            out.push_str(split[i].0);
            out.push('\n');
            i += 1;
            continue;
        }
        let width = split[i..j]
            .iter()
            .map(|(code, _)| code.chars().count())
            .filter(|&w| w <= ALIGN_UP_TO)
            .max()
            .unwrap_or(0);
        for (code, comment) in &split[i..j] {
            let pad = width.saturating_sub(code.chars().count()) + 2;
            out.push_str(&format!(
                "{code}{}{}\n",
                " ".repeat(pad),
                comment.unwrap_or("")
            ));
        }
        i = j;
    }
    out
}

/// Prints the lines with the statement's comments in place.
fn attach(lines: Vec<Line>, comments: Vec<Comment>) -> String {
    let mut before: Vec<Vec<String>> = vec![Vec::new(); lines.len() + 1];
    let mut after: Vec<Vec<String>> = vec![Vec::new(); lines.len()];
    for c in comments {
        // the line of the code just before the comment, and just after
        let preceding = lines
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.sources.iter().map(move |&start| (start, i)))
            .filter(|&(start, _)| start <= c.at)
            .max();
        let following = lines
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.sources.iter().map(move |&start| (start, i)))
            .filter(|&(start, _)| start > c.at)
            .min();
        match (c.own_line, preceding, following) {
            (true, _, Some((_, i))) => before[i].push(c.text),
            // inside the last clause, between its keyword and the rest of
            // it (`where`, a comment, the condition): the code it stands
            // before is on that clause's line. After the statement it would
            // read as the next statement's comment.
            (true, Some((_, i)), None) => before[i].push(c.text),
            (true, None, None) => before[lines.len()].push(c.text),
            // one comment trails a line; more go on lines of their own before it
            (false, Some((_, i)), _) if after[i].is_empty() => after[i].push(c.text),
            (false, Some((_, i)), _) => before[i].push(c.text),
            (false, None, _) => before[0].push(c.text),
        }
    }
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        for c in &before[i] {
            out.push_str(&format!("{}{c}\n", line.indent));
        }
        out.push_str(line.indent);
        out.push_str(&line.text);
        match after[i].first() {
            Some(c) => out.push_str(&format!("  {c}\n")),
            None => out.push('\n'),
        }
    }
    let indent = lines.last().map_or("", |l| l.indent);
    for c in &before[lines.len()] {
        out.push_str(&format!("{indent}{c}\n"));
    }
    out
}

fn line(text: String, sources: Vec<usize>, indent: &'static str) -> Line {
    Line {
        text,
        sources,
        indent,
    }
}

/// A declaration's or list's items one a line, between the head and the
/// closing bracket: `category eu in [`, `  de,`, `  fr`, `]`. `None` for a
/// statement with no list of several items.
fn list_lines(statement: &Statement) -> Option<Vec<Line>> {
    if let Statement::Names(d) = statement {
        if d.names.len() > 1 && d.parents.len() <= 1 {
            return Some(names_lines(d));
        }
    }
    let (head, items, tail, start): (String, Vec<(String, usize)>, String, usize) = match statement
    {
        Statement::Names(d) if d.parents.len() > 1 && d.time.is_empty() && d.where_.is_none() => (
            format!("{} {} in [", d.kind.as_str(), names(&d.names)),
            d.parents
                .iter()
                .map(|p| (name(&p.text).into_owned(), p.span.start()))
                .collect(),
            "]".to_string(),
            d.span.start(),
        ),
        Statement::List(d) if d.items.len() > 1 => (
            format!("list {}: {} = [", name(&d.name.text), d.ty),
            d.items.iter().map(|e| (expr(e), e.span.start())).collect(),
            "]".to_string(),
            d.span.start(),
        ),
        _ => return None,
    };
    let mut lines = vec![line(head, vec![start], "")];
    let last = items.len() - 1;
    for (i, (text, at)) in items.into_iter().enumerate() {
        let comma = if i < last { "," } else { "" };
        lines.push(line(format!("{text}{comma}"), vec![at], "  "));
    }
    lines.push(line(tail, Vec::new(), ""));
    Some(lines)
}

/// A declaration of several names with comments among them, one name a
/// line: `category legal_entity,`, `  government,`, `  individual in x`;
/// what follows the names goes on the last name's line.
fn names_lines(d: &crate::syntax::ast::NamesDecl) -> Vec<Line> {
    let mut rest = String::new();
    if let [one] = d.parents.as_slice() {
        rest.push_str(&format!(" in {}", name(&one.text)));
    }
    let mut time: Vec<&TimeBound> = d.time.iter().collect();
    time.sort_by_key(|b| matches!(b.op, TimeOp::Before | TimeOp::Until));
    rest.push_str(&window_text(&time));
    if let Some(c) = &d.where_ {
        rest.push_str(&format!(" where {}", expr(&c.value)));
    }
    let last = d.names.len() - 1;
    d.names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let text = name(&n.text);
            match i {
                0 => line(
                    format!("{} {text},", d.kind.as_str()),
                    vec![d.span.start()],
                    "",
                ),
                _ if i == last => line(format!("{text}{rest}"), vec![n.span.start()], "  "),
                _ => line(format!("{text},"), vec![n.span.start()], "  "),
            }
        })
        .collect()
}

fn statement_lines(statement: &Statement) -> Vec<Line> {
    let whole = |span: crate::source::Span| vec![span.start()];
    match statement {
        Statement::Names(d) => {
            let mut text = format!("{} {}", d.kind.as_str(), names(&d.names));
            match d.parents.as_slice() {
                [] => {}
                [one] => text.push_str(&format!(" in {}", name(&one.text))),
                many => text.push_str(&format!(" in [{}]", names(many))),
            }
            let mut time: Vec<&TimeBound> = d.time.iter().collect();
            time.sort_by_key(|b| matches!(b.op, TimeOp::Before | TimeOp::Until));
            text.push_str(&window_text(&time));
            if let Some(c) = &d.where_ {
                text.push_str(&format!(" where {}", expr(&c.value)));
            }
            vec![line(text, whole(d.span), "")]
        }
        Statement::Attributes(d) => {
            let defs: Vec<String> = d
                .attributes
                .iter()
                .map(|a| format!("{}: {}", name(&a.name.text), a.ty))
                .collect();
            vec![line(
                format!("attribute {}", defs.join(", ")),
                whole(d.span),
                "",
            )]
        }
        Statement::Default(d) => vec![line(
            format!("default {}", d.effect.as_str()),
            whole(d.span),
            "",
        )],
        Statement::List(d) => vec![line(
            format!(
                "list {}: {} = [{}]",
                name(&d.name.text),
                d.ty,
                d.items.iter().map(expr).collect::<Vec<_>>().join(", ")
            ),
            whole(d.span),
            "",
        )],
        Statement::Constant(d) => vec![line(
            format!(
                "constant {}: {} = {}",
                name(&d.name.text),
                d.ty,
                expr(&d.value)
            ),
            whole(d.span),
            "",
        )],
        Statement::Combine(d) => vec![line(
            format!("combine {}", d.combining.as_str()),
            whole(d.span),
            "",
        )],
        Statement::Rule(r) => rule_lines(r),
        Statement::Test(t) => {
            let mut lines = vec![line(
                format!("test {} {{", text_literal(&t.name.value)),
                vec![t.span.start()],
                "",
            )];
            for e in &t.expectations {
                let effect = match e.effect {
                    Effect::Allow => "allow",
                    Effect::Deny => "deny ",
                };
                lines.push(line(
                    format!("expect {effect} {}", query_text(&e.query)),
                    whole(e.span),
                    "  ",
                ));
            }
            lines.push(line("}".to_string(), vec![t.span.end() - 1], ""));
            lines
        }
    }
}

fn rule_lines(r: &Rule) -> Vec<Line> {
    let mut head = String::new();
    let mut head_sources = vec![r.span.start(), r.actions.span().start()];
    if let Some(label) = &r.label {
        head.push_str(&format!("{}: ", name(&label.text)));
    }
    head.push_str(&format!("{} {}", r.keyword(), scope(&r.actions)));
    if let Some(c) = &r.actors {
        head.push_str(&format!(" by {}", scope(&c.value)));
        head_sources.push(c.span.start());
    }
    if let Some(c) = &r.categories {
        head.push_str(&format!(" to category {}", scope(&c.value)));
        head_sources.push(c.span.start());
    }
    if let Some(c) = &r.priority {
        head.push_str(&format!(" priority {}", c.value));
        head_sources.push(c.span.start());
    }
    // lower bound first, then upper: the order people read a window in
    let mut time: Vec<&TimeBound> = r.time.iter().collect();
    time.sort_by_key(|b| matches!(b.op, TimeOp::Before | TimeOp::Until));
    let window = window_text(&time);
    let mut window_sources: Vec<usize> = time.iter().map(|b| b.span.start()).collect();
    let mut lines = Vec::new();
    if window.is_empty() || head.len() + window.len() <= MAX_WIDTH {
        head.push_str(&window);
        head_sources.append(&mut window_sources);
        lines.push(line(head, head_sources, ""));
    } else {
        // a long head keeps its time window on a line of its own
        lines.push(line(head, head_sources, ""));
        lines.push(line(window.trim_start().to_string(), window_sources, "  "));
    }
    if let Some(c) = &r.exempts {
        lines.push(line(
            format!("from rule {}", names(&c.value)),
            vec![c.span.start()],
            "  ",
        ));
    }
    if let Some(c) = &r.where_ {
        lines.push(line(
            format!("where {}", expr(&c.value)),
            vec![c.span.start()],
            "  ",
        ));
    }
    if let Some(c) = &r.unless {
        lines.push(line(
            format!("unless {}", expr(&c.value)),
            vec![c.span.start()],
            "  ",
        ));
    }
    if let Some(c) = &r.because {
        lines.push(line(
            format!("because {}", text_literal(&c.value.value)),
            vec![c.span.start()],
            "  ",
        ));
    }
    lines
}

/// A window's bounds, each after a space, in the order given.
fn window_text(time: &[&TimeBound]) -> String {
    let mut window = String::new();
    for b in time {
        match &b.end {
            Some(end) => window.push_str(&format!(
                " between {} and {}",
                bound_date(&b.date),
                bound_date(end)
            )),
            None => window.push_str(&format!(" {} {}", b.op.as_str(), bound_date(&b.date))),
        }
    }
    window
}

fn names(list: &[Name]) -> String {
    list.iter()
        .map(|n| name(&n.text))
        .collect::<Vec<_>>()
        .join(", ")
}

fn offset(o: &Offset) -> String {
    let direction = if o.before { "before" } else { "after" };
    // the unit as written would do too; one canonical word is easier to read
    let amount = o.amount.to_i64().map_or(2, |n| n.clamp(0, 2) as u32);
    format!("{} {} {direction}", o.amount, o.unit.word(amount))
}

fn bound_date(b: &BoundDate) -> String {
    let base = match &b.base {
        DateBase::Written(d) => d.text.clone(),
        DateBase::Constant(n) => name(&n.text).into_owned(),
    };
    match &b.offset {
        Some(o) => format!("{} {base}", offset(o)),
        None => base,
    }
}

fn scope(s: &Scope) -> String {
    match s {
        Scope::Any(_) => "any".to_string(),
        Scope::Names(list) => names(list),
    }
}

fn text_literal(t: &str) -> String {
    Value::Text(t.to_string()).to_string()
}

/// Prints an expression as parsed: parentheses are kept where written, so
/// the text parses back to the same tree.
fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Or(parts) => parts.iter().map(expr).collect::<Vec<_>>().join(" or "),
        ExprKind::And(parts) => parts.iter().map(expr).collect::<Vec<_>>().join(" and "),
        ExprKind::Not(inner) => format!("not {}", expr(inner)),
        ExprKind::Compare(op, l, r) => format!("{} {} {}", expr(l), op.as_str(), expr(r)),
        ExprKind::In {
            negated,
            item,
            list,
        } => {
            let not = if *negated { "not " } else { "" };
            format!(
                "{} {not}in [{}]",
                expr(item),
                list.iter().map(expr).collect::<Vec<_>>().join(", ")
            )
        }
        ExprKind::InList {
            negated,
            item,
            list,
        } => {
            let not = if *negated { "not " } else { "" };
            format!("{} {not}in {}", expr(item), name(&list.text))
        }
        ExprKind::Offset(o, base) => format!("{} {}", offset(o), expr(base)),
        ExprKind::Match {
            negated,
            item,
            how,
            pattern,
        } => {
            let not = if *negated { "not " } else { "" };
            format!(
                "{} {not}{} {}",
                expr(item),
                how.words(),
                text_literal(&pattern.value)
            )
        }
        ExprKind::Paren(inner) => format!("({})", expr(inner)),
        ExprKind::Attribute(n) => name(&n.text).into_owned(),
        ExprKind::Literal(l) => literal_text(l),
    }
}

fn query_text(q: &Query) -> String {
    RawQuery::from_ast(q).to_text()
}
