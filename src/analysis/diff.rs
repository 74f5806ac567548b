//! `edict diff`: every region of queries whose decision or deciding rules
//! differ between two versions of a set, exactly.
//!
//! Each cell of names is decided in both versions over its intervals and
//! classes ([`super::cells`]); a cell whose rules are the same in both
//! (and the vocabularies, default and combining alike) cannot differ and is
//! skipped, which keeps a small change to a large set fast. The points that
//! differ are gathered into regions ([`super::cover`]), regions that run on
//! from one interval into the next are joined, and then names are made as
//! general as stays exact: when every name at or under `partner` changed
//! alike, the region says `partner`; when every name of the kind did,
//! `any`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use super::cells::{self, Named, Resolution, KINDS};
use super::cover::{self, Constraint};
use super::names::{self, ByAction, Family};
pub use super::regions::Label;
use super::regions::{self, Region};
use super::tree::Focus;
use super::{atoms, Outcome, Sides, TooLarge, FIRST, LAST};
use crate::model::{NameId, Policy};
use crate::syntax::ast::Kind;
use crate::value::Value;
use crate::PolicySet;

/// A query in the region, to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    pub names: [Named; 3],
    pub date: NaiveDate,
    pub attributes: Vec<(String, Value)>,
}

/// One region and how its decision changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub names: [Label; 3],
    /// First and last date, inclusive; `None` for unbounded.
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub constraint: Constraint,
    pub before: Outcome,
    pub after: Outcome,
    pub witness: Witness,
}

impl Region for Change {
    type Outcome = (Outcome, Outcome);
    fn names(&self) -> &[Label; 3] {
        &self.names
    }
    fn names_mut(&mut self) -> &mut [Label; 3] {
        &mut self.names
    }
    fn dates(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        (self.from, self.until)
    }
    fn set_until(&mut self, until: Option<NaiveDate>) {
        self.until = until;
    }
    fn constraint(&self) -> &Constraint {
        &self.constraint
    }
    fn outcome(&self) -> (Outcome, Outcome) {
        (self.before.clone(), self.after.clone())
    }
}

/// A name declared in one version and not the other.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Word {
    /// `action`, `actor`, `category` or `attribute`.
    pub kind: &'static str,
    pub name: String,
}

/// Everything that differs.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    pub changes: Vec<Change>,
    pub added: Vec<Word>,
    pub removed: Vec<Word>,
    /// Atoms split on sample values rather than exactly: empty when the
    /// answer is proven exact.
    pub sampled: Vec<String>,
}

/// The changes between two versions of a set.
pub fn diff(old: &PolicySet, new: &PolicySet) -> Result<Diff, TooLarge> {
    let sets = [old, new];
    let sides = Sides { sets: &sets };
    let universe = cells::universe(&sides);
    let prints: Vec<Vec<(String, String)>> = sides.policies().map(fingerprints).collect();
    let keys: Vec<Vec<&str>> = prints
        .iter()
        .map(|p| p.iter().map(|(key, _)| key.as_str()).collect())
        .collect();
    let focus = focus(old.policy(), new.policy(), &prints);
    let family = Family::new(&sides);
    let by_action: Vec<ByAction> = sides.policies().map(ByAction::new).collect();
    let mut candidates: [HashMap<Named, Vec<usize>>; 2] = Default::default();
    let mut raw: Vec<Change> = Vec::new();
    let mut sampled = BTreeSet::new();
    for cell in names::cells(&sides, &universe, focus.as_ref(), &family)? {
        let Some(resolved) = sides
            .policies()
            .map(|p| cells::resolve_cell(p, &cell))
            .collect::<Option<Vec<Resolution>>>()
        else {
            continue;
        };
        let rules: Vec<Vec<usize>> = (0..2)
            .map(|s| {
                let policy = sides.policy(s);
                let candidates = candidates[s]
                    .entry(cell[0].clone())
                    .or_insert_with(|| by_action[s].candidates(policy, &cell[0]));
                cells::relevant(policy, &resolved[s], candidates)
            })
            .collect();
        let unchanged = |f: &Focus| (0..2).all(|s| rules[s].iter().all(|&r| !f.changed[s][r]));
        if focus.as_ref().is_some_and(unchanged) {
            continue;
        }
        let (decided, cell_sampled) =
            cells::decide_cell(&sides, &resolved, &rules, &[], focus.as_ref(), None)?;
        sampled.extend(cell_sampled);
        // the deciding rules compared as a set, whatever their order
        let differ = |a: &Outcome, b: &Outcome| {
            let sorted = |o: &Outcome, side: usize| {
                let mut ks: Vec<&str> = o.rules.iter().map(|&r| keys[side][r]).collect();
                ks.sort_unstable();
                ks
            };
            a.effect != b.effect || sorted(a, 0) != sorted(b, 1)
        };
        raw.extend(changes_of(&cell, &decided, differ));
    }
    let mut changes = regions::generalize(regions::join_dates(raw), &family, &universe, [true; 3]);
    let fresh = regions::fresh_names(&universe);
    for c in &mut changes {
        for (name, fresh) in c.witness.names.iter_mut().zip(&fresh) {
            if *name == Named::Other {
                *name = Named::Name(fresh.clone());
            }
        }
    }
    let (added, removed) = vocabulary(old.policy(), new.policy());
    Ok(Diff {
        changes,
        added,
        removed,
        sampled: sampled.into_iter().collect(),
    })
}

