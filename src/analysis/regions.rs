//! Regions as people read them: the names of each kind made as general as
//! stays exact, and regions that run on from one interval of dates into
//! the next joined. `diff` and `who-may` both report regions so.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::Hash;

use chrono::NaiveDate;

use super::cells::{Named, KINDS};
use super::cover::Constraint;
use super::names::Family;

/// The names of a region, for one kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    /// The name and every name under it.
    Name(String),
    /// The name itself, and none of the names under it (they decide
    /// otherwise).
    Alone(String),
    /// Every name of the kind (for categories: every category given).
    Any,
    /// Every category, or none: queries whatever their category.
    AnyOrNone,
    /// Any name that no version mentions.
    Other,
    /// No category.
    NoCategory,
}

impl Label {
    /// The label of one cell's name.
    pub fn of(named: &Named) -> Label {
        match named {
            Named::Name(n) => Label::Name(n.clone()),
            Named::Other => Label::Other,
            Named::NoCategory => Label::NoCategory,
        }
    }
}

/// A region of queries with what is decided there.
pub trait Region: Clone {
    /// What is decided there, compared when regions are joined.
    type Outcome: Clone + Ord + Hash;
    fn names(&self) -> &[Label; 3];
    fn names_mut(&mut self) -> &mut [Label; 3];
    /// First and last date, inclusive; `None` for unbounded.
    fn dates(&self) -> (Option<NaiveDate>, Option<NaiveDate>);
    fn set_until(&mut self, until: Option<NaiveDate>);
    fn constraint(&self) -> &Constraint;
    fn outcome(&self) -> Self::Outcome;
}

/// Joins regions of a cell that run on from one interval into the next.
pub fn join_dates<R: Region>(raw: Vec<R>) -> Vec<R> {
    let mut out: Vec<R> = Vec::new();
    // the last region of each kind, by what must match to join
    let mut last: HashMap<([Label; 3], Constraint, R::Outcome), usize> = HashMap::new();
    for region in raw {
        let key = (
            region.names().clone(),
            region.constraint().clone(),
            region.outcome(),
        );
        match last.get(&key) {
            Some(&i) if out[i].dates().1.and_then(super::day_after) == region.dates().0 => {
                out[i].set_until(region.dates().1)
            }
            _ => {
                last.insert(key, out.len());
                out.push(region);
            }
        }
    }
    out
}

/// What a region says beside its names: compared when names are joined.
type Rest<O> = (Option<NaiveDate>, Option<NaiveDate>, Constraint, O);

fn rest<R: Region>(r: &R) -> Rest<R::Outcome> {
    let (from, until) = r.dates();
    (from, until, r.constraint().clone(), r.outcome())
}

/// Makes names as general as stays exact, kind by kind (actors, then
/// categories, then actions), for the kinds `open` says were walked; the
/// regions come out in the order of their names, dates and constraints.
pub fn generalize<R: Region>(
    mut regions: Vec<R>,
    family: &Family,
    universe: &[Vec<Named>; 3],
    open: [bool; 3],
) -> Vec<R> {
    for k in [1, 2, 0] {
        if open[k] {
            regions = generalize_kind(regions, k, family, &universe[k]);
        }
    }
    regions.sort_by(|a, b| {
        (a.names(), a.dates().0, a.constraint()).cmp(&(b.names(), b.dates().0, b.constraint()))
    });
    regions
}

/// Every label of a kind's names, and the same with no category.
fn everyone(names: &[Named]) -> (Vec<Label>, Vec<Label>) {
    let all: Vec<Label> = names
        .iter()
        .filter(|n| **n != Named::NoCategory)
        .map(Label::of)
        .collect();
    let mut with_none = all.clone();
    if names.contains(&Named::NoCategory) {
        with_none.push(Label::NoCategory);
    }
    (all, with_none)
}

fn generalize_kind<R: Region>(
    regions: Vec<R>,
    k: usize,
    family: &Family,
    names: &[Named],
) -> Vec<R> {
    // by the other kinds' labels: each name's regions
    let mut groups: BTreeMap<Vec<Label>, BTreeMap<Label, Vec<R>>> = BTreeMap::new();
    for r in regions {
        let others: Vec<Label> = (0..3)
            .filter(|&i| i != k)
            .map(|i| r.names()[i].clone())
            .collect();
        groups
            .entry(others)
            .or_default()
            .entry(r.names()[k].clone())
            .or_default()
            .push(r);
    }
    let (everyone, with_none) = everyone(names);
    let mut out = Vec::new();
    for (_, by_name) in groups {
        let shape = |label: &Label| -> Option<BTreeSet<Rest<R::Outcome>>> {
            by_name.get(label).map(|rs| rs.iter().map(rest).collect())
        };
        let alike = |labels: &[Label]| {
            if by_name.len() < labels.len() {
                return false;
            }
            let first = labels.first().and_then(&shape);
            first.is_some() && labels.iter().all(|l| shape(l) == first)
        };
        let mut taken: BTreeSet<Label> = BTreeSet::new();
        let mut lifted: Vec<(Label, Label)> = Vec::new();
        let worth = |labels: &[Label]| labels.len() > 1 || labels == [Label::Other];
        if with_none.len() > everyone.len() && alike(&with_none) {
            taken.extend(with_none.iter().cloned());
            // its witness gives no category: the simplest query there is
            lifted.push((Label::AnyOrNone, Label::NoCategory));
        } else if worth(&everyone) && alike(&everyone) {
            taken.extend(everyone.iter().cloned());
            lifted.push((Label::Any, everyone[0].clone()));
        } else {
            // the most general names first
            let mut named: Vec<(Vec<String>, &String)> = by_name
                .keys()
                .filter_map(|l| match l {
                    Label::Name(n) => Some((family.below(KINDS[k], n), n)),
                    _ => None,
                })
                .collect();
            named.sort_by_key(|(under, _)| std::cmp::Reverse(under.len()));
            for (under, name) in named {
                let label = Label::Name(name.clone());
                if taken.contains(&label) {
                    continue;
                }
                let Some(own) = shape(&label) else { continue };
                if under.len() > 1
                    && under
                        .iter()
                        .all(|u| shape(&Label::Name(u.clone())).as_ref() == Some(&own))
                {
                    taken.extend(under.into_iter().map(Label::Name));
                    lifted.push((label.clone(), label));
                }
            }
        }
        for (label, from) in lifted {
            for r in &by_name[&from] {
                let mut r = r.clone();
                r.names_mut()[k] = label.clone();
                out.push(r);
            }
        }
        for (label, rs) in by_name {
            if taken.contains(&label) {
                continue;
            }
            for mut r in rs {
                if let Label::Name(n) = &r.names()[k] {
                    if family.below(KINDS[k], n).len() > 1 {
                        let n = n.clone();
                        r.names_mut()[k] = Label::Alone(n);
                    }
                }
                out.push(r);
            }
        }
    }
    out
}

/// For each kind, a name that no version mentions, for witnesses of
/// regions about such names.
pub fn fresh_names(universe: &[Vec<Named>; 3]) -> [String; 3] {
    [0, 1, 2].map(|k| {
        let mut name = "someone_else".to_string();
        while universe[k].contains(&Named::Name(name.clone())) {
            name.push('_');
        }
        name
    })
}
