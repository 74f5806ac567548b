//! Go to definition, find references and rename, for names, attributes,
//! lists, constants and rule labels, across every file of the set.

use std::collections::HashMap;

use lsp_types::{
    GotoDefinitionParams, GotoDefinitionResponse, Location, PrepareRenameResponse, ReferenceParams,
    RenameParams, TextDocumentPositionParams, TextEdit, WorkspaceEdit,
};

use super::symbols::{Occurrence, Symbol};
use super::text::path_to_uri;
use super::workspace::{Analysis, Workspace};
use super::{document, Failure};
use crate::syntax::{is_keyword, written_name};

pub fn definition(
    ws: &mut Workspace,
    params: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>, Failure> {
    let Some((analysis, symbol)) = symbol_at(ws, &params.text_document_position_params)? else {
        return Ok(None);
    };
    let places = locations(&analysis, analysis.index().declarations(&symbol));
    Ok((!places.is_empty()).then_some(GotoDefinitionResponse::Array(places)))
}

pub fn references(
    ws: &mut Workspace,
    params: ReferenceParams,
) -> Result<Option<Vec<Location>>, Failure> {
    let Some((analysis, symbol)) = symbol_at(ws, &params.text_document_position)? else {
        return Ok(None);
    };
    let mut all = analysis.index().occurrences(&symbol);
    if !params.context.include_declaration {
        all.retain(|o| !o.declaration);
    }
    Ok(Some(locations(&analysis, all)))
}

pub fn prepare_rename(
    ws: &mut Workspace,
    params: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>, Failure> {
    let (analysis, file) = document(ws, &params.text_document.uri)?;
    let offset = analysis.offset(file, params.position);
    match analysis.index().at(file, offset) {
        Some(o) => Ok(Some(PrepareRenameResponse::Range(analysis.range(o.span)))),
        None => Err(Failure::refused(
            "only a name, an attribute, a list, a constant or a rule's label can be renamed",
        )),
    }
}

pub fn rename(ws: &mut Workspace, params: RenameParams) -> Result<Option<WorkspaceEdit>, Failure> {
    let Some((analysis, symbol)) = symbol_at(ws, &params.text_document_position)? else {
        return Err(Failure::refused(
            "only a name, an attribute, a list, a constant or a rule's label can be renamed",
        ));
    };
    let new = params.new_name.trim().trim_matches('`');
    refuse_name(&analysis, &symbol, new)?;
    let mut changes: HashMap<lsp_types::Uri, Vec<TextEdit>> = HashMap::new();
    for o in analysis.index().occurrences(&symbol) {
        changes
            .entry(path_to_uri(&analysis.paths[o.span.file as usize]))
            .or_default()
            .push(TextEdit::new(
                analysis.range(o.span),
                written_name(new).into_owned(),
            ));
    }
    Ok(Some(WorkspaceEdit::new(changes)))
}

/// Why a symbol cannot take a new name, if it cannot.
fn refuse_name(analysis: &Analysis, symbol: &Symbol, new: &str) -> Result<(), Failure> {
    let well_formed = new.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && new
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !well_formed {
        return Err(Failure::refused(format!(
            "`{new}` is not a name: names are lower-case letters, digits and `_`, not starting with a digit"
        )));
    }
    // words of one place (`list`, `like`, `text`) stay names elsewhere
    if is_keyword(new) {
        return Err(Failure::refused(format!(
            "`{new}` is a keyword of the language"
        )));
    }
    if new == symbol.text() {
        return Ok(());
    }
    if let Some(line) = unparsed_mention(analysis, symbol.text()) {
        return Err(Failure::refused(format!(
            "`{}` is written in a statement that does not parse ({line}): fix it first, so that rename can see every use",
            symbol.text()
        )));
    }
    // names of every kind, and values, are looked up across kinds: a name
    // written by any of them, declared or not, would merge with this one
    let taken = analysis.index().symbols().find(|s| {
        s.text() == new
            && matches!(
                (s, symbol),
                (Symbol::Name(..), Symbol::Name(..))
                    | (Symbol::Value(_), Symbol::Value(_))
                    | (Symbol::Rule(_), Symbol::Rule(_))
            )
    });
    match taken {
        Some(s) => Err(Failure::refused(format!(
            "`{new}` is already the name of {}",
            match s {
                Symbol::Name(crate::syntax::ast::Kind::Category, _) => "a category".to_string(),
                Symbol::Name(kind, _) => format!("an {}", kind.as_str()),
                Symbol::Value(_) => "an attribute, list or constant".to_string(),
                Symbol::Rule(_) => "the name of a rule".to_string(),
            }
        ))),
        None => Ok(()),
    }
}

/// Where a statement with a syntax error mentions a word, as `file:line`.
fn unparsed_mention(analysis: &Analysis, word: &str) -> Option<String> {
    analysis
        .diagnostics()
        .iter()
        .filter(|d| d.code.as_str().starts_with("E00"))
        .filter_map(|d| d.span)
        .find_map(|span| {
            let text = analysis.text(span.file);
            let range = crate::syntax::split::split(text)
                .into_iter()
                .find(|r| r.contains(&span.start()) || r.end == span.start())?;
            let statement = &text[range.clone()];
            let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
            let mentions = statement.match_indices(word).any(|(i, _)| {
                !statement[..i].ends_with(is_word)
                    && !statement[i + word.len()..].starts_with(is_word)
            });
            mentions.then(|| {
                let file = analysis.sources.get(span.file);
                format!("{}:{}", file.name, file.line_col(range.start).line)
            })
        })
}

/// The analysis and the symbol at a position.
fn symbol_at(
    ws: &mut Workspace,
    at: &TextDocumentPositionParams,
) -> Result<Option<(std::sync::Arc<Analysis>, Symbol)>, Failure> {
    let (analysis, file) = document(ws, &at.text_document.uri)?;
    let offset = analysis.offset(file, at.position);
    let symbol = analysis.index().at(file, offset).map(|o| o.symbol.clone());
    Ok(symbol.map(|s| (analysis, s)))
}

fn locations(analysis: &Analysis, occurrences: Vec<&Occurrence>) -> Vec<Location> {
    occurrences
        .into_iter()
        .map(|o| {
            Location::new(
                path_to_uri(&analysis.paths[o.span.file as usize]),
                analysis.range(o.span),
            )
        })
        .collect()
}
