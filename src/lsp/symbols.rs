//! Where every name of a set is declared and used: the index behind
//! hover, go to definition, references, rename, semantic tokens and the
//! outline.
//!
//! It is built from the syntax tree of every file, so it holds for a set
//! with errors too, as far as its statements parse: a user renames a name
//! in a half-written file as readily as in a finished one.

use std::collections::HashMap;

use crate::source::{FileId, Sources, Span};
use crate::syntax::ast::{self, BoundDate, DateBase, Expr, ExprKind, Kind, Scope, Statement};
use crate::value::Type;

/// What a word of a policy stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Symbol {
    /// An action, actor or category.
    Name(Kind, String),
    /// An attribute, a constant or a list: they share one set of names.
    Value(String),
    /// A rule, by its label.
    Rule(String),
}

impl Symbol {
    pub fn text(&self) -> &str {
        match self {
            Symbol::Name(_, t) | Symbol::Value(t) | Symbol::Rule(t) => t,
        }
    }
}

/// One place a symbol is written.
#[derive(Debug, Clone)]
pub struct Occurrence {
    pub span: Span,
    pub symbol: Symbol,
    pub declaration: bool,
    /// Whether it is written inside a rule (for "used by N rules").
    pub in_rule: Option<usize>,
}

/// Every statement of every file, and every occurrence of every symbol.
#[derive(Debug, Default)]
pub struct Index {
    /// The statements of each file, by file id.
    pub statements: Vec<Vec<Statement>>,
    /// The occurrences of each file, by start.
    occurrences: Vec<Vec<Occurrence>>,
    /// Per symbol, its occurrences as (file, index in that file's list).
    by_symbol: HashMap<Symbol, Vec<(FileId, usize)>>,
    /// The declared attributes, lists and constants, each as first declared.
    values: HashMap<String, ValueDecl>,
}

impl Index {
    /// Records the symbols of every file of `sources`, each parsed by
    /// `parse`.
    pub fn build(
        sources: &Sources,
        mut parse: impl FnMut(FileId, &str) -> Vec<Statement>,
    ) -> Index {
        let mut index = Index::default();
        for (id, file) in sources.iter() {
            let statements = parse(id, &file.text);
            for (name, decl) in statements.iter().flat_map(value_decls) {
                index.values.entry(name).or_insert(decl);
            }
            index.statements.push(statements);
        }
        let mut rule_number = 0;
        for statements in &index.statements {
            let mut found = Collect {
                out: Vec::new(),
                rule: None,
                values: &index.values,
            };
            for s in statements {
                if matches!(s, Statement::Rule(_)) {
                    found.rule = Some(rule_number);
                    rule_number += 1;
                }
                found.statement(s);
                found.rule = None;
            }
            let mut out = found.out;
            out.sort_by_key(|o| o.span.start());
            index.occurrences.push(out);
        }
        for (file, list) in index.occurrences.iter().enumerate() {
            for (i, o) in list.iter().enumerate() {
                index
                    .by_symbol
                    .entry(o.symbol.clone())
                    .or_default()
                    .push((file as FileId, i));
            }
        }
        index
    }

    /// The occurrence under a byte offset of a file (its end counts, so a
    /// cursor just after a word finds it).
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        let list = self.occurrences.get(file as usize)?;
        let i = list.partition_point(|o| o.span.end() < offset);
        list.get(i).filter(|o| o.span.start() <= offset)
    }

    /// The occurrences of one file, in order.
    pub fn in_file(&self, file: FileId) -> &[Occurrence] {
        self.occurrences.get(file as usize).map_or(&[], |l| l)
    }

    /// Every occurrence of a symbol, declarations first.
    pub fn occurrences(&self, symbol: &Symbol) -> Vec<&Occurrence> {
        let mut out: Vec<&Occurrence> = self
            .by_symbol
            .get(symbol)
            .into_iter()
            .flatten()
            .map(|&(f, i)| &self.occurrences[f as usize][i])
            .collect();
        out.sort_by_key(|o| (!o.declaration, o.span.file, o.span.start()));
        out
    }

    /// The declarations of a symbol.
    pub fn declarations(&self, symbol: &Symbol) -> Vec<&Occurrence> {
        let mut all = self.occurrences(symbol);
        all.retain(|o| o.declaration);
        all
    }

    /// What a declared attribute, list or constant is.
    pub fn value(&self, name: &str) -> Option<ValueDecl> {
        self.values.get(name).copied()
    }

    /// The declared attributes, lists and constants.
    pub fn values(&self) -> impl Iterator<Item = (&str, ValueDecl)> {
        self.values.iter().map(|(n, d)| (n.as_str(), *d))
    }

    /// Every symbol written anywhere, declared or not.
    pub fn symbols(&self) -> impl Iterator<Item = &Symbol> {
        self.by_symbol.keys()
    }

    /// Every symbol with a declaration, for completion and rename.
    pub fn declared(&self) -> impl Iterator<Item = &Symbol> {
        self.by_symbol
            .iter()
            .filter(|(_, places)| {
                places
                    .iter()
                    .any(|&(f, i)| self.occurrences[f as usize][i].declaration)
            })
            .map(|(s, _)| s)
    }

    /// The statement of a file that holds an offset.
    pub fn statement_at(&self, file: FileId, offset: usize) -> Option<&Statement> {
        self.statements
            .get(file as usize)?
            .iter()
            .find(|s| s.span().range().contains(&offset))
    }
}

/// A declared attribute, list or constant, with its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueDecl {
    Attribute(Type),
    List(Type),
    Constant(Type),
}

