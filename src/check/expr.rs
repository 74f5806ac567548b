//! Type-checking conditions.

use super::{closest_hint, did_you_mean, suggest, Checker};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Expr, ExprKind};
use crate::syntax::ast::{self, Literal};

use crate::pattern::{How, Pattern};
use crate::value::{parse_date, Type, Value};

impl Checker {
    /// Checks a `where` or `unless` condition: it must be a bool.
    pub(super) fn condition(&mut self, e: &ast::Expr) -> Option<Expr> {
        let (expr, ty) = self.expr(e)?;
        if ty != Type::Bool {
            let hint = match &e.kind {
                ast::ExprKind::Attribute(n) => format!(
                    "compare it with a value, like `{} == {}`",
                    n.text,
                    super::query::example(ty).split(" or ").next().unwrap_or("")
                ),
                _ => "a condition compares values, like `country == \"US\"`".to_string(),
            };
            self.error(
                Diagnostic::new(
                    Code::NotACondition,
                    format!(
                        "a condition must be true or false, but this is {}",
                        ty.with_article()
                    ),
                )
                .at(e.span, format!("{ty}, not bool"))
                .help(hint),
            );
            return None;
        }
        Some(expr)
    }

    /// `channel == web`: a word that names nothing, compared with a text
    /// attribute, was meant as text. Reports it so (true), or leaves it
    /// to the usual checks (false).
    fn unquoted_text(&mut self, word: &ast::Expr, other: &ast::Expr) -> bool {
        let (ast::ExprKind::Attribute(word), ast::ExprKind::Attribute(attr)) =
            (&word.kind, &other.kind)
        else {
            return false;
        };
        let vocab = &self.vocab;
        let names_something = vocab.attribute(&word.text).is_some()
            || vocab.constants.iter().any(|c| c.name == word.text)
            || vocab.list(&word.text).is_some();
        let text_attribute = vocab
            .attribute(&attr.text)
            .is_some_and(|a| vocab.attributes[a].ty == Type::Text);
        // a word one edit from an attribute is a misspelt attribute
        let misspelt = closest_hint(&word.text, vocab.attributes.iter().map(|a| a.name.as_str()));
        if names_something || !text_attribute || misspelt.is_some() {
            return false;
        }
        self.error(
            Diagnostic::new(
                Code::UndeclaredAttribute,
                format!("undeclared attribute `{}`", word.text),
            )
            .at(word.span, "not declared")
            .help(format!(
                "`{}` is text: to compare it with the text {w}, write it in double quotes: `\"{w}\"`",
                attr.text,
                w = word.text
            ))
            .fix(
                format!("write `\"{}\"`", word.text),
                word.span,
                format!("\"{}\"", word.text),
            ),
        );
        true
    }

