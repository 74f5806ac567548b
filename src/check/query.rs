//! Checking a query, from its text form, its JSON form or a test, against
//! the set's vocabulary.

use std::borrow::Cow;

use chrono::NaiveDate;

use super::{did_you_mean, suggest, undeclared};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{NameId, Query, QueryNames, Vocabulary};
use crate::source::Span;
use crate::syntax::ast::{self, Kind, Literal};
use crate::value::{parse_date, Type, Value};

/// A part of a query before checking, with its place when it has one.
#[derive(Debug, Clone)]
pub struct Field<'a> {
    /// Borrowed from the query's text where it can be.
    pub text: Cow<'a, str>,
    pub span: Option<Span>,
}

/// A query before checking.
#[derive(Debug, Clone)]
pub struct RawQuery<'a> {
    pub action: Field<'a>,
    pub actor: Field<'a>,
    pub category: Option<Field<'a>>,
    pub date: Option<Field<'a>>,
    pub attributes: Vec<(Field<'a>, Literal, Option<Span>)>,
}

impl<'a> RawQuery<'a> {
    /// The query in its text form.
    pub fn to_text(&self) -> String {
        let name = |f: &Field| crate::syntax::written_name(&f.text).into_owned();
        let mut out = format!("{} by {}", name(&self.action), name(&self.actor));
        if let Some(c) = &self.category {
            out.push_str(&format!(" to category {}", name(c)));
        }
        if let Some(d) = &self.date {
            out.push_str(&format!(" on {}", d.text));
        }
        for (i, (name, value, _)) in self.attributes.iter().enumerate() {
            out.push_str(if i == 0 { " with " } else { ", " });
            out.push_str(&format!(
                "{} = {}",
                crate::syntax::written_name(&name.text),
                literal_text(value)
            ));
        }
        out
    }

    pub fn from_ast(q: &'a ast::Query) -> RawQuery<'a> {
        let field = |n: &'a ast::Name| Field {
            text: Cow::Borrowed(n.text.as_str()),
            span: Some(n.span),
        };
        RawQuery {
            action: field(&q.action),
            actor: field(&q.actor),
            category: q.category.as_ref().map(field),
            date: q.date.as_ref().map(|d| Field {
                text: Cow::Borrowed(d.text.as_str()),
                span: Some(d.span),
            }),
            attributes: q
                .attributes
                .iter()
                .map(|b| (field(&b.name), b.value.clone(), Some(b.value_span)))
                .collect(),
        }
    }
}

fn at(d: Diagnostic, span: Option<Span>, label: &str) -> Diagnostic {
    match span {
        Some(s) => d.at(s, label),
        None => d,
    }
}

/// Checks a query; `today` is its date when it gives none. Every problem is
/// reported, not just the first.
pub fn check_query(
    vocab: &Vocabulary,
    raw: &RawQuery,
    today: NaiveDate,
) -> Result<Query, Vec<Diagnostic>> {
    check_query_owned(vocab, raw.clone(), today)
}

/// [`check_query`], taking the query's values rather than copying them.
pub fn check_query_owned(
    vocab: &Vocabulary,
    mut raw: RawQuery,
    today: NaiveDate,
) -> Result<Query, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let name = |kind: Kind, f: &Field, errors: &mut Vec<Diagnostic>| {
        check_name(vocab, kind, &f.text, f.span, errors)
    };
    let action = name(Kind::Action, &raw.action, &mut errors);
    let actor = name(Kind::Actor, &raw.actor, &mut errors);
    let category = raw
        .category
        .as_ref()
        .map(|c| name(Kind::Category, c, &mut errors));
    let date = match &raw.date {
        None => today,
        Some(f) => check_date(f, &mut errors).unwrap_or(today),
    };
    let attributes = check_bindings(vocab, std::mem::take(&mut raw.attributes), &mut errors);
    if errors.is_empty() {
        Ok(Query {
            action,
            actor,
            category,
            date,
            attributes,
            strangers: QueryNames {
                action: action.is_none().then(|| raw.action.text.to_string()),
                actor: actor.is_none().then(|| raw.actor.text.to_string()),
                category: category
                    .flatten()
                    .is_none()
                    .then(|| raw.category.as_ref().map(|c| c.text.to_string()))
                    .flatten(),
            },
        })
    } else {
        Err(errors)
    }
}

