//! The checked policy set: names interned, dates and types resolved. Only
//! the checker builds it, so everything in it is known to be valid.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::lookup::NameTable;
use crate::source::{Sources, Span};
use crate::syntax::ast::{Combining, CompareOp, Effect, Kind, TimeOp};
use crate::value::{Type, Value};

/// Index of a name in its kind's table.
pub type NameId = u32;

/// The names of one kind and their hierarchy.
#[derive(Debug, Default, Clone)]
pub struct Names {
    pub names: Vec<String>,
    /// Each name's id, and whether it was declared.
    table: NameTable,
    /// The direct parents of each name (`X in Y`).
    pub parents: Vec<Vec<NameId>>,
    /// The direct parents of each name that it is under only for a time or
    /// under a condition, each with its membership's index in
    /// [`Vocabulary::memberships`].
    pub conditional: Vec<Vec<(NameId, usize)>>,
    /// Where each name was declared; `None` for names of an open kind.
    pub declared_at: Vec<Option<Span>>,
    /// Whether the set declares names of this kind (then every use must be declared).
    pub closed: bool,
    /// Whether any name has a conditional membership.
    any_conditional: bool,
}

impl Names {
    pub fn get(&self, name: &str) -> Option<NameId> {
        self.find(name).map(|(id, _)| id)
    }

    /// A name's id, and whether it was declared (rather than used in a
    /// kind that declares nothing): one look, where [`Names::get`] and
    /// [`Names::declared_at`] would be two.
    pub fn find(&self, name: &str) -> Option<(NameId, bool)> {
        self.table.get(name, |id| self.names[id as usize] == name)
    }

    pub fn intern(&mut self, name: &str, at: Option<Span>) -> NameId {
        if let Some(id) = self.get(name) {
            return id;
        }
        let id = self.names.len() as NameId;
        self.names.push(name.to_string());
        self.table.insert(name, id, at.is_some());
        self.parents.push(Vec::new());
        self.conditional.push(Vec::new());
        self.declared_at.push(at);
        id
    }

    /// The name and every name above it, following `in` transitively
    /// (memberships that hold only for a time or a condition not counted).
    /// Iterative, so a hierarchy of any depth is fine.
    pub fn ancestors_or_self(&self, id: NameId) -> Vec<bool> {
        self.reach(id, false)
    }

    /// [`Names::ancestors_or_self`], counting conditional memberships too:
    /// every name the name may be under.
    pub fn ancestors_maybe(&self, id: NameId) -> Vec<bool> {
        self.reach(id, true)
    }

