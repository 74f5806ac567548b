//! Hover: what the word under the cursor is. A name shows its kind, its
//! declaration, its parents and children and how many rules use it; an
//! attribute, list or constant its type; a rule (its label, or its first
//! word) its id, effect and reason; a keyword one line of docs.

use std::collections::BTreeSet;

use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use super::symbols::{rule_id, Index, Symbol};
use super::text::{in_text_or_comment, word_at};
use super::workspace::{Analysis, Workspace};
use super::{document, keywords, Failure};
use crate::syntax::ast::{Rule, Statement};

pub fn hover(ws: &mut Workspace, params: HoverParams) -> Result<Option<Hover>, Failure> {
    let at = params.text_document_position_params;
    let (analysis, file) = document(ws, &at.text_document.uri)?;
    let offset = analysis.offset(file, at.position);
    let index = analysis.index();
    let (markdown, span) = if let Some(o) = index.at(file, offset) {
        (describe(&analysis, &o.symbol), o.span.range())
    } else if let Some(rule) = rule_by_first_word(index, file, offset) {
        (describe_rule(&analysis, rule), rule.effect_span.range())
    } else {
        let text = analysis.text(file);
        if in_text_or_comment(text, offset) {
            return Ok(None);
        }
        let Some((range, word)) = word_at(text, offset) else {
            return Ok(None);
        };
        match keywords::doc(word) {
            Some(doc) => (format!("**{word}**: {doc}"), range),
            None => return Ok(None),
        }
    };
    let range = analysis.range(crate::source::Span::new(file, span.start, span.end));
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(range),
    }))
}

/// The rule whose first word (`allow`, `deny`, `exempt`) is at an offset.
fn rule_by_first_word(index: &Index, file: crate::source::FileId, offset: usize) -> Option<&Rule> {
    match index.statement_at(file, offset)? {
        Statement::Rule(r) if r.effect_span.start() <= offset && offset <= r.effect_span.end() => {
            Some(r)
        }
        _ => None,
    }
}

fn describe(analysis: &Analysis, symbol: &Symbol) -> String {
    let index = analysis.index();
    match symbol {
        Symbol::Name(kind, name) => {
            let mut out = format!("**{}** `{name}`", kind.as_str());
            let declarations = index.declarations(symbol);
            if declarations.is_empty() {
                out.push_str("\n\nnot declared");
            }
            for d in &declarations {
                out.push_str(&format!("\n\n{}", quote(analysis, d.span)));
            }
            let (parents, children) = family(index, symbol);
            if !parents.is_empty() {
                out.push_str(&format!("\n\nparents: {}", list(&parents)));
            }
            if !children.is_empty() {
                out.push_str(&format!("\n\nchildren: {}", list(&children)));
            }
            out.push_str(&format!("\n\n{}", used_by(index, symbol)));
            out
        }
        Symbol::Value(name) => {
            let declarations = index.declarations(symbol);
            let Some(d) = declarations.first() else {
                return format!("`{name}`: not declared");
            };
            let what = match index.statement_at(d.span.file, d.span.start()) {
                Some(Statement::Attributes(a)) => {
                    let ty = a.attributes.iter().find(|a| a.name.span == d.span);
                    let ty = ty.map_or(String::new(), |a| format!(": {}", a.ty));
                    format!("**attribute** `{name}`{ty}")
                }
                Some(Statement::List(l)) => format!("**list** `{name}`: {}", l.ty),
                Some(Statement::Constant(c)) => format!("**constant** `{name}`: {}", c.ty),
                _ => format!("`{name}`"),
            };
            format!(
                "{what}\n\n{}\n\n{}",
                quote(analysis, d.span),
                used_by(index, symbol)
            )
        }
        Symbol::Rule(label) => {
            let declarations = index.declarations(symbol);
            let rule = declarations.first().and_then(|d| {
                match index.statement_at(d.span.file, d.span.start()) {
                    Some(Statement::Rule(r)) => Some(r),
                    _ => None,
                }
            });
            match rule {
                Some(r) => describe_rule(analysis, r),
                None => format!("rule `{label}`: no rule of the set has this name"),
            }
        }
    }
}

fn describe_rule(analysis: &Analysis, rule: &Rule) -> String {
    let mut out = format!(
        "**rule** `{}`: {}\n\n{}",
        rule_id(rule, &analysis.sources),
        rule.keyword(),
        quote(analysis, rule.span)
    );
    if let Some(because) = &rule.because {
        out.push_str(&format!("\n\nbecause: {}", because.value.value));
    }
    if let Some(exempts) = &rule.exempts {
        let names: Vec<String> = exempts.value.iter().map(|n| n.text.clone()).collect();
        out.push_str(&format!("\n\nexempts: {}", list(&names)));
    }
    out
}

/// The declaration statement around a span, as a code block (its first
/// lines, for a long one).
fn quote(analysis: &Analysis, span: crate::source::Span) -> String {
    let index = analysis.index();
    let text = analysis.text(span.file);
    let whole = index
        .statement_at(span.file, span.start())
        .map_or(span, Statement::span);
    let shown: Vec<&str> = text[whole.range()].lines().take(4).collect();
    let at = analysis.sources.get(span.file);
    format!(
        "```edict\n{}\n```\n{}:{}",
        shown.join("\n"),
        at.name,
        at.line_col(span.start()).line
    )
}

/// A name's parents and children, as the declarations say.
fn family(index: &Index, symbol: &Symbol) -> (Vec<String>, Vec<String>) {
    let Symbol::Name(kind, name) = symbol else {
        return (Vec::new(), Vec::new());
    };
    let (mut parents, mut children) = (BTreeSet::new(), BTreeSet::new());
    for s in index.statements.iter().flatten() {
        let Statement::Names(d) = s else { continue };
        if d.kind != *kind {
            continue;
        }
        let suffix = if d.is_conditional() {
            " (for a time or where a condition holds)"
        } else {
            ""
        };
        if d.names.iter().any(|n| &n.text == name) {
            parents.extend(d.parents.iter().map(|p| format!("{}{suffix}", p.text)));
        }
        if d.parents.iter().any(|p| &p.text == name) {
            children.extend(d.names.iter().map(|n| format!("{}{suffix}", n.text)));
        }
    }
    (
        parents.into_iter().collect(),
        children.into_iter().collect(),
    )
}

fn used_by(index: &Index, symbol: &Symbol) -> String {
    let rules: BTreeSet<usize> = index
        .occurrences(symbol)
        .iter()
        .filter(|o| !o.declaration)
        .filter_map(|o| o.in_rule)
        .collect();
    match rules.len() {
        0 => "no rule names it".to_string(),
        1 => "used by 1 rule".to_string(),
        n => format!("used by {n} rules"),
    }
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
