//! The analyses proven against deciding: for random pairs of sets (every
//! construct the generator writes, and a version of each changed by
//! deleting, flipping, moving and adding rules and changing the default or
//! the combining), `diff`'s regions hold exactly the points of a grid whose
//! decisions differ, each with the decisions it says; every witness
//! replays; `timeline` gives every date and every value of an attribute
//! the query lacks the decision that deciding it gives; and `who-may`'s
//! regions hold every point its holes may take, each with the decision
//! deciding it gives. The exact lints and the untested regions of
//! coverage are proven in [`lints`].
//!
//! The grid: every name of either version and a name neither mentions,
//! queries with and without a category, the dates at and beside every
//! bound and constant, and attribute values at and beside the constants
//! and missing. Where an answer says it is not proven exact (atoms split on
//! samples), only its witnesses are checked.

#[path = "../generate/mod.rs"]
mod generate;
mod lints;

use edict::analysis::cover::Constraint;
use edict::analysis::diff::{self, Change, Label};
use edict::analysis::who_may::{self, Part};
use edict::analysis::{report, timeline, Outcome};
use edict::syntax::ast::Kind;
use edict::{Policy, PolicySet, Query};
use generate::{policy, Rng, COUNTRIES, DATES, SEATS, SOURCES};

/// A query of the grid, as text parts.
#[derive(Debug, Clone)]
struct Point {
    action: String,
    actor: String,
    category: Option<String>,
    date: String,
    with: Vec<(&'static str, String)>,
}

impl Point {
    fn text(&self) -> String {
        let mut q = format!("{} by {}", self.action, self.actor);
        if let Some(c) = &self.category {
            q.push_str(&format!(" to category {c}"));
        }
        q.push_str(&format!(" on {}", self.date));
        let with: Vec<String> = self
            .with
            .iter()
            .map(|(n, v)| format!("{n} = {v}"))
            .collect();
        if !with.is_empty() {
            q.push_str(&format!(" with {}", with.join(", ")));
        }
        q
    }
}

const ATTRIBUTES: &str = "attribute country: text\nattribute seats: number\nattribute vip: bool\nattribute signed: date\nattribute source: ip\n";

/// Values of each attribute: the generator's constants, values beside
/// them, and texts its patterns match.
fn values(name: &str) -> Vec<String> {
    let own = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match name {
        "country" => {
            let mut v = own(COUNTRIES);
            v.extend(own(&[
                "\"R\"",
                "\"RUS\"",
                "\"xY\"",
                "\"Saint \"",
                "\"Kitts\"",
                "\"a/b\"",
                "\"other\"",
            ]));
            v
        }
        "seats" => {
            let mut v = own(SEATS);
            v.extend(own(&[
                "-1",
                "2.4",
                "2.6",
                "4",
                "9",
                "11",
                "100000000000000000000",
            ]));
            v
        }
        "vip" => own(&["true", "false"]),
        "signed" => dates_beside(DATES.iter().map(|s| s.to_string())),
        _ => {
            let mut v = own(SOURCES);
            v.extend(own(&[
                "\"10.0.0.0\"",
                "\"10.255.255.255\"",
                "\"11.0.0.0\"",
                "\"::\"",
                "\"10.1.2.4\"",
            ]));
            v
        }
    }
}

fn dates_beside(dates: impl Iterator<Item = String>) -> Vec<String> {
    let mut out = Vec::new();
    for d in dates {
        let d = chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").expect("a date");
        for near in [d.pred_opt(), Some(d), d.succ_opt()].into_iter().flatten() {
            let text = near.format("%Y-%m-%d").to_string();
            if near.format("%Y").to_string().len() == 4 && !out.contains(&text) {
                out.push(text);
            }
        }
    }
    out
}

/// The dates of the grid: the generator's and every bound of either set,
/// each with its neighbours.
fn grid_dates(policies: &[&Policy]) -> Vec<String> {
    let mut all: Vec<String> = DATES.iter().map(|s| s.to_string()).collect();
    for p in policies {
        for r in &p.rules {
            for b in [r.from, r.until].into_iter().flatten() {
                all.push(b.date.format("%Y-%m-%d").to_string());
            }
        }
        for m in &p.vocabulary.memberships {
            for d in [m.from, m.until].into_iter().flatten() {
                all.push(d.format("%Y-%m-%d").to_string());
            }
        }
    }
    all.push("0001-01-01".to_string());
    all.push("9999-12-30".to_string());
    dates_beside(all.into_iter())
}

/// The names of a kind in either set, as written, and a stranger where
/// every set's kind is open.
fn grid_names(sets: &[&PolicySet], kind: Kind) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in sets {
        for n in &s.policy().vocabulary.names(kind).names {
            let written = edict::syntax::written_name(n).into_owned();
            if !out.contains(&written) {
                out.push(written);
            }
        }
    }
    if sets
        .iter()
        .all(|s| !s.policy().vocabulary.names(kind).closed)
    {
        out.push("stranger".to_string());
    }
    out
}

