//! The syntax tree: what the user wrote, with a span on every node.

use crate::source::{FileId, Span};

/// A name as written, like `partner`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// One parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub file: FileId,
    pub statements: Vec<Statement>,
}

/// One statement. Rules are the large and common case, so they are not boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Names(NamesDecl),
    Attributes(AttributesDecl),
    Default(DefaultDecl),
    List(ListDecl),
    Constant(ConstantDecl),
    Combine(CombineDecl),
    Rule(Rule),
    Test(Test),
}

impl Statement {
    /// The statement's span, from its first word to its last.
    pub fn span(&self) -> Span {
        match self {
            Statement::Names(d) => d.span,
            Statement::Attributes(d) => d.span,
            Statement::Default(d) => d.span,
            Statement::List(d) => d.span,
            Statement::Constant(d) => d.span,
            Statement::Combine(d) => d.span,
            Statement::Rule(r) => r.span,
            Statement::Test(t) => t.span,
        }
    }
}

/// The three kinds of declared names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Action,
    Actor,
    Category,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Action, Kind::Actor, Kind::Category];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Action => "action",
            Kind::Actor => "actor",
            Kind::Category => "category",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            Kind::Action => "actions",
            Kind::Actor => "actors",
            Kind::Category => "categories",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// `actor reseller, distributor in [partner, agent]`
#[derive(Debug, Clone, PartialEq)]
pub struct NamesDecl {
    pub kind: Kind,
    pub names: Vec<Name>,
    pub parents: Vec<Name>,
    /// A membership's window: it holds only on those dates.
    pub time: Vec<TimeBound>,
    /// A membership's condition: it holds only where this holds.
    pub where_: Option<Clause<Expr>>,
    pub span: Span,
}

impl NamesDecl {
    /// Whether the membership holds only for a time or under a condition.
    pub fn is_conditional(&self) -> bool {
        !self.time.is_empty() || self.where_.is_some()
    }
}

/// `attribute country: text, seats: number`
#[derive(Debug, Clone, PartialEq)]
pub struct AttributesDecl {
    pub attributes: Vec<AttributeDef>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttributeDef {
    pub name: Name,
    pub ty: crate::value::Type,
    pub ty_span: Span,
}

/// `default allow`
#[derive(Debug, Clone, PartialEq)]
pub struct DefaultDecl {
    pub effect: Effect,
    pub span: Span,
}

/// `list exempt_purposes: text = ["humanitarian", "diplomatic"]`
#[derive(Debug, Clone, PartialEq)]
pub struct ListDecl {
    pub name: Name,
    pub ty: crate::value::Type,
    pub ty_span: Span,
    pub items: Vec<Expr>,
    pub span: Span,
}

/// `constant wind_down_end: date = 90 days after 2022-06-03`
#[derive(Debug, Clone, PartialEq)]
pub struct ConstantDecl {
    pub name: Name,
    pub ty: crate::value::Type,
    pub ty_span: Span,
    pub value: Expr,
    pub span: Span,
}

/// `combine first applicable`
#[derive(Debug, Clone, PartialEq)]
pub struct CombineDecl {
    pub combining: Combining,
    pub span: Span,
}

/// How the rules that apply to a query make its decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Combining {
    /// Any deny decides; else any allow; else the default.
    #[default]
    DenyOverrides,
    /// Any allow decides; else any deny; else the default.
    AllowOverrides,
    /// The first rule in set order that applies decides.
    FirstApplicable,
    /// The rules of the highest priority that apply decide, a deny among
    /// them overriding an allow.
    HighestPriority,
    /// The rules whose actors name the query's actor most closely (itself,
    /// then its nearest role, ..., then `any`) decide, a deny among them
    /// overriding an allow.
    MostSpecific,
}

impl Combining {
    pub fn as_str(self) -> &'static str {
        match self {
            Combining::DenyOverrides => "deny overrides",
            Combining::AllowOverrides => "allow overrides",
            Combining::FirstApplicable => "first applicable",
            Combining::HighestPriority => "highest priority",
            Combining::MostSpecific => "most specific",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "allow",
            Effect::Deny => "deny",
        }
    }
}

/// `any`, or a list of names.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    Any(Span),
    Names(Vec<Name>),
}

impl Scope {
    pub fn span(&self) -> Span {
        match self {
            Scope::Any(span) => *span,
            Scope::Names(names) => names[0].span.to(names[names.len() - 1].span),
        }
    }
}

