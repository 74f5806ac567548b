//! Named values: constants and lists, worked out when the set is read, and
//! the dates of time bounds, which may name a constant or move a date by an
//! offset. A constant or a list stands for its value wherever it is used, so
//! the stages after the checker see literals and need nothing new.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{did_you_mean, suggest, Checker};
use crate::calendar;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Constant, NamedList};
use crate::source::Span;
use crate::syntax::ast::{self, BoundDate, DateBase, Literal, Statement};
use crate::value::{Type, Value};

/// A constant while the declarations are read: not yet worked out, being
/// worked out (reading it again is a loop), or done.
enum Pending<'a> {
    Waiting(&'a ast::ConstantDecl),
    Working,
    Done(Option<usize>),
}

impl Checker {
    /// Takes in every `constant` and `list` declaration. Constants may name
    /// each other, in any order; a loop among them is an error.
    pub(super) fn named_values(&mut self, statements: &[&Statement]) {
        let mut pending: HashMap<String, Pending> = HashMap::new();
        let mut order = Vec::new();
        for s in statements {
            if let Statement::Constant(c) = s {
                if self.name_taken(&c.name) {
                    continue;
                }
                if pending.contains_key(&c.name.text) {
                    let first = self.first_constant_span(&pending, &c.name.text);
                    self.error(duplicate("constant", &c.name, first));
                    continue;
                }
                pending.insert(c.name.text.clone(), Pending::Waiting(c));
                order.push(c.name.text.clone());
            }
        }
        for name in &order {
            self.resolve_constant(name, &mut pending);
        }
        for s in statements {
            if let Statement::List(l) = s {
                if self.name_taken(&l.name) || pending.contains_key(&l.name.text) {
                    let first = self.declared_span(&l.name.text, &pending);
                    self.error(duplicate("list", &l.name, first));
                    continue;
                }
                let items: Vec<Option<Value>> = l
                    .items
                    .iter()
                    .map(|item| self.constant_of_type(item, l.ty, &mut pending))
                    .collect();
                // a list with a bad item is still declared, so that its uses
                // do not each report it again
                let items = items.into_iter().flatten().collect();
                self.vocab.lists.push(NamedList {
                    name: l.name.text.clone(),
                    ty: l.ty,
                    items,
                    span: l.name.span,
                    used: false,
                });
            }
        }
    }

    /// Whether an attribute or a list already has the name (reported).
    fn name_taken(&mut self, name: &ast::Name) -> bool {
        let first = self
            .vocab
            .attribute(&name.text)
            .map(|i| self.vocab.attributes[i].span)
            .or_else(|| {
                self.vocab
                    .list(&name.text)
                    .map(|i| self.vocab.lists[i].span)
            });
        match first {
            Some(first) => {
                self.error(duplicate("name", name, first));
                true
            }
            None => false,
        }
    }

    fn first_constant_span(&self, pending: &HashMap<String, Pending>, name: &str) -> Span {
        match pending.get(name) {
            Some(Pending::Waiting(c)) => c.name.span,
            Some(Pending::Done(Some(i))) => self.vocab.constants[*i].span,
            _ => Span::new(0, 0, 0),
        }
    }

    fn declared_span(&self, name: &str, pending: &HashMap<String, Pending>) -> Span {
        self.vocab
            .attribute(name)
            .map(|i| self.vocab.attributes[i].span)
            .or_else(|| self.vocab.list(name).map(|i| self.vocab.lists[i].span))
            .unwrap_or_else(|| self.first_constant_span(pending, name))
    }

    /// Works out a constant (and the constants it names) once.
    fn resolve_constant(
        &mut self,
        name: &str,
        pending: &mut HashMap<String, Pending>,
    ) -> Option<usize> {
        let decl = match pending.get(name) {
            Some(Pending::Waiting(c)) => *c,
            Some(Pending::Done(done)) => return *done,
            Some(Pending::Working) | None => return None,
        };
        pending.insert(name.to_string(), Pending::Working);
        let value = self.constant_of_type(&decl.value, decl.ty, pending);
        let done = value.map(|value| {
            self.vocab.constants.push(Constant {
                name: decl.name.text.clone(),
                value,
                span: decl.name.span,
                used: false,
            });
            self.vocab.constants.len() - 1
        });
        pending.insert(name.to_string(), Pending::Done(done));
        done
    }