/// The grid of sets analysed together: each kind's names, and the dates.
fn grid(sets: &[&PolicySet]) -> ([Vec<String>; 3], Vec<String>) {
    let names = [Kind::Action, Kind::Actor, Kind::Category].map(|k| grid_names(sets, k));
    let policies: Vec<&Policy> = sets.iter().map(|s| s.policy()).collect();
    (names, grid_dates(&policies))
}

fn random_point(rng: &mut Rng, names: &[Vec<String>; 3], dates: &[String]) -> Point {
    let pick = |rng: &mut Rng, v: &[String]| v[rng.below(v.len())].clone();
    let mut with = Vec::new();
    for name in ["country", "seats", "vip", "signed", "source"] {
        if rng.chance(65) {
            with.push((name, pick(rng, &values(name))));
        }
    }
    Point {
        action: pick(rng, &names[0]),
        actor: pick(rng, &names[1]),
        category: rng.chance(85).then(|| pick(rng, &names[2])),
        date: pick(rng, dates),
        with,
    }
}

/// How many sets to try: `EDICT_ANALYSIS_RUNS` to look at fewer while
/// working on a failure (the counts asserted then do not hold).
fn runs(usual: usize) -> usize {
    std::env::var("EDICT_ANALYSIS_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(usual)
}

/// A changed version of a generated set's text.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut head: Vec<String> = Vec::new();
    let mut rules: Vec<String> = Vec::new();
    for line in text.lines() {
        let starts_rule = ["allow ", "deny ", "exempt ", "rule_"]
            .iter()
            .any(|p| line.starts_with(p));
        if line.starts_with("  ") && !rules.is_empty() {
            let last = rules.last_mut().expect("a rule");
            last.push('\n');
            last.push_str(line);
        } else if starts_rule {
            rules.push(line.to_string());
        } else {
            head.push(line.to_string());
        }
    }
    for _ in 0..1 + rng.below(3) {
        if rules.is_empty() {
            break;
        }
        let i = rng.below(rules.len());
        match rng.below(7) {
            0 => {
                rules.remove(i);
            }
            1 | 2 => {
                let flipped = if rules[i].contains("allow ") {
                    rules[i].replacen("allow ", "deny ", 1)
                } else {
                    rules[i].replacen("deny ", "allow ", 1)
                };
                rules[i] = flipped;
            }
            3 => {
                let from = rng.pick(DATES);
                let to = rng.pick(DATES);
                rules[i] = rules[i].replace(from, to);
            }
            4 => {
                // a copy, unnamed, with the other effect, at a random place
                let body = match rules[i].split_once(": ") {
                    Some((name, rest)) if name.starts_with("rule_") => rest.to_string(),
                    _ => rules[i].clone(),
                };
                let body = if body.starts_with("allow ") {
                    body.replacen("allow ", "deny ", 1)
                } else {
                    body.replacen("deny ", "allow ", 1)
                };
                let at = rng.below(rules.len() + 1);
                rules.insert(at, body);
            }
            5 => {
                let j = rng.below(rules.len());
                rules.swap(i, j);
            }
            _ => {
                if let Some(d) = head.iter().position(|l| l == "default allow") {
                    head.remove(d);
                } else {
                    head.push("default allow".to_string());
                }
            }
        }
    }
    let mut out = head.join("\n");
    out.push('\n');
    out.push_str(&rules.join("\n"));
    out.push('\n');
    out
}

