//! Completion that knows where it is: the words before the cursor, back to
//! the start of the statement, say what can come next. At a statement's
//! start, the statement keywords; after `allow`, actions; after `by`,
//! actors; after a condition's `where`, attributes with their types; after
//! an attribute and an operator, values of its type; after a complete
//! clause, the clauses a rule can still take, in the order it takes them.

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, CompletionTextEdit,
    InsertTextFormat, TextEdit,
};

use super::symbols::{Index, Symbol, ValueDecl};
use super::text::in_text_or_comment;
use super::workspace::Workspace;
use super::{document, keywords, Failure};
use crate::syntax::ast::{Kind, Statement};
use crate::syntax::split::split;
use crate::syntax::written_name;
use crate::value::Type;

pub fn completion(
    ws: &mut Workspace,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>, Failure> {
    let at = params.text_document_position;
    let (analysis, file) = document(ws, &at.text_document.uri)?;
    let offset = analysis.offset(file, at.position);
    let text = analysis.text(file);
    if in_text_or_comment(text, offset) {
        return Ok(Some(CompletionResponse::Array(Vec::new())));
    }
    let tokens = tokens_before(text, offset);
    let index = analysis.index();
    let today = ws.today();
    let items = Context {
        index,
        tokens: &tokens,
        today,
    }
    .items();
    let backquoted = backquoted_word(text, offset)
        .map(|r| analysis.range(crate::source::Span::new(file, r.start, r.end)));
    let items = items
        .into_iter()
        .enumerate()
        .map(|(i, mut item)| {
            item.sort_text = Some(format!("{i:04}"));
            // a name begun in backticks: the item replaces them too, or an
            // editor that counts them outside the word would double them
            if let (Some(range), None) = (backquoted, item.insert_text_format) {
                let new_text = item
                    .insert_text
                    .clone()
                    .unwrap_or_else(|| item.label.clone());
                item.filter_text = Some(format!("`{}", item.label));
                item.text_edit = Some(CompletionTextEdit::Edit(TextEdit::new(range, new_text)));
            }
            item
        })
        .collect();
    Ok(Some(CompletionResponse::Array(items)))
}

/// The range of a name being written in backticks before `offset` (its
/// closing backtick included, when it is there already).
fn backquoted_word(text: &str, offset: usize) -> Option<std::ops::Range<usize>> {
    let before = &text[..offset];
    let word_start = before
        .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
        .len();
    if !before[..word_start].ends_with('`') {
        return None;
    }
    let end = if text[offset..].starts_with('`') {
        offset + 1
    } else {
        offset
    };
    Some(word_start - 1..end)
}

/// A token before the cursor: a word (names, keywords, dates and numbers),
/// a text literal (its content dropped) or a piece of punctuation.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Text,
    Punct(String),
}

impl Token {
    fn is(&self, word: &str) -> bool {
        matches!(self, Token::Word(w) | Token::Punct(w) if w == word)
    }
}

/// The complete tokens of the statement that holds `offset`, up to it; a
/// word the cursor is in or just after is left out (it is being written).
fn tokens_before(text: &str, offset: usize) -> Vec<Token> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_before = &text[line_start..offset];
    // a new line at column 0 starts a statement, unless inside a test block
    let start = split(text)
        .into_iter()
        .rev()
        .find(|r| r.start <= offset)
        .map_or(0, |r| r.start);
    let start = if line_before.is_empty() && !in_test_block(&text[start..offset]) {
        offset
    } else {
        start
    };
    let mut tokens = tokenize(&text[start..offset]);
    let ends_in_word =
        text[..offset].ends_with(|c: char| c.is_ascii_alphanumeric() || "_-`".contains(c));
    if ends_in_word {
        tokens.pop();
    }
    tokens
}

fn in_test_block(statement: &str) -> bool {
    statement.trim_start().starts_with("test") && !statement.contains('}')
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '#' => while chars.next_if(|&(_, c)| c != '\n').is_some() {},
            '"' => {
                let mut escaped = false;
                for (_, c) in chars.by_ref() {
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => break,
                        _ => escaped = false,
                    }
                }
                out.push(Token::Text);
            }
            c if c.is_whitespace() => {}
            c if c.is_ascii_alphanumeric() || c == '_' || c == '`' || c == '-' => {
                let mut end = i + c.len_utf8();
                while let Some((j, d)) =
                    chars.next_if(|&(_, d)| d.is_ascii_alphanumeric() || "_-`.".contains(d))
                {
                    end = j + d.len_utf8();
                }
                out.push(Token::Word(text[i..end].trim_matches('`').to_string()));
            }
            c => {
                let mut op = c.to_string();
                if let Some((_, '=')) = chars.peek() {
                    if "=!<>".contains(c) {
                        op.push('=');
                        chars.next();
                    }
                }
                out.push(Token::Punct(op));
            }
        }
    }
    out
}