    /// [`Names::ancestors_maybe`] as a list: the name and every name it may
    /// be under, which costs the names reached rather than every name of
    /// the kind (for the few ancestors a name usually has).
    pub fn above_maybe(&self, id: NameId) -> Vec<NameId> {
        let mut out = vec![id];
        let mut i = 0;
        while i < out.len() {
            let n = out[i] as usize;
            i += 1;
            let conditional = self.conditional[n].iter().map(|&(p, _)| p);
            for p in self.parents[n].iter().copied().chain(conditional) {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    fn reach(&self, id: NameId, conditional: bool) -> Vec<bool> {
        let mut seen = vec![false; self.names.len()];
        let mut stack = vec![id];
        seen[id as usize] = true;
        while let Some(n) = stack.pop() {
            let maybe = self.conditional[n as usize]
                .iter()
                .filter(|_| conditional)
                .map(|&(p, _)| p);
            for p in self.parents[n as usize].iter().copied().chain(maybe) {
                if !seen[p as usize] {
                    seen[p as usize] = true;
                    stack.push(p);
                }
            }
        }
        seen
    }

    /// Whether the kind has memberships that hold only for a time or a
    /// condition: asked for every unknown of every decision, so kept, not
    /// counted.
    pub fn has_conditional(&self) -> bool {
        self.any_conditional
    }

    /// Puts `child` under `parent` through the conditional membership of
    /// that index in [`Vocabulary::memberships`].
    pub fn add_conditional(&mut self, child: NameId, parent: NameId, membership: usize) {
        self.conditional[child as usize].push((parent, membership));
        self.any_conditional = true;
    }
}

/// A declared attribute.
#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub span: Span,
}

/// A membership that holds only for a time or under a condition:
/// `actor alice in admin where tenant == "domain1" until 2024-12-31`.
#[derive(Debug, Clone)]
pub struct Membership {
    pub kind: Kind,
    pub child: NameId,
    pub parent: NameId,
    /// First and last date it holds, both inclusive.
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub condition: Option<Expr>,
    /// The declaration.
    pub span: Span,
}

/// A declared constant, its value worked out when the set is read.
#[derive(Debug, Clone)]
pub struct Constant {
    pub name: String,
    pub value: Value,
    pub span: Span,
    /// Whether a condition, a bound, a list or another constant reads it.
    pub used: bool,
}

/// A declared list of values.
#[derive(Debug, Clone)]
pub struct NamedList {
    pub name: String,
    pub ty: Type,
    pub items: Vec<Value>,
    pub span: Span,
    /// Whether a condition reads it.
    pub used: bool,
}

/// Everything the set declares.
#[derive(Debug, Default, Clone)]
pub struct Vocabulary {
    pub kinds: [Names; 3],
    pub attributes: Vec<Attribute>,
    pub constants: Vec<Constant>,
    pub lists: Vec<NamedList>,
    pub memberships: Vec<Membership>,
    /// Each attribute's index in `attributes`.
    attribute_table: NameTable,
}

impl Vocabulary {
    pub fn names(&self, kind: Kind) -> &Names {
        &self.kinds[kind.index()]
    }

    pub fn attribute(&self, name: &str) -> Option<usize> {
        self.attribute_table
            .get(name, |i| self.attributes[i as usize].name == name)
            .map(|(i, _)| i as usize)
    }

    pub fn constant(&self, name: &str) -> Option<usize> {
        self.constants.iter().position(|c| c.name == name)
    }

    pub fn list(&self, name: &str) -> Option<usize> {
        self.lists.iter().position(|l| l.name == name)
    }

    /// Declares an attribute the vocabulary does not have yet.
    pub fn add_attribute(&mut self, attribute: Attribute) {
        let index = self.attributes.len() as u32;
        self.attribute_table.insert(&attribute.name, index, true);
        self.attributes.push(attribute);
    }
}

/// A rule ready to be evaluated.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The author's name for the rule; see [`Rule::id`].
    pub name: Option<String>,
    pub effect: Effect,
    /// `None` stands for `any`.
    pub actions: Option<Vec<NameId>>,
    pub actors: Option<Vec<NameId>>,
    pub categories: Option<Vec<NameId>>,
    /// First and last date the rule covers, both inclusive.
    pub from: Option<Bound>,
    pub until: Option<Bound>,
    /// Where each clause is, to point at it when explaining.
    pub clauses: ClauseSpans,
    pub where_: Option<Box<Expr>>,
    pub unless: Option<Box<Expr>>,
    pub reason: Option<String>,
    /// `priority N` (0 without one): under `combine highest priority`, the
    /// rules of the highest priority that apply decide.
    pub priority: i64,
    /// For an exemption, the denies it exempts, by index: where it applies,
    /// they do not. An exemption never decides itself.
    pub exempts: Option<Vec<usize>>,
    /// The file's name, shared by its rules.
    pub file: Arc<str>,
    pub line: usize,
    pub span: Span,
}

impl Rule {
    pub fn is_exemption(&self) -> bool {
        self.exempts.is_some()
    }

    /// What the rule does, as answers say it: `allow`, `deny` or `exempt`.
    pub fn kind(&self) -> &'static str {
        if self.is_exemption() {
            "exempt"
        } else {
            self.effect.as_str()
        }
    }

    /// The rule's identity in answers: its name, or `file:line`.
    pub fn id(&self) -> Cow<'_, str> {
        match &self.name {
            Some(name) => Cow::Borrowed(name),
            None => Cow::Owned(format!("{}:{}", self.file, self.line)),
        }
    }
}

/// One end of a rule's time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// The first (or last) date covered, inclusive.
    pub date: NaiveDate,
    /// The bound as written: `after 2021-03-31` is `After` and 2021-03-31.
    pub op: TimeOp,
    pub written: NaiveDate,
    pub span: Span,
}

/// The spans of a rule's clauses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClauseSpans {
    pub actors: Option<Span>,
    pub categories: Option<Span>,
    pub where_: Option<Span>,
    pub unless: Option<Span>,
    /// An exemption's `from rule` clause.
    pub exempts: Option<Span>,
}

/// A type-checked condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Attribute(usize),
    Literal(Value),
    /// The query's date.
    QueryDate,
    /// A text matched against a pattern, or an address against a network.
    Match {
        negated: bool,
        item: Box<Expr>,
        /// Boxed: a compiled pattern is large, and every node of every
        /// condition is as large as the largest kind.
        pattern: Box<crate::pattern::Pattern>,
    },
    /// A date moved by whole days, weeks, months or years
    /// ([`crate::calendar::shift`]); unknown when the base is, or when the
    /// result is past the calendar.
    Offset {
        amount: u32,
        unit: crate::calendar::Unit,
        before: bool,
        base: Box<Expr>,
    },
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    In {
        negated: bool,
        item: Box<Expr>,
        list: Vec<Expr>,
    },
}