/// Which rules changed, when only rules did: the vocabularies, default and
/// combining alike, and under `first applicable` the rules both versions
/// have in the same order.
fn focus(old: &Policy, new: &Policy, prints: &[Vec<(String, String)>]) -> Option<Focus> {
    if frame(old) != frame(new) {
        return None;
    }
    fn count(p: &[(String, String)]) -> BTreeMap<&(String, String), usize> {
        let mut counts = BTreeMap::new();
        for f in p {
            *counts.entry(f).or_default() += 1;
        }
        counts
    }
    let counts = [count(&prints[0]), count(&prints[1])];
    // a print is common when the other version has it as often
    let changed: Vec<Vec<bool>> = (0..2)
        .map(|s| {
            prints[s]
                .iter()
                .map(|f| counts[1 - s].get(f) != counts[s].get(f))
                .collect()
        })
        .collect();
    if old.combining == crate::syntax::ast::Combining::FirstApplicable {
        let common = |s: usize| {
            prints[s]
                .iter()
                .zip(&changed[s])
                .filter(|(_, c)| !**c)
                .map(|(f, _)| f)
                .collect::<Vec<_>>()
        };
        if common(0) != common(1) {
            return None;
        }
    }
    let roles = [old, new]
        .iter()
        .zip(prints)
        .map(|(p, prints)| {
            p.rules
                .iter()
                .zip(prints)
                .map(|(r, (key, _))| {
                    let exempts = r.exempts.as_ref().map(|d| {
                        d.iter()
                            .map(|&i| p.rules[i].id().into_owned())
                            .collect::<Vec<_>>()
                    });
                    format!("{key}|{}|{}|{exempts:?}", r.kind(), r.priority)
                })
                .collect()
        })
        .collect();
    Some(Focus { changed, roles })
}

/// The regions of one cell where the versions differ, interval by interval.
fn changes_of(
    cell: &[Named; 3],
    decided: &[cells::Decided],
    differ: impl Fn(&Outcome, &Outcome) -> bool,
) -> Vec<Change> {
    let mut out = Vec::new();
    for interval in decided {
        let mut by_pair: BTreeMap<(&Outcome, &Outcome), Vec<cover::Rect>> = BTreeMap::new();
        for (leaf, outcomes) in &interval.leaves {
            if differ(&outcomes[0], &outcomes[1]) {
                by_pair
                    .entry((&outcomes[0], &outcomes[1]))
                    .or_default()
                    .push(cover::rect(leaf, &interval.dims));
            }
        }
        for ((before, after), rects) in by_pair {
            for rect in cover::merge(rects, &interval.dims) {
                let (constraint, _) = cover::describe(&rect, &interval.dims);
                let attributes = interval
                    .dims
                    .iter()
                    .zip(&rect)
                    .filter_map(|(dim, set)| {
                        let class = &dim.classes[*set.first().expect("a class")];
                        Some((dim.name.clone(), class.value.clone()?))
                    })
                    .collect();
                out.push(Change {
                    names: [0, 1, 2].map(|k| Label::of(&cell[k])),
                    from: Some(interval.from).filter(|d| *d != FIRST),
                    until: Some(interval.until).filter(|d| *d != LAST),
                    constraint,
                    before: before.clone(),
                    after: after.clone(),
                    witness: Witness {
                        names: cell.clone(),
                        date: interval.date,
                        attributes,
                    },
                });
            }
        }
    }
    out
}

