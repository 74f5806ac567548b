//! Finding and reading the `.policy` files of a set.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic};
use crate::source::{Sources, Span};

/// A problem reading the set from disk: the run cannot go on (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    Missing { path: String, reason: String },
    Unreadable { path: String, reason: String },
    NoPolicies { path: String },
    TooLarge { path: String, bytes: u64 },
}

/// The largest policy file edict reads. Real sets are far smaller; the limit
/// keeps time and memory bounded whatever is handed over.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Missing { path, reason } => write!(f, "cannot find `{path}`: {reason}"),
            LoadError::Unreadable { path, reason } => write!(f, "cannot read `{path}`: {reason}"),
            LoadError::NoPolicies { path } => write!(f, "no `.policy` files under `{path}`"),
            LoadError::TooLarge { path, bytes } => write!(
                f,
                "`{path}` is {} MiB, more than the {} MiB a policy file may have",
                bytes / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        }
    }
}

impl std::error::Error for LoadError {}

/// Every `.policy` file under the paths (a file given by name is taken
/// whatever its extension), in path order, each once. Symbolic links are
/// followed, and a folder met twice (a link loop) is read once.
pub fn find_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    let mut seen_dirs = HashSet::new();
    for path in paths {
        let display = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| LoadError::Missing {
            path: display.clone(),
            reason: reason(&e),
        })?;
        if meta.is_dir() {
            let before = files.len();
            walk(path, &mut files, &mut seen_dirs)?;
            if files.len() == before {
                return Err(LoadError::NoPolicies { path: display });
            }
        } else if meta.is_file() {
            files.push(path.clone());
        } else {
            return Err(LoadError::Unreadable {
                path: display,
                reason: "not a regular file".to_string(),
            });
        }
    }
    // a file reached by two paths keeps the one without hidden folders: a
    // Kubernetes volume links `set.policy` to `..2026_12_03_…/set.policy`,
    // and rule ids should not change with each update of the volume
    let hidden = |f: &PathBuf| {
        f.components().any(|c| match c {
            std::path::Component::Normal(name) => name.to_string_lossy().starts_with(".."),
            _ => false,
        })
    };
    files.sort_by(|a, b| (hidden(a), a).cmp(&(hidden(b), b)));
    let mut seen = HashSet::new();
    files.retain(|f| seen.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    files.sort();
    Ok(files)
}

fn walk(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    seen: &mut HashSet<PathBuf>,
) -> Result<(), LoadError> {
    let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !seen.insert(canonical) {
        return Ok(());
    }
    let unreadable = |e: std::io::Error| LoadError::Unreadable {
        path: dir.display().to_string(),
        reason: reason(&e),
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(unreadable)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(unreadable)?;
    entries.sort();
    for entry in entries {
        // A broken link, a pipe or a device is neither a file nor a folder:
        // skip it (reading a pipe could wait forever).
        let Ok(meta) = std::fs::metadata(&entry) else {
            continue;
        };
        if meta.is_dir() {
            walk(&entry, files, seen)?;
        } else if meta.is_file() && entry.extension().is_some_and(|e| e == "policy") {
            files.push(entry);
        }
    }
    Ok(())
}

/// An I/O error in plain lower-case words, without "(os error N)".
pub fn reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    // "No such file or directory (os error 2)" -> "no such file or directory"
    let text = text.split(" (os error").next().unwrap_or(&text);
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text.to_string(),
    }
}

/// Reads the files into `sources`. A file that is not UTF-8 is added with
/// its bad bytes replaced, so that the diagnostic can show where they are;
/// its id is then in the returned list and it must not be parsed.
pub fn read_files(files: &[PathBuf], sources: &mut Sources) -> Result<Vec<Diagnostic>, LoadError> {
    let mut diagnostics = Vec::new();
    for path in files {
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.len() > MAX_FILE_BYTES {
                return Err(LoadError::TooLarge {
                    path: path.display().to_string(),
                    bytes: meta.len(),
                });
            }
        }
        let bytes = std::fs::read(path).map_err(|e| LoadError::Unreadable {
            path: path.display().to_string(),
            reason: reason(&e),
        })?;
        diagnostics.extend(add_bytes(sources, path.display().to_string(), bytes));
    }
    Ok(diagnostics)
}

/// Adds a file's bytes to `sources`; for a file that is not UTF-8, adds it
/// with its bad bytes replaced and returns the diagnostic that points at
/// the first (its file must then not be parsed).
pub fn add_bytes(sources: &mut Sources, name: String, bytes: Vec<u8>) -> Option<Diagnostic> {
    match String::from_utf8(bytes) {
        Ok(text) => {
            sources.add(name, text);
            None
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let id = sources.add(name, text);
            Some(
                Diagnostic::new(Code::NotUtf8, "the file is not valid UTF-8")
                    .at(Span::new(id, at, at + 1), "this byte is not UTF-8")
                    .help("save the file as UTF-8; edict reads no other encoding"),
            )
        }
    }
}