/// The keys that tell deciding rules apart across versions.
fn keys(policy: &Policy) -> Vec<String> {
    diff::fingerprints(policy)
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

/// Whether two decisions are alike: the effect, and the deciding rules as
/// a set (a diff does not report rules that only moved).
fn same(a: &Outcome, ka: &[String], b: &Outcome, kb: &[String]) -> bool {
    let sorted = |o: &Outcome, k: &[String]| {
        let mut ks: Vec<String> = o.rules.iter().map(|&r| k[r].clone()).collect();
        ks.sort();
        ks
    };
    a.effect == b.effect && sorted(a, ka) == sorted(b, kb)
}

fn decide(set: &PolicySet, text: &str) -> Option<Outcome> {
    let query = set.query(text).ok()?;
    Some(Outcome::of(&set.decide(&query)))
}

/// Whether a name of the grid is at or under a region's name in a set.
fn under(sets: &[&PolicySet], kind: Kind, point: &str, top: &str) -> bool {
    let point = generate::bare(point);
    point == top
        || sets.iter().any(|s| {
            let names = s.policy().vocabulary.names(kind);
            match (names.get(point), names.get(top)) {
                (Some(p), Some(t)) => names.ancestors_maybe(p)[t as usize],
                _ => false,
            }
        })
}

fn known(sets: &[&PolicySet], kind: Kind, name: &str) -> bool {
    sets.iter().any(|s| {
        s.policy()
            .vocabulary
            .names(kind)
            .get(generate::bare(name))
            .is_some()
    })
}

/// What places a region: its names, its first and last dates and its
/// constraint on attributes.
type Place<'a> = (
    &'a [Label; 3],
    Option<chrono::NaiveDate>,
    Option<chrono::NaiveDate>,
    &'a Constraint,
);

fn change_place(c: &Change) -> Place<'_> {
    (&c.names, c.from, c.until, &c.constraint)
}

/// Whether a point lies in a region: its names, dates and attributes.
fn inside(sets: &[&PolicySet], place: Place<'_>, condition: Option<&PolicySet>, p: &Point) -> bool {
    let (labels, from, until, constraint) = place;
    let names = [Some(&p.action), Some(&p.actor), p.category.as_ref()];
    for (k, kind) in [Kind::Action, Kind::Actor, Kind::Category]
        .into_iter()
        .enumerate()
    {
        let fits = match (&labels[k], names[k]) {
            (Label::NoCategory | Label::AnyOrNone, None) => true,
            (Label::AnyOrNone, Some(_)) => true,
            (_, None) | (Label::NoCategory, _) => false,
            (Label::Any, Some(_)) => true,
            (Label::Other, Some(n)) => !known(sets, kind, n),
            (Label::Name(top), Some(n)) => under(sets, kind, n, top),
            (Label::Alone(name), Some(n)) => generate::bare(n) == name,
        };
        if !fits {
            return false;
        }
    }
    let date = chrono::NaiveDate::parse_from_str(&p.date, "%Y-%m-%d").expect("a date");
    if from.is_some_and(|f| date < f) || until.is_some_and(|u| date > u) {
        return false;
    }
    fits(constraint, condition, p)
}

/// Whether a point's attributes meet a region's constraint.
fn fits(constraint: &Constraint, condition: Option<&PolicySet>, p: &Point) -> bool {
    let gives = |name: &str| p.with.iter().any(|(n, _)| *n == name);
    if constraint.missing.iter().any(|m| gives(m)) || constraint.given.iter().any(|g| !gives(g)) {
        return false;
    }
    match condition {
        None => true,
        Some(set) => {
            let mut probe = p.clone();
            probe.action = "x".to_string();
            probe.actor = "y".to_string();
            probe.category = None;
            decide(set, &probe.text()).expect("a probe decides").effect == edict::Effect::Allow
        }
    }
}

