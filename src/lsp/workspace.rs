//! The sets the server knows: the `.policy` files under each workspace
//! folder, read as `check` reads a folder, with open buffers' unsaved text
//! in place of the files on disk.
//!
//! An edit only marks a set stale; its analysis (the checked set, its
//! diagnostics, and the symbol index) is made again the next time anything
//! asks, so a burst of keystrokes costs one check, and each set keeps its
//! statements as last parsed, so that check parses only what changed.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

use super::symbols::Index;
use super::text::{Encoding, Lines};
use crate::source::{FileId, Sources};
use crate::syntax::cache::ParseCache;
use crate::syntax::split::split;
use crate::{Diagnostic, Loaded};

/// An open buffer.
#[derive(Debug)]
pub struct Document {
    pub text: String,
    pub version: i32,
}

/// One set, analysed: what `check` would say of it now.
#[derive(Debug)]
pub struct Analysis {
    pub root: PathBuf,
    /// Each file's path, by file id.
    pub paths: Vec<PathBuf>,
    pub sources: Sources,
    pub loaded: Loaded,
    lines: Vec<Lines>,
    index: Index,
}

impl Analysis {
    /// The file id of a path in this set.
    pub fn file(&self, path: &Path) -> Option<FileId> {
        self.paths
            .iter()
            .position(|p| p == path)
            .map(|i| i as FileId)
    }

    pub fn text(&self, file: FileId) -> &str {
        &self.sources.get(file).text
    }

    /// The offset of a position in a file.
    pub fn offset(&self, file: FileId, position: Position) -> usize {
        self.lines[file as usize].offset(self.text(file), position)
    }

    /// The range of a span.
    pub fn range(&self, span: crate::source::Span) -> Range {
        self.lines[span.file as usize].range(self.text(span.file), span.range())
    }

    /// Where every name of the set is declared and used.
    pub fn index(&self) -> &Index {
        &self.index
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.loaded.diagnostics
    }
}

/// A set's files as they are on disk.
#[derive(Debug)]
struct Disk {
    files: std::collections::BTreeMap<PathBuf, Vec<u8>>,
}

/// Every set and open buffer.
pub struct Workspace {
    pub encoding: Encoding,
    /// The workspace folders; a file outside them is a set with its own
    /// folder as the root.
    roots: Vec<PathBuf>,
    /// Each set's files on disk and their bytes, read once and again only
    /// when the client says files changed on disk (or were saved).
    disk: HashMap<PathBuf, Arc<Disk>>,
    documents: HashMap<PathBuf, Document>,
    analyses: HashMap<PathBuf, Arc<Analysis>>,
    /// Each set's statements as last parsed, so that an edit parses only
    /// the statements it touches.
    caches: HashMap<PathBuf, ParseCache>,
    /// The files of each set that were last sent diagnostics, to clear them
    /// when they have none.
    pub published: HashMap<PathBuf, BTreeSet<PathBuf>>,
    today: Option<NaiveDate>,
}

impl Workspace {
    pub fn new(encoding: Encoding, roots: Vec<PathBuf>, today: Option<NaiveDate>) -> Workspace {
        Workspace {
            encoding,
            roots,
            documents: HashMap::new(),
            analyses: HashMap::new(),
            caches: HashMap::new(),
            disk: HashMap::new(),
            published: HashMap::new(),
            today,
        }
    }

