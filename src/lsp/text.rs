//! Positions as editors count them, and file paths as URIs.
//!
//! edict points into text by byte offsets; an LSP client by line and
//! character, where a character is a UTF-16 code unit unless both sides
//! agree on UTF-8 at initialisation. Everything that crosses the protocol
//! goes through [`Lines`], so no handler counts characters itself.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Uri};

/// How a position's `character` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// The starts of the lines of one text, to turn offsets into positions
/// and back.
#[derive(Debug, Clone)]
pub struct Lines {
    starts: Vec<usize>,
    encoding: Encoding,
}

impl Lines {
    pub fn new(text: &str, encoding: Encoding) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts, encoding }
    }

    /// The position of a byte offset (clamped to the text, and moved back
    /// to the start of a character it falls inside).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let prefix = &text[self.starts[line]..offset];
        let character = match self.encoding {
            Encoding::Utf8 => prefix.len(),
            Encoding::Utf16 => prefix.encode_utf16().count(),
        };
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, text: &str, range: std::ops::Range<usize>) -> Range {
        Range::new(
            self.position(text, range.start),
            self.position(text, range.end),
        )
    }

    /// The byte offset of a position; a line past the end is the end of the
    /// text, a character past the end of its line the line's end, as the
    /// protocol asks.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(text.len(), |&next| next - 1);
        let line = &text[start..end];
        let line = line.strip_suffix('\r').unwrap_or(line);
        let wanted = position.character as usize;
        let mut counted = 0;
        for (i, c) in line.char_indices() {
            if counted >= wanted {
                return start + i;
            }
            counted += match self.encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        start + line.len()
    }
}

/// Whether a byte offset is inside a text literal or a comment (both end
/// with their line), where no word is a keyword or a name.
pub fn in_text_or_comment(text: &str, offset: usize) -> bool {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let mut in_text = false;
    let mut escaped = false;
    for c in text[start..offset].chars() {
        match c {
            '#' if !in_text => return true,
            '"' if !escaped => in_text = !in_text,
            '\\' if in_text && !escaped => {
                escaped = true;
                continue;
            }
            _ => {}
        }
        escaped = false;
    }
    in_text
}

/// The word (letters, digits, `_`) at or just before a byte offset.
pub fn word_at(text: &str, offset: usize) -> Option<(std::ops::Range<usize>, &str)> {
    let offset = offset.min(text.len());
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word(c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|&(_, c)| !is_word(c))
        .map_or(text.len(), |(i, _)| offset + i);
    (start < end).then(|| (start..end, &text[start..end]))
}

/// The path of a `file:` URI, its escapes decoded; `None` for any other
/// scheme.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///x` has an empty authority; `file://localhost/x` names this host
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    let mut bytes = Vec::with_capacity(path.len());
    let mut raw = path.bytes();
    while let Some(b) = raw.next() {
        if b == b'%' {
            let hex = [raw.next()?, raw.next()?];
            let hex = std::str::from_utf8(&hex).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
        } else if b == b'?' || b == b'#' {
            break;
        } else {
            bytes.push(b);
        }
    }
    Some(PathBuf::from(String::from_utf8(bytes).ok()?))
}

/// The `file:` URI of an absolute path, every byte outside the unreserved
/// set and `/` escaped.
pub fn path_to_uri(path: &Path) -> Uri {
    let mut uri = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.parse().unwrap_or_else(|_| {
        "file:///"
            .parse()
            .expect("`file:///` is a URI, so parsing it cannot fail")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_or_bytes() {
        let text = "ab\r\n\u{e9}\u{1F600}x\nlast";
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            let lines = Lines::new(text, encoding);
            let x = text.find('x').unwrap();
            let p = lines.position(text, x);
            let expected = match encoding {
                Encoding::Utf8 => 6,
                Encoding::Utf16 => 3,
            };
            assert_eq!(p, Position::new(1, expected));
            assert_eq!(lines.offset(text, p), x);
            // past the end of a line: its end, before the `\r`
            assert_eq!(lines.offset(text, Position::new(0, 99)), 2);
            assert_eq!(lines.offset(text, Position::new(9, 0)), text.len());
        }
    }

    #[test]
    fn a_path_survives_its_uri() {
        let path = Path::new("/tmp/a folder/r\u{e9}gles#1.policy");
        let uri = path_to_uri(path);
        assert_eq!(
            uri.as_str(),
            "file:///tmp/a%20folder/r%C3%A9gles%231.policy"
        );
        assert_eq!(uri_to_path(&uri).as_deref(), Some(path));
        let other: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(uri_to_path(&other), None);
    }
}