/// A query's date, or why it is not one.
pub(super) fn check_date(f: &Field, errors: &mut Vec<Diagnostic>) -> Option<NaiveDate> {
    match parse_date(&f.text) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.push(
                at(
                    Diagnostic::new(Code::NotADate, format!("`{}` is not a date", f.text)),
                    f.span,
                    "not a date",
                )
                .help(e.help),
            );
            None
        }
    }
}

/// A query's `with` values, by attribute index.
pub(super) fn check_bindings(
    vocab: &Vocabulary,
    bindings: Vec<(Field, Literal, Option<Span>)>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Option<Value>> {
    let mut attributes: Vec<Option<Value>> = std::iter::repeat_with(|| None)
        .take(vocab.attributes.len())
        .collect();
    for (field, literal, value_span) in bindings {
        let Some(index) = vocab.attribute(&field.text) else {
            let d = Diagnostic::new(
                Code::UndeclaredAttribute,
                format!("undeclared attribute `{}`", field.text),
            );
            let closest = suggest::closest(
                &field.text,
                vocab.attributes.iter().map(|a| a.name.as_str()),
            );
            let hint = closest.map(did_you_mean);
            errors.push(
                at(d, field.span, "not declared")
                    .help(hint.unwrap_or_else(|| {
                        format!(
                            "declare it with its type, like `attribute {}: text`",
                            field.text
                        )
                    }))
                    .replace_with(closest),
            );
            continue;
        };
        let attribute = &vocab.attributes[index];
        if attributes[index].is_some() {
            errors.push(at(
                Diagnostic::new(
                    Code::BadQuery,
                    format!("attribute `{}` is given twice", field.text),
                ),
                field.span,
                "again here",
            ));
            continue;
        }
        match coerce(&field.text, literal, attribute.ty) {
            Ok(v) => attributes[index] = Some(v),
            Err(d) => errors.push(at(
                d,
                value_span,
                &format!("`{}` is {}", field.text, attribute.ty.with_article()),
            )),
        }
    }
    attributes
}

/// A query's name of `kind`: its id, `None` for a name of an open kind that
/// no rule mentions, or an error for an undeclared name of a closed kind.
pub(super) fn check_name(
    vocab: &Vocabulary,
    kind: Kind,
    text: &str,
    span: Option<Span>,
    errors: &mut Vec<Diagnostic>,
) -> Option<NameId> {
    let names = vocab.names(kind);
    match names.find(text) {
        Some((id, declared)) if !names.closed || declared => Some(id),
        _ if !names.closed => None,
        _ => {
            errors.push(undeclared(vocab, kind, text, span));
            None
        }
    }
}

/// Puts a program's attribute value in its place among `attributes` (one a
/// declared attribute), or says why it cannot go there.
pub fn place_attribute(
    vocab: &Vocabulary,
    attributes: &mut [Option<Value>],
    name: &str,
    value: Value,
) -> Result<(), Diagnostic> {
    let Some(index) = vocab.attribute(name) else {
        return Err(Diagnostic::new(
            Code::UndeclaredAttribute,
            format!("undeclared attribute `{name}`"),
        ));
    };
    let ty = vocab.attributes[index].ty;
    // an IP address may be given as its text, as in the other forms
    let value = match value {
        Value::Text(t) if ty == Type::Ip => Value::Ip(
            crate::pattern::parse_ip(&t).map_err(|e| Diagnostic::new(Code::AttributeType, e))?,
        ),
        other => other,
    };
    if attributes[index].is_some() {
        Err(Diagnostic::new(
            Code::BadQuery,
            format!("attribute `{name}` is given twice"),
        ))
    } else if value.ty() != ty {
        Err(Diagnostic::new(
            Code::AttributeType,
            format!(
                "attribute `{name}` is {}, not {}",
                ty.with_article(),
                value.ty().with_article()
            ),
        ))
    } else {
        attributes[index] = Some(value);
        Ok(())
    }
}

/// A query from its parts as a program gives them: names, a date, and the
/// attributes already placed by [`place_attribute`] (with the errors that
/// placing them gave). Checked as [`check_query`] checks, without text to
/// parse.
pub fn check_parts(
    vocab: &Vocabulary,
    (action, actor, category): (&str, &str, Option<&str>),
    date: NaiveDate,
    attributes: Vec<Option<Value>>,
    placing: Vec<Diagnostic>,
) -> Result<Query, Vec<Diagnostic>> {
    // names first, as the other forms report them
    let mut errors = Vec::new();
    let action_id = check_name(vocab, Kind::Action, action, None, &mut errors);
    let actor_id = check_name(vocab, Kind::Actor, actor, None, &mut errors);
    let category_id = category.map(|c| check_name(vocab, Kind::Category, c, None, &mut errors));
    errors.extend(placing);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Query {
        action: action_id,
        actor: actor_id,
        category: category_id,
        date,
        attributes,
        strangers: QueryNames {
            action: action_id.is_none().then(|| action.to_string()),
            actor: actor_id.is_none().then(|| actor.to_string()),
            category: category_id
                .flatten()
                .is_none()
                .then(|| category.map(str::to_string))
                .flatten(),
        },
    })
}