impl ValueDecl {
    pub fn ty(self) -> Type {
        match self {
            ValueDecl::Attribute(t) | ValueDecl::List(t) | ValueDecl::Constant(t) => t,
        }
    }

    /// What it is, as completion shows it: "attribute: text".
    pub fn describe(self) -> String {
        match self {
            ValueDecl::Attribute(t) => format!("attribute: {t}"),
            ValueDecl::List(t) => format!("list of {t}"),
            ValueDecl::Constant(t) => format!("constant: {t}"),
        }
    }
}

/// The values a statement declares.
fn value_decls(s: &Statement) -> Vec<(String, ValueDecl)> {
    match s {
        Statement::Attributes(d) => d
            .attributes
            .iter()
            .map(|a| (a.name.text.clone(), ValueDecl::Attribute(a.ty)))
            .collect(),
        Statement::List(d) => vec![(d.name.text.clone(), ValueDecl::List(d.ty))],
        Statement::Constant(d) => vec![(d.name.text.clone(), ValueDecl::Constant(d.ty))],
        _ => Vec::new(),
    }
}

/// The walk over one file's statements.
struct Collect<'a> {
    out: Vec<Occurrence>,
    rule: Option<usize>,
    values: &'a HashMap<String, ValueDecl>,
}

impl Collect<'_> {
    fn push(&mut self, name: &ast::Name, symbol: Symbol, declaration: bool) {
        self.out.push(Occurrence {
            span: name.span,
            symbol,
            declaration,
            in_rule: self.rule,
        });
    }

    fn name(&mut self, kind: Kind, name: &ast::Name, declaration: bool) {
        self.push(name, Symbol::Name(kind, name.text.clone()), declaration);
    }

    fn value(&mut self, name: &ast::Name, declaration: bool) {
        self.push(name, Symbol::Value(name.text.clone()), declaration);
    }

    fn scope(&mut self, kind: Kind, scope: &Scope) {
        if let Scope::Names(names) = scope {
            for n in names {
                self.name(kind, n, false);
            }
        }
    }

    fn statement(&mut self, s: &Statement) {
        match s {
            Statement::Names(d) => {
                for n in &d.names {
                    self.name(d.kind, n, true);
                }
                for p in &d.parents {
                    self.name(d.kind, p, false);
                }
                self.bounds(&d.time);
                if let Some(w) = &d.where_ {
                    self.expr(&w.value);
                }
            }
            Statement::Attributes(d) => {
                for a in &d.attributes {
                    self.value(&a.name, true);
                }
            }
            Statement::List(d) => {
                self.value(&d.name, true);
                for item in &d.items {
                    self.expr(item);
                }
            }
            Statement::Constant(d) => {
                self.value(&d.name, true);
                self.expr(&d.value);
            }
            Statement::Default(_) | Statement::Combine(_) => {}
            Statement::Rule(r) => self.rule(r),
            Statement::Test(t) => {
                for e in &t.expectations {
                    self.query(&e.query);
                }
            }
        }
    }

    fn rule(&mut self, r: &ast::Rule) {
        if let Some(label) = &r.label {
            self.push(label, Symbol::Rule(label.text.clone()), true);
        }
        self.scope(Kind::Action, &r.actions);
        if let Some(c) = &r.actors {
            self.scope(Kind::Actor, &c.value);
        }
        if let Some(c) = &r.categories {
            self.scope(Kind::Category, &c.value);
        }
        self.bounds(&r.time);
        for clause in [&r.where_, &r.unless].into_iter().flatten() {
            self.expr(&clause.value);
        }
        if let Some(exempts) = &r.exempts {
            for n in &exempts.value {
                self.push(n, Symbol::Rule(n.text.clone()), false);
            }
        }
    }

    fn query(&mut self, q: &ast::Query) {
        self.name(Kind::Action, &q.action, false);
        self.name(Kind::Actor, &q.actor, false);
        if let Some(c) = &q.category {
            self.name(Kind::Category, c, false);
        }
        for b in &q.attributes {
            self.value(&b.name, false);
        }
    }

    fn bounds(&mut self, bounds: &[ast::TimeBound]) {
        for b in bounds {
            self.bound_date(&b.date);
            if let Some(end) = &b.end {
                self.bound_date(end);
            }
        }
    }

    fn bound_date(&mut self, d: &BoundDate) {
        if let DateBase::Constant(name) = &d.base {
            self.value(name, false);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Or(items) | ExprKind::And(items) => {
                for item in items {
                    self.expr(item);
                }
            }
            ExprKind::Not(inner) | ExprKind::Paren(inner) | ExprKind::Offset(_, inner) => {
                self.expr(inner)
            }
            ExprKind::Compare(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::In { item, list, .. } => {
                self.expr(item);
                for i in list {
                    self.expr(i);
                }
            }
            ExprKind::InList { item, list, .. } => {
                self.expr(item);
                self.value(list, false);
            }
            ExprKind::Match { item, .. } => self.expr(item),
            // `date` is the query's date, unless the set names a value so
            ExprKind::Attribute(name)
                if name.text != "date" || self.values.contains_key("date") =>
            {
                self.value(name, false)
            }
            ExprKind::Attribute(_) | ExprKind::Literal(_) => {}
        }
    }
}

/// A rule's identity as answers give it: its label, or `file:line`.
pub fn rule_id(rule: &ast::Rule, sources: &Sources) -> String {
    match &rule.label {
        Some(label) => label.text.clone(),
        None => {
            let file = sources.get(rule.span.file);
            format!("{}:{}", file.name, file.line_col(rule.span.start()).line)
        }
    }
}
