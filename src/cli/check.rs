//! `edict check`: every diagnostic of a set, and a summary.

use std::process::ExitCode;

use edict::render;

use super::{exit, print_diagnostics, Common, Format};

pub fn run(common: &Common, deny_warnings: bool) -> Result<ExitCode, String> {
    let today = common.today.unwrap_or_else(edict::today);
    let loaded = edict::load_at(&common.paths, today).map_err(|e| e.to_string())?;
    print_diagnostics(common, &loaded);
    if common.format() == Format::Human {
        let files = loaded.policy.sources.len();
        let plural = if files == 1 { "" } else { "s" };
        eprintln!(
            "checked {files} file{plural}: {}",
            render::summary(&loaded.diagnostics)
        );
    }
    let warned = deny_warnings && !loaded.diagnostics.is_empty();
    Ok(exit(!loaded.has_errors() && !warned))
}
