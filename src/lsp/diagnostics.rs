//! edict's diagnostics as the editor shows them: every file of a set gets
//! its own, errors as errors and warnings as warnings, each with its code,
//! a link to the code's docs, its help, and its notes as related places.
//! An open file always gets its list, empty or not, with the version of the
//! buffer it was made from; a closed one only when it has diagnostics, or
//! had them and has them no longer.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    PublishDiagnosticsParams, Uri,
};

use super::text::path_to_uri;
use super::workspace::Analysis;
use crate::{Diagnostic, Severity};

/// The diagnostics of every file of a set, one notification a file; files
/// that had diagnostics before and have none now get an empty list.
pub fn publish(
    analysis: &Analysis,
    before: &BTreeSet<PathBuf>,
    open_version: impl Fn(&Path) -> Option<i32>,
    docs: Option<&str>,
) -> (Vec<PublishDiagnosticsParams>, BTreeSet<PathBuf>) {
    let mut by_file: Vec<Vec<lsp_types::Diagnostic>> = vec![Vec::new(); analysis.paths.len()];
    for d in analysis.diagnostics() {
        // a diagnostic of the whole set points at the first file's start
        let file = d.span.map_or(0, |s| s.file as usize);
        if let Some(list) = by_file.get_mut(file) {
            list.push(to_lsp(analysis, d, docs));
        }
    }
    let mut now = BTreeSet::new();
    let mut out = Vec::new();
    for (path, diagnostics) in analysis.paths.iter().zip(by_file) {
        let version = open_version(path);
        if diagnostics.is_empty() && !before.contains(path) && version.is_none() {
            continue;
        }
        if !diagnostics.is_empty() {
            now.insert(path.clone());
        }
        out.push(PublishDiagnosticsParams {
            uri: path_to_uri(path),
            diagnostics,
            version,
        });
    }
    for gone in before.difference(&now) {
        if !analysis.paths.contains(gone) {
            out.push(PublishDiagnosticsParams {
                uri: path_to_uri(gone),
                diagnostics: Vec::new(),
                version: None,
            });
        }
    }
    (out, now)
}

/// One diagnostic, for the protocol.
pub fn to_lsp(analysis: &Analysis, d: &Diagnostic, docs: Option<&str>) -> lsp_types::Diagnostic {
    let range = d.span.map(|s| analysis.range(s)).unwrap_or_default();
    let mut message = d.message.clone();
    if let Some(label) = &d.label {
        message.push_str(&format!(" ({label})"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related = d
        .notes
        .iter()
        .filter(|n| (n.span.file as usize) < analysis.paths.len())
        .map(|n| DiagnosticRelatedInformation {
            location: Location::new(
                path_to_uri(&analysis.paths[n.span.file as usize]),
                analysis.range(n.span),
            ),
            message: n.label.clone(),
        })
        .collect::<Vec<_>>();
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: docs.and_then(|base| code_link(base, d.code.as_str())),
        source: Some("edict".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// The link to a code's entry in `docs/errors.md`.
fn code_link(base: &str, code: &str) -> Option<CodeDescription> {
    let href: Uri = format!("{base}#{}", code.to_lowercase()).parse().ok()?;
    Some(CodeDescription { href })
}

/// Where the codes' docs are: the `docs/errors.md` of the source this
/// binary was built from, when it is still there.
pub fn default_docs() -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/errors.md");
    path.exists()
        .then(|| path_to_uri(&path).as_str().to_string())
}