struct Context<'a> {
    index: &'a Index,
    tokens: &'a [Token],
    /// The day date snippets offer.
    today: chrono::NaiveDate,
}

/// The clauses a rule takes after its actions, in order.
const CLAUSES: &[&str] = &[
    "by",
    "to category",
    "after",
    "before",
    "from",
    "until",
    "on",
    "between",
    "where",
    "unless",
    "because",
];

impl Context<'_> {
    fn items(&self) -> Vec<CompletionItem> {
        let Some(first) = self.tokens.first() else {
            return statement_starts();
        };
        let first = match (first, self.tokens.get(1), self.tokens.get(2)) {
            // `label: allow ...`
            (Token::Word(_), Some(colon), Some(effect)) if colon.is(":") => effect.clone(),
            _ => first.clone(),
        };
        match &first {
            Token::Word(w) if matches!(w.as_str(), "allow" | "deny" | "exempt") => self.in_rule(),
            Token::Word(w) if w == "test" => self.in_test(),
            Token::Word(w) if matches!(w.as_str(), "action" | "actor" | "category") => {
                self.in_declaration(kind_of(w))
            }
            Token::Word(w) if w == "default" => words(&["allow", "deny"]),
            Token::Word(w) if w == "combine" => words(&[
                "deny overrides",
                "allow overrides",
                "first applicable",
                "highest priority",
                "most specific",
            ]),
            Token::Word(w) if matches!(w.as_str(), "attribute" | "list" | "constant") => {
                match self.last() {
                    Some(t) if t.is(":") => types(),
                    _ => Vec::new(),
                }
            }
            _ => statement_starts(),
        }
    }

    fn last(&self) -> Option<&Token> {
        self.tokens.last()
    }

    /// The nearest keyword before the cursor that opens a part of a
    /// statement, skipping names and commas.
    fn opener(&self) -> Option<&str> {
        self.tokens.iter().rev().find_map(|t| match t {
            Token::Word(w) if is_opener(w) => Some(w.as_str()),
            _ => None,
        })
    }

    fn in_rule(&self) -> Vec<CompletionItem> {
        let last = self.last();
        let after_comma = last.is_some_and(|t| t.is(","));
        if self.in_condition() {
            return self.in_expression();
        }
        match self.opener() {
            _ if last.is_some_and(|t| t.is("priority")) => Vec::new(),
            Some("allow" | "deny" | "exempt")
                if after_comma || last.is_some_and(is_opener_token) =>
            {
                self.names(Kind::Action, true)
            }
            Some("by") if after_comma || last.is_some_and(|t| t.is("by")) => {
                self.names(Kind::Actor, true)
            }
            Some("to") => words(&["category"]),
            Some("category") if after_comma || last.is_some_and(|t| t.is("category")) => {
                self.names(Kind::Category, true)
            }
            Some("rule") if after_comma || last.is_some_and(|t| t.is("rule")) => self.rules(),
            Some(time @ ("after" | "before" | "from" | "until" | "on" | "between"))
                if last.is_some_and(|t| t.is(time)) =>
            {
                let mut items = self.dates();
                if time == "from" && self.tokens.iter().any(|t| t.is("exempt")) {
                    items.insert(0, keyword("rule"));
                }
                items
            }
            _ => self.clauses(),
        }
    }

    /// The clauses the rule does not have yet, in the order rules take them.
    fn clauses(&self) -> Vec<CompletionItem> {
        let has = |w: &str| {
            self.tokens
                .iter()
                .any(|t| t.is(w.split(' ').next().unwrap_or(w)))
        };
        CLAUSES
            .iter()
            .filter(|c| !has(c))
            .map(|c| keyword(c))
            .collect()
    }

    /// Whether the cursor is in a `where` or `unless` condition.
    fn in_condition(&self) -> bool {
        let last_clause = self.tokens.iter().rev().find_map(|t| match t {
            Token::Word(w) if CLAUSES.contains(&w.as_str()) || w == "to" => Some(w.as_str()),
            _ => None,
        });
        matches!(last_clause, Some("where" | "unless"))
    }

    fn in_expression(&self) -> Vec<CompletionItem> {
        let n = self.tokens.len();
        let last = &self.tokens[n - 1];
        let before = n.checked_sub(2).map(|i| &self.tokens[i]);
        let opens_operand = ["where", "unless", "and", "or", "not", "(", "["]
            .iter()
            .any(|w| last.is(w));
        if last.is("in") {
            let mut items = self.values_of(|t| matches!(t, ValueDecl::List(_)));
            items.push(snippet("[...]", "[${1}]", "a list of values"));
            return items;
        }
        if let (Token::Punct(op), Some(Token::Word(attribute))) = (last, before) {
            if matches!(op.as_str(), "==" | "!=" | "<" | "<=" | ">" | ">=") {
                return self.literals(self.type_of(attribute));
            }
        }
        if opens_operand {
            let mut items = self.values_of(|t| !matches!(t, ValueDecl::List(_)));
            items.push(keyword("date"));
            items.push(keyword("not"));
            return items;
        }
        match last {
            Token::Word(w) if self.type_of(w).is_some() || w == "date" => {
                let ty = if w == "date" {
                    Some(Type::Date)
                } else {
                    self.type_of(w)
                };
                operators(ty)
            }
            _ => {
                let mut items = words(&["and", "or"]);
                items.extend(
                    self.clauses()
                        .into_iter()
                        .filter(|c| !matches!(c.label.as_str(), "by" | "to category" | "where")),
                );
                items
            }
        }
    }

    fn in_test(&self) -> Vec<CompletionItem> {
        let Some(expect) = self.tokens.iter().rposition(|t| t.is("expect")) else {
            return match self.last() {
                Some(t) if t.is("{") => words(&["expect"]),
                _ => Vec::new(),
            };
        };
        let query = &self.tokens[expect + 1..];
        let last = self.last();
        match query.len() {
            0 => words(&["allow", "deny"]),
            1 => self.names(Kind::Action, false),
            2 => words(&["by"]),
            3 => self.names(Kind::Actor, false),
            _ if last.is_some_and(|t| t.is("to")) => words(&["category"]),
            _ if last.is_some_and(|t| t.is("category")) => self.names(Kind::Category, false),
            _ if last.is_some_and(|t| t.is("on")) => self.dates(),
            _ if last.is_some_and(|t| t.is("with") || t.is(",")) => {
                self.values_of(|t| matches!(t, ValueDecl::Attribute(_)))
            }
            _ if last.is_some_and(|t| t.is("=")) => {
                let name = match &query[query.len() - 2] {
                    Token::Word(w) => self.type_of(w),
                    _ => None,
                };
                self.literals(name)
            }
            _ => {
                let has = |w: &str| query.iter().any(|t| t.is(w));
                let mut items = Vec::new();
                for (word, shown) in [("to", "to category"), ("on", "on"), ("with", "with")] {
                    if !has(word) {
                        items.push(keyword(shown));
                    }
                }
                items.push(keyword("expect"));
                items
            }
        }
    }

    fn in_declaration(&self, kind: Kind) -> Vec<CompletionItem> {
        let last = self.last();
        match last {
            Some(t) if t.is("in") || t.is("[") || (t.is(",") && self.opener() == Some("in")) => {
                self.names(kind, false)
            }
            Some(Token::Word(_)) if self.opener() != Some("in") && self.tokens.len() > 1 => {
                words(&["in"])
            }
            _ => Vec::new(),
        }
    }

    /// The declared names of a kind (and `any`, where a rule takes it).
    fn names(&self, kind: Kind, any: bool) -> Vec<CompletionItem> {
        let mut names: Vec<&str> = self
            .index
            .declared()
            .filter_map(|s| match s {
                Symbol::Name(k, n) if *k == kind => Some(n.as_str()),
                _ => None,
            })
            .collect();
        names.sort_unstable();
        let mut items: Vec<CompletionItem> = names
            .into_iter()
            .map(|n| CompletionItem {
                label: n.to_string(),
                insert_text: Some(written_name(n).into_owned()),
                kind: Some(CompletionItemKind::ENUM_MEMBER),
                detail: Some(kind.as_str().to_string()),
                ..CompletionItem::default()
            })
            .collect();
        if any {
            items.push(keyword("any"));
        }
        items
    }

    fn rules(&self) -> Vec<CompletionItem> {
        let mut labels: Vec<&str> = self
            .index
            .declared()
            .filter_map(|s| match s {
                Symbol::Rule(n) if self.is_deny(s) => Some(n.as_str()),
                _ => None,
            })
            .collect();
        labels.sort_unstable();
        labels
            .into_iter()
            .map(|n| CompletionItem {
                label: n.to_string(),
                kind: Some(CompletionItemKind::REFERENCE),
                detail: Some("rule".to_string()),
                ..CompletionItem::default()
            })
            .collect()
    }

    /// Whether a rule label names a deny (what an exemption can lift).
    fn is_deny(&self, rule: &Symbol) -> bool {
        self.index.declarations(rule).iter().any(|d| {
            matches!(
                self.index.statement_at(d.span.file, d.span.start()),
                Some(Statement::Rule(r)) if r.effect == crate::Effect::Deny && !r.is_exemption()
            )
        })
    }

    /// The declared attributes, lists and constants that `keep` keeps,
    /// each with its type.
    fn values_of(&self, keep: impl Fn(&ValueDecl) -> bool) -> Vec<CompletionItem> {
        let mut out: Vec<(&str, ValueDecl)> =
            self.index.values().filter(|(_, d)| keep(d)).collect();
        out.sort_by(|a, b| a.0.cmp(b.0));
        out.into_iter()
            .map(|(name, decl)| CompletionItem {
                insert_text: Some(written_name(name).into_owned()),
                label: name.to_string(),
                kind: Some(match decl {
                    ValueDecl::Attribute(_) => CompletionItemKind::FIELD,
                    ValueDecl::List(_) => CompletionItemKind::VARIABLE,
                    ValueDecl::Constant(_) => CompletionItemKind::CONSTANT,
                }),
                detail: Some(decl.describe()),
                ..CompletionItem::default()
            })
            .collect()
    }

    fn type_of(&self, name: &str) -> Option<Type> {
        self.index.value(name).map(ValueDecl::ty)
    }

    /// Values of a type: `true` and `false`, a date, a quoted text.
    fn literals(&self, ty: Option<Type>) -> Vec<CompletionItem> {
        match ty {
            Some(Type::Bool) => words(&["true", "false"]),
            Some(Type::Date) => self.dates(),
            Some(Type::Number) => vec![snippet("0", "${1:0}", "a number")],
            Some(Type::Text | Type::Ip) | None => vec![snippet("\"...\"", "\"${1}\"", "a text")],
        }
    }

    /// Today's date as a snippet, and the date constants.
    fn dates(&self) -> Vec<CompletionItem> {
        let today = self.today.to_string();
        let mut items = vec![snippet(
            "YYYY-MM-DD",
            &format!("${{1:{today}}}"),
            "a date (today shown)",
        )];
        items.extend(self.values_of(|d| matches!(d, ValueDecl::Constant(Type::Date))));
        items
    }
}