impl Expr {
    /// Whether this condition reads the query's date.
    pub fn reads_date(&self) -> bool {
        match &self.kind {
            ExprKind::QueryDate => true,
            ExprKind::Attribute(_) | ExprKind::Literal(_) => false,
            ExprKind::Offset { base, .. }
            | ExprKind::Not(base)
            | ExprKind::Match { item: base, .. } => base.reads_date(),
            ExprKind::And(es) | ExprKind::Or(es) => es.iter().any(Expr::reads_date),
            ExprKind::Compare(_, l, r) => l.reads_date() || r.reads_date(),
            ExprKind::In { item, list, .. } => {
                item.reads_date() || list.iter().any(Expr::reads_date)
            }
        }
    }

    /// Adds the attributes this condition reads to `out`.
    pub fn attributes(&self, out: &mut Vec<usize>) {
        match &self.kind {
            ExprKind::Attribute(a) => {
                if !out.contains(a) {
                    out.push(*a)
                }
            }
            ExprKind::Literal(_) | ExprKind::QueryDate => {}
            ExprKind::Offset { base, .. } | ExprKind::Match { item: base, .. } => {
                base.attributes(out)
            }
            ExprKind::Not(e) => e.attributes(out),
            ExprKind::And(es) | ExprKind::Or(es) => es.iter().for_each(|e| e.attributes(out)),
            ExprKind::Compare(_, l, r) => {
                l.attributes(out);
                r.attributes(out);
            }
            ExprKind::In { item, list, .. } => {
                item.attributes(out);
                list.iter().for_each(|e| e.attributes(out));
            }
        }
    }
}

/// A checked query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// `None`: a name of an open kind that no rule mentions.
    pub action: Option<NameId>,
    pub actor: Option<NameId>,
    /// `None`: the query names no category. `Some(None)`: an open-kind name
    /// that no rule mentions.
    pub category: Option<Option<NameId>>,
    pub date: NaiveDate,
    /// By attribute index; `None` when the query does not give it.
    pub attributes: Vec<Option<Value>>,
    /// The names no rule mentions (of an open kind), as written, for
    /// explanations; the others are read from the vocabulary.
    pub strangers: QueryNames,
}

/// A checked query with holes, for `edict who-may`: each part `None`
/// where it is a hole (`?`). Names are as written, checked but not looked
/// up: the analysis walks names either way.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenQuery {
    pub action: Option<String>,
    pub actor: Option<String>,
    /// `None`: a hole, any category or none; `Some(None)`: the query gives
    /// no category.
    pub category: Option<Option<String>>,
    /// `None`: any date (`on ?`, or no `on` at all).
    pub date: Option<NaiveDate>,
    /// The attributes it gives; every other attribute is a hole.
    pub attributes: Vec<(String, Value)>,
}

/// A query's names that the set does not know, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryNames {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub category: Option<String>,
}

impl Query {
    /// The query's name of `kind` as written; `None` for a query without a
    /// category.
    pub fn name<'a>(&'a self, kind: Kind, vocab: &'a Vocabulary) -> Option<&'a str> {
        let (id, stranger) = match kind {
            Kind::Action => (Some(self.action), &self.strangers.action),
            Kind::Actor => (Some(self.actor), &self.strangers.actor),
            Kind::Category => (self.category, &self.strangers.category),
        };
        match id? {
            Some(id) => Some(&vocab.names(kind).names[id as usize]),
            None => stranger.as_deref(),
        }
    }
}

/// A test block, its expectations checked.
#[derive(Debug, Clone)]
pub struct Test {
    pub name: String,
    pub file: String,
    pub line: usize,
    pub expectations: Vec<Expectation>,
}

#[derive(Debug, Clone)]
pub struct Expectation {
    pub effect: Effect,
    pub query: Query,
    /// The query as written, for reports.
    pub text: String,
    pub line: usize,
    pub span: Span,
}

/// A checked policy set: safe to decide with.
#[derive(Debug, Clone)]
pub struct Policy {
    pub vocabulary: Vocabulary,
    pub default: Effect,
    /// How the rules that apply make a decision (`combine ...`).
    pub combining: Combining,
    pub rules: Vec<Rule>,
    /// Whether any rule is an exemption: a decision without one reads
    /// nothing more of the rules that apply than their effect.
    pub has_exemptions: bool,
    pub tests: Vec<Test>,
    pub sources: Sources,
}