/// A literal as it is written in a policy.
pub(crate) fn literal_text(literal: &Literal) -> String {
    match literal {
        Literal::Text(t) => Value::Text(t.clone()).to_string(),
        Literal::Number(n) => n.to_string(),
        Literal::Bool(b) => b.to_string(),
        Literal::Date(d) => d.clone(),
    }
}

/// A literal as a value of the attribute's type. Text that is a date is
/// accepted for a date attribute, since JSON has no dates; an IP address
/// is always given as text.
fn coerce(name: &str, literal: Literal, ty: Type) -> Result<Value, Diagnostic> {
    let given = match literal {
        Literal::Text(t) if ty == Type::Ip => {
            return crate::pattern::parse_ip(&t)
                .map(Value::Ip)
                .map_err(|e| Diagnostic::new(Code::AttributeType, e))
        }
        Literal::Text(t) if ty == Type::Date => {
            return parse_date(&t).map(Value::Date).map_err(|e| {
                Diagnostic::new(Code::NotADate, format!("`{t}` is not a date")).help(e.help)
            })
        }
        Literal::Date(d) => match parse_date(&d) {
            Ok(date) => Value::Date(date),
            Err(e) => {
                return Err(
                    Diagnostic::new(Code::NotADate, format!("`{d}` is not a date")).help(e.help),
                )
            }
        },
        Literal::Text(t) => Value::Text(t),
        Literal::Number(n) => Value::Number(n),
        Literal::Bool(b) => Value::Bool(b),
    };
    if given.ty() == ty {
        Ok(given)
    } else {
        Err(Diagnostic::new(
            Code::AttributeType,
            format!(
                "attribute `{name}` is {}, not {}",
                ty.with_article(),
                given.ty().with_article()
            ),
        )
        .help(format!(
            "give it {}, like {}",
            ty.with_article(),
            example(ty)
        )))
    }
}

pub(crate) fn example(ty: Type) -> &'static str {
    match ty {
        Type::Text => "\"RU\"",
        Type::Number => "12 or 2.5",
        Type::Bool => "true",
        Type::Date => "2021-03-31",
        Type::Ip => "\"10.0.0.1\"",
    }
}
