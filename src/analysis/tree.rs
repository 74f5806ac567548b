//! Deciding an interval of a cell without deciding every combination of
//! classes: the attributes are fixed one at a time, and as soon as every
//! condition of the rules that hold there (and of the memberships) has the
//! same truth whatever the attributes not yet fixed, one query decides the
//! whole rest. Each such leaf is a region: the classes fixed, and any
//! class of the others. A set that reads ten attributes in a few rules
//! then costs its leaves, not the product of its classes; and a diff
//! ([`Focus`]) decides only where a changed rule may apply.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::cells::{query, Resolution};
use super::values::Dim;
use super::{Outcome, Sides, TooLarge};
use crate::eval::{truth, Truth};
use crate::model::{Expr, ExprKind, Query, QueryNames};
use crate::value::Value;

/// A region of an interval (for each dimension the class fixed, or `None`
/// for any) and the outcome in each set.
pub type Leaf = (Vec<Option<usize>>, Vec<Outcome>);

/// The most leaves decided in one interval of one cell.
pub const MOST_LEAVES: usize = 1 << 18;

/// What an interval is split over.
pub struct Space<'a, 'p> {
    pub sides: &'a Sides<'p>,
    pub cell: &'a [Resolution],
    pub date: NaiveDate,
    pub dims: &'a [Dim],
    pub given: &'a [(String, Value)],
    /// The same, in each set by attribute index.
    pub givens: &'a [Vec<Option<Value>>],
    /// In each set, the rules whose windows hold.
    pub rules: &'a [Vec<usize>],
    /// For a diff: which rules changed (see [`Focus`]).
    pub focus: Option<&'a Focus>,
}

/// Which rules of each version have no equal in the other. When the
/// vocabularies, default and combining are alike (and, for `first
/// applicable`, the rules both have keep their order), queries to which no
/// changed rule applies decide alike, so a region where every changed rule
/// is settled not to apply is left out without deciding it.
#[derive(Debug, Clone)]
pub struct Focus {
    /// By set, then rule.
    pub changed: Vec<Vec<bool>>,
    /// By set, then rule: what a rule brings to a decision when it applies
    /// (its key, effect, priority and the denies it exempts). Where the
    /// changed rules that apply bring the same in both versions, the
    /// versions decide alike.
    pub roles: Vec<Vec<String>>,
}

/// A changed rule, for [`Focus`].
struct Changed {
    side: usize,
    rule: usize,
    /// Whether its names hold for the cell without any conditional
    /// membership (true, or unknown for a query without a category);
    /// `None` when they hold only through one.
    scope: Option<Truth>,
    /// A deny (not an exemption), which applies when its match is unknown.
    deny: bool,
}

/// The leaves of an interval.
pub fn leaves(space: &Space<'_, '_>) -> Result<Vec<Leaf>, TooLarge> {
    let given = space.givens;
    let mut compile = Compile { space, given };
    let mut conditions: Vec<(Node, Option<Changed>)> = Vec::new();
    for (side, policy) in space.sides.policies().enumerate() {
        for &r in &space.rules[side] {
            let rule = &policy.rules[r];
            let mut parts: Vec<Node> = Vec::new();
            if let Some(w) = &rule.where_ {
                parts.push(compile.node(side, w));
            }
            if let Some(u) = &rule.unless {
                parts.push(Node::Not(Box::new(compile.node(side, u))));
            }
            let changed = space.focus.filter(|f| f.changed[side][r]).map(|_| Changed {
                side,
                rule: r,
                scope: plain_scope(policy, &space.cell[side], rule),
                deny: rule.effect == crate::Effect::Deny && !rule.is_exemption(),
            });
            conditions.push((Node::And(parts), changed));
        }
        for m in &policy.vocabulary.memberships {
            let date = space.date;
            if m.from.is_none_or(|f| f <= date) && m.until.is_none_or(|u| date <= u) {
                if let Some(c) = &m.condition {
                    conditions.push((compile.node(side, c), None));
                }
            }
        }
    }
    let mut walk = Walk {
        space,
        given,
        conditions,
        known: HashMap::new(),
        out: Vec::new(),
    };
    let mut fixed = vec![None; space.dims.len()];
    walk.explore(&mut fixed)?;
    Ok(walk.out)
}

