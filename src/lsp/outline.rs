//! A file's shape: formatting as `edict fmt` does it, the outline of
//! declarations, rules and tests, folding of test blocks and long
//! statements, and semantic tokens that colour each name by what it is.

use std::collections::HashMap;

use lsp_types::{
    DocumentFormattingParams, DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse,
    FoldingRange, FoldingRangeKind, FoldingRangeParams, SemanticToken, SemanticTokenModifier,
    SemanticTokenType, SemanticTokens, SemanticTokensLegend, SemanticTokensParams,
    SemanticTokensResult, SymbolKind, TextEdit,
};

use super::symbols::{rule_id, Symbol, ValueDecl};
use super::workspace::{Analysis, Workspace};
use super::{document, keywords, Failure};
use crate::format::{format_text, FormatError};
use crate::source::Span;
use crate::syntax::ast::{Kind, Statement};

pub fn formatting(
    ws: &mut Workspace,
    params: DocumentFormattingParams,
) -> Result<Option<Vec<TextEdit>>, Failure> {
    let (analysis, file) = document(ws, &params.text_document.uri)?;
    let text = analysis.text(file);
    match format_text(text) {
        Ok(out) if out == text => Ok(Some(Vec::new())),
        Ok(out) => Ok(Some(vec![TextEdit::new(
            analysis.range(Span::new(file, 0, text.len())),
            out,
        )])),
        Err(FormatError::Syntax(errors)) => Err(Failure::refused(format!(
            "the file is left as it is: it does not parse ({} syntax error{})",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        ))),
        Err(FormatError::Unsafe(why)) => Err(Failure::refused(format!(
            "the file is left as it is: formatting it would be unsafe ({why}); please report this"
        ))),
    }
}

pub fn symbols(
    ws: &mut Workspace,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>, Failure> {
    let (analysis, file) = document(ws, &params.text_document.uri)?;
    let statements = &analysis.index().statements[file as usize];
    let out = statements
        .iter()
        .flat_map(|s| outline_of(&analysis, s))
        .collect();
    Ok(Some(DocumentSymbolResponse::Nested(out)))
}

/// The outline entries of one statement.
fn outline_of(analysis: &Analysis, s: &Statement) -> Vec<DocumentSymbol> {
    let whole = s.span();
    let entry = |name: String, detail: String, kind: SymbolKind, at: Span| {
        entry(analysis, name, detail, kind, whole, at)
    };
    match s {
        Statement::Names(d) => d
            .names
            .iter()
            .map(|n| {
                entry(
                    n.text.clone(),
                    d.kind.as_str().into(),
                    kind_symbol(d.kind),
                    n.span,
                )
            })
            .collect(),
        Statement::Attributes(d) => d
            .attributes
            .iter()
            .map(|a| {
                let detail = format!("attribute: {}", a.ty);
                entry(a.name.text.clone(), detail, SymbolKind::FIELD, a.name.span)
            })
            .collect(),
        Statement::List(d) => {
            let detail = format!("list of {}", d.ty);
            vec![entry(
                d.name.text.clone(),
                detail,
                SymbolKind::ARRAY,
                d.name.span,
            )]
        }
        Statement::Constant(d) => {
            let detail = format!("constant: {}", d.ty);
            vec![entry(
                d.name.text.clone(),
                detail,
                SymbolKind::CONSTANT,
                d.name.span,
            )]
        }
        Statement::Default(d) => {
            vec![entry(
                format!("default {}", d.effect.as_str()),
                String::new(),
                SymbolKind::PROPERTY,
                d.span,
            )]
        }
        Statement::Combine(d) => {
            let name = format!("combine {}", d.combining.as_str());
            vec![entry(name, String::new(), SymbolKind::PROPERTY, d.span)]
        }
        Statement::Rule(r) => {
            let at = r.label.as_ref().map_or(r.effect_span, |l| l.span);
            let detail = first_line(analysis.text(whole.file), whole);
            vec![entry(
                rule_id(r, &analysis.sources),
                detail,
                SymbolKind::EVENT,
                at,
            )]
        }
        Statement::Test(t) => {
            let n = t.expectations.len();
            let detail = format!("{n} expectation{}", if n == 1 { "" } else { "s" });
            vec![entry(
                t.name.value.clone(),
                detail,
                SymbolKind::MODULE,
                t.name.span,
            )]
        }
    }
}

#[allow(deprecated)] // `deprecated` is a field the type still has
fn entry(
    analysis: &Analysis,
    name: String,
    detail: String,
    kind: SymbolKind,
    whole: Span,
    at: Span,
) -> DocumentSymbol {
    DocumentSymbol {
        name,
        detail: (!detail.is_empty()).then_some(detail),
        kind,
        tags: None,
        deprecated: None,
        range: analysis.range(whole),
        selection_range: analysis.range(at),
        children: None,
    }
}

fn kind_symbol(kind: Kind) -> SymbolKind {
    match kind {
        Kind::Action => SymbolKind::FUNCTION,
        Kind::Actor => SymbolKind::CLASS,
        Kind::Category => SymbolKind::ENUM,
    }
}

fn first_line(text: &str, span: Span) -> String {
    text[span.range()]
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

pub fn folding(
    ws: &mut Workspace,
    params: FoldingRangeParams,
) -> Result<Option<Vec<FoldingRange>>, Failure> {
    let (analysis, file) = document(ws, &params.text_document.uri)?;
    let text = analysis.text(file);
    let mut out = Vec::new();
    for s in &analysis.index().statements[file as usize] {
        let span = s.span();
        // a statement's span ends after its last token, not its line break
        let end = text[..span.end()].trim_end().len();
        let range = analysis.range(Span::new(file, span.start(), end));
        if range.end.line > range.start.line {
            out.push(FoldingRange {
                start_line: range.start.line,
                start_character: None,
                end_line: range.end.line,
                end_character: None,
                kind: Some(FoldingRangeKind::Region),
                collapsed_text: None,
            });
        }
    }
    Ok(Some(out))
}

/// The token types and modifiers, in the order their numbers refer to.
const TYPES: &[&str] = &[
    "function", "class", "enum", "property", "variable", "event", "keyword", "string", "number",
    "comment", "operator",
];
const MODIFIERS: &[&str] = &["declaration", "readonly"];

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.iter().map(|t| SemanticTokenType::new(t)).collect(),
        token_modifiers: MODIFIERS
            .iter()
            .map(|m| SemanticTokenModifier::new(m))
            .collect(),
    }
}

