//! Splits a file into statements before parsing, so that a mistake in one
//! statement is reported without hiding the statements after it.
//!
//! A statement starts on a line whose first word is a statement keyword
//! (`action`, `actor`, `category`, `attribute`, `default`, `allow`, `deny`,
//! `test`) or a rule name followed by `:` and `allow`, `deny` or `exempt`. It
//! runs to the next such line, so it may span several lines. `category` at
//! the start of a line continues the statement when the line before ends
//! with `to`.
//!
//! The words of later statements (`exempt`, `list`, `constant`, `combine`)
//! are not keywords: they may be names, and a line starting with one may
//! continue a statement (`allow sale,` then `list by partner`, where `list`
//! is an action). Such a line starts a statement only when the line before
//! ends where no name can follow: after a name, a literal or a closing
//! bracket, not after a comma, an operator or a keyword that wants more.

use std::ops::Range;

const STARTERS: &[&str] = &[
    "action",
    "actor",
    "attribute",
    "default",
    "allow",
    "deny",
    "test",
];

/// The byte ranges of the statements in `text`, in order. Lines before the
/// first statement that are not blank or comments form a range of their own.
pub fn split(text: &str) -> Vec<Range<usize>> {
    let mut starts = Vec::new();
    let mut last_word = String::new();
    let mut complete = false;
    // the first word of the statement being read
    let mut first_word = String::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = strip_comment(line);
        let content = code.trim_start_matches([' ', '\t', '\r', '\n', '\u{feff}']);
        if !content.trim().is_empty() {
            if starts.is_empty() || begins_statement(content, &last_word, complete) {
                starts.push(offset + (code.len() - content.len()));
                first_word = leading_word(content).to_string();
            }
            last_word = trailing_word(code).to_string();
            complete = ends_complete(code, &last_word)
                || (first_word == "default" && matches!(last_word.as_str(), "allow" | "deny"));
        }
        offset += line.len();
    }
    let mut ranges = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        ranges.push(start..end);
    }
    ranges
}

/// The words that start a statement only after a complete line.
const CONTEXTUAL_STARTERS: &[&str] = &["exempt", "list", "constant", "combine"];

fn begins_statement(content: &str, last_word: &str, complete: bool) -> bool {
    let word = leading_word(content);
    if STARTERS.contains(&word) {
        return true;
    }
    if word == "category" {
        return last_word != "to";
    }
    if CONTEXTUAL_STARTERS.contains(&word) && complete {
        return true;
    }
    // A named rule: `name: allow ...`
    if !word.is_empty() {
        let rest = content[word.len()..].trim_start();
        if let Some(rest) = rest.strip_prefix(':') {
            return matches!(leading_word(rest.trim_start()), "allow" | "deny" | "exempt");
        }
    }
    false
}

/// Whether a line of code ends where no name can follow: after a name, a
/// literal or a closing bracket, but not after a keyword (other than `any`,
/// `true` and `false`), a comma or an operator.
fn ends_complete(code: &str, last_word: &str) -> bool {
    let Some(last) = code.trim_end().chars().last() else {
        return false;
    };
    let closes = last.is_ascii_alphanumeric() || "_\"])}`".contains(last);
    closes
        && (!super::grammar::is_keyword(last_word) || matches!(last_word, "any" | "true" | "false"))
}

fn leading_word(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

fn trailing_word(s: &str) -> &str {
    let s = s.trim_end();
    let start = s
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    &s[start..]
}

/// The characters of a line outside text in quotes, with their offsets.
pub fn code_chars(line: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut in_text = false;
    let mut escaped = false;
    line.char_indices()
        .map(move |(i, c)| {
            let code = match c {
                _ if escaped => {
                    escaped = false;
                    false
                }
                '\\' if in_text => {
                    escaped = true;
                    false
                }
                '"' => {
                    in_text = !in_text;
                    false
                }
                _ => !in_text,
            };
            (i, c, code)
        })
        .filter(|&(_, _, code)| code)
        .map(|(i, c, _)| (i, c))
}

/// The line without its comment; a `#` inside text does not start one.
pub fn strip_comment(line: &str) -> &str {
    match code_chars(line).find(|&(_, c)| c == '#') {
        Some((i, _)) => &line[..i],
        None => line,
    }
}

/// Where the last token of a statement ends: trailing blank lines,
/// comments and spaces are not part of it.
pub fn content_end(text: &str, range: Range<usize>) -> usize {
    let chunk = &text[range.clone()];
    let mut end = range.start;
    let mut offset = range.start;
    for line in chunk.split_inclusive('\n') {
        let code = strip_comment(line).trim_end();
        if !code.trim_start_matches('\u{feff}').is_empty() {
            end = offset + code.len();
        }
        offset += line.len();
    }
    end
}

/// Whether a statement range (from [`split`]) starts with a declaration's
/// keyword: `action`, `actor`, `category`, `attribute` or `default`.
pub fn is_declaration(text: &str, range: &Range<usize>) -> bool {
    let piece =
        text[range.clone()].trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let word_end = piece
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(piece.len());
    matches!(
        &piece[..word_end],
        "action" | "actor" | "category" | "attribute" | "default" | "list" | "constant" | "combine"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<&str> {
        split(text)
            .into_iter()
            .map(|r| text[r].trim_end())
            .collect()
    }

    #[test]
    fn statements_may_span_lines() {
        let text = "# head\naction a, b\n\nallow a\n  by x # note\n  because \"# not a comment\"\ndeny b\n";
        assert_eq!(
            pieces(text),
            [
                "action a, b",
                "allow a\n  by x # note\n  because \"# not a comment\"",
                "deny b"
            ]
        );
    }

    #[test]
    fn category_after_to_continues_the_rule() {
        let text = "deny a to\n  category x\ncategory y\n";
        assert_eq!(pieces(text), ["deny a to\n  category x", "category y"]);
    }

    #[test]
    fn named_rules_and_stray_lines() {
        let text = "oops here\nnamed: deny a\nattribute x: text,\n  y: number\n";
        assert_eq!(
            pieces(text),
            [
                "oops here",
                "named: deny a",
                "attribute x: text,\n  y: number"
            ]
        );
    }

    #[test]
    fn new_statement_words_start_statements_only_after_a_complete_line() {
        let text = "allow sale,\n  list by partner\ndeny sale by partner\nexempt sale from rule r\nallow a by\n  combine\nlist l: text = []\ndefault allow\ncombine first applicable\nallow\n  list\n";
        assert_eq!(
            pieces(text),
            [
                "allow sale,\n  list by partner",
                "deny sale by partner",
                "exempt sale from rule r",
                "allow a by\n  combine",
                "list l: text = []",
                "default allow",
                "combine first applicable",
                "allow\n  list"
            ]
        );
    }

    #[test]
    fn content_end_skips_trailing_comments() {
        let text = "deny a by # c\n\n# more\n";
        assert_eq!(content_end(text, 0..text.len()), "deny a by".len());
    }
}