/// Whether a rule's names hold for a cell through plain memberships:
/// true, or unknown for a query without a category against a `to category`
/// clause; `None` when they hold only through a conditional membership.
fn plain_scope(
    policy: &crate::model::Policy,
    cell: &Resolution,
    rule: &crate::model::Rule,
) -> Option<Truth> {
    let kinds = super::cells::KINDS;
    let mut scope = Truth::True;
    for (k, names) in [&rule.actions, &rule.actors, &rule.categories]
        .into_iter()
        .enumerate()
    {
        let Some(ids) = names else { continue };
        if k == 2 && cell.no_category {
            scope = scope.and(Truth::Unknown);
            continue;
        }
        let above = cell.names[k]
            .0
            .map(|id| policy.vocabulary.names(kinds[k]).ancestors_or_self(id));
        let held = above.is_some_and(|above| ids.iter().any(|&i| above[i as usize]));
        if !held {
            return None;
        }
    }
    Some(scope)
}

/// A condition ready to be read with some attributes fixed.
enum Node<'p> {
    Not(Box<Node<'p>>),
    And(Vec<Node<'p>>),
    Or(Vec<Node<'p>>),
    /// An atom that reads no attribute, or only given ones.
    Known(Truth),
    /// An atom of one attribute: its truth for each class.
    One {
        dim: usize,
        truths: Vec<Truth>,
    },
    /// An atom of several: read when they are all fixed.
    Many {
        side: usize,
        expr: &'p Expr,
        /// The attributes it reads and their dimensions.
        read: Vec<(usize, usize)>,
    },
}

struct Compile<'s, 'a, 'p> {
    space: &'s Space<'a, 'p>,
    given: &'s [Vec<Option<Value>>],
}

impl<'p> Compile<'_, '_, 'p> {
    fn node(&mut self, side: usize, e: &'p Expr) -> Node<'p> {
        match &e.kind {
            ExprKind::Not(inner) => Node::Not(Box::new(self.node(side, inner))),
            ExprKind::And(parts) => Node::And(parts.iter().map(|p| self.node(side, p)).collect()),
            ExprKind::Or(parts) => Node::Or(parts.iter().map(|p| self.node(side, p)).collect()),
            _ => self.atom(side, e),
        }
    }

    fn atom(&mut self, side: usize, e: &'p Expr) -> Node<'p> {
        let mut attributes = Vec::new();
        e.attributes(&mut attributes);
        attributes.retain(|&a| self.given[side][a].is_none());
        let dims = self.space.dims;
        // an attribute no dimension stands for is read by no rule that
        // holds here: it is missing
        let read: Vec<(usize, usize)> = attributes
            .iter()
            .filter_map(|&a| {
                dims.iter()
                    .position(|d| d.index[side] == Some(a))
                    .map(|d| (a, d))
            })
            .collect();
        let probe = |values: &[(usize, Option<Value>)]| {
            let mut q = Query {
                action: None,
                actor: None,
                category: None,
                date: self.space.date,
                attributes: self.given[side].clone(),
                strangers: QueryNames::default(),
            };
            for (a, v) in values {
                q.attributes[*a].clone_from(v);
            }
            truth(e, &q)
        };
        match read.as_slice() {
            [] => Node::Known(probe(&[])),
            [(a, d)] => Node::One {
                dim: *d,
                truths: dims[*d]
                    .classes
                    .iter()
                    .map(|c| probe(&[(*a, c.value.clone())]))
                    .collect(),
            },
            _ => Node::Many {
                side,
                expr: e,
                read,
            },
        }
    }
}

struct Walk<'s, 'a, 'p> {
    space: &'s Space<'a, 'p>,
    /// In each set, the values every query gives, by attribute.
    given: &'s [Vec<Option<Value>>],
    /// Each rule's `where` and not `unless`, and each membership's
    /// condition; beside a changed rule, what it is.
    conditions: Vec<(Node<'p>, Option<Changed>)>,
    /// The truths of atoms of several attributes already read: by atom
    /// and classes.
    known: HashMap<(usize, Vec<usize>), Truth>,
    out: Vec<Leaf>,
}

impl Walk<'_, '_, '_> {
    fn explore(&mut self, fixed: &mut Vec<Option<usize>>) -> Result<(), TooLarge> {
        let mut open = vec![0usize; fixed.len()];
        let mut settled = true;
        // the roles of the changed rules that apply, by set; `None` once
        // one is not settled
        let mut applying: Option<[Vec<&str>; 2]> = self.space.focus.map(|_| Default::default());
        let conditions = std::mem::take(&mut self.conditions);
        for (c, changed) in &conditions {
            // a changed rule's attributes are split first
            let mut counts = vec![0usize; fixed.len()];
            let truth = self.partial(c, fixed, &mut counts);
            let weight = if changed.is_some() { 1000 } else { 1 };
            for (o, n) in open.iter_mut().zip(counts) {
                *o += n * weight;
            }
            settled &= truth.is_some();
            if let (Some(ch), Some(roles)) = (changed, applying.as_mut()) {
                match (truth, ch.scope) {
                    (Some(Truth::False), _) => {}
                    (Some(t), Some(scope)) => {
                        let t = t.and(scope);
                        if t == Truth::True || (t == Truth::Unknown && ch.deny) {
                            let focus = self.space.focus.expect("a focus");
                            roles[ch.side].push(&focus.roles[ch.side][ch.rule]);
                        }
                    }
                    _ => applying = None,
                }
            }
        }
        self.conditions = conditions;
        if let Some([mut old, mut new]) = applying {
            old.sort_unstable();
            new.sort_unstable();
            if old == new {
                return Ok(());
            }
        }
        if settled {
            if self.out.len() == MOST_LEAVES {
                return Err(TooLarge(format!(
                    "the rules' conditions split the queries of one cell into more than {MOST_LEAVES} regions"
                )));
            }
            let outcomes = self.decide(fixed);
            self.out.push((fixed.clone(), outcomes));
            return Ok(());
        }
        let d = (0..fixed.len())
            .filter(|&d| fixed[d].is_none())
            .max_by_key(|&d| (open[d], std::cmp::Reverse(d)))
            .expect("an open condition reads an attribute not yet fixed");
        for class in 0..self.space.dims[d].classes.len() {
            fixed[d] = Some(class);
            self.explore(fixed)?;
        }
        fixed[d] = None;
        Ok(())
    }

    /// The outcome in each set of a region whose conditions are settled:
    /// any query of it, the attributes not fixed missing.
    fn decide(&self, fixed: &[Option<usize>]) -> Vec<Outcome> {
        let classes: Vec<usize> = fixed.iter().map(|c| c.unwrap_or(0)).collect();
        let s = self.space;
        s.sides
            .sets
            .iter()
            .enumerate()
            .map(|(side, set)| {
                let q = query(
                    set.policy(),
                    side,
                    &s.cell[side],
                    s.date,
                    s.dims,
                    &classes,
                    s.given,
                );
                Outcome::of(&set.decide(&q))
            })
            .collect()
    }

    /// The truth of a condition with the attributes fixed so far; `None`
    /// when it turns on one not fixed yet (counted in `open`).
    fn partial(
        &mut self,
        node: &Node<'_>,
        fixed: &[Option<usize>],
        open: &mut [usize],
    ) -> Option<Truth> {
        match node {
            Node::Known(t) => Some(*t),
            Node::One { dim, truths } => match fixed[*dim] {
                Some(c) => Some(truths[c]),
                None => {
                    open[*dim] += 1;
                    None
                }
            },
            Node::Not(inner) => self.partial(inner, fixed, open).map(Truth::negate),
            Node::And(parts) | Node::Or(parts) => {
                let and = matches!(node, Node::And(_));
                let (stop, mut acc) = if and {
                    (Truth::False, Truth::True)
                } else {
                    (Truth::True, Truth::False)
                };
                let mut unsettled = false;
                for p in parts {
                    match self.partial(p, fixed, open) {
                        Some(t) if t == stop => return Some(stop),
                        Some(t) => acc = if and { acc.and(t) } else { acc.or(t) },
                        None => unsettled = true,
                    }
                }
                (!unsettled).then_some(acc)
            }
            Node::Many { side, expr, read } => {
                let mut classes = Vec::with_capacity(read.len());
                for &(_, d) in read {
                    match fixed[d] {
                        Some(c) => classes.push(c),
                        None => open[d] += 1,
                    }
                }
                if classes.len() < read.len() {
                    return None;
                }
                let key = (*expr as *const Expr as usize, classes);
                if let Some(&t) = self.known.get(&key) {
                    return Some(t);
                }
                let mut q = Query {
                    action: None,
                    actor: None,
                    category: None,
                    date: self.space.date,
                    attributes: self.given[*side].clone(),
                    strangers: QueryNames::default(),
                };
                for (&(a, d), &c) in read.iter().zip(&key.1) {
                    q.attributes[a].clone_from(&self.space.dims[d].classes[c].value);
                }
                let t = truth(expr, &q);
                self.known.insert(key, t);
                Some(t)
            }
        }
    }
}