/// A set that allows exactly where a region's condition is true.
fn condition_set(condition: &str) -> PolicySet {
    let text = format!("{ATTRIBUTES}allow any where {condition}\n");
    PolicySet::from_text("region.policy", &text).unwrap_or_else(|e| {
        panic!(
            "the region's condition `{condition}` does not check: {:?}",
            e.diagnostics
        )
    })
}

#[test]
fn diff_regions_are_exactly_the_points_that_differ() {
    let mut rng = Rng::new(0xd1ff);
    let (mut pairs, mut exact_pairs, mut changed, mut points_in, mut points_out) = (0, 0, 0, 0, 0);
    let (mut generalized, mut conditioned) = (0, 0);
    let mut spent = std::time::Duration::ZERO;
    for _ in 0..runs(700) {
        let g = policy(&mut rng, false);
        let text = mutate(&mut rng, &g.text);
        let (Ok(old), Ok(new)) = (
            PolicySet::from_text("old.policy", &g.text),
            PolicySet::from_text("new.policy", &text),
        ) else {
            continue;
        };
        pairs += 1;
        if let Some(dir) = std::env::var_os("EDICT_KEEP") {
            // the pair being checked, to look at when a check fails
            let dir = std::path::PathBuf::from(dir);
            for (side, t) in [("old", &g.text), ("new", &text)] {
                std::fs::create_dir_all(dir.join(side)).expect("a folder");
                std::fs::write(dir.join(side).join("set.policy"), t).expect("written");
            }
        }
        let started = std::time::Instant::now();
        let found = diff::diff(&old, &new).expect("small sets are analysed");
        spent += started.elapsed();
        let sets = [&old, &new];
        let (ko, kn) = (keys(old.policy()), keys(new.policy()));
        // every witness replays, giving the region's decisions
        for c in &found.changes {
            let w = report::witness_text(&c.witness);
            let (b, a) = (
                decide(&old, &w).expect("the witness checks"),
                decide(&new, &w).expect("the witness checks"),
            );
            assert_eq!(b, c.before, "witness `{w}` before\n{}\n---\n{text}", g.text);
            assert_eq!(a, c.after, "witness `{w}` after\n{}\n---\n{text}", g.text);
            generalized += c
                .names
                .iter()
                .filter(|l| matches!(l, Label::Any | Label::AnyOrNone))
                .count();
            conditioned += usize::from(c.constraint.condition.is_some());
        }
        changed += usize::from(!found.changes.is_empty());
        let exact = found.sampled.is_empty();
        exact_pairs += usize::from(exact);
        let conditions: Vec<Option<PolicySet>> = found
            .changes
            .iter()
            .map(|c| c.constraint.condition.as_deref().map(condition_set))
            .collect();
        let (names, dates) = grid(&sets);
        for _ in 0..120 {
            let p = random_point(&mut rng, &names, &dates);
            let q = p.text();
            let (Some(b), Some(a)) = (decide(&old, &q), decide(&new, &q)) else {
                continue;
            };
            let differs = !same(&b, &ko, &a, &kn);
            let holding: Vec<&Change> = found
                .changes
                .iter()
                .zip(&conditions)
                .filter(|(c, cond)| inside(&sets, change_place(c), cond.as_ref(), &p))
                .map(|(c, _)| c)
                .collect();
            for c in &holding {
                if exact {
                    assert!(
                        differs,
                        "`{q}` is inside a region but decides alike\n{c:?}\n{}\n---\n{text}",
                        g.text
                    );
                }
                if exact {
                    assert_eq!(
                        (&b, &a),
                        (&c.before, &c.after),
                        "`{q}` in {c:?}\n{}\n---\n{text}",
                        g.text
                    );
                }
            }
            if exact && differs {
                assert!(
                    !holding.is_empty(),
                    "`{q}` decides {b:?} then {a:?} but lies in no region\n{}\n---\n{text}\n{}",
                    g.text,
                    report::diff_human(old.policy(), new.policy(), &found)
                );
            }
            if holding.is_empty() {
                points_out += 1;
            } else {
                points_in += 1;
            }
        }
    }
    eprintln!("diff took {spent:?} in all");
    eprintln!("{pairs} pairs, {exact_pairs} exact, {changed} changed; {points_in} points in regions, {points_out} outside; {generalized} any, {conditioned} with conditions");
    assert!(
        pairs > 550 && exact_pairs > 150 && changed > 400,
        "too few pairs exercised"
    );
    assert!(
        points_in > 10_000 && generalized > 50 && conditioned > 200,
        "too few regions exercised"
    );
}

