//! Joins regions into few, and writes a region as a condition.
//!
//! A region is a product: for each attribute, a set of its classes. The
//! leaves of an interval ([`super::tree`]) that changed alike are joined
//! where they differ in one attribute only, so every region stays exact
//! and together they hold every query that changed. A region's set of classes for an attribute is written
//! as the atoms (or their negations) all its classes share, keeping only
//! those needed to tell it from the attribute's other classes; when no
//! conjunction does, as a disjunction of its classes.

use std::collections::{BTreeSet, HashMap};

use super::values::Dim;
use crate::eval::Truth;

/// For each dimension, the classes a region holds.
pub type Rect = Vec<BTreeSet<usize>>;

/// A leaf's region as a product: a fixed class, or every class.
pub fn rect(leaf: &[Option<usize>], dims: &[Dim]) -> Rect {
    leaf.iter()
        .zip(dims)
        .map(|(c, d)| match c {
            Some(c) => BTreeSet::from([*c]),
            None => (0..d.classes.len()).collect(),
        })
        .collect()
}

/// Joins products that differ in one dimension only, until none do; the
/// products given do not overlap, and neither do those made. Then a
/// product that takes the missing class (0) with some others but not all
/// is split in two, since "missing or equal to X" is not one condition.
pub fn merge(rects: Vec<Rect>, dims: &[Dim]) -> Vec<Rect> {
    // each dimension's classes as bits while they fit in one word
    if dims.iter().all(|d| d.classes.len() <= 128) {
        let masks = rects
            .iter()
            .map(|r| r.iter().map(to_mask).collect())
            .collect();
        let mut out: Vec<Rect> = split_missing(join(masks), dims)
            .into_iter()
            .map(|m| m.into_iter().map(from_mask).collect())
            .collect();
        out.sort();
        return out;
    }
    let mut out = split_missing(join(rects), dims);
    out.sort();
    out
}

fn to_mask(set: &BTreeSet<usize>) -> u128 {
    set.iter().fold(0, |m, &c| m | 1 << c)
}

fn from_mask(mask: u128) -> BTreeSet<usize> {
    (0..128).filter(|&c| mask & 1 << c != 0).collect()
}

/// A set of classes, as [`merge`] joins and splits them.
trait Classes: Clone + Default + Eq + std::hash::Hash {
    fn union(&mut self, other: Self);
    fn len(&self) -> usize;
    fn has_missing(&self) -> bool;
    fn only_missing() -> Self;
    fn without_missing(&mut self);
}

impl Classes for u128 {
    fn union(&mut self, other: u128) {
        *self |= other
    }
    fn len(&self) -> usize {
        self.count_ones() as usize
    }
    fn has_missing(&self) -> bool {
        self & 1 != 0
    }
    fn only_missing() -> u128 {
        1
    }
    fn without_missing(&mut self) {
        *self &= !1
    }
}

impl Classes for BTreeSet<usize> {
    fn union(&mut self, other: BTreeSet<usize>) {
        self.extend(other)
    }
    fn len(&self) -> usize {
        BTreeSet::len(self)
    }
    fn has_missing(&self) -> bool {
        self.contains(&0)
    }
    fn only_missing() -> BTreeSet<usize> {
        BTreeSet::from([0])
    }
    fn without_missing(&mut self) {
        self.remove(&0);
    }
}

/// Joins products that differ in one dimension only, until none do.
fn join<C: Classes>(mut rects: Vec<Vec<C>>) -> Vec<Vec<C>> {
    let dims = rects.first().map_or(0, Vec::len);
    let mut joined = true;
    while joined {
        joined = false;
        for d in 0..dims {
            // in order of first sight, found by the rest of the product
            let mut groups: Vec<Vec<C>> = Vec::new();
            let mut found: HashMap<Vec<C>, usize> = HashMap::new();
            for mut key in rects.drain(..) {
                let own = std::mem::take(&mut key[d]);
                match found.get(&key) {
                    Some(&i) => {
                        groups[i][d].union(own);
                        joined = true;
                    }
                    None => {
                        found.insert(key.clone(), groups.len());
                        key[d] = own;
                        groups.push(key);
                    }
                }
            }
            rects = groups;
        }
    }
    rects
}

/// Splits a product that takes the missing class with some others but not
/// all of them.
fn split_missing<C: Classes>(rects: Vec<Vec<C>>, dims: &[Dim]) -> Vec<Vec<C>> {
    let mut out = Vec::new();
    for r in rects {
        let mut parts = vec![r];
        for d in 0..dims.len() {
            let all = dims[d].classes.len();
            parts = parts
                .into_iter()
                .flat_map(|p| {
                    if p[d].has_missing() && p[d].len() > 1 && p[d].len() < all {
                        let (mut missing, mut given) = (p.clone(), p);
                        missing[d] = C::only_missing();
                        given[d].without_missing();
                        vec![missing, given]
                    } else {
                        vec![p]
                    }
                })
                .collect();
        }
        out.extend(parts);
    }
    out
}

