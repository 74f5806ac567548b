//! `edict fmt`: rewrites files in canonical form, or lists those that would
//! change.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use edict::render;

use super::exit;

/// Formats files in place (atomically), or with `check` lists those that
/// would change. A file with errors is left untouched and its errors shown.
pub fn run(paths: &[PathBuf], check: bool, color: bool) -> Result<ExitCode, String> {
    let files = edict::load::find_files(paths).map_err(|e| e.to_string())?;
    let mut sources = edict::Sources::new();
    let not_utf8 = edict::load::read_files(&files, &mut sources).map_err(|e| e.to_string())?;
    let mut ok = true;
    if !not_utf8.is_empty() {
        eprint!("{}", render::diagnostics(&not_utf8, &sources, color));
        ok = false;
    }
    let skip: Vec<_> = not_utf8
        .iter()
        .filter_map(|d| d.span.map(|s| s.file))
        .collect();
    for ((id, source), path) in sources.iter().zip(&files) {
        if skip.contains(&id) {
            continue;
        }
        match edict::format::format_text(&source.text) {
            Ok(formatted) if formatted == source.text => {}
            Ok(formatted) => {
                super::print_out(&format!("{}\n", path.display()));
                if check {
                    ok = false;
                } else {
                    write_atomically(path, &formatted)
                        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
                }
            }
            Err(edict::format::FormatError::Syntax(errors)) => {
                let diagnostics: Vec<_> = errors
                    .iter()
                    .map(|e| {
                        let mut d = e.to_diagnostic();
                        d.span = d
                            .span
                            .map(|s| edict::source::Span::new(id, s.start(), s.end()));
                        d.notes.iter_mut().for_each(|n| {
                            n.span = edict::source::Span::new(id, n.span.start(), n.span.end())
                        });
                        d
                    })
                    .collect();
                eprint!("{}", render::diagnostics(&diagnostics, &sources, color));
                ok = false;
            }
            Err(edict::format::FormatError::Unsafe(why)) => {
                eprintln!(
                    "edict: `{}` is left as it is: {why} (a bug in edict; please report it)",
                    path.display()
                );
                ok = false;
            }
        }
    }
    Ok(exit(ok))
}

/// Writes a temporary file beside the original and renames it over it, so
/// that an interrupted run leaves the old file or the new one, never half.
fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.edict-fmt-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&temp, meta.permissions())?;
        }
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
