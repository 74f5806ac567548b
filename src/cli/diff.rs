//! `edict diff OLD NEW`: every region of queries whose decision or deciding
//! rules differ between two versions of a set.

use std::process::ExitCode;

use edict::analysis::{diff, report};

use super::{load, print_diagnostics, print_out, Common, Format};

pub fn run(old: &Common, new: &Common) -> Result<ExitCode, String> {
    let mut sets = Vec::new();
    for common in [old, new] {
        match load(common)? {
            Ok(set) => sets.push(set),
            Err(loaded) => {
                print_diagnostics(common, &loaded);
                return Ok(ExitCode::from(1));
            }
        }
    }
    let found =
        diff::diff(&sets[0], &sets[1]).map_err(|e| format!("cannot diff these sets: {}", e.0))?;
    let (before, after) = (sets[0].policy(), sets[1].policy());
    match old.format() {
        Format::Json => print_out(&format!("{}\n", report::diff_json(before, after, &found))),
        Format::Human | Format::Table => print_out(&report::diff_human(before, after, &found)),
    }
    let same = found.changes.is_empty() && found.added.is_empty() && found.removed.is_empty();
    Ok(ExitCode::from(if same { 0 } else { 1 }))
}
