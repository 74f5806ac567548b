//! pest's errors in plain words: what was found, what could stand there,
//! and help for the mistakes people make most.

use std::ops::Range;

use pest::error::{ErrorVariant, InputLocation};

use super::error::SyntaxError;
use super::grammar::{describe, is_keyword, Rule};
use super::split::content_end;
use crate::source::{FileId, Span};

/// What kind of statement a piece starts, for "the end of the rule".
fn context_of(piece: &str, grammar_rule: Rule) -> &'static str {
    if matches!(grammar_rule, Rule::query_only | Rule::open_query_only) {
        return "query";
    }
    let word: String = piece
        .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    match word.as_str() {
        "action" | "actor" | "category" | "attribute" | "default" | "list" | "constant"
        | "combine" => "declaration",
        "test" => "test",
        "allow" | "deny" | "exempt" => "rule",
        _ if piece.contains(':') => "rule",
        _ => "statement",
    }
}

pub(super) fn convert_error(
    file: FileId,
    text: &str,
    range: Range<usize>,
    error: pest::error::Error<Rule>,
    grammar_rule: Rule,
) -> SyntaxError {
    let piece = &text[range.clone()];
    let context = context_of(piece, grammar_rule);
    let at = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let positives = match error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { .. } => {
            let start = range.start + at;
            return SyntaxError::TooDeep {
                span: Span::new(file, start, start + 1),
            };
        }
    };
    let end = content_end(text, range.clone());
    let at = skip_trivia(text, range.start + at);
    if context == "statement" {
        // The first word does not start a statement.
        let at = skip_trivia(text, range.start);
        let len = token_len(&text[at..]);
        let help = if text[at..].starts_with("//") || text[at..].starts_with("/*") {
            "comments start with `#` and run to the end of the line"
        } else {
            "a statement starts with `action`, `actor`, `category`, `attribute`, `default`, `allow`, `deny` or `test`"
        };
        return SyntaxError::Unexpected {
            span: Span::new(file, at, at + len),
            expected: vec!["a declaration".into(), "a rule".into(), "a test".into()],
            found: found_words(&text[at..at + len]),
            help: Some(help.to_string()),
        };
    }
    let (found, found_span) = if at >= end {
        (format!("end of the {context}"), end..end)
    } else if text[at..].starts_with(|c: char| !c.is_ascii() && c.is_alphabetic()) {
        // a word with a letter outside ASCII (`société`): the whole word,
        // not the part after the last ASCII letter
        let word = |c: char| c.is_alphanumeric() || c == '_';
        let start =
            at - (text[range.start..at].len() - text[range.start..at].trim_end_matches(word).len());
        let len = token_len(&text[start..]);
        (found_words(&text[start..start + len]), start..start + len)
    } else {
        let len = token_len(&text[at..]);
        (found_words(&text[at..at + len]), at..at + len)
    };
    let mut expected: Vec<String> = Vec::new();
    for positive in &positives {
        let words = match positive {
            Rule::EOI => format!("the end of the {context}"),
            other => match describe(*other) {
                Some(words) => words.to_string(),
                None => continue,
            },
        };
        if !expected.contains(&words) {
            expected.push(words);
        }
    }
    collapse_time_keywords(&mut expected);
    // "the end of the rule" reads best last
    expected.sort_by_key(|e| e.starts_with("the end"));
    let around = (
        &text[range.start..found_span.start],
        &text[found_span.end..end.max(found_span.end)],
    );
    let help = if text[found_span.start..].starts_with("//")
        || text[found_span.start..].starts_with("/*")
    {
        // `allow sale  // a note`
        Some("comments start with `#` and run to the end of the line".to_string())
    } else {
        hint(&text[found_span.clone()], around, &positives, at >= end)
    };
    SyntaxError::Unexpected {
        span: Span::new(file, found_span.start, found_span.end),
        expected,
        found,
        help,
    }
}

/// Moves past spaces and comments.
fn skip_trivia(text: &str, mut at: usize) -> usize {
    loop {
        let rest = &text[at..];
        let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        at += rest.len() - trimmed.len();
        if trimmed.starts_with('#') {
            at += trimmed.find('\n').unwrap_or(trimmed.len());
        } else {
            return at;
        }
    }
}

/// The length of the token at the start of `rest`, for underlining it.
fn token_len(rest: &str) -> usize {
    let mut chars = rest.char_indices();
    let Some((_, first)) = chars.next() else {
        return 0;
    };
    let end = |pred: &dyn Fn(char) -> bool| rest.find(|c: char| !pred(c)).unwrap_or(rest.len());
    if first.is_alphanumeric() || first == '_' {
        end(&|c: char| c.is_alphanumeric() || c == '_' || c == '-' || c == '.' || c == '/')
    } else if first == '"' {
        let line_end = rest.find('\n').unwrap_or(rest.len());
        rest[1..line_end].find('"').map_or(line_end, |i| i + 2)
    } else if "=!<>&|".contains(first) {
        end(&|c: char| "=!<>&|".contains(c))
    } else {
        first.len_utf8()
    }
}

fn found_words(token: &str) -> String {
    let display: String = token.chars().take(40).collect();
    let ellipsis = if display.len() < token.len() {
        "…"
    } else {
        ""
    };
    if is_keyword(token) {
        format!("keyword `{token}`")
    } else if token == "\0" {
        "a NUL byte".to_string()
    } else if token.chars().all(|c| c.is_control()) {
        format!(
            "control character U+{:04X}",
            token.chars().next().map_or(0, |c| c as u32)
        )
    } else {
        format!("`{display}{ellipsis}`")
    }
}

