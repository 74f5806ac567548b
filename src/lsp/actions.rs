//! Quick fixes: the edits a diagnostic carries (the did-you-mean
//! replacement, the date an undated expectation passes on, ...), and the
//! declaration of an undeclared name or attribute, placed after the
//! declarations of its kind.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Range, TextEdit, Uri,
    WorkspaceEdit,
};

use super::diagnostics::to_lsp;
use super::symbols::Symbol;
use super::text::path_to_uri;
use super::workspace::{Analysis, Workspace};
use super::{document, Failure};
use crate::diagnostic::{Code, Edit, Fix};
use crate::source::Span;
use crate::syntax::ast::{Kind, Statement};
use crate::syntax::written_name;
use crate::Diagnostic;

pub fn code_actions(
    ws: &mut Workspace,
    params: CodeActionParams,
) -> Result<Option<Vec<CodeActionOrCommand>>, Failure> {
    let (analysis, file) = document(ws, &params.text_document.uri)?;
    let wanted = params.range;
    let mut out = Vec::new();
    for d in analysis.diagnostics() {
        let Some(span) = d.span.filter(|s| s.file == file) else {
            continue;
        };
        if !overlaps(analysis.range(span), wanted) {
            continue;
        }
        let mut fixes = d.fixes.clone();
        fixes.extend(declare(&analysis, d, span));
        for (i, fix) in fixes.into_iter().enumerate() {
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![to_lsp(&analysis, d, None)]),
                edit: Some(workspace_edit(&analysis, &fix.edits)),
                command: None,
                is_preferred: Some(i == 0),
                disabled: None,
                data: None,
            }));
        }
    }
    Ok(Some(out))
}

fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// For an undeclared name or attribute: the fix that declares it.
fn declare(analysis: &Analysis, d: &Diagnostic, span: Span) -> Option<Fix> {
    let index = analysis.index();
    let symbol = &index.at(span.file, span.start())?.symbol;
    let (line, after) = match (d.code, symbol) {
        (Code::Undeclared, Symbol::Name(kind, name)) => (
            format!("{} {}", kind.as_str(), written_name(name)),
            Declares::Names(*kind),
        ),
        (Code::UndeclaredAttribute, Symbol::Value(name)) => (
            format!(
                "attribute {}: {}",
                written_name(name),
                compared_type(&analysis.text(span.file)[span.end()..])
            ),
            Declares::Attributes,
        ),
        _ => return None,
    };
    let place = insertion_point(analysis, after);
    Some(Fix {
        title: format!("declare `{line}`"),
        edits: vec![Edit {
            span: place.0,
            text: match place.1 {
                true => format!("\n{line}"),
                false => format!("{line}\n"),
            },
        }],
    })
}

/// The type of what an attribute is compared with, by the text after it
/// (`== "EU"`, `> 5`, `<= 2024-01-01`, `== true`, `= 12` in a query); text
/// when nothing tells.
fn compared_type(after: &str) -> &'static str {
    let rest = after.trim_start();
    let rest = ["==", "!=", "<=", ">=", "<", ">", "="]
        .iter()
        .find_map(|op| rest.strip_prefix(op))
        .unwrap_or("")
        .trim_start();
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
        .collect();
    let is_date = word.len() == 10 && word.as_bytes()[4] == b'-' && word.as_bytes()[7] == b'-';
    match word.as_str() {
        "true" | "false" => "bool",
        _ if is_date => "date",
        w if w.starts_with(|c: char| c.is_ascii_digit() || c == '-') => "number",
        _ => "text",
    }
}

/// What a declaration declares, to place it after its own kind.
#[derive(Clone, Copy)]
enum Declares {
    Names(Kind),
    Attributes,
}

impl Declares {
    fn picks(self, s: &Statement) -> bool {
        match (self, s) {
            (Declares::Names(kind), Statement::Names(d)) => d.kind == kind,
            (Declares::Attributes, Statement::Attributes(_)) => true,
            _ => false,
        }
    }
}

/// Where a declaration goes: after the last statement that `after` picks
/// (then `true`), or else before the first statement of the first file
/// (then `false`).
fn insertion_point(analysis: &Analysis, after: Declares) -> (Span, bool) {
    let index = analysis.index();
    let last = index
        .statements
        .iter()
        .flatten()
        .rev()
        .find(|s| after.picks(s))
        .map(Statement::span);
    if let Some(span) = last {
        let text = analysis.text(span.file);
        let end = text[..span.end()].trim_end().len();
        let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
        return (Span::new(span.file, line_end, line_end), true);
    }
    let first = index
        .statements
        .iter()
        .flatten()
        .next()
        .map_or(Span::new(0, 0, 0), Statement::span);
    (Span::new(first.file, first.start(), first.start()), false)
}

fn workspace_edit(analysis: &Analysis, edits: &[Edit]) -> WorkspaceEdit {
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for e in edits {
        let Some(path) = analysis.paths.get(e.span.file as usize) else {
            continue;
        };
        changes
            .entry(path_to_uri(path))
            .or_default()
            .push(TextEdit::new(analysis.range(e.span), e.text.clone()));
    }
    WorkspaceEdit::new(changes)
}
