//! The cells of names a diff compares, and the hierarchy across versions.
//!
//! Comparing every action with every actor and every category is fine for
//! a set of a few dozen names and hopeless for one of ten thousand. When
//! only rules changed ([`Focus`]), a query can decide differently only if a
//! changed rule's names cover it, so the cells are those at or under a
//! changed rule's names (every name, and names no version mentions, for
//! `any`), however large the vocabulary.

use std::collections::{BTreeSet, HashMap};

use super::cells::{Named, KINDS};
use super::tree::Focus;
use super::{Sides, TooLarge};
use crate::model::{NameId, Policy};
use crate::syntax::ast::Kind;

/// The most cells of names a diff compares when the versions differ in
/// more than their rules (every cell then).
pub const MOST_CELLS: usize = 1 << 20;

/// Each kind's names with the names directly under them, in any version,
/// through any membership.
pub struct Family {
    children: [HashMap<String, Vec<String>>; 3],
}

impl Family {
    pub fn new(sides: &Sides<'_>) -> Family {
        let children = KINDS.map(|kind| {
            let mut out: HashMap<String, Vec<String>> = HashMap::new();
            for policy in sides.policies() {
                let names = policy.vocabulary.names(kind);
                for (child, parents) in names.parents.iter().enumerate() {
                    let conditional = names.conditional[child].iter().map(|(p, _)| p);
                    for &p in parents.iter().chain(conditional) {
                        let list = out.entry(names.names[p as usize].clone()).or_default();
                        if !list.contains(&names.names[child]) {
                            list.push(names.names[child].clone());
                        }
                    }
                }
            }
            out
        });
        Family { children }
    }

    /// A name and every name under it, in any version.
    pub fn below(&self, kind: Kind, name: &str) -> Vec<String> {
        let children = &self.children[kind.index()];
        let mut out = vec![name.to_string()];
        let mut seen: BTreeSet<&str> = BTreeSet::from([name]);
        let mut i = 0;
        while i < out.len() {
            if let Some(list) = children.get(&out[i]) {
                for c in list {
                    if seen.insert(c) {
                        out.push(c.clone());
                    }
                }
            }
            i += 1;
        }
        out
    }
}

/// The cells to compare, in a fixed order: with a focus, those a changed
/// rule's names cover; without, every cell.
pub fn cells(
    sides: &Sides<'_>,
    universe: &[Vec<Named>; 3],
    focus: Option<&Focus>,
    family: &Family,
) -> Result<Vec<[Named; 3]>, TooLarge> {
    let Some(focus) = focus else {
        let total = universe.iter().map(Vec::len).product::<usize>();
        if total > MOST_CELLS {
            return Err(TooLarge(format!(
                "the versions differ in more than their rules (the names, their memberships, the attributes, the default or the combining), so all {total} cells of an action, an actor and a category would be compared; the most is {MOST_CELLS}"
            )));
        }
        let mut out = Vec::with_capacity(total);
        for a in &universe[0] {
            for r in &universe[1] {
                for c in &universe[2] {
                    out.push([a.clone(), r.clone(), c.clone()]);
                }
            }
        }
        return Ok(out);
    };
    let mut out: BTreeSet<[Named; 3]> = BTreeSet::new();
    for (side, policy) in sides.policies().enumerate() {
        for (r, rule) in policy.rules.iter().enumerate() {
            if !focus.changed[side][r] {
                continue;
            }
            let scopes = [&rule.actions, &rule.actors, &rule.categories];
            let covered: Vec<Vec<Named>> = (0..3)
                .map(|k| covered(policy, KINDS[k], scopes[k], &universe[k], family))
                .collect();
            for a in &covered[0] {
                for r in &covered[1] {
                    for c in &covered[2] {
                        out.insert([a.clone(), r.clone(), c.clone()]);
                    }
                }
            }
        }
    }
    Ok(out.into_iter().collect())
}

/// The names a rule's scope of one kind covers: every name at or under
/// those it names, or every name there is for `any`; for categories, a
/// query without one too (a `to category` clause is unknown to it).
fn covered(
    policy: &Policy,
    kind: Kind,
    scope: &Option<Vec<NameId>>,
    universe: &[Named],
    family: &Family,
) -> Vec<Named> {
    let Some(ids) = scope else {
        return universe.to_vec();
    };
    let mut out: BTreeSet<Named> = BTreeSet::new();
    for &id in ids {
        let name = &policy.vocabulary.names(kind).names[id as usize];
        out.extend(family.below(kind, name).into_iter().map(Named::Name));
    }
    if kind == Kind::Category {
        out.insert(Named::NoCategory);
    }
    out.into_iter().collect()
}

/// Some of a policy's rules filed by the names of one kind they name, to
/// find those that may cover a name without reading every rule.
pub struct ByName {
    kind: Kind,
    named: HashMap<NameId, Vec<usize>>,
    any: Vec<usize>,
}

/// Every rule filed by its actions.
pub type ByAction = ByName;

impl ByName {
    /// Every rule of the policy, by its actions.
    pub fn new(policy: &Policy) -> ByName {
        ByName::of(policy, Kind::Action, 0..policy.rules.len())
    }

    /// The given rules (in set order), by their names of `kind`.
    pub fn of(policy: &Policy, kind: Kind, rules: impl IntoIterator<Item = usize>) -> ByName {
        let mut named: HashMap<NameId, Vec<usize>> = HashMap::new();
        let mut any = Vec::new();
        for r in rules {
            let rule = &policy.rules[r];
            let scope = match kind {
                Kind::Action => &rule.actions,
                Kind::Actor => &rule.actors,
                Kind::Category => &rule.categories,
            };
            match scope {
                None => any.push(r),
                Some(ids) => {
                    for &id in ids {
                        named.entry(id).or_default().push(r);
                    }
                }
            }
        }
        ByName { kind, named, any }
    }

    /// The rules whose names may cover `name` (through any membership),
    /// in set order.
    pub fn candidates(&self, policy: &Policy, name: &Named) -> Vec<usize> {
        let mut out = self.any.clone();
        let names = policy.vocabulary.names(self.kind);
        if let Some(id) = match name {
            Named::Name(n) => names.get(n),
            _ => None,
        } {
            for above in names.above_maybe(id) {
                out.extend(self.named.get(&above).into_iter().flatten());
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}