    /// A constant expression's value, which must have type `ty`.
    fn constant_of_type(
        &mut self,
        e: &ast::Expr,
        ty: Type,
        pending: &mut HashMap<String, Pending>,
    ) -> Option<Value> {
        let value = self.constant_value(e, pending)?;
        if value.ty() != ty {
            self.error(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!(
                        "this is {}, but {} was declared",
                        value.ty().with_article(),
                        ty.with_article()
                    ),
                )
                .at(e.span, format!("this is {}", value.ty().with_article()))
                .help(format!(
                    "write {} here, or declare another type",
                    ty.with_article()
                )),
            );
            return None;
        }
        Some(value)
    }

    /// The value of an expression known when the set is read: a literal, a
    /// constant, or an offset of a date among them.
    fn constant_value(
        &mut self,
        e: &ast::Expr,
        pending: &mut HashMap<String, Pending>,
    ) -> Option<Value> {
        match &e.kind {
            ast::ExprKind::Paren(inner) => self.constant_value(inner, pending),
            ast::ExprKind::Literal(lit) => self.literal_value(lit, e.span),
            ast::ExprKind::Attribute(name) => {
                if matches!(pending.get(&name.text), Some(Pending::Working)) {
                    self.error(
                        Diagnostic::new(
                            Code::NotConstant,
                            format!("constant `{}` is defined by itself", name.text),
                        )
                        .at(name.span, "read while it is being worked out")
                        .help("give one of the constants in the loop a value of its own"),
                    );
                    return None;
                }
                if let Some(i) = self.resolve_constant(&name.text, pending) {
                    self.vocab.constants[i].used = true;
                    return Some(self.vocab.constants[i].value.clone());
                }
                if pending.contains_key(&name.text) {
                    // a constant whose own value had an error, reported there
                    return None;
                }
                self.error(not_constant(e.span, &name.text));
                None
            }
            ast::ExprKind::Offset(offset, base) => {
                let base_value = self.constant_value(base, pending)?;
                let Value::Date(date) = base_value else {
                    self.error(offset_of_non_date(base.span, base_value.ty()));
                    return None;
                };
                self.shift(offset, date, e.span).map(Value::Date)
            }
            _ => {
                self.error(not_constant(e.span, "this"));
                None
            }
        }
    }

    /// A literal's value; dates must exist.
    pub(super) fn literal_value(&mut self, lit: &Literal, span: Span) -> Option<Value> {
        Some(match lit {
            Literal::Text(t) => Value::Text(t.clone()),
            Literal::Number(n) => Value::Number(n.clone()),
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Date(d) => Value::Date(self.date(d, span)?),
        })
    }

    /// An offset's whole number of units, or an error.
    pub(super) fn offset_amount(&mut self, offset: &ast::Offset) -> Option<u32> {
        let amount = offset
            .amount
            .to_i64()
            .filter(|&n| (0..=i64::from(calendar::MAX_AMOUNT)).contains(&n));
        if amount.is_none() {
            self.error(
                Diagnostic::new(
                    Code::BadOffset,
                    format!(
                        "an offset counts whole {}, from 0 to {}",
                        offset.unit_plural(),
                        calendar::MAX_AMOUNT
                    ),
                )
                .at(offset.span, "not a whole number in range")
                .help("write a whole number, like `90 days after 2022-06-03`"),
            );
        }
        amount.map(|n| n as u32)
    }

    /// `date` moved by `offset`, or an error when that leaves the calendar.
    pub(super) fn shift(
        &mut self,
        offset: &ast::Offset,
        date: NaiveDate,
        span: Span,
    ) -> Option<NaiveDate> {
        let amount = self.offset_amount(offset)?;
        let shifted = calendar::shift(date, amount, offset.unit, offset.before);
        if shifted.is_none() {
            self.error(
                Diagnostic::new(Code::BadOffset, "this date is past the calendar")
                    .at(span, "no such date")
                    .help("dates run from the year -262143 to 262142"),
            );
        }
        shifted
    }

    /// The date of a time bound: written, or a date constant, perhaps moved
    /// by an offset.
    pub(super) fn bound_date(&mut self, bound: &BoundDate) -> Option<NaiveDate> {
        let date = match &bound.base {
            DateBase::Written(d) => self.date(&d.text, d.span)?,
            DateBase::Constant(name) => self.date_constant(name)?,
        };
        match &bound.offset {
            None => Some(date),
            Some(offset) => self.shift(offset, date, bound.span),
        }
    }

    fn date_constant(&mut self, name: &ast::Name) -> Option<NaiveDate> {
        match self.vocab.constant(&name.text) {
            Some(i) => {
                self.vocab.constants[i].used = true;
                match self.vocab.constants[i].value {
                    Value::Date(d) => Some(d),
                    ref other => {
                        let ty = other.ty();
                        self.error(
                            Diagnostic::new(
                                Code::TypeMismatch,
                                format!(
                                    "a time bound needs a date, but `{}` is {}",
                                    name.text,
                                    ty.with_article()
                                ),
                            )
                            .at(name.span, format!("{ty}, not date"))
                            .help("bound the window with a date, or a constant of type `date`"),
                        );
                        None
                    }
                }
            }
            None => {
                let closest = suggest::closest(
                    &name.text,
                    self.vocab
                        .constants
                        .iter()
                        .filter(|c| c.value.ty() == Type::Date)
                        .map(|c| c.name.as_str()),
                );
                let hint = closest.map(did_you_mean);
                self.error(
                    Diagnostic::new(
                        Code::NotConstant,
                        format!("`{}` is not a date constant", name.text),
                    )
                    .at(name.span, "not a declared date constant")
                    .help(hint.unwrap_or_else(|| {
                        format!(
                            "a time bound takes a date, like 2021-03-31, or a constant: `constant {}: date = 2021-03-31`",
                            name.text
                        )
                    }))
                    .replace_with(closest),
                );
                None
            }
        }
    }
}

impl ast::Offset {
    fn unit_plural(&self) -> &'static str {
        self.unit.word(2)
    }
}

fn duplicate(what: &str, name: &ast::Name, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateDeclaration,
        format!("{what} `{}` is declared twice", name.text),
    )
    .at(name.span, "declared again here")
    .note(first, "first declared here")
    .help("attributes, constants and lists share one set of names: give each its own")
}

fn not_constant(span: Span, what: &str) -> Diagnostic {
    let subject = if what == "this" {
        "this".to_string()
    } else {
        format!("`{what}`")
    };
    Diagnostic::new(
        Code::NotConstant,
        format!("{subject} is not known when the set is read"),
    )
    .at(span, "not a literal or a constant")
    .help("a constant or a list item is a literal, another constant, or a date offset of one")
}

pub(super) fn offset_of_non_date(span: Span, ty: Type) -> Diagnostic {
    Diagnostic::new(
        Code::TypeMismatch,
        format!("an offset moves a date, but this is {}", ty.with_article()),
    )
    .at(span, format!("{ty}, not date"))
    .help("write a date, a date attribute or `date` (the query's date) after `after` or `before`")
}