/// Replaces the six time keywords with "a time bound" when all are expected.
fn collapse_time_keywords(expected: &mut Vec<String>) {
    let time = [
        "`after`",
        "`before`",
        "`from`",
        "`until`",
        "`on`",
        "`between`",
    ];
    if time.iter().all(|t| expected.iter().any(|e| e == t)) {
        let first = expected
            .iter()
            .position(|e| time.contains(&e.as_str()))
            .unwrap_or(0);
        expected.retain(|e| !time.contains(&e.as_str()));
        let at = first.min(expected.len());
        if !expected.iter().any(|e| e == "a time bound") {
            expected.insert(at, "a time bound".to_string());
        }
    } else if expected.iter().any(|e| e == "a time bound") {
        expected.retain(|e| !time.contains(&e.as_str()));
    }
}

/// The type a word from another language means, for `attribute n: int`.
fn type_meant(word: &str) -> Option<&'static str> {
    Some(match word {
        "int" | "integer" | "float" | "double" | "decimal" | "numeric" | "long" => "number",
        "string" | "str" | "String" | "varchar" => "text",
        "boolean" | "Boolean" => "bool",
        "datetime" | "timestamp" | "time" => "date",
        "ipaddr" | "inet" | "address" => "ip",
        _ => return None,
    })
}

/// Help for the mistakes people make most; `before` and `after` are the
/// statement's text on either side of what was found.
fn hint(
    found: &str,
    (before, after): (&str, &str),
    positives: &[Rule],
    at_end: bool,
) -> Option<String> {
    let word_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let wants = |r: Rule| positives.contains(&r);
    let wants_name = wants(Rule::name)
        || wants(Rule::declared_names)
        || wants(Rule::scope)
        || wants(Rule::action_scope)
        || wants(Rule::operand)
        || wants(Rule::expr);
    if at_end {
        return None;
    }
    let starts_clause = matches!(
        found,
        "by" | "to"
            | "where"
            | "unless"
            | "from"
            | "until"
            | "after"
            | "before"
            | "on"
            | "between"
            | "because"
            | "in"
            | "priority"
    );
    if wants_name && starts_clause && before.trim_end().ends_with(',') {
        return Some(format!(
            "a list of names ends without a comma: remove the `,` before `{found}`"
        ));
    }
    if wants(Rule::type_name) {
        if let Some(ty) = type_meant(found) {
            return Some(format!("edict calls this type `{ty}`: write `: {ty}`"));
        }
    }
    if !found.is_ascii() && found.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Some(
            "names, keywords and numbers are ASCII (letters, digits and `_`); text in double quotes may hold any character"
                .to_string(),
        );
    }
    if found.starts_with(|c: char| c.is_ascii_digit())
        && (found.contains('_') || found.contains(['e', 'E']))
    {
        return Some(
            "numbers are written in full, without separators or exponents, like `100000` or `2.5`"
                .to_string(),
        );
    }
    if found == "-" && before.ends_with(word_char) && after.starts_with(word_char) {
        let head = &before[before.trim_end_matches(word_char).len()..];
        let tail = &after[..after.find(|c: char| !word_char(c)).unwrap_or(after.len())];
        return Some(format!("a name cannot hold `-`: write `{head}_{tail}`"));
    }
    if wants(Rule::text) && matches!(found, "yes" | "no" | "y" | "n" | "on" | "off") {
        return Some(format!(
            "a bool is written `true` or `false`; text is written in double quotes: \"{found}\""
        ));
    }
    if wants(Rule::text) && !wants_name && found.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let quoted = if before.trim_end().ends_with("because") {
            let line = after.lines().next().unwrap_or("");
            format!("{found}{line}").trim_end().to_string()
        } else {
            found.to_string()
        };
        return Some(format!("text is written in double quotes: \"{quoted}\""));
    }
    if wants_name && is_keyword(found) {
        return Some(format!(
            "`{found}` is a keyword: to use it as a name, write it in backticks, `` `{found}` ``"
        ));
    }
    if (wants_name || wants(Rule::attribute_def)) && found.chars().any(|c| c.is_ascii_uppercase()) {
        return Some(format!(
            "names are written in lower case, like `{}`",
            found.to_ascii_lowercase()
        ));
    }
    if wants(Rule::date) || wants(Rule::bound_date) {
        let day = found
            .get(..10)
            .filter(|_| found[10..].starts_with(['T', 't']));
        if let Some(day) = day.filter(|d| crate::value::parse_date(d).is_ok()) {
            return Some(format!("a date has no time of day or zone: write `{day}`"));
        }
        return Some("dates are written YYYY-MM-DD, like 2021-03-31".to_string());
    }
    if wants(Rule::kw_category) {
        return Some("write `to category NAME`".to_string());
    }
    match found {
        "=" if wants(Rule::compare_op) => return Some("to compare, write `==`".to_string()),
        "&&" => return Some("write `and`".to_string()),
        "||" => return Some("write `or`".to_string()),
        "!" => return Some("write `not`".to_string()),
        _ => {}
    }
    if found.starts_with('\'') {
        return Some("text is written in double quotes, like \"RU\"".to_string());
    }
    if found.starts_with('"') && (found.len() < 2 || !found.ends_with('"')) {
        return Some("close the text with `\"` on the same line".to_string());
    }
    if wants(Rule::comma)
        && found
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
    {
        return Some("separate names with commas: `a, b`".to_string());
    }
    None
}