fn kind_of(word: &str) -> Kind {
    match word {
        "action" => Kind::Action,
        "actor" => Kind::Actor,
        _ => Kind::Category,
    }
}

fn is_opener(word: &str) -> bool {
    matches!(
        word,
        "allow"
            | "deny"
            | "exempt"
            | "by"
            | "to"
            | "category"
            | "rule"
            | "in"
            | "after"
            | "before"
            | "from"
            | "until"
            | "on"
            | "between"
            | "where"
            | "unless"
            | "because"
            | "priority"
    )
}

fn is_opener_token(t: &Token) -> bool {
    matches!(t, Token::Word(w) if is_opener(w))
}

fn operators(ty: Option<Type>) -> Vec<CompletionItem> {
    let mut ops = vec!["==", "!=", "in", "not in"];
    match ty {
        Some(Type::Number | Type::Date) => ops.extend(["<", "<=", ">", ">="]),
        Some(Type::Text) => ops.extend(["like", "matches"]),
        _ => {}
    }
    ops.into_iter()
        .map(|op| CompletionItem {
            label: op.to_string(),
            kind: Some(CompletionItemKind::OPERATOR),
            ..CompletionItem::default()
        })
        .collect()
}

fn types() -> Vec<CompletionItem> {
    words(&["text", "number", "bool", "date", "ip"])
}

