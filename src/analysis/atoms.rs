//! The leaves of conditions: the comparisons, memberships, patterns and
//! bool attributes whose truths decide every `where`, `unless` and
//! conditional membership. The analysis splits each attribute's values by
//! the atoms that read it, and dates by the atoms that read only the
//! query's date; this module finds the atoms, says which of those two kinds
//! each is, and writes any condition back as edict text.

use crate::model::{Expr, ExprKind, Policy, Vocabulary};
use crate::syntax::written_name;
use crate::value::Value;

/// What an atom reads, which says how the analysis can split by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reads {
    /// Nothing the query gives (a literal `true`).
    Nothing,
    /// One attribute and nothing else: splits that attribute's values.
    Attribute(usize),
    /// Only the query's date: splits time.
    Date,
    /// Several of them at once (two attributes, or an attribute and the
    /// query's date): split on sample values, not proven exact.
    Several,
}

/// A leaf of a condition, in one set.
#[derive(Debug, Clone, Copy)]
pub struct Atom<'p> {
    pub expr: &'p Expr,
    /// Which of the analysed sets it is from.
    pub side: usize,
}

/// Every leaf of `e`.
pub fn leaves<'p>(e: &'p Expr, side: usize, out: &mut Vec<Atom<'p>>) {
    match &e.kind {
        ExprKind::Not(inner) => leaves(inner, side, out),
        ExprKind::And(parts) | ExprKind::Or(parts) => {
            parts.iter().for_each(|p| leaves(p, side, out))
        }
        _ => out.push(Atom { expr: e, side }),
    }
}

/// What an atom reads, beside the attributes every query analysed gives
/// (`given`, by index: a timeline's).
pub fn reads(e: &Expr, given: &[Option<Value>]) -> Reads {
    let mut attributes = Vec::new();
    e.attributes(&mut attributes);
    attributes.retain(|&a| given.get(a).is_none_or(|v| v.is_none()));
    match (attributes.as_slice(), e.reads_date()) {
        ([], false) => Reads::Nothing,
        ([], true) => Reads::Date,
        ([a], false) => Reads::Attribute(*a),
        _ => Reads::Several,
    }
}

/// The atoms of a policy's rules (the given ones) and of its conditional
/// memberships.
pub fn of_rules<'p>(policy: &'p Policy, rules: &[usize], side: usize) -> Vec<Atom<'p>> {
    let mut out = Vec::new();
    for &r in rules {
        let rule = &policy.rules[r];
        for e in [&rule.where_, &rule.unless].into_iter().flatten() {
            leaves(e, side, &mut out);
        }
    }
    for m in &policy.vocabulary.memberships {
        if let Some(c) = &m.condition {
            leaves(c, side, &mut out);
        }
    }
    out
}

/// Offsets by whole days, weeks, months or years: (amount, unit, before).
pub type Shifts = Vec<(u32, crate::calendar::Unit, bool)>;

/// The offsets applied to a base, innermost first, when `e` is a base
/// (as `is_base` says: the query's date, one attribute) moved by offsets;
/// `None` otherwise.
pub fn shifts(e: &Expr, is_base: &dyn Fn(&ExprKind) -> bool) -> Option<Shifts> {
    match &e.kind {
        ExprKind::Offset {
            amount,
            unit,
            before,
            base,
        } => {
            let mut inner = shifts(base, is_base)?;
            inner.push((*amount, *unit, *before));
            Some(inner)
        }
        kind if is_base(kind) => Some(Vec::new()),
        _ => None,
    }
}

/// An atom's negation, written as a reader would: `a != b` for `a == b`,
/// `a >= b` for `a < b`, `a not in [...]`, `a not like "..."`.
pub fn negation(e: &Expr) -> Expr {
    use crate::syntax::ast::CompareOp::*;
    let kind = match &e.kind {
        ExprKind::Compare(op, l, r) => {
            let op = match op {
                Eq => Ne,
                Ne => Eq,
                Lt => Ge,
                Ge => Lt,
                Le => Gt,
                Gt => Le,
            };
            ExprKind::Compare(op, l.clone(), r.clone())
        }
        ExprKind::In {
            negated,
            item,
            list,
        } => ExprKind::In {
            negated: !negated,
            item: item.clone(),
            list: list.clone(),
        },
        ExprKind::Match {
            negated,
            item,
            pattern,
        } => ExprKind::Match {
            negated: !negated,
            item: item.clone(),
            pattern: pattern.clone(),
        },
        ExprKind::Not(inner) => inner.kind.clone(),
        _ => ExprKind::Not(Box::new(e.clone())),
    };
    Expr { kind, span: e.span }
}

/// A condition as edict text, with lists and constants written out, so
/// that it reads the same whichever set it came from.
pub fn text(e: &Expr, vocab: &Vocabulary) -> String {
    let mut out = String::new();
    write(e, vocab, &mut out);
    out
}

fn write(e: &Expr, vocab: &Vocabulary, out: &mut String) {
    match &e.kind {
        ExprKind::Attribute(a) => out.push_str(&written_name(&vocab.attributes[*a].name)),
        ExprKind::Literal(v) => out.push_str(&v.to_string()),
        ExprKind::QueryDate => out.push_str("date"),
        ExprKind::Match {
            negated,
            item,
            pattern,
        } => {
            operand(item, vocab, out);
            out.push_str(if *negated { " not " } else { " " });
            out.push_str(&pattern.to_string());
        }
        ExprKind::Offset {
            amount,
            unit,
            before,
            base,
        } => {
            out.push_str(&format!(
                "{amount} {} {} ",
                unit.word(*amount),
                if *before { "before" } else { "after" }
            ));
            operand(base, vocab, out);
        }
        ExprKind::Not(inner) => {
            out.push_str("not ");
            grouped(inner, vocab, out, |k| {
                matches!(k, ExprKind::And(_) | ExprKind::Or(_))
            });
        }
        ExprKind::And(parts) => {
            joined(parts, " and ", vocab, out, |k| matches!(k, ExprKind::Or(_)))
        }
        ExprKind::Or(parts) => joined(parts, " or ", vocab, out, |_| false),
        ExprKind::Compare(op, l, r) => {
            operand(l, vocab, out);
            out.push_str(&format!(" {} ", op.as_str()));
            operand(r, vocab, out);
        }
        ExprKind::In {
            negated,
            item,
            list,
        } => {
            operand(item, vocab, out);
            out.push_str(if *negated { " not in [" } else { " in [" });
            for (i, el) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                operand(el, vocab, out);
            }
            out.push(']');
        }
    }
}

/// An operand of a comparison, a membership or an offset: in parentheses
/// unless it is a single value.
fn operand(e: &Expr, vocab: &Vocabulary, out: &mut String) {
    grouped(e, vocab, out, |k| {
        !matches!(
            k,
            ExprKind::Attribute(_) | ExprKind::Literal(_) | ExprKind::QueryDate
        )
    });
}

fn grouped(e: &Expr, vocab: &Vocabulary, out: &mut String, parens: fn(&ExprKind) -> bool) {
    if parens(&e.kind) {
        out.push('(');
        write(e, vocab, out);
        out.push(')');
    } else {
        write(e, vocab, out);
    }
}

fn joined(
    parts: &[Expr],
    word: &str,
    vocab: &Vocabulary,
    out: &mut String,
    parens: fn(&ExprKind) -> bool,
) {
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(word);
        }
        grouped(p, vocab, out, parens);
    }
}
