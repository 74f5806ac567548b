//! Rules' conditions compiled for the index: each rule's `where` and
//! `unless` as one short run of nodes in one shared array, so that
//! evaluating them costs one or two cache misses rather than one for the
//! rule and one for each node of its expression tree and each text on the
//! heap.
//!
//! The common shapes are compiled: `and`, `or`, `not`, a bool attribute,
//! an attribute compared with a literal, an attribute `in` a list of
//! literals; texts of up to [`INLINE`] bytes are kept in the node. A rule
//! whose conditions hold anything else (two attributes compared, a long
//! text) is left to the reference evaluator, [`eval::conditions`], which gives
//! the same answers by definition; the differential tests hold the two
//! equal.

use std::cmp::Ordering;

use chrono::NaiveDate;

use crate::eval::{self, Truth};
use crate::model::{Expr, ExprKind, Query, Rule};
use crate::syntax::ast::CompareOp;
use crate::value::{Number, Value};

/// The longest text kept in a node.
pub const INLINE: usize = 14;

/// Where a rule's program starts in [`Conditions::nodes`], or this for a
/// rule left to the reference evaluator.
const TREE: u32 = u32::MAX;

/// A literal as a node holds it.
#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Text { len: u8, bytes: [u8; INLINE] },
    Number(Number),
    Bool(bool),
    Date(NaiveDate),
}

/// One node of a program, in prefix order: an operator is followed by its
/// operands.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// The next `n` formulas, all true.
    And(u32),
    /// The next `n` formulas, one true.
    Or(u32),
    /// The next formula, negated.
    Not,
    /// A bool attribute.
    Flag(u32),
    /// An attribute compared with a literal, the attribute on the left.
    Compare(u32, CompareOp, Literal),
    /// An attribute in (or, when negated, not in) the next `n` literals.
    In(u32, bool, u32),
    /// One of the literals of an [`Node::In`].
    Item(Literal),
}

/// Every rule's conditions, compiled.
#[derive(Debug, Default)]
pub struct Conditions {
    /// By rule: where its program starts, [`TREE`] for a rule left to the
    /// reference evaluator (or one without conditions).
    starts: Vec<u32>,
    nodes: Vec<Node>,
}

impl Conditions {
    pub fn build(rules: &[Rule]) -> Conditions {
        let mut out = Conditions {
            starts: Vec::with_capacity(rules.len()),
            nodes: Vec::new(),
        };
        for rule in rules {
            let start = out.nodes.len();
            let compiled = match (&rule.where_, &rule.unless) {
                (None, None) => false,
                (Some(w), None) => compile(w, &mut out.nodes),
                (None, Some(u)) => {
                    out.nodes.push(Node::Not);
                    compile(u, &mut out.nodes)
                }
                (Some(w), Some(u)) => {
                    out.nodes.extend([Node::And(2)]);
                    compile(w, &mut out.nodes) && {
                        out.nodes.push(Node::Not);
                        compile(u, &mut out.nodes)
                    }
                }
            };
            if compiled {
                out.starts.push(start as u32);
            } else {
                out.nodes.truncate(start);
                out.starts.push(TREE);
            }
        }
        out.nodes.shrink_to_fit();
        out
    }

    /// The truth of rule `index`'s `where` and not `unless`, as
    /// [`eval::conditions`] gives it.
    pub fn truth(&self, rules: &[Rule], index: usize, query: &Query) -> Truth {
        match self.starts[index] {
            TREE => eval::conditions(&rules[index], query),
            start => run(&self.nodes[start as usize..], query).0,
        }
    }

    /// The number of rules compiled (for tests).
    pub fn compiled(&self) -> usize {
        self.starts.iter().filter(|&&s| s != TREE).count()
    }
}

