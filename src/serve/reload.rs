//! Loading a revision, and loading it again when its files change.
//!
//! A reload reads and checks the set beside the running one and installs it
//! only when it has no errors; otherwise the running revision stays and
//! `/v1/status` and the log say why. Changes are seen by a file watcher (on
//! the folders that hold the files, since editors and Kubernetes replace a
//! file rather than write it) and on `SIGHUP`; a burst of events makes one
//! reload.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::directory::Directory;
use super::state::{now, revision_hash, App, Failure, Revision};
use crate::{render, PolicySet};

/// How long the files must be quiet before a change is read.
const SETTLE: Duration = Duration::from_millis(100);

/// Reads and checks the set and the directory; blocking.
pub fn load_revision(paths: &[PathBuf], directory: Option<&Path>) -> Result<Revision, Failure> {
    let failure = |message: String, diagnostics, shown| Failure {
        at: now(),
        message,
        diagnostics,
        shown,
    };
    let set = match PolicySet::load(paths) {
        Err(e) => return Err(failure(e.to_string(), Vec::new(), String::new())),
        Ok(Err(loaded)) => {
            let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
            let sources = &loaded.policy.sources;
            let first = errors
                .first()
                .map_or(String::new(), |d| format!(": {}", d.message));
            return Err(failure(
                format!("the set has {} error(s){first}", errors.len()),
                errors
                    .iter()
                    .map(|d| render::diagnostic_json(d, sources))
                    .collect(),
                render::diagnostics(&loaded.diagnostics, sources, false),
            ));
        }
        Ok(Ok(set)) => set,
    };
    let (directory, text) = match directory {
        None => (Directory::default(), None),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                failure(
                    format!(
                        "cannot read the directory `{}`: {}",
                        path.display(),
                        crate::load::reason(&e)
                    ),
                    Vec::new(),
                    String::new(),
                )
            })?;
            let directory = Directory::parse(&text, set.policy()).map_err(|e| {
                failure(
                    format!("the directory `{}`: {e}", path.display()),
                    Vec::new(),
                    String::new(),
                )
            })?;
            (directory, Some(text))
        }
    };
    let hash = revision_hash(&set, text.as_deref());
    Ok(Revision {
        header: axum::http::HeaderValue::from_str(&hash).expect("hex is a header value"),
        hash,
        files: set.policy().sources.len(),
        set,
        directory,
        loaded_at: now(),
    })
}

/// Loads the revision again and installs it if it loads; says so on
/// standard error either way.
pub async fn reload(app: &Arc<App>) {
    let (paths, directory) = (app.paths.clone(), app.directory_path.clone());
    let loaded = tokio::task::spawn_blocking(move || load_revision(&paths, directory.as_deref()))
        .await
        .unwrap_or_else(|e| {
            Err(Failure {
                at: now(),
                message: format!("the reload stopped: {e}"),
                diagnostics: Vec::new(),
                shown: String::new(),
            })
        });
    app.metrics.reloaded(loaded.is_ok());
    match loaded {
        Ok(revision) => {
            let unchanged = app.current().is_some_and(|r| r.hash == revision.hash);
            if !unchanged {
                eprintln!(
                    "edict serve: loaded revision {} ({} file(s))",
                    &revision.hash[..12],
                    revision.files
                );
            }
            if unchanged {
                app.keep_current();
            } else {
                app.install(revision);
            }
        }
        Err(failure) => {
            eprintln!(
                "edict serve: reload failed, keeping the running revision: {}",
                failure.message
            );
            app.fail(failure);
        }
    }
}

/// Reloads whenever a message arrives on `changes`, after the files settle.
pub async fn reload_on_changes(app: Arc<App>, mut changes: mpsc::Receiver<()>) {
    while changes.recv().await.is_some() {
        loop {
            tokio::time::sleep(SETTLE).await;
            // more changes during the pause: wait for them to end
            if changes.try_recv().is_err() {
                break;
            }
            while changes.try_recv().is_ok() {}
        }
        reload(&app).await;
    }
}

/// Watches the folders of the set and the directory; each change that may
/// concern them sends a message. The watcher lives as long as the value
/// returned.
pub fn watch(
    paths: &[PathBuf],
    directory: Option<&Path>,
    changes: mpsc::Sender<()>,
) -> Result<notify::RecommendedWatcher, String> {
    use notify::{RecursiveMode, Watcher};
    // files named on the command line count whatever their extension
    let named: Vec<std::ffi::OsString> = paths
        .iter()
        .map(PathBuf::as_path)
        .chain(directory)
        .filter(|p| !p.is_dir())
        .filter_map(|p| p.file_name().map(|n| n.to_owned()))
        .collect();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let concerns = event.paths.iter().any(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            let name = name.as_deref().unwrap_or("");
            name.ends_with(".policy")
                // Kubernetes swaps a volume's files through `..data`
                || name.starts_with("..data")
                || p.file_name().is_some_and(|n| named.iter().any(|m| m == n))
        });
        if concerns {
            let _ = changes.try_send(());
        }
    })
    .map_err(|e| format!("cannot watch the files: {e}"))?;
    let mut watched = Vec::new();
    for path in paths.iter().map(PathBuf::as_path).chain(directory) {
        let (folder, mode) = if path.is_dir() {
            (path.to_path_buf(), RecursiveMode::Recursive)
        } else {
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
            (
                parent.unwrap_or(Path::new(".")).to_path_buf(),
                RecursiveMode::NonRecursive,
            )
        };
        if watched.contains(&folder) {
            continue;
        }
        watcher
            .watch(&folder, mode)
            .map_err(|e| format!("cannot watch `{}`: {e}", folder.display()))?;
        watched.push(folder);
    }
    Ok(watcher)
}
