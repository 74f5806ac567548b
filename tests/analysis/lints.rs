//! The exact lints of `check --exact` and the untested regions of
//! `test --coverage --regions`, proven against deciding the grid of
//! [`super`]: a rule said never to apply or decide does not, at any point;
//! every rule not reported replays its witnesses of applying and deciding;
//! the set without the rules said to be covered decides every point as
//! before; and no query given as tested lies in a region said untested,
//! and every other point in one decides as it says (with none tested, the
//! regions are who-may's of `? by ? to category ? on ?`, proven there).

use edict::analysis::who_may::Part;
use edict::syntax::ast::Kind;
use edict::{PolicySet, Query};

use super::generate::{policy, Rng};
use super::{condition_set, decide, grid, inside, part_place, random_point, report, runs, Point};

/// What a rule did in one query: applied, decided, and (an exemption)
/// lifted a deny it names.
fn did(set: &PolicySet, query: &Query, decision: &edict::Decision, r: usize) -> (bool, bool, bool) {
    use edict::eval::{above, applies, Truth};
    let policy = set.policy();
    let rule = &policy.rules[r];
    let exempted: Vec<usize> = decision.exempted.iter().map(|&(d, _)| d).collect();
    if let Some(denies) = &rule.exempts {
        let actions = above(policy, Kind::Action, query.action, query);
        let actors = above(policy, Kind::Actor, query.actor, query);
        let categories = query
            .category
            .map(|c| above(policy, Kind::Category, c, query));
        let applied = applies(rule, query, &actions, &actors, categories.as_ref()) == Truth::True;
        let lifted = applied && denies.iter().any(|d| exempted.contains(d));
        return (applied, false, lifted);
    }
    let decided = decision.rules.contains(&r);
    let applied = decided || exempted.contains(&r) || decision.overridden.contains(&r);
    (applied, decided, false)
}