/// A region's constraints on attributes, as a reader is told them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Constraint {
    /// A condition in edict's syntax, `None` for none.
    pub condition: Option<String>,
    /// Attributes the region's queries do not give.
    pub missing: Vec<String>,
    /// Attributes the region's queries give, with any value.
    pub given: Vec<String>,
}

/// How a region constrains attributes; false beside it when a set of
/// classes could not be told apart from the others by its atoms' truths
/// (an offset past the calendar, unknown), so the words are wider than the
/// region.
pub fn describe(rect: &Rect, dims: &[Dim]) -> (Constraint, bool) {
    let mut out = Constraint::default();
    let mut parts = Vec::new();
    let mut exact = true;
    for (set, dim) in rect.iter().zip(dims) {
        let all = dim.classes.len();
        if set.len() == all {
            continue;
        }
        if set.contains(&0) {
            out.missing.push(dim.name.clone());
        } else if set.len() == all - 1 {
            out.given.push(dim.name.clone());
        } else {
            let (text, told) = classes(dim, set);
            exact &= told;
            parts.push(text);
        }
    }
    if !parts.is_empty() {
        let many = parts.len() > 1;
        let parts: Vec<String> = parts
            .into_iter()
            .map(|p| {
                if many && p.contains(" or ") {
                    format!("({p})")
                } else {
                    p
                }
            })
            .collect();
        out.condition = Some(parts.join(" and "));
    }
    (out, exact)
}

/// A set of a dimension's classes (none missing) as a condition: the
/// shorter of the atoms they share and, when each holds one value alone,
/// those values.
fn classes(dim: &Dim, set: &BTreeSet<usize>) -> (String, bool) {
    let name = crate::syntax::written_name(&dim.name);
    let values: Option<Vec<String>> = set
        .iter()
        .map(|&c| dim.alone(c).map(|v| v.to_string()))
        .collect();
    let by_value = values.map(|v| match v.as_slice() {
        [one] => format!("{name} == {one}"),
        many => format!("{name} in [{}]", many.join(", ")),
    });
    if let Some(words) = conjunction(dim, set) {
        let words = match by_value {
            Some(v) if v.len() < words.len() => v,
            _ => words,
        };
        return (words, true);
    }
    if let Some(v) = by_value {
        return (v, true);
    }
    let mut exact = true;
    let parts: Vec<String> = set
        .iter()
        .map(
            |&c| match (dim.alone(c), conjunction(dim, &BTreeSet::from([c]))) {
                (Some(v), _) => format!("{name} == {v}"),
                (None, Some(w)) if w.contains(" and ") => format!("({w})"),
                (None, Some(w)) => w,
                (None, None) => {
                    exact = false;
                    let v = dim.classes[c]
                        .value
                        .as_ref()
                        .map_or(String::new(), |v| v.to_string());
                    format!("{name} == {v}")
                }
            },
        )
        .collect();
    (parts.join(" or "), exact)
}

/// The atoms (or negations) every class of `set` shares, fewest that still
/// tell exactly `set` from the other classes given; `None` when none do.
fn conjunction(dim: &Dim, set: &BTreeSet<usize>) -> Option<String> {
    let mut literals: Vec<(usize, Truth)> = (0..dim.atoms.len())
        .filter_map(|a| {
            let first = dim.classes[*set.first()?].truths[a];
            (first != Truth::Unknown && set.iter().all(|&c| dim.classes[c].truths[a] == first))
                .then_some((a, first))
        })
        .collect();
    let matched = |literals: &[(usize, Truth)]| -> BTreeSet<usize> {
        (1..dim.classes.len())
            .filter(|&c| literals.iter().all(|&(a, t)| dim.classes[c].truths[a] == t))
            .collect()
    };
    if literals.is_empty() || matched(&literals) != *set {
        return None;
    }
    let mut i = 0;
    while i < literals.len() {
        let mut fewer = literals.clone();
        fewer.remove(i);
        if !fewer.is_empty() && matched(&fewer) == *set {
            literals = fewer;
        } else {
            i += 1;
        }
    }
    let words: Vec<&str> = literals
        .iter()
        .map(|&(a, t)| {
            let (text, negation) = &dim.atoms[a];
            if t == Truth::True {
                text.as_str()
            } else {
                negation.as_str()
            }
        })
        .collect();
    Some(words.join(" and "))
}
