//! `edict who-may SET --query Q`: for a query with holes, the regions of
//! names, dates and values allowed and those denied.

use std::process::ExitCode;

use edict::analysis::{report, who_may};
use edict::render;

use super::{color, load, print_diagnostics, print_out, Common, Format};

pub fn run(common: &Common, text: &str) -> Result<ExitCode, String> {
    let set = match load(common)? {
        Ok(set) => set,
        Err(loaded) => {
            print_diagnostics(common, &loaded);
            return Ok(ExitCode::from(1));
        }
    };
    let query = match set.open_query(text) {
        Ok(query) => query,
        Err(error) => {
            eprint!(
                "{}",
                render::diagnostics(&error.diagnostics, &error.sources, color(common.color))
            );
            return Ok(ExitCode::from(1));
        }
    };
    let found = who_may::who_may(&set, &query)
        .map_err(|e| format!("cannot answer this question: {}", e.0))?;
    match common.format() {
        Format::Json => print_out(&format!("{}\n", report::who_may_json(set.policy(), &found))),
        Format::Human | Format::Table => print_out(&report::who_may_human(set.policy(), &found)),
    }
    Ok(ExitCode::SUCCESS)
}
