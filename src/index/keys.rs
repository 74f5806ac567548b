//! Attribute values as a further key, for cells that many rules crowd.
//!
//! A dense set has thousands of rules on each (action, actor, category)
//! cell, told apart by an attribute: `where country == "RU"`. Filed under
//! their names alone, every one of them is looked at for every query of
//! the cell. Here a cell's entries that share such a key are filed once
//! more, under the values their condition admits, so that a query looks at
//! the entries of its own value (and of none, for a value no rule names).
//!
//! A rule is keyed on attribute `a` by a conjunct of its `where` that can
//! only hold when the query's `a` is one of some literals: `a == V`,
//! `a in [V, W]` (a named list is in place by now), or an `or` whose every
//! side is such a conjunct on `a`. Where that conjunct is false the whole
//! `where` is, and the rule cannot apply, so leaving it out is exact. A
//! query that does not give `a` makes that conjunct unknown, which can make
//! a deny apply: such a query looks at every keyed entry of the cell.
//! Equality of values is [`Value`]'s own, the one the evaluators use.
//!
//! A rule whose whole condition is its key (`where country == "RU"`, no
//! `unless`) needs no evaluating once its value's entries are found: its
//! entry in the group is filed without its conditions flag. A query that
//! does not give the attribute meets every entry of the group as unknown at
//! best, which is exact: each has a conjunct on the attribute, unknown
//! then, so its condition is unknown or false, never true.

use std::collections::{BTreeMap, HashMap};

use super::{Entry, CONDITIONAL};
use crate::model::{Expr, ExprKind, Policy, Query};
use crate::syntax::ast::CompareOp;
use crate::value::Value;

/// A cell is keyed when it has at least this many entries...
pub const KEYED_CELL: usize = 8;

/// ...and at least this many of them are keyed on one attribute.
pub const KEYED_ENTRIES: usize = 4;

/// The bit of [`Entry::rule`] that marks a group's entry: the rest of the
/// field is the group's number in [`Keyed::groups`]. (A rule's own number
/// stays below it: a set of 2^30 rules would need a hundred gigabytes.)
pub const GROUP: u32 = 1 << 30;

/// The value id a query's value has when no keyed rule names it.
const UNNAMED: u32 = u32::MAX;

/// The keyed entries of one cell.
#[derive(Debug)]
struct Group {
    attribute: u32,
    /// Where the group's buckets are in [`Keyed::buckets`], and how many.
    buckets: (u32, u32),
    /// Whether the buckets are a table by value id (every id the attribute
    /// had when the group was filed, an empty bucket for most), found in
    /// one look; else only the group's values, by id, searched.
    direct: bool,
    /// Every entry of the group, for a query without the attribute (an
    /// entry keyed on several values is there once for each).
    all: (u32, u32),
}

/// One value's entries in [`Keyed::entries`]: (value id, start, length).
type Bucket = (u32, u32, u32);

/// A group's buckets are a table by value id when it would hold at most
/// this many empty buckets for each full one.
const SPARSE: usize = 4;

/// The keyed entries of every cell, and the values they are keyed on.
#[derive(Debug)]
pub struct Keyed {
    /// [`KEYED_CELL`] and [`KEYED_ENTRIES`], or smaller for the tests.
    least_cell: usize,
    least_keyed: usize,
    /// By attribute: each value some keyed rule names, and its id.
    dictionary: Vec<HashMap<Value, u32>>,
    groups: Vec<Group>,
    buckets: Vec<Bucket>,
    entries: Vec<Entry>,
}