/// The set's text without the given rules.
fn without(set: &PolicySet, text: &str, rules: &[usize]) -> String {
    let mut spans: Vec<(usize, usize)> = rules
        .iter()
        .map(|&r| {
            let s = set.policy().rules[r].span;
            (s.start(), s.end())
        })
        .collect();
    spans.sort_unstable();
    let mut out = String::new();
    let mut at = 0;
    for (start, end) in spans {
        out.push_str(&text[at..start]);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

#[test]
fn exact_lints_agree_with_deciding_the_grid() {
    use edict::analysis::lints;
    use edict::Code;
    let mut rng = Rng::new(0x11e7);
    let (mut sets_built, mut points) = (0, 0);
    let mut found = [0usize; 3];
    let (mut replayed, mut reductions) = (0, 0);
    for _ in 0..runs(300) {
        let g = policy(&mut rng, false);
        let Ok(set) = PolicySet::from_text("random.policy", &g.text) else {
            continue;
        };
        sets_built += 1;
        let exact = lints::exact(&set).expect("small sets are walked");
        let policy = set.policy();
        let mut code_of: Vec<Option<Code>> = vec![None; policy.rules.len()];
        for (d, &r) in exact.diagnostics.iter().zip(&exact.reported) {
            code_of[r] = Some(d.code);
        }
        let covered: Vec<usize> = (0..policy.rules.len())
            .filter(|&r| code_of[r] == Some(Code::Covered))
            .collect();
        for (r, code) in code_of.iter().enumerate() {
            let slot = match code {
                Some(Code::NeverApplies) => 0,
                Some(Code::NeverDecides) => 1,
                Some(Code::Covered) => 2,
                _ => continue,
            };
            found[slot] += 1;
            let w = &exact.witnesses[r];
            assert!(
                if slot == 0 {
                    w.applies_proven
                } else {
                    w.decides_proven
                },
                "a rule reported unproven"
            );
        }
        // every rule proven to do something does it in its witness
        for (r, w) in exact.witnesses.iter().enumerate() {
            let exemption = policy.rules[r].is_exemption();
            let said = |q: &Option<Query>| q.as_ref().map(|q| did(&set, q, &set.decide(q), r));
            let (applies, decides, lifts) = (said(&w.applies), said(&w.decides), said(&w.lifts));
            assert!(
                applies.is_none_or(|d| d.0),
                "rule {r}: witness of applying\n{}",
                g.text
            );
            assert!(
                decides.is_none_or(|d| d.1),
                "rule {r}: witness of deciding\n{}",
                g.text
            );
            assert!(
                lifts.is_none_or(|d| d.2),
                "rule {r}: witness of lifting\n{}",
                g.text
            );
            if !w.applies_proven {
                continue;
            }
            let (applies, does) = if exemption {
                (w.applies.is_some(), w.lifts.is_some())
            } else {
                (w.applies.is_some(), w.decides.is_some())
            };
            assert_eq!(
                applies,
                code_of[r] != Some(Code::NeverApplies),
                "rule {r}\n{}",
                g.text
            );
            if !w.decides_proven {
                continue;
            }
            assert_eq!(
                does,
                !matches!(code_of[r], Some(Code::NeverApplies | Code::NeverDecides)),
                "rule {r}\n{}",
                g.text
            );
            replayed += 1;
        }
        // no point of the grid has a reported rule do what it never does,
        // and the set without its covered rules decides every point alike
        let reduced =
            PolicySet::from_text("reduced.policy", &without(&set, &g.text, &covered)).ok();
        reductions += usize::from(reduced.is_some() && !covered.is_empty());
        let sets = [&set];
        let (names, dates) = grid(&sets);
        for _ in 0..100 {
            let p = random_point(&mut rng, &names, &dates);
            let Ok(query) = set.query(&p.text()) else {
                continue;
            };
            points += 1;
            let decision = set.decide(&query);
            for (r, code) in code_of.iter().enumerate() {
                if code.is_none() {
                    continue;
                }
                let (applied, decided, lifted) = did(&set, &query, &decision, r);
                match code {
                    Some(Code::NeverApplies) => {
                        assert!(!applied, "rule {r} applies to `{}`\n{}", p.text(), g.text)
                    }
                    Some(Code::NeverDecides) => assert!(
                        !decided && !lifted,
                        "rule {r} decides `{}`\n{}",
                        p.text(),
                        g.text
                    ),
                    _ => {}
                }
            }
            if let Some(reduced) = &reduced {
                let before = decision.effect;
                let after = reduced
                    .decide(&reduced.query(&p.text()).expect("the same names"))
                    .effect;
                assert_eq!(
                    before,
                    after,
                    "without rules {covered:?}, `{}`\n{}",
                    p.text(),
                    g.text
                );
            }
        }
    }
    eprintln!("{sets_built} sets, {points} points, {found:?} never applies / never decides / covered, {replayed} rules replayed, {reductions} sets reduced");
    assert!(
        sets_built > 200 && points > 20_000 && found.iter().all(|&n| n > 5) && reductions > 2,
        "too few lints exercised"
    );
}

#[test]
fn untested_regions_hold_no_tested_query() {
    use edict::analysis::untested::untested;
    let mut rng = Rng::new(0x7e57);
    let (mut sets_built, mut regions, mut inside_untested, mut touched) = (0, 0, 0, 0);
    let mut tested_checked = 0;
    for _ in 0..runs(80) {
        let g = policy(&mut rng, false);
        let Ok(set) = PolicySet::from_text("random.policy", &g.text) else {
            continue;
        };
        sets_built += 1;
        let sets = [&set];
        let (names, dates) = grid(&sets);
        let points: Vec<(Point, Query)> = (0..60)
            .filter_map(|_| {
                let p = random_point(&mut rng, &names, &dates);
                set.query(&p.text()).ok().map(|q| (p, q))
            })
            .collect();
        // a few points are tested; the others are asked whether they fall
        // in an untested region
        let (tested, others) = points.split_at(points.len().min(15));
        let given: Vec<&Query> = tested.iter().map(|(_, q)| q).collect();
        let answer = untested(&set, &given).expect("small sets are walked");
        let exact = answer.sampled.is_empty();
        let parts: Vec<&Part> = answer.allow.iter().chain(&answer.deny).collect();
        regions += parts.len();
        let conditions = |ps: &[&Part]| -> Vec<Option<PolicySet>> {
            ps.iter()
                .map(|p| p.constraint.condition.as_deref().map(condition_set))
                .collect()
        };
        let conds = conditions(&parts);
        let holding = |ps: &[&Part], cs: &[Option<PolicySet>], p: &Point| -> Vec<usize> {
            (0..ps.len())
                .filter(|&i| inside(&sets, part_place(ps[i]), cs[i].as_ref(), p))
                .collect()
        };
        for p in &parts {
            let w = report::witness_text(&p.witness);
            assert_eq!(
                decide(&set, &w),
                Some(p.outcome.clone()),
                "witness `{w}`\n{}",
                g.text
            );
        }
        for (p, _) in tested {
            tested_checked += 1;
            let found = holding(&parts, &conds, p);
            assert!(
                found.is_empty(),
                "tested `{}` lies in {:?}\n{}",
                p.text(),
                parts[found[0]],
                g.text
            );
        }
        for (p, _) in others {
            let text = &p.text();
            let here = holding(&parts, &conds, p);
            inside_untested += usize::from(!here.is_empty());
            touched += usize::from(here.is_empty());
            for &i in here.iter().filter(|_| exact) {
                assert_eq!(
                    decide(&set, text),
                    Some(parts[i].outcome.clone()),
                    "`{text}`\n{}",
                    g.text
                );
            }
        }
    }
    eprintln!("{sets_built} sets, {regions} untested regions, {inside_untested} points in them, {touched} beside the tested, {tested_checked} tested points checked");
    assert!(
        sets_built > 60
            && regions > 1_000
            && inside_untested > 1_000
            && touched > 50
            && tested_checked > 800,
        "too few regions exercised"
    );
}
