//! `edict timeline SET --query Q`: a query's decision over all of time.

use std::process::ExitCode;

use edict::analysis::{report, timeline};
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
    let mut sources = edict::Sources::new();
    let id = sources.add("query", text);
    if let Ok(parsed) = edict::syntax::parse_query(id, text) {
        if let Some(date) = parsed.date {
            return Err(format!(
                "a timeline covers every date: leave `on {}` out of the query",
                date.text
            ));
        }
    }
    let query = match set.query(text) {
        Ok(query) => query,
        Err(error) => {
            eprint!(
                "{}",
                render::diagnostics(&error.diagnostics, &error.sources, color(common.color))
            );
            return Ok(ExitCode::from(1));
        }
    };
    let found = timeline::timeline(&set, &query)
        .map_err(|e| format!("cannot draw this timeline: {}", e.0))?;
    match common.format() {
        Format::Json => print_out(&format!(
            "{}\n",
            report::timeline_json(set.policy(), &found)
        )),
        Format::Human | Format::Table => print_out(&report::timeline_human(set.policy(), &found)),
    }
    Ok(ExitCode::SUCCESS)
}