/// Each rule as text that is equal exactly when two rules decide alike
/// (given the same vocabulary): its key, and its effect, names,
/// window, conditions, priority and the denies it exempts. The key tells
/// the deciding rules of two versions apart: a named rule's name, and for
/// an unnamed one, whose id (`FILE:LINE`) moves with every edit above it,
/// its whole text.
pub fn fingerprints(policy: &Policy) -> Vec<(String, String)> {
    let vocab = &policy.vocabulary;
    let scope = |kind: Kind, s: &Option<Vec<NameId>>| match s {
        None => "any".to_string(),
        Some(ids) => ids
            .iter()
            .map(|&i| vocab.names(kind).names[i as usize].as_str())
            .collect::<Vec<_>>()
            .join(","),
    };
    let condition = |e: &Option<Box<crate::model::Expr>>| e.as_ref().map(|e| atoms::text(e, vocab));
    policy
        .rules
        .iter()
        .map(|r| {
            let exempts = r.exempts.as_ref().map(|d| {
                d.iter()
                    .map(|&i| policy.rules[i].id().into_owned())
                    .collect::<Vec<_>>()
            });
            let content = format!(
                "{}|{}|{}|{}|{:?}|{:?}|{:?}|{:?}|{}|{:?}",
                r.kind(),
                scope(Kind::Action, &r.actions),
                scope(Kind::Actor, &r.actors),
                scope(Kind::Category, &r.categories),
                r.from.map(|b| b.date),
                r.until.map(|b| b.date),
                condition(&r.where_),
                condition(&r.unless),
                r.priority,
                exempts
            );
            match &r.name {
                Some(name) => (name.clone(), content),
                None => (content.clone(), content),
            }
        })
        .collect()
}

/// What decides beside the rules: the names and their memberships, the
/// attributes, the default and the combining.
fn frame(policy: &Policy) -> String {
    let vocab = &policy.vocabulary;
    let mut out = format!("{:?} {:?}\n", policy.default, policy.combining);
    for kind in KINDS {
        let names = vocab.names(kind);
        out.push_str(&format!("{kind:?} closed={}\n", names.closed));
        for (i, name) in names.names.iter().enumerate() {
            let parents: Vec<&str> = names.parents[i]
                .iter()
                .map(|&p| names.names[p as usize].as_str())
                .collect();
            out.push_str(&format!("{name} in {parents:?}\n"));
        }
    }
    for m in &vocab.memberships {
        let names = vocab.names(m.kind);
        out.push_str(&format!(
            "{:?} {} in {} {:?} {:?} {:?}\n",
            m.kind,
            names.names[m.child as usize],
            names.names[m.parent as usize],
            m.from,
            m.until,
            m.condition.as_ref().map(|c| atoms::text(c, vocab))
        ));
    }
    for a in &vocab.attributes {
        out.push_str(&format!("attribute {}: {}\n", a.name, a.ty));
    }
    out
}

/// Declared names and attributes one version has and the other lacks.
fn vocabulary(old: &Policy, new: &Policy) -> (Vec<Word>, Vec<Word>) {
    let words = |p: &Policy| -> BTreeSet<Word> {
        let mut out = BTreeSet::new();
        for kind in KINDS {
            let names = p.vocabulary.names(kind);
            for (i, name) in names.names.iter().enumerate() {
                if names.declared_at[i].is_some() {
                    out.insert(Word {
                        kind: kind.as_str(),
                        name: name.clone(),
                    });
                }
            }
        }
        for a in &p.vocabulary.attributes {
            out.insert(Word {
                kind: "attribute",
                name: a.name.clone(),
            });
        }
        out
    };
    let (before, after) = (words(old), words(new));
    (
        after.difference(&before).cloned().collect(),
        before.difference(&after).cloned().collect(),
    )
}
