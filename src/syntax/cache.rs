//! Parsing a set again after a small edit, at the cost of the edit: each
//! statement parsed is kept under its text, and a statement whose text
//! comes again (in the same place, further along, or in another file) is
//! taken from the cache and moved there ([`super::rebase`]) instead of
//! parsed. An editor's language server checks the whole set on every
//! keystroke this way; statements with syntax errors are always parsed
//! anew, so their messages are always about the text as it is.

use std::collections::HashMap;
use std::ops::Range;

use super::ast::Statement;
use super::parse::{parse_each, Parsed};
use super::rebase::Rebase;
use super::SyntaxError;
use crate::source::FileId;

/// Statements parsed before, by their text.
#[derive(Debug, Default)]
pub struct ParseCache {
    entries: HashMap<Box<str>, Entry>,
}

#[derive(Debug)]
struct Entry {
    /// The statement as parsed, where it was then.
    statement: Statement,
    start: usize,
    /// Whether a parse since the last [`ParseCache::sweep`] used it.
    used: bool,
}

impl ParseCache {
    pub fn new() -> ParseCache {
        ParseCache::default()
    }

    /// [`super::parse_ranges`], parsing only the statements not seen
    /// before.
    pub fn parse(
        &mut self,
        file: FileId,
        text: &str,
        ranges: &[Range<usize>],
    ) -> (Vec<Statement>, Vec<SyntaxError>) {
        let mut found: Vec<Option<Parsed>> = ranges
            .iter()
            .map(|r| self.take(file, text, r.clone()))
            .collect();
        let missing: Vec<Range<usize>> = ranges
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|(r, _)| r.clone())
            .collect();
        let mut parsed = parse_each(file, text, &missing).into_iter();
        for (range, slot) in ranges.iter().zip(&mut found) {
            if slot.is_some() {
                continue;
            }
            let result = parsed.next().expect("one parse a missing range");
            if let (Some(statement), true) = (&result.0, result.1.is_empty()) {
                self.entries.insert(
                    text[range.clone()].into(),
                    Entry {
                        statement: statement.clone(),
                        start: range.start,
                        used: true,
                    },
                );
            }
            *slot = Some(result);
        }
        let mut statements = Vec::with_capacity(ranges.len());
        let mut errors = Vec::new();
        for (statement, mut more) in found.into_iter().flatten() {
            statements.extend(statement);
            errors.append(&mut more);
        }
        (statements, errors)
    }

    /// The statement of a range, from the cache, moved to where it is now.
    fn take(&mut self, file: FileId, text: &str, range: Range<usize>) -> Option<Parsed> {
        let entry = self.entries.get_mut(&text[range.clone()])?;
        entry.used = true;
        let mut statement = entry.statement.clone();
        statement.rebase(file, range.start as i64 - entry.start as i64);
        Some((Some(statement), Vec::new()))
    }

    /// Forgets the statements that no parse has used since the last sweep,
    /// so that the cache holds only what the set holds now.
    pub fn sweep(&mut self) {
        self.entries.retain(|_, e| std::mem::take(&mut e.used));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_ranges;
    use crate::syntax::split::split;

    #[test]
    fn a_cached_parse_equals_a_fresh_one_wherever_the_text_moves() {
        let text = "action sale\nactor partner in agent\nban: deny sale by partner to category x after 2021-03-31\n  where country in [\"RU\", \"BY\"] and not (n > 90 days after signed)\n  because \"why\"\ntest \"t\" {\n  expect deny sale by partner on 2021-04-01 with country = \"RU\"\n}\nallow sale by\n";
        let mut cache = ParseCache::new();
        let first = cache.parse(0, text, &split(text));
        assert_eq!(first, parse_ranges(0, text, &split(text)));
        // the same statements, further along and in another file
        let moved = format!("# a comment that moves everything\n\n{text}");
        let again = cache.parse(3, &moved, &split(&moved));
        assert_eq!(again, parse_ranges(3, &moved, &split(&moved)));
        // the broken last statement is parsed anew each time, not kept
        assert_eq!(cache.len(), split(text).len() - 1);
        cache.sweep();
        let other = "action download\n";
        cache.parse(0, other, &split(other));
        cache.sweep();
        assert_eq!(cache.len(), 1, "only what the last parse used is kept");
    }
}