/// A rule: `deny sale by partner to category state_owned after 2021-03-31`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub label: Option<Name>,
    pub effect: Effect,
    pub effect_span: Span,
    pub actions: Scope,
    /// The `by` clause; `None` when the rule has none.
    pub actors: Option<Clause<Scope>>,
    /// The `to category` clause.
    pub categories: Option<Clause<Scope>>,
    pub time: Vec<TimeBound>,
    pub where_: Option<Clause<Expr>>,
    pub unless: Option<Clause<Expr>>,
    pub because: Option<Clause<Text>>,
    /// `priority N`, for a set that combines by highest priority.
    pub priority: Option<Clause<crate::value::Number>>,
    /// For an exemption (`exempt ... from rule a, b`), the denies it
    /// exempts; such a rule never decides, and its effect is `Allow` only
    /// because it has to have one.
    pub exempts: Option<Clause<Vec<Name>>>,
    pub span: Span,
}

impl Rule {
    pub fn is_exemption(&self) -> bool {
        self.exempts.is_some()
    }

    /// The word the rule starts with: `allow`, `deny` or `exempt`.
    pub fn keyword(&self) -> &'static str {
        if self.is_exemption() {
            "exempt"
        } else {
            self.effect.as_str()
        }
    }
}

/// A clause's content and the span of the whole clause, keyword included.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause<T> {
    pub value: T,
    pub span: Span,
}

/// Text as written, escapes resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

/// A date as written; the checker decides whether it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateLit {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeOp {
    After,
    Before,
    From,
    Until,
    On,
    Between,
}

impl TimeOp {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeOp::After => "after",
            TimeOp::Before => "before",
            TimeOp::From => "from",
            TimeOp::Until => "until",
            TimeOp::On => "on",
            TimeOp::Between => "between",
        }
    }
}

/// `after 2021-03-31`, or `between D1 and D2` (then `end` is `D2`).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeBound {
    pub op: TimeOp,
    pub date: BoundDate,
    pub end: Option<BoundDate>,
    pub span: Span,
}

/// The date of a time bound: `2021-03-31`, a date constant, or either
/// moved by an offset (`90 days after 2022-06-03`).
#[derive(Debug, Clone, PartialEq)]
pub struct BoundDate {
    pub offset: Option<Offset>,
    pub base: DateBase,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DateBase {
    Written(DateLit),
    Constant(Name),
}

/// `90 days after`, `1 year before`.
#[derive(Debug, Clone, PartialEq)]
pub struct Offset {
    /// As written; the checker asks for a whole number.
    pub amount: crate::value::Number,
    pub unit: crate::calendar::Unit,
    /// `before` rather than `after`.
    pub before: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    /// `x in [a, b]`, or `x not in [a, b]` when `negated`.
    In {
        negated: bool,
        item: Box<Expr>,
        list: Vec<Expr>,
    },
    /// `x in exempt_purposes`, or `x not in exempt_purposes`.
    InList {
        negated: bool,
        item: Box<Expr>,
        list: Name,
    },
    /// `90 days after signed`.
    Offset(Offset, Box<Expr>),
    /// `path like "/data1/*"`, `agent not matches "^curl"`, `source in
    /// "10.0.0.0/8"`.
    Match {
        negated: bool,
        item: Box<Expr>,
        how: crate::pattern::How,
        pattern: Text,
    },
    Paren(Box<Expr>),
    /// A name: an attribute, a constant, or `date`, the query's date.
    Attribute(Name),
    Literal(Literal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }

    pub fn is_ordering(self) -> bool {
        !matches!(self, CompareOp::Eq | CompareOp::Ne)
    }
}

/// A literal as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(crate::value::Number),
    Bool(bool),
    /// Checked later, like every date.
    Date(String),
}

/// `test "name" { expect ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    pub name: Text,
    pub expectations: Vec<Expectation>,
    pub span: Span,
}

/// `expect deny sale by partner to category state_owned on 2021-04-01`
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub effect: Effect,
    pub query: Query,
    pub span: Span,
}

/// A query in its text form.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub action: Name,
    pub actor: Name,
    pub category: Option<Name>,
    pub date: Option<DateLit>,
    pub attributes: Vec<Binding>,
    pub span: Span,
}

/// A part of an open query: given, or `?` for every one there is.
#[derive(Debug, Clone, PartialEq)]
pub enum Slot<T> {
    Hole(Span),
    Given(T),
}

/// A query with holes, which `edict who-may` answers: `sale by ? to
/// category state_owned on 2021-04-01`.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenQuery {
    pub action: Slot<Name>,
    pub actor: Slot<Name>,
    /// `None` when the query gives no category.
    pub category: Option<Slot<Name>>,
    /// `None` when it gives no date, which is read as `on ?`.
    pub date: Option<Slot<DateLit>>,
    pub attributes: Vec<Binding>,
    pub span: Span,
}

/// `country = "RU"` in a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub name: Name,
    pub value: Literal,
    pub value_span: Span,
}