impl Keyed {
    pub fn new(least_cell: usize, least_keyed: usize) -> Keyed {
        Keyed {
            least_cell,
            least_keyed,
            dictionary: Vec::new(),
            groups: Vec::new(),
            buckets: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// Files one cell's entries (a run's entries of one category key):
    /// those keyed on the cell's commonest key attribute into a group of
    /// their own, with one entry in `out` that leads to it, and the others
    /// into `out` as they are.
    pub fn file(&mut self, policy: &Policy, cell: Vec<Entry>, out: &mut Vec<Entry>) {
        // (a set would need billions of crowded cells to run out of numbers)
        if cell.len() < self.least_cell || self.groups.len() as u32 >= GROUP - 1 {
            out.extend(cell);
            return;
        }
        let keys: Vec<Vec<(usize, Vec<&Value>)>> = cell
            .iter()
            .map(|e| {
                let rule = &policy.rules[e.index()];
                rule.where_.as_deref().map_or_else(Vec::new, keys_of)
            })
            .collect();
        let Some(attribute) = commonest(&keys, self.least_keyed) else {
            out.extend(cell);
            return;
        };
        let category = cell[0].category;
        let mut buckets: BTreeMap<u32, Vec<Entry>> = BTreeMap::new();
        let (mut from, mut until) = (i32::MAX, i32::MIN);
        for (mut e, keys) in cell.into_iter().zip(&keys) {
            let Some((_, values)) = keys.iter().find(|(a, _)| *a == attribute) else {
                out.push(e);
                continue;
            };
            if is_whole_key(&policy.rules[e.index()]) {
                e.rule &= !CONDITIONAL;
            }
            let mut ids: Vec<u32> = values.iter().map(|v| self.id(attribute, v)).collect();
            ids.sort_unstable();
            ids.dedup();
            for id in ids {
                buckets.entry(id).or_default().push(e);
            }
            (from, until) = (from.min(e.from), until.max(e.until));
        }
        let start = self.entries.len() as u32;
        let first = self.buckets.len();
        let ids = self.dictionary[attribute].len();
        let direct = ids <= SPARSE * buckets.len().max(1) + 8;
        if direct {
            self.buckets.resize(first + ids, (UNNAMED, 0, 0));
        }
        for (id, entries) in buckets {
            let bucket = (id, self.entries.len() as u32, entries.len() as u32);
            match direct {
                true => self.buckets[first + id as usize] = bucket,
                false => self.buckets.push(bucket),
            }
            self.entries.extend(entries);
        }
        let number = self.groups.len() as u32;
        self.groups.push(Group {
            attribute: attribute as u32,
            buckets: (first as u32, (self.buckets.len() - first) as u32),
            direct,
            all: (start, self.entries.len() as u32 - start),
        });
        out.push(Entry {
            category,
            rule: GROUP | number,
            from,
            until,
        });
    }

    /// The id of a value of `attribute`, given one if it has none.
    fn id(&mut self, attribute: usize, value: &Value) -> u32 {
        if self.dictionary.len() <= attribute {
            self.dictionary.resize_with(attribute + 1, HashMap::new);
        }
        let values = &mut self.dictionary[attribute];
        let next = values.len() as u32;
        *values.entry(value.clone()).or_insert(next)
    }

    /// The entries of group `number` that a query may match: those of its
    /// value, or every one when the query does not give the attribute (the
    /// second part of the answer is false then: each is unknown at best).
    /// `seen` keeps the query's value ids, looked up once a query.
    pub fn entries<'a>(
        &'a self,
        number: u32,
        query: &Query,
        seen: &mut Vec<(u32, u32)>,
    ) -> (&'a [Entry], bool) {
        let group = &self.groups[number as usize];
        let range =
            |(start, len): (u32, u32)| &self.entries[start as usize..(start + len) as usize];
        let Some(value) = &query.attributes[group.attribute as usize] else {
            return (range(group.all), false);
        };
        let id = match seen.iter().find(|(a, _)| *a == group.attribute) {
            Some(&(_, id)) => id,
            None => {
                let id = self.dictionary[group.attribute as usize]
                    .get(value)
                    .copied()
                    .unwrap_or(UNNAMED);
                seen.push((group.attribute, id));
                id
            }
        };
        let (first, len) = group.buckets;
        let buckets = &self.buckets[first as usize..(first + len) as usize];
        let bucket = match group.direct {
            // an id given after the group was filed is past its table
            true => buckets.get(id as usize),
            false => buckets
                .binary_search_by_key(&id, |b| b.0)
                .ok()
                .map(|i| &buckets[i]),
        };
        match bucket {
            Some(&(_, start, len)) => (range((start, len)), true),
            None => (&[], true),
        }
    }

    /// The number of keyed cells (for tests).
    pub fn groups(&self) -> usize {
        self.groups.len()
    }
}

/// Whether the rule's condition is its key alone: its `where` an equality
/// or an `in` of literals, and no `unless`.
fn is_whole_key(rule: &crate::model::Rule) -> bool {
    let Some(w) = rule.where_.as_deref() else {
        return false;
    };
    let key = matches!(
        &w.kind,
        ExprKind::Compare(CompareOp::Eq, ..) | ExprKind::In { negated: false, .. }
    );
    // keys_of is what says the operands are an attribute and literals
    rule.unless.is_none() && key && !keys_of(w).is_empty()
}

/// The attribute most of a cell's entries are keyed on, if at least `least`
/// are.
fn commonest(keys: &[Vec<(usize, Vec<&Value>)>], least: usize) -> Option<usize> {
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    for entry in keys {
        let mut attributes: Vec<usize> = entry.iter().map(|(a, _)| *a).collect();
        attributes.sort_unstable();
        attributes.dedup();
        for a in attributes {
            *counts.entry(a).or_default() += 1;
        }
    }
    let (attribute, count) = counts
        .into_iter()
        .max_by_key(|&(a, n)| (n, usize::MAX - a))?;
    (count >= least).then_some(attribute)
}

/// The keys a condition gives: each (attribute, values) such that the
/// condition can hold only when the query's attribute is one of the values.
fn keys_of(e: &Expr) -> Vec<(usize, Vec<&Value>)> {
    match &e.kind {
        ExprKind::Compare(CompareOp::Eq, l, r) => match (&l.kind, &r.kind) {
            (&ExprKind::Attribute(a), ExprKind::Literal(v))
            | (ExprKind::Literal(v), &ExprKind::Attribute(a)) => vec![(a, vec![v])],
            _ => Vec::new(),
        },
        ExprKind::In {
            negated: false,
            item,
            list,
        } => {
            let ExprKind::Attribute(a) = item.kind else {
                return Vec::new();
            };
            let values: Option<Vec<&Value>> = list
                .iter()
                .map(|el| match &el.kind {
                    ExprKind::Literal(v) => Some(v),
                    _ => None,
                })
                .collect();
            values.map_or_else(Vec::new, |values| vec![(a, values)])
        }
        ExprKind::And(parts) => parts.iter().flat_map(keys_of).collect(),
        ExprKind::Or(parts) => {
            let sides: Vec<_> = parts.iter().map(keys_of).collect();
            let Some((first, others)) = sides.split_first() else {
                return Vec::new();
            };
            first
                .iter()
                .filter_map(|(a, values)| {
                    let mut union = values.clone();
                    for side in others {
                        let (_, more) = side.iter().find(|(b, _)| b == a)?;
                        union.extend(more);
                    }
                    Some((*a, union))
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(a: usize) -> Expr {
        expr(ExprKind::Attribute(a))
    }

    fn text(t: &str) -> Expr {
        expr(ExprKind::Literal(Value::Text(t.into())))
    }

    fn expr(kind: ExprKind) -> Expr {
        Expr {
            kind,
            span: crate::source::Span::new(0, 0, 0),
        }
    }

    fn eq(a: usize, t: &str) -> Expr {
        expr(ExprKind::Compare(
            CompareOp::Eq,
            Box::new(attribute(a)),
            Box::new(text(t)),
        ))
    }

    fn texts(keys: &[(usize, Vec<&Value>)]) -> Vec<(usize, Vec<String>)> {
        keys.iter()
            .map(|(a, vs)| (*a, vs.iter().map(|v| v.to_string()).collect()))
            .collect()
    }

    #[test]
    fn conjuncts_and_disjunctions_on_one_attribute_are_keys() {
        let both = expr(ExprKind::And(vec![eq(0, "RU"), eq(1, "x")]));
        assert_eq!(
            texts(&keys_of(&both)),
            [(0, vec!["\"RU\"".into()]), (1, vec!["\"x\"".into()])]
        );
        let either = expr(ExprKind::Or(vec![eq(0, "RU"), eq(0, "BY")]));
        assert_eq!(
            texts(&keys_of(&either)),
            [(0, vec!["\"RU\"".into(), "\"BY\"".into()])]
        );
    }

    #[test]
    fn what_can_hold_for_any_value_is_no_key() {
        let mixed = expr(ExprKind::Or(vec![eq(0, "RU"), eq(1, "x")]));
        assert!(keys_of(&mixed).is_empty());
        let not = expr(ExprKind::Not(Box::new(eq(0, "RU"))));
        assert!(keys_of(&not).is_empty());
        let ne = expr(ExprKind::Compare(
            CompareOp::Ne,
            Box::new(attribute(0)),
            Box::new(text("RU")),
        ));
        assert!(keys_of(&ne).is_empty());
        let not_in = expr(ExprKind::In {
            negated: true,
            item: Box::new(attribute(0)),
            list: vec![text("RU")],
        });
        assert!(keys_of(&not_in).is_empty());
    }
}