#[test]
fn timeline_gives_every_date_and_value_its_decision() {
    let mut rng = Rng::new(0x71e);
    let (mut sets_built, mut checked, mut otherwise) = (0, 0, 0);
    for _ in 0..runs(450) {
        let g = policy(&mut rng, false);
        let Ok(set) = PolicySet::from_text("random.policy", &g.text) else {
            continue;
        };
        sets_built += 1;
        let sets = [&set];
        let (names, dates) = grid(&sets);
        let base = random_point(&mut rng, &names, &dates);
        let mut undated = base.text();
        undated = undated.replace(&format!(" on {}", base.date), "");
        let query: Query = set.query(&undated).expect("a grid query checks");
        let line = timeline::timeline(&set, &query).expect("small sets are analysed");
        let exact = line.sampled.is_empty();
        let conditions: Vec<Vec<Option<PolicySet>>> = line
            .entries
            .iter()
            .map(|e| {
                e.otherwise
                    .iter()
                    .map(|(c, _)| c.condition.as_deref().map(condition_set))
                    .collect()
            })
            .collect();
        for _ in 0..60 {
            let mut p = base.clone();
            p.date = dates[rng.below(dates.len())].clone();
            // sometimes values for attributes the query lacks
            let extra = rng.chance(50);
            if extra {
                for name in ["country", "seats", "vip", "signed", "source"] {
                    if !p.with.iter().any(|(n, _)| *n == name) && rng.chance(60) {
                        let v = values(name);
                        p.with.push((name, v[rng.below(v.len())].clone()));
                    }
                }
            }
            let decided = decide(&set, &p.text()).expect("a grid query decides");
            let date = chrono::NaiveDate::parse_from_str(&p.date, "%Y-%m-%d").expect("a date");
            let (i, entry) = line
                .entries
                .iter()
                .enumerate()
                .find(|(_, e)| {
                    e.from.is_none_or(|f| f <= date) && e.until.is_none_or(|u| date <= u)
                })
                .expect("every date is on the timeline");
            let region = entry
                .otherwise
                .iter()
                .zip(&conditions[i])
                .find(|((c, _), cond)| fits(c, cond.as_ref(), &p));
            let expected = region.map_or(&entry.outcome, |((_, o), _)| o);
            if exact || region.is_none() && !extra {
                assert_eq!(
                    &decided,
                    expected,
                    "`{}` on the timeline of `{undated}`\n{}",
                    p.text(),
                    g.text
                );
            }
            checked += 1;
            otherwise += usize::from(region.is_some());
        }
    }
    eprintln!("{sets_built} sets, {checked} points, {otherwise} in other regions");
    assert!(
        sets_built > 300 && otherwise > 300,
        "too few timelines exercised"
    );
}