/// The statement keywords, and a rule and a test as snippets.
fn statement_starts() -> Vec<CompletionItem> {
    let mut items = words(&[
        "allow",
        "deny",
        "exempt",
        "action",
        "actor",
        "category",
        "attribute",
        "list",
        "constant",
        "default",
        "combine",
        "test",
    ]);
    items.push(snippet(
        "deny rule",
        "deny ${1:action} by ${2:actor} to category ${3:category} after ${4:2021-03-31}\n  because \"${5:reason}\"",
        "a deny with its clauses",
    ));
    items.push(snippet(
        "test block",
        "test \"${1:name}\" {\n  expect ${2:deny} ${3:action} by ${4:actor} on ${5:2021-04-01}\n}",
        "a test block with one expectation",
    ));
    items
}

fn words(list: &[&str]) -> Vec<CompletionItem> {
    list.iter().map(|w| keyword(w)).collect()
}

fn keyword(word: &str) -> CompletionItem {
    CompletionItem {
        label: word.to_string(),
        kind: Some(CompletionItemKind::KEYWORD),
        detail: word
            .split(' ')
            .next()
            .and_then(keywords::doc)
            .map(str::to_string),
        ..CompletionItem::default()
    }
}

fn snippet(label: &str, body: &str, detail: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(CompletionItemKind::SNIPPET),
        insert_text: Some(body.to_string()),
        insert_text_format: Some(InsertTextFormat::SNIPPET),
        detail: Some(detail.to_string()),
        ..CompletionItem::default()
    }
}