/// Appends the program of `e`; false when it has a shape left to the
/// reference evaluator.
fn compile(e: &Expr, out: &mut Vec<Node>) -> bool {
    match &e.kind {
        ExprKind::And(parts) | ExprKind::Or(parts) => {
            out.push(match e.kind {
                ExprKind::And(_) => Node::And(parts.len() as u32),
                _ => Node::Or(parts.len() as u32),
            });
            parts.iter().all(|p| compile(p, out))
        }
        ExprKind::Not(inner) => {
            out.push(Node::Not);
            compile(inner, out)
        }
        &ExprKind::Attribute(a) => {
            out.push(Node::Flag(a as u32));
            true
        }
        ExprKind::Compare(op, l, r) => match (&l.kind, &r.kind) {
            (&ExprKind::Attribute(a), ExprKind::Literal(v)) => {
                literal(v).map(|v| out.push(Node::Compare(a as u32, *op, v)))
            }
            (ExprKind::Literal(v), &ExprKind::Attribute(a)) => {
                literal(v).map(|v| out.push(Node::Compare(a as u32, flip(*op), v)))
            }
            _ => None,
        }
        .is_some(),
        ExprKind::In {
            negated,
            item,
            list,
        } => {
            let ExprKind::Attribute(a) = item.kind else {
                return false;
            };
            out.push(Node::In(a as u32, *negated, list.len() as u32));
            list.iter().all(|el| match &el.kind {
                ExprKind::Literal(v) => literal(v).map(|v| out.push(Node::Item(v))).is_some(),
                _ => false,
            })
        }
        // left to the reference evaluator
        ExprKind::Literal(_)
        | ExprKind::QueryDate
        | ExprKind::Offset { .. }
        | ExprKind::Match { .. } => false,
    }
}

/// `l op r` as `r op' l`.
fn flip(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Gt,
        CompareOp::Le => CompareOp::Ge,
        CompareOp::Gt => CompareOp::Lt,
        CompareOp::Ge => CompareOp::Le,
        same => same,
    }
}

fn literal(v: &Value) -> Option<Literal> {
    Some(match v {
        Value::Text(t) if t.len() <= INLINE => {
            let mut bytes = [0; INLINE];
            bytes[..t.len()].copy_from_slice(t.as_bytes());
            Literal::Text {
                len: t.len() as u8,
                bytes,
            }
        }
        Value::Text(_) => return None,
        Value::Number(n) => Literal::Number(n.clone()),
        &Value::Bool(b) => Literal::Bool(b),
        &Value::Date(d) => Literal::Date(d),
        // left to the reference evaluator
        Value::Ip(_) => return None,
    })
}

/// Whether a query's value equals a literal (values of two types never do).
fn equal(v: &Value, l: &Literal) -> bool {
    match (v, l) {
        (Value::Text(t), Literal::Text { len, bytes }) => t.as_bytes() == &bytes[..*len as usize],
        (Value::Number(a), Literal::Number(b)) => a == b,
        (Value::Bool(a), Literal::Bool(b)) => a == b,
        (Value::Date(a), Literal::Date(b)) => a == b,
        _ => false,
    }
}

/// How a query's value orders against a literal: numbers and dates only,
/// as [`Value::compare`].
fn order(v: &Value, l: &Literal) -> Option<Ordering> {
    match (v, l) {
        (Value::Number(a), Literal::Number(b)) => Some(a.cmp(b)),
        (Value::Date(a), Literal::Date(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// The truth of the formula at the start of `nodes`, and the nodes after
/// it.
fn run<'a>(nodes: &'a [Node], query: &Query) -> (Truth, &'a [Node]) {
    let (node, mut rest) = nodes.split_first().expect("a compiled formula");
    let value = |a: u32| query.attributes[a as usize].as_ref();
    let truth = match node {
        &Node::And(n) | &Node::Or(n) => {
            let and = matches!(node, Node::And(_));
            let mut acc = Truth::from(and);
            for _ in 0..n {
                let (t, after) = run(rest, query);
                acc = if and { acc.and(t) } else { acc.or(t) };
                rest = after;
            }
            acc
        }
        Node::Not => {
            let (t, after) = run(rest, query);
            rest = after;
            t.negate()
        }
        &Node::Flag(a) => match value(a) {
            Some(&Value::Bool(b)) => Truth::from(b),
            _ => Truth::Unknown,
        },
        Node::Compare(a, op, literal) => match value(*a) {
            None => Truth::Unknown,
            Some(v) => match op {
                CompareOp::Eq => Truth::from(equal(v, literal)),
                CompareOp::Ne => Truth::from(!equal(v, literal)),
                op => match order(v, literal) {
                    None => Truth::Unknown,
                    Some(o) => Truth::from(match op {
                        CompareOp::Lt => o == Ordering::Less,
                        CompareOp::Le => o != Ordering::Greater,
                        CompareOp::Gt => o == Ordering::Greater,
                        _ => o != Ordering::Less,
                    }),
                },
            },
        },
        &Node::In(a, negated, n) => {
            let (items, after) = rest.split_at(n as usize);
            rest = after;
            match value(a) {
                None => Truth::Unknown,
                Some(v) => {
                    let found = items
                        .iter()
                        .any(|i| matches!(i, Node::Item(l) if equal(v, l)));
                    Truth::from(found != negated)
                }
            }
        }
        Node::Item(_) => unreachable!("items follow their `in`"),
    };
    (truth, rest)
}
