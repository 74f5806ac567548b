//! `edict check`: every diagnostic of a set, and a summary; with
//! `--exact`, the exact lints too (W110-W112), which decide every class of
//! queries the set tells apart.

use std::process::ExitCode;

use edict::analysis::lints;
use edict::{render, Diagnostic, Sources};

use super::{exit, print_diagnostic_list, Common, Format};

pub fn run(common: &Common, deny_warnings: bool, exact: bool) -> Result<ExitCode, String> {
    let today = common.today.unwrap_or_else(edict::today);
    let mut loaded = edict::load_at(&common.paths, today).map_err(|e| e.to_string())?;
    if !exact || loaded.has_errors() {
        let ok = !loaded.has_errors();
        report(common, &loaded.diagnostics, &loaded.policy.sources);
        return Ok(exit(ok && passes(deny_warnings, &loaded.diagnostics)));
    }
    let heuristic = std::mem::take(&mut loaded.diagnostics);
    let set = loaded
        .into_set()
        .map_err(|_| "a set without errors would not build".to_string())?;
    let found = lints::exact(&set);
    let policy = set.policy();
    match found {
        Ok(found) => {
            let unproven = found.unproven();
            let diagnostics = lints::merge(policy, heuristic, found);
            report(common, &diagnostics, &policy.sources);
            if unproven > 0 && common.format() == Format::Human {
                eprintln!("note: the exact lints say nothing of {unproven} of the set's {} rules: a condition they meet was split on sample values (a pattern, two attributes compared, an attribute against the query's date)", policy.rules.len());
            }
            Ok(exit(passes(deny_warnings, &diagnostics)))
        }
        Err(too_large) => {
            report(common, &heuristic, &policy.sources);
            Err(format!("cannot run the exact lints: {}", too_large.0))
        }
    }
}

/// Whether a set without errors passes: with `--deny-warnings`, only
/// when nothing was said.
fn passes(deny_warnings: bool, diagnostics: &[Diagnostic]) -> bool {
    !deny_warnings || diagnostics.is_empty()
}

/// The diagnostics, then for people a summary line.
fn report(common: &Common, diagnostics: &[Diagnostic], sources: &Sources) {
    print_diagnostic_list(common, diagnostics, sources);
    if common.format() == Format::Human {
        let files = sources.len();
        let plural = if files == 1 { "" } else { "s" };
        eprintln!(
            "checked {files} file{plural}: {}",
            render::summary(diagnostics)
        );
    }
}