    /// The root of the set a file belongs to: the deepest workspace folder
    /// holding it, or else its own folder (whatever else is open).
    pub fn root_of(&self, path: &Path) -> PathBuf {
        match self
            .roots
            .iter()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.components().count())
        {
            Some(root) => root.clone(),
            None => path.parent().unwrap_or(Path::new("/")).to_path_buf(),
        }
    }

    pub fn open(&mut self, path: PathBuf, text: String, version: i32) {
        self.stale(&path);
        self.documents.insert(path, Document { text, version });
    }

    /// Applies a change of an open buffer, in order; a change without a range
    /// replaces the whole text.
    pub fn change(
        &mut self,
        path: &Path,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) {
        self.stale(path);
        let encoding = self.encoding;
        let Some(doc) = self.documents.get_mut(path) else {
            return;
        };
        for change in changes {
            match change.range {
                Some(range) => {
                    let lines = Lines::new(&doc.text, encoding);
                    let start = lines.offset(&doc.text, range.start);
                    let end = lines.offset(&doc.text, range.end).max(start);
                    doc.text.replace_range(start..end, &change.text);
                }
                None => doc.text = change.text,
            }
        }
        doc.version = version;
    }

    /// The version of an open buffer; `None` for a file not open.
    pub fn open_version(&self, path: &Path) -> Option<i32> {
        self.documents.get(path).map(|d| d.version)
    }

    pub fn close(&mut self, path: &Path) {
        self.stale(path);
        self.documents.remove(path);
    }

    /// The date of queries that give none, and the day date snippets show.
    pub fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(crate::today)
    }

    /// Forgets the analysis of every set a file is in (a buffer changed):
    /// its own, and that of any root above it, whose set holds it too.
    pub fn stale(&mut self, path: &Path) {
        self.analyses.retain(|root, _| !path.starts_with(root));
    }

    /// Forgets every analysis, and what was read from disk: files were
    /// saved, made or removed.
    pub fn stale_all(&mut self) {
        self.analyses.clear();
        self.disk.clear();
    }

    /// The roots whose diagnostics were sent and may need taking back.
    pub fn published_roots(&self) -> Vec<PathBuf> {
        self.published.keys().cloned().collect()
    }

    /// The roots whose sets have an open buffer: those that get diagnostics.
    pub fn open_roots(&self) -> Vec<PathBuf> {
        let paths: Vec<PathBuf> = self.documents.keys().cloned().collect();
        let mut roots: Vec<PathBuf> = paths.iter().map(|p| self.root_of(p)).collect();
        roots.sort();
        roots.dedup();
        roots
    }

    /// The analysis of the set a file is in.
    pub fn analysis_of(&mut self, path: &Path) -> Arc<Analysis> {
        let root = self.root_of(path);
        self.analysis(&root)
    }

    /// The analysis of the set at a root, made now if it is stale.
    pub fn analysis(&mut self, root: &Path) -> Arc<Analysis> {
        if let Some(a) = self.analyses.get(root) {
            return Arc::clone(a);
        }
        let analysis = Arc::new(self.analyse(root));
        self.analyses
            .insert(root.to_path_buf(), Arc::clone(&analysis));
        analysis
    }

    /// Reads the set at a root, open buffers in place of their files.
    fn analyse(&mut self, root: &Path) -> Analysis {
        let disk = self.disk_of(root);
        let mut paths: BTreeSet<PathBuf> = disk
            .files
            .iter()
            .filter(|(p, _)| !self.outside(root, p))
            .map(|(p, _)| p.clone())
            .collect();
        paths.extend(
            self.documents
                .keys()
                .filter(|p| p.starts_with(root) && !self.outside(root, p))
                .filter(|p| p.extension().is_some_and(|e| e == "policy"))
                .cloned(),
        );
        let paths: Vec<PathBuf> = paths.into_iter().collect();
        let mut sources = Sources::new();
        let mut diagnostics = Vec::new();
        for path in &paths {
            let name = path
                .strip_prefix(root)
                .unwrap_or(path)
                .display()
                .to_string();
            let bytes = match self.documents.get(path) {
                Some(doc) => doc.text.clone().into_bytes(),
                None => disk.files.get(path).cloned().unwrap_or_default(),
            };
            diagnostics.extend(crate::load::add_bytes(&mut sources, name, bytes));
        }
        let today = self.today();
        let cache = self.caches.entry(root.to_path_buf()).or_default();
        let loaded = crate::compile_cached(
            sources.clone(),
            diagnostics,
            today,
            crate::Warnings::Look,
            cache,
        );
        let index = Index::build(&sources, |file, text| {
            cache.parse(file, text, &split(text)).0
        });
        let lines = sources
            .iter()
            .map(|(_, f)| Lines::new(&f.text, self.encoding))
            .collect();
        Analysis {
            root: root.to_path_buf(),
            paths,
            sources,
            loaded,
            lines,
            index,
        }
    }

    /// The `.policy` files under a root and their bytes, read now unless
    /// read since the disk last changed. A file or folder that cannot be
    /// read is left out, and said so on standard error (the editor's log).
    fn disk_of(&mut self, root: &Path) -> Arc<Disk> {
        if let Some(d) = self.disk.get(root) {
            return Arc::clone(d);
        }
        let found = crate::load::find_files(&[root.to_path_buf()]).unwrap_or_else(|e| {
            eprintln!("edict lsp: reading {}: {e}", root.display());
            Vec::new()
        });
        let mut files = std::collections::BTreeMap::new();
        for path in found {
            match std::fs::read(&path) {
                Ok(bytes) => {
                    files.insert(path, bytes);
                }
                Err(e) => eprintln!("edict lsp: reading {}: {e}", path.display()),
            }
        }
        let disk = Arc::new(Disk { files });
        self.disk.insert(root.to_path_buf(), Arc::clone(&disk));
        disk
    }

    /// Whether a path under `root` belongs to a deeper root instead.
    fn outside(&self, root: &Path, path: &Path) -> bool {
        self.roots
            .iter()
            .any(|r| r != root && r.starts_with(root) && path.starts_with(r))
    }
}
