//! Moving a parsed statement to where its text now is: another file, or
//! further along the same one. A statement's meaning depends only on its
//! text, so a statement parsed once can be reused wherever the same text
//! turns up again, its spans moved (see [`super::cache`]).

use super::ast::*;
use crate::source::{FileId, Span};

/// Moves every span of a node into `file`, `delta` bytes along.
pub trait Rebase {
    fn rebase(&mut self, file: FileId, delta: i64);
}

impl Rebase for Span {
    fn rebase(&mut self, file: FileId, delta: i64) {
        let moved = |n: usize| usize::try_from(n as i64 + delta).unwrap_or(0);
        *self = Span::new(file, moved(self.start()), moved(self.end()));
    }
}

impl<T: Rebase> Rebase for Vec<T> {
    fn rebase(&mut self, file: FileId, delta: i64) {
        for item in self {
            item.rebase(file, delta);
        }
    }
}

impl<T: Rebase> Rebase for Option<T> {
    fn rebase(&mut self, file: FileId, delta: i64) {
        if let Some(item) = self {
            item.rebase(file, delta);
        }
    }
}

impl<T: Rebase> Rebase for Box<T> {
    fn rebase(&mut self, file: FileId, delta: i64) {
        (**self).rebase(file, delta);
    }
}

impl<T: Rebase> Rebase for Clause<T> {
    fn rebase(&mut self, file: FileId, delta: i64) {
        self.value.rebase(file, delta);
        self.span.rebase(file, delta);
    }
}

/// Nodes whose only spans are the fields named.
macro_rules! rebase_fields {
    ($($node:ty: $($field:ident),+;)*) => {
        $(impl Rebase for $node {
            fn rebase(&mut self, file: FileId, delta: i64) {
                $(self.$field.rebase(file, delta);)+
            }
        })*
    };
}

rebase_fields! {
    Name: span;
    Text: span;
    DateLit: span;
    NamesDecl: names, parents, time, where_, span;
    AttributesDecl: attributes, span;
    AttributeDef: name, ty_span;
    DefaultDecl: span;
    ListDecl: name, ty_span, items, span;
    ConstantDecl: name, ty_span, value, span;
    CombineDecl: span;
    Rule: label, effect_span, actions, actors, categories, time, where_, unless, because,
        priority, exempts, span;
    TimeBound: date, end, span;
    BoundDate: offset, base, span;
    Offset: span;
    Expr: kind, span;
    Test: name, expectations, span;
    Expectation: query, span;
    Query: action, actor, category, date, attributes, span;
    Binding: name, value_span;
}

/// Leaves without spans.
macro_rules! no_spans {
    ($($node:ty),*) => {
        $(impl Rebase for $node {
            fn rebase(&mut self, _: FileId, _: i64) {}
        })*
    };
}

no_spans!(crate::value::Number, Literal);

impl Rebase for Statement {
    fn rebase(&mut self, file: FileId, delta: i64) {
        match self {
            Statement::Names(d) => d.rebase(file, delta),
            Statement::Attributes(d) => d.rebase(file, delta),
            Statement::Default(d) => d.rebase(file, delta),
            Statement::List(d) => d.rebase(file, delta),
            Statement::Constant(d) => d.rebase(file, delta),
            Statement::Combine(d) => d.rebase(file, delta),
            Statement::Rule(r) => r.rebase(file, delta),
            Statement::Test(t) => t.rebase(file, delta),
        }
    }
}

impl Rebase for Scope {
    fn rebase(&mut self, file: FileId, delta: i64) {
        match self {
            Scope::Any(span) => span.rebase(file, delta),
            Scope::Names(names) => names.rebase(file, delta),
        }
    }
}

impl Rebase for DateBase {
    fn rebase(&mut self, file: FileId, delta: i64) {
        match self {
            DateBase::Written(d) => d.rebase(file, delta),
            DateBase::Constant(n) => n.rebase(file, delta),
        }
    }
}

impl Rebase for ExprKind {
    fn rebase(&mut self, file: FileId, delta: i64) {
        match self {
            ExprKind::Or(items) | ExprKind::And(items) => items.rebase(file, delta),
            ExprKind::Not(e) | ExprKind::Paren(e) => e.rebase(file, delta),
            ExprKind::Compare(_, a, b) => {
                a.rebase(file, delta);
                b.rebase(file, delta);
            }
            ExprKind::In { item, list, .. } => {
                item.rebase(file, delta);
                list.rebase(file, delta);
            }
            ExprKind::InList { item, list, .. } => {
                item.rebase(file, delta);
                list.rebase(file, delta);
            }
            ExprKind::Offset(offset, e) => {
                offset.rebase(file, delta);
                e.rebase(file, delta);
            }
            ExprKind::Match { item, pattern, .. } => {
                item.rebase(file, delta);
                pattern.rebase(file, delta);
            }
            ExprKind::Attribute(name) => name.rebase(file, delta),
            ExprKind::Literal(_) => {}
        }
    }
}
