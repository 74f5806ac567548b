//! cedar-policy and regorus, given a generated set in their own language,
//! decide every query as the reference semantics does.
#![cfg(feature = "peers")]

use edict_bench::cedar::Cedar;
use edict_bench::rego::{Layout, Rego};
use edict_bench::spec::{Atom, Query, Spec};

/// The queries and the reference's decisions on them, which must include
/// both effects often enough for a disagreement to show.
fn reference(spec: &Spec) -> (Vec<Query>, Vec<bool>) {
    let queries = spec.queries(2000, 11);
    let expected: Vec<bool> = queries.iter().map(|q| spec.decide_naive(q)).collect();
    let allows = expected.iter().filter(|&&a| a).count();
    let denies = expected.len() - allows;
    assert!(
        allows >= 100 && denies >= 100,
        "the queries are too one-sided: {allows} allow, {denies} deny"
    );
    (queries, expected)
}

fn check(engine: &str, expected: &[bool], got: &[bool], queries: &[Query]) {
    let wrong: Vec<usize> = (0..expected.len())
        .filter(|&i| expected[i] != got[i])
        .collect();
    if let Some(&first) = wrong.first() {
        panic!(
            "{engine} disagrees on {} of {} queries, first {:?}: expected {}",
            wrong.len(),
            expected.len(),
            queries[first],
            expected[first],
        );
    }
}

fn cedar_agrees(spec: &Spec) {
    let (queries, expected) = reference(spec);
    let cedar = Cedar::load(spec);
    let got: Vec<bool> = queries.iter().map(|q| cedar.decide(q)).collect();
    check("cedar", &expected, &got, &queries);
}

/// Both layouts of the rules as data.
fn rego_agrees(spec: &Spec) {
    let (queries, expected) = reference(spec);
    for layout in [Layout::ByActionAndActor, Layout::ByAction, Layout::ByCell] {
        let mut rego = Rego::load(spec, layout);
        let got: Vec<bool> = queries.iter().map(|q| rego.decide(q)).collect();
        check(&format!("rego {layout:?}"), &expected, &got, &queries);
    }
}

/// The generated set with exceptions of several atoms on every other rule
/// (the generator gives exceptions one atom only).
fn with_longer_exceptions() -> Spec {
    let mut spec = Spec::generate(300, 7);
    let exceptions = [
        vec![Atom::Verified, Atom::AmountOver(50_000)],
        vec![
            Atom::CountryIn(vec!["RU".into(), "US".into()]),
            Atom::NotVerified,
        ],
        vec![
            Atom::AmountAtMost(70_000),
            Atom::CountryIs("DE".into()),
            Atom::Verified,
        ],
    ];
    for (i, rule) in spec.rules.iter_mut().enumerate() {
        if i % 2 == 0 {
            rule.unless = exceptions[i / 2 % exceptions.len()].clone();
        }
    }
    spec
}

/// The generated set with conditions and exceptions whose atoms bear on the
/// same attribute (narrowing, overlapping, contradicting one another) on
/// every third rule.
fn with_atoms_on_one_attribute() -> Spec {
    let mut spec = Spec::generate(300, 7);
    let country_in = |a: &str, b: &str| Atom::CountryIn(vec![a.into(), b.into()]);
    let conditions = [
        vec![country_in("RU", "US"), country_in("US", "DE")],
        vec![country_in("RU", "US"), Atom::CountryIs("DE".into())],
        vec![
            Atom::AmountOver(20_000),
            Atom::AmountOver(60_000),
            Atom::AmountAtMost(90_000),
        ],
        vec![Atom::AmountAtMost(30_000), Atom::AmountAtMost(80_000)],
        vec![Atom::Verified, Atom::NotVerified],
        vec![Atom::Verified, Atom::Verified],
    ];
    for (i, rule) in spec.rules.iter_mut().enumerate() {
        if i % 3 == 0 {
            rule.where_ = conditions[i / 3 % conditions.len()].clone();
        } else if i % 3 == 1 {
            rule.unless = conditions[i / 3 % conditions.len()].clone();
        }
    }
    spec
}

#[test]
fn cedar_agrees_with_the_reference() {
    cedar_agrees(&Spec::generate(300, 7));
}

#[test]
fn rego_agrees_with_the_reference() {
    rego_agrees(&Spec::generate(300, 7));
}

#[test]
fn exceptions_of_several_atoms_hold_only_together() {
    let spec = with_longer_exceptions();
    cedar_agrees(&spec);
    rego_agrees(&spec);
}

#[test]
fn atoms_on_one_attribute_hold_together() {
    let spec = with_atoms_on_one_attribute();
    cedar_agrees(&spec);
    rego_agrees(&spec);
}

#[test]
fn dense_sets_agree() {
    let spec = Spec::dense(3000, 7);
    cedar_agrees(&spec);
    rego_agrees(&spec);
}