    /// Checks an expression and returns it with its type; `None` after an
    /// error has been reported, so that one mistake gives one message.
    fn expr(&mut self, e: &ast::Expr) -> Option<(Expr, Type)> {
        let span = e.span;
        let (kind, ty) = match &e.kind {
            ast::ExprKind::Paren(inner) => return self.expr(inner),
            ast::ExprKind::Attribute(name) => match self.vocab.attribute(&name.text) {
                Some(i) => (ExprKind::Attribute(i), self.vocab.attributes[i].ty),
                None if self.vocab.constant(&name.text).is_some() => {
                    let i = self.vocab.constant(&name.text).expect("just found");
                    self.vocab.constants[i].used = true;
                    let value = self.vocab.constants[i].value.clone();
                    let ty = value.ty();
                    (ExprKind::Literal(value), ty)
                }
                // `date` is the query's date, unless the set declares a
                // name `date` of its own
                None if name.text == "date" => (ExprKind::QueryDate, Type::Date),
                None if self.vocab.list(&name.text).is_some() => {
                    self.error(
                        Diagnostic::new(
                            Code::NotAList,
                            format!("`{}` is a list, not a value", name.text),
                        )
                        .at(name.span, "a list")
                        .help(format!("look a value up in it: `x in {}`", name.text)),
                    );
                    return None;
                }
                None => {
                    let closest = suggest::closest(
                        &name.text,
                        self.vocab
                            .attributes
                            .iter()
                            .map(|a| a.name.as_str())
                            .chain(self.vocab.constants.iter().map(|c| c.name.as_str())),
                    );
                    let hint = closest.map(did_you_mean);
                    self.error(
                        Diagnostic::new(
                            Code::UndeclaredAttribute,
                            format!("undeclared attribute `{}`", name.text),
                        )
                        .at(name.span, "not declared")
                        .help(hint.unwrap_or_else(|| {
                            format!(
                                "declare it with its type, like `attribute {}: text`",
                                name.text
                            )
                        }))
                        .replace_with(closest),
                    );
                    return None;
                }
            },
            ast::ExprKind::Literal(lit) => {
                let value = self.literal_value(lit, span)?;
                let ty = value.ty();
                (ExprKind::Literal(value), ty)
            }
            ast::ExprKind::Offset(offset, base) => {
                let (base_expr, ty) = self.expr(base)?;
                if ty != Type::Date {
                    self.error(super::values::offset_of_non_date(base.span, ty));
                    return None;
                }
                let kind = match base_expr.kind {
                    // a date known now is moved now
                    ExprKind::Literal(Value::Date(d)) => {
                        ExprKind::Literal(Value::Date(self.shift(offset, d, span)?))
                    }
                    _ => ExprKind::Offset {
                        amount: self.offset_amount(offset)?,
                        unit: offset.unit,
                        before: offset.before,
                        base: Box::new(base_expr),
                    },
                };
                (kind, Type::Date)
            }
            ast::ExprKind::Match {
                negated,
                item,
                how,
                pattern,
            } => {
                let (item_expr, item_ty) = self.expr(item)?;
                let wanted = if *how == How::Network {
                    Type::Ip
                } else {
                    Type::Text
                };
                if item_ty != wanted {
                    let help = match (how, item_ty) {
                        (How::Network, Type::Text) => {
                            "to look text up, write a list: `in [\"RU\", \"BY\"]`; a network takes an attribute of type `ip`".to_string()
                        }
                        (How::Network, _) => format!(
                            "`in \"NETWORK\"` looks an IP address up; for {item_ty}, list the values: `in [a, b]`"
                        ),
                        _ => format!("`{}` matches text", how.words()),
                    };
                    self.error(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            format!(
                                "`{}` needs {}, but this is {}",
                                how.words(),
                                wanted.with_article(),
                                item_ty.with_article()
                            ),
                        )
                        .at(item.span, format!("this is {}", item_ty.with_article()))
                        .help(help),
                    );
                    return None;
                }
                let key = (*how, pattern.value.clone());
                let known = self.patterns.get(&key).cloned();
                let compiled = match known.map_or_else(|| Pattern::new(*how, &pattern.value), Ok) {
                    Ok(p) => {
                        self.patterns.entry(key).or_insert_with(|| p.clone());
                        p
                    }
                    Err(message) => {
                        self.error(
                            Diagnostic::new(Code::BadPattern, message)
                                .at(pattern.span, "this pattern")
                                .help(pattern_help(*how)),
                        );
                        return None;
                    }
                };
                (
                    ExprKind::Match {
                        negated: *negated,
                        item: Box::new(item_expr),
                        pattern: Box::new(compiled),
                    },
                    Type::Bool,
                )
            }
            ast::ExprKind::InList {
                negated,
                item,
                list,
            } => {
                let (item_expr, item_ty) = self.expr(item)?;
                let Some(i) = self.vocab.list(&list.text) else {
                    let closest = suggest::closest(
                        &list.text,
                        self.vocab.lists.iter().map(|l| l.name.as_str()),
                    );
                    let hint = closest.map(did_you_mean);
                    self.error(
                        Diagnostic::new(
                            Code::NotAList,
                            format!("no list is named `{}`", list.text),
                        )
                        .at(list.span, "not a declared list")
                        .help(hint.unwrap_or_else(|| {
                            let example = match item_ty {
                                Type::Text => "[\"a\", \"b\"]",
                                Type::Number => "[1, 2]",
                                Type::Bool => "[true]",
                                Type::Date => "[2021-03-31, 2022-06-03]",
                                Type::Ip => "[\"10.0.0.1\"]",
                            };
                            format!(
                                "declare it, like `list {}: {item_ty} = [...]`, or write the values: `in {example}`",
                                list.text
                            )
                        }))
                        .replace_with(closest),
                    );
                    return None;
                };
                let declared = &mut self.vocab.lists[i];
                declared.used = true;
                if declared.ty != item_ty {
                    let list_ty = declared.ty;
                    let declared_span = declared.span;
                    self.error(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            format!(
                                "cannot look for {} in a list of {}",
                                item_ty.with_article(),
                                list_ty
                            ),
                        )
                        .at(list.span, format!("a list of {list_ty}"))
                        .note(item.span, format!("this is {}", item_ty.with_article()))
                        .note(declared_span, "the list is declared here")
                        .help(
                            "every element of the list must have the type of the value looked for",
                        ),
                    );
                    return None;
                }
                let items = declared
                    .items
                    .iter()
                    .map(|v| Expr {
                        kind: ExprKind::Literal(v.clone()),
                        span: list.span,
                    })
                    .collect();
                (
                    ExprKind::In {
                        negated: *negated,
                        item: Box::new(item_expr),
                        list: items,
                    },
                    Type::Bool,
                )
            }
            ast::ExprKind::Not(inner) => (
                ExprKind::Not(Box::new(self.bool_operand(inner, "not")?)),
                Type::Bool,
            ),
            ast::ExprKind::And(parts) | ast::ExprKind::Or(parts) => {
                let word = if matches!(e.kind, ast::ExprKind::And(_)) {
                    "and"
                } else {
                    "or"
                };
                let checked: Vec<Option<Expr>> =
                    parts.iter().map(|p| self.bool_operand(p, word)).collect();
                let checked: Option<Vec<Expr>> = checked.into_iter().collect();
                let checked = checked?;
                let kind = if word == "and" {
                    ExprKind::And(checked)
                } else {
                    ExprKind::Or(checked)
                };
                (kind, Type::Bool)
            }
            ast::ExprKind::Compare(op, l, r) => {
                if self.unquoted_text(l, r) || self.unquoted_text(r, l) {
                    return None;
                }
                let left = self.expr(l);
                let right = self.expr(r);
                let ((left, lt), (right, rt)) = (left?, right?);
                // an IP address is written as text: `source == "10.0.0.1"`
                let (left, lt) = as_ip(left, lt, rt);
                let (right, rt) = as_ip(right, rt, lt);
                if lt != rt {
                    let quoted_date =
                        [(l, lt, rt), (r, rt, lt)]
                            .into_iter()
                            .find_map(|(side, ty, other)| match &side.kind {
                                ast::ExprKind::Literal(Literal::Text(t))
                                    if ty == Type::Text
                                        && other == Type::Date
                                        && parse_date(t).is_ok() =>
                                {
                                    Some(format!("dates are written without quotes: `{t}`"))
                                }
                                ast::ExprKind::Literal(Literal::Text(t)) if other == Type::Ip => {
                                    crate::pattern::parse_ip(t).err()
                                }
                                _ => None,
                            });
                    self.error(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            format!(
                                "cannot compare {} with {}",
                                lt.with_article(),
                                rt.with_article()
                            ),
                        )
                        .at(r.span, format!("this is {}", rt.with_article()))
                        .note(l.span, format!("this is {}", lt.with_article()))
                        .help(quoted_date.unwrap_or_else(|| {
                            format!("both sides of `{}` must have the same type", op.as_str())
                        })),
                    );
                    return None;
                }
                if op.is_ordering() && !lt.is_ordered() {
                    self.error(
                        Diagnostic::new(Code::NoOrder, format!("`{}` cannot order {} values", op.as_str(), lt))
                            .at(span, format!("{lt} has no order"))
                            .help("`<`, `<=`, `>` and `>=` compare numbers and dates; use `==` or `!=` here"),
                    );
                    return None;
                }
                (
                    ExprKind::Compare(*op, Box::new(left), Box::new(right)),
                    Type::Bool,
                )
            }
            ast::ExprKind::In {
                negated,
                item,
                list,
            } => {
                let (item_expr, item_ty) = self.expr(item)?;
                let mut checked = Vec::with_capacity(list.len());
                let mut ok = true;
                for element in list {
                    // `channel in [web, app]`: words meant as text
                    if self.unquoted_text(element, item) {
                        ok = false;
                        continue;
                    }
                    match self.expr(element) {
                        Some((el, ty)) if as_ip(el.clone(), ty, item_ty).1 == item_ty => {
                            checked.push(as_ip(el, ty, item_ty).0)
                        }
                        Some((_, ty)) => {
                            ok = false;
                            self.error(
                                Diagnostic::new(Code::TypeMismatch, format!("cannot look for {} in a list holding {}", item_ty.with_article(), ty.with_article()))
                                    .at(element.span, format!("this is {}", ty.with_article()))
                                    .note(item.span, format!("this is {}", item_ty.with_article()))
                                    .help("every element of the list must have the type of the value looked for"),
                            );
                        }
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                (
                    ExprKind::In {
                        negated: *negated,
                        item: Box::new(item_expr),
                        list: checked,
                    },
                    Type::Bool,
                )
            }
        };
        Some((Expr { kind, span }, ty))
    }

    fn bool_operand(&mut self, e: &ast::Expr, word: &str) -> Option<Expr> {
        let (expr, ty) = self.expr(e)?;
        if ty != Type::Bool {
            self.error(
                Diagnostic::new(
                    Code::NotACondition,
                    format!(
                        "`{word}` needs true or false, but this is {}",
                        ty.with_article()
                    ),
                )
                .at(e.span, format!("{ty}, not bool"))
                .help("compare it with a value first, like `country == \"US\"`"),
            );
            return None;
        }
        Some(expr)
    }

    pub(super) fn date(
        &mut self,
        text: &str,
        span: crate::source::Span,
    ) -> Option<chrono::NaiveDate> {
        match parse_date(text) {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(
                    Diagnostic::new(Code::NotADate, format!("`{text}` is not a date"))
                        .at(span, "not a date")
                        .help(e.help),
                );
                None
            }
        }
    }
}

/// What a pattern of each kind looks like.
fn pattern_help(how: How) -> &'static str {
    match how {
        How::Glob => {
            "a glob matches the whole text: `*` any characters, `?` one, like \"/data1/*\""
        }
        How::Path => "a path pattern: `:name` one segment, `*` the rest, like \"/res/:id/*\"",
        How::Regex => {
            "write a regular expression of the `regex` crate's syntax, like \"^curl/[0-9]+\""
        }
        How::Network => {
            "write a network in CIDR form, like \"10.0.0.0/8\" or \"2001:db8::/32\", or one address"
        }
    }
}

/// A text literal that is an IP address, as an address, where it meets one
/// (`other` is the type on the other side); anything else as it is.
fn as_ip(e: Expr, ty: Type, other: Type) -> (Expr, Type) {
    if let (ExprKind::Literal(Value::Text(t)), Type::Ip) = (&e.kind, other) {
        if let Ok(address) = crate::pattern::parse_ip(t) {
            let span = e.span;
            return (
                Expr {
                    kind: ExprKind::Literal(Value::Ip(address)),
                    span,
                },
                Type::Ip,
            );
        }
    }
    (e, ty)
}