/// A question with holes about a grid point: each of its names, its date
/// and its attributes kept or made a hole; the point's own parts kept are
/// what every point asked about must share.
fn open_question(rng: &mut Rng, base: &Point) -> (String, Point, [bool; 3], bool) {
    let holes = [rng.chance(55), rng.chance(55), rng.chance(35)];
    let mut kept = base.clone();
    kept.with.retain(|_| rng.chance(40));
    let dated = rng.chance(50);
    let slot = |hole: bool, name: &str| {
        if hole {
            "?".to_string()
        } else {
            name.to_string()
        }
    };
    let mut q = format!(
        "{} by {}",
        slot(holes[0], &base.action),
        slot(holes[1], &base.actor)
    );
    if holes[2] {
        q.push_str(" to category ?");
    } else if let Some(c) = &base.category {
        q.push_str(&format!(" to category {c}"));
    }
    if dated {
        q.push_str(&format!(" on {}", base.date));
    } else if rng.chance(50) {
        q.push_str(" on ?");
    }
    let with: Vec<String> = kept
        .with
        .iter()
        .map(|(n, v)| format!("{n} = {v}"))
        .collect();
    if !with.is_empty() {
        q.push_str(&format!(" with {}", with.join(", ")));
    }
    (q, kept, holes, dated)
}

fn part_place(p: &Part) -> Place<'_> {
    (&p.names, p.from, p.until, &p.constraint)
}

#[test]
fn who_may_gives_every_point_of_its_holes_its_decision() {
    let mut rng = Rng::new(0x3a7);
    let (mut sets_built, mut checked, mut general, mut conditioned) = (0, 0, 0, 0);
    for _ in 0..runs(450) {
        let g = policy(&mut rng, false);
        let Ok(set) = PolicySet::from_text("random.policy", &g.text) else {
            continue;
        };
        sets_built += 1;
        let sets = [&set];
        let (names, dates) = grid(&sets);
        let base = random_point(&mut rng, &names, &dates);
        let (question, kept, holes, dated) = open_question(&mut rng, &base);
        let open = set.open_query(&question).expect("a grid question checks");
        let answer = who_may::who_may(&set, &open).expect("small sets are analysed");
        let exact = answer.sampled.is_empty();
        let parts: Vec<&Part> = answer.allow.iter().chain(&answer.deny).collect();
        for p in &parts {
            let w = report::witness_text(&p.witness);
            let decided = decide(&set, &w).expect("the witness checks");
            assert_eq!(
                decided, p.outcome,
                "witness `{w}` of `{question}`\n{}",
                g.text
            );
            general += p
                .names
                .iter()
                .filter(|l| matches!(l, Label::Any | Label::AnyOrNone))
                .count();
            conditioned += usize::from(p.constraint.condition.is_some());
        }
        let conditions: Vec<Option<PolicySet>> = parts
            .iter()
            .map(|p| p.constraint.condition.as_deref().map(condition_set))
            .collect();
        for _ in 0..60 {
            // a point the question asks about: its holes filled at random
            let mut p = random_point(&mut rng, &names, &dates);
            if !holes[0] {
                p.action = kept.action.clone();
            }
            if !holes[1] {
                p.actor = kept.actor.clone();
            }
            if !holes[2] {
                p.category = kept.category.clone();
            }
            if dated {
                p.date = kept.date.clone();
            }
            p.with
                .retain(|(n, _)| !kept.with.iter().any(|(k, _)| k == n));
            p.with.extend(kept.with.iter().cloned());
            let Some(decided) = decide(&set, &p.text()) else {
                continue;
            };
            let holding: Vec<&Part> = parts
                .iter()
                .zip(&conditions)
                .filter(|(part, cond)| inside(&sets, part_place(part), cond.as_ref(), &p))
                .map(|(part, _)| *part)
                .collect();
            // regions may overlap (a name under two general names), never
            // with different decisions
            if exact {
                assert!(
                    !holding.is_empty(),
                    "`{}` asked by `{question}` lies in no region\n{}\n{}",
                    p.text(),
                    g.text,
                    report::who_may_human(set.policy(), &answer)
                );
                for part in &holding {
                    assert_eq!(
                        decided,
                        part.outcome,
                        "`{}` asked by `{question}` in {part:?}\n{}",
                        p.text(),
                        g.text
                    );
                }
            }
            checked += 1;
        }
    }
    eprintln!("{sets_built} sets, {checked} points, {general} general names, {conditioned} with conditions");
    assert!(
        sets_built > 300 && checked > 10_000 && general > 300 && conditioned > 200,
        "too few questions exercised"
    );
}
