//! Source files and spans: where every piece of a policy came from.

use std::sync::Arc;

/// Index of a file in [`Sources`].
pub type FileId = u32;

/// A byte range in one source file. Every AST node carries one, so that any
/// stage can point back at what the user wrote.
///
/// Offsets are kept in 32 bits, since a set holds millions of spans: a
/// policy file is at most 64 MiB (see [`crate::load`](mod@crate::load)); in a longer text (a
/// query given on the command line, say) spans past 4 GiB point at its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    start: u32,
    end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            file,
            start: clamp(start),
            end: clamp(end),
        }
    }

    /// The first byte.
    pub fn start(self) -> usize {
        self.start as usize
    }

    /// One past the last byte.
    pub fn end(self) -> usize {
        self.end as usize
    }

    /// The bytes, as a range.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start()..self.end()
    }

    /// The smallest span that covers both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One source text: a policy file, or a query typed on the command line.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave or we found it, used in every message.
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
}

/// A position for people: 1-based line, and 1-based column counted in
/// characters (a tab is one column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// Line and column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let prefix = self.text.get(start..offset).unwrap_or("");
        LineCol {
            line: line + 1,
            column: prefix.chars().count() + 1,
        }
    }

    /// The text of the line holding `offset`, without its line break.
    pub fn line_text(&self, offset: usize) -> &str {
        let line = self.line_col(offset).line - 1;
        let start = self.line_starts[line];
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |&e| e - 1);
        self.text[start..end].trim_end_matches('\r')
    }
}

/// Every source text of a run, addressed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<Arc<SourceFile>>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Adds a text and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(Arc::new(SourceFile::new(name, text)));
        FileId::try_from(self.files.len() - 1).expect("fewer than 2^32 source files")
    }

    pub fn get(&self, id: FileId) -> &Arc<SourceFile> {
        &self.files[id as usize]
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Ids and files, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &Arc<SourceFile>)> {
        self.files.iter().enumerate().map(|(i, f)| (i as FileId, f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_crlf_lines() {
        let f = SourceFile::new("a", "ab\r\n\té x\nlast");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(4), LineCol { line: 2, column: 1 });
        // after a tab and a two-byte `é`, `x` is the fourth character
        assert_eq!(f.line_col(8), LineCol { line: 2, column: 4 });
        assert_eq!(f.line_text(8), "\té x");
        assert_eq!(f.line_text(0), "ab");
        assert_eq!(f.line_col(100), LineCol { line: 3, column: 5 });
    }
}
