//! Gathers combinations of classes into few regions, and writes a region
//! as a condition.
//!
//! A region is a product: for each attribute, a set of its classes. The
//! points to cover are grown greedily into the largest products that hold
//! only points of the set, so every region is exact and together they
//! cover every point. A region's set of classes for an attribute is written
//! as the atoms (or their negations) all its classes share, keeping only
//! those needed to tell it from the attribute's other classes; when no
//! conjunction does, as a disjunction of its classes.

use std::collections::BTreeSet;

use super::values::Dim;
use crate::eval::Truth;

/// For each dimension, the classes a region holds.
pub type Rect = Vec<BTreeSet<usize>>;

/// Products of classes that together hold exactly `points` (each a class
/// for each dimension), in a fixed order. A product takes the missing class
/// (0) with others only when it takes them all (no constraint): "missing or
/// equal to X" is two regions.
pub fn cover(points: &BTreeSet<Vec<usize>>, dims: &[Dim]) -> Vec<Rect> {
    let mut covered: BTreeSet<&Vec<usize>> = BTreeSet::new();
    let mut out: Vec<Rect> = Vec::new();
    for point in points {
        if covered.contains(point) {
            continue;
        }
        let mut rect: Rect = point.iter().map(|&c| BTreeSet::from([c])).collect();
        let mut grown = true;
        while grown {
            grown = false;
            for d in 0..dims.len() {
                // all of a dimension's classes, the missing one too, is no
                // constraint at all: try that first
                let all: BTreeSet<usize> = (0..dims[d].classes.len()).collect();
                if rect[d] != all {
                    let before = std::mem::replace(&mut rect[d], all);
                    if inside(&rect, points) {
                        grown = true;
                        continue;
                    }
                    rect[d] = before;
                }
                for class in 0..dims[d].classes.len() {
                    if rect[d].contains(&class) || (class == 0) != rect[d].contains(&0) {
                        continue;
                    }
                    rect[d].insert(class);
                    if inside(&rect, points) {
                        grown = true;
                    } else {
                        rect[d].remove(&class);
                    }
                }
            }
        }
        for p in points.iter().filter(|p| holds(&rect, p)) {
            covered.insert(p);
        }
        out.push(rect);
    }
    out
}

fn holds(rect: &Rect, point: &[usize]) -> bool {
    rect.iter().zip(point).all(|(set, c)| set.contains(c))
}

/// Whether every point of the product is one of `points`.
fn inside(rect: &Rect, points: &BTreeSet<Vec<usize>>) -> bool {
    let mut point: Vec<usize> = rect.iter().map(|s| *s.first().expect("a class")).collect();
    let sets: Vec<Vec<usize>> = rect.iter().map(|s| s.iter().copied().collect()).collect();
    let mut at = vec![0usize; sets.len()];
    loop {
        if !points.contains(&point) {
            return false;
        }
        let mut d = sets.len();
        loop {
            if d == 0 {
                return true;
            }
            d -= 1;
            at[d] += 1;
            if at[d] < sets[d].len() {
                point[d] = sets[d][at[d]];
                break;
            }
            at[d] = 0;
            point[d] = sets[d][0];
        }
    }
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

/// A set of a dimension's classes (none missing) as a condition.
fn classes(dim: &Dim, set: &BTreeSet<usize>) -> (String, bool) {
    if let Some(words) = conjunction(dim, set) {
        return (words, true);
    }
    let mut exact = true;
    let parts: Vec<String> = set
        .iter()
        .map(|&c| match conjunction(dim, &BTreeSet::from([c])) {
            Some(w) if w.contains(" and ") => format!("({w})"),
            Some(w) => w,
            None => {
                exact = false;
                format!(
                    "{} == {}",
                    dim.name,
                    dim.classes[c]
                        .value
                        .as_ref()
                        .map_or(String::new(), |v| v.to_string())
                )
            }
        })
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