fn type_number(name: &str) -> u32 {
    TYPES.iter().position(|t| *t == name).unwrap_or(0) as u32
}

pub fn semantic_tokens(
    ws: &mut Workspace,
    params: SemanticTokensParams,
) -> Result<Option<SemanticTokensResult>, Failure> {
    let (analysis, file) = document(ws, &params.text_document.uri)?;
    let index = analysis.index();
    let text = analysis.text(file);
    let symbols: HashMap<usize, (u32, u32)> = index
        .in_file(file)
        .iter()
        .map(|o| {
            // lists and constants are values fixed when the set is read
            let readonly = match &o.symbol {
                Symbol::Value(name) => matches!(
                    index.value(name),
                    Some(ValueDecl::List(_) | ValueDecl::Constant(_))
                ),
                _ => false,
            };
            let ty = match &o.symbol {
                Symbol::Name(Kind::Action, _) => "function",
                Symbol::Name(Kind::Actor, _) => "class",
                Symbol::Name(Kind::Category, _) => "enum",
                Symbol::Value(_) if readonly => "variable",
                Symbol::Value(_) => "property",
                Symbol::Rule(_) => "event",
            };
            let modifiers = u32::from(o.declaration) | (u32::from(readonly) << 1);
            (o.span.start(), (type_number(ty), modifiers))
        })
        .collect();
    let mut tokens = Vec::new();
    let mut previous = lsp_types::Position::new(0, 0);
    for (range, class) in lex(text) {
        let (ty, modifiers) = match class {
            Lexeme::Word => match symbols.get(&range.start) {
                Some(&t) => t,
                None if keywords::doc(&text[range.clone()]).is_some() => {
                    (type_number("keyword"), 0)
                }
                None => continue,
            },
            Lexeme::Number => (type_number("number"), 0),
            Lexeme::Text => (type_number("string"), 0),
            Lexeme::Comment => (type_number("comment"), 0),
            Lexeme::Operator => (type_number("operator"), 0),
        };
        let start = analysis.range(Span::new(file, range.start, range.end));
        if start.start.line != start.end.line {
            continue;
        }
        let delta_line = start.start.line - previous.line;
        let delta_start = if delta_line == 0 {
            start.start.character - previous.character
        } else {
            start.start.character
        };
        tokens.push(SemanticToken {
            delta_line,
            delta_start,
            length: start.end.character - start.start.character,
            token_type: ty,
            token_modifiers_bitset: modifiers,
        });
        previous = start.start;
    }
    Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data: tokens,
    })))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lexeme {
    Word,
    Number,
    Text,
    Comment,
    Operator,
}

/// The words, numbers and dates, texts, comments and operators of a text,
/// in order.
fn lex(text: &str) -> Vec<(std::ops::Range<usize>, Lexeme)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let class = match c {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                Lexeme::Comment
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                Lexeme::Text
            }
            b'`' | b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || b"_`".contains(&bytes[i]))
                {
                    i += 1;
                }
                Lexeme::Word
            }
            b'0'..=b'9' | b'-' if c != b'-' || bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_digit() || b"-.".contains(&bytes[i])) {
                    i += 1;
                }
                Lexeme::Number
            }
            b'=' | b'!' | b'<' | b'>' => {
                i += 1;
                if bytes.get(i) == Some(&b'=') {
                    i += 1;
                }
                Lexeme::Operator
            }
            _ => {
                i += 1;
                continue;
            }
        };
        // a text with an escape before its end can step past it
        let end = i.min(bytes.len());
        if text.is_char_boundary(start) && text.is_char_boundary(end) {
            out.push((start..end, class));
        }
        i = end;
    }
    out
}
