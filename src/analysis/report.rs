//! The analyses' answers for people and for programs.

use chrono::NaiveDate;
use serde_json::{json, Value as Json};

use super::cells::Named;
use super::cover::Constraint;
use super::diff::{Diff, Label, Witness};
use super::timeline::Timeline;
use super::who_may::{Part, WhoMay};
use super::Outcome;
use crate::model::Policy;
use crate::syntax::written_name;
use crate::value::Value;

fn date(d: Option<NaiveDate>) -> Json {
    d.map_or(Json::Null, |d| json!(d.format("%Y-%m-%d").to_string()))
}

fn label(l: &Label) -> Json {
    match l {
        Label::Name(n) | Label::Alone(n) => json!(n),
        Label::Any => json!("any"),
        Label::AnyOrNone => json!("any or none"),
        Label::Other => json!("any other"),
        Label::NoCategory => Json::Null,
    }
}

fn value(v: &Value) -> Json {
    match v {
        Value::Text(t) => json!(t),
        Value::Bool(b) => json!(b),
        Value::Number(n) => n
            .to_string()
            .parse::<serde_json::Number>()
            .map_or_else(|_| json!(n.to_string()), Json::Number),
        Value::Date(d) => json!(d.format("%Y-%m-%d").to_string()),
        Value::Ip(a) => json!(a.to_string()),
    }
}

fn outcome(policy: &Policy, o: &Outcome) -> Json {
    let rules: Vec<String> = o
        .rules
        .iter()
        .map(|&r| policy.rules[r].id().into_owned())
        .collect();
    json!({"decision": o.effect.as_str(), "default": o.rules.is_empty(), "rules": rules})
}

fn name_text(n: &Named) -> Option<&str> {
    match n {
        Named::Name(n) => Some(n),
        _ => None,
    }
}

/// A witness as a JSON query line, as `eval --input` reads it.
pub fn witness_json(w: &Witness) -> Json {
    let mut out = json!({
        "action": name_text(&w.names[0]),
        "actor": name_text(&w.names[1]),
    });
    if let Some(c) = name_text(&w.names[2]) {
        out["category"] = json!(c);
    }
    out["date"] = json!(w.date.format("%Y-%m-%d").to_string());
    if !w.attributes.is_empty() {
        let attributes: serde_json::Map<String, Json> = w
            .attributes
            .iter()
            .map(|(n, v)| (n.clone(), value(v)))
            .collect();
        out["attributes"] = Json::Object(attributes);
    }
    out
}

/// A witness in the text form of `--query`.
pub fn witness_text(w: &Witness) -> String {
    let name = |n: &Named| written_name(name_text(n).unwrap_or("")).into_owned();
    let mut out = format!("{} by {}", name(&w.names[0]), name(&w.names[1]));
    if name_text(&w.names[2]).is_some() {
        out.push_str(&format!(" to category {}", name(&w.names[2])));
    }
    out.push_str(&format!(" on {}", w.date.format("%Y-%m-%d")));
    for (i, (n, v)) in w.attributes.iter().enumerate() {
        out.push_str(if i == 0 { " with " } else { ", " });
        out.push_str(&format!("{} = {v}", written_name(n)));
    }
    out
}

fn constraint_json(c: &Constraint, out: &mut Json) {
    out["where"] = c.condition.as_ref().map_or(Json::Null, |w| json!(w));
    if !c.missing.is_empty() {
        out["missing"] = json!(c.missing);
    }
    if !c.given.is_empty() {
        out["given"] = json!(c.given);
    }
}

pub fn diff_json(old: &Policy, new: &Policy, diff: &Diff) -> Json {
    let changes: Vec<Json> = diff
        .changes
        .iter()
        .map(|c| {
            let mut out = json!({});
            place_json(&c.names, c.from, c.until, &mut out);
            constraint_json(&c.constraint, &mut out);
            out["before"] = outcome(old, &c.before);
            out["after"] = outcome(new, &c.after);
            out["witness"] = witness_json(&c.witness);
            out
        })
        .collect();
    let words = |ws: &[super::diff::Word]| -> Vec<Json> {
        ws.iter()
            .map(|w| json!({"kind": w.kind, "name": w.name}))
            .collect()
    };
    json!({
        "changes": changes,
        "vocabulary": {"added": words(&diff.added), "removed": words(&diff.removed)},
        "exact": diff.sampled.is_empty(),
        "sampled": diff.sampled,
    })
}

/// A region's names, then its days, then which of its names stand alone:
/// the order diff's JSON has always had.
fn place_json(
    names: &[Label; 3],
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    out: &mut Json,
) {
    for (key, l) in ["action", "actor", "category"].into_iter().zip(names) {
        out[key] = label(l);
    }
    out["from"] = date(from);
    out["until"] = date(until);
    let alone: Vec<&str> = ["action", "actor", "category"]
        .into_iter()
        .zip(names)
        .filter(|(_, l)| matches!(l, Label::Alone(_)))
        .map(|(k, _)| k)
        .collect();
    if !alone.is_empty() {
        out["alone"] = json!(alone);
    }
}

fn part_json(policy: &Policy, p: &Part) -> Json {
    let mut out = json!({});
    place_json(&p.names, p.from, p.until, &mut out);
    constraint_json(&p.constraint, &mut out);
    let decided = outcome(policy, &p.outcome);
    for key in ["decision", "default", "rules"] {
        out[key] = decided[key].clone();
    }
    out["witness"] = witness_json(&p.witness);
    out
}

pub fn who_may_json(policy: &Policy, answer: &WhoMay) -> Json {
    let parts = |ps: &[Part]| -> Vec<Json> { ps.iter().map(|p| part_json(policy, p)).collect() };
    json!({
        "allow": parts(&answer.allow),
        "deny": parts(&answer.deny),
        "exact": answer.sampled.is_empty(),
        "sampled": answer.sampled,
    })
}

pub fn who_may_human(policy: &Policy, answer: &WhoMay) -> String {
    let mut out = String::new();
    for (heading, parts) in [("allowed", &answer.allow), ("denied", &answer.deny)] {
        out.push_str(&format!("{heading}:\n"));
        if parts.is_empty() {
            out.push_str("  nothing\n");
        }
        for p in parts {
            part_human(policy, p, &mut out);
        }
    }
    if answer.without_category {
        out.push_str("note: the query gives no category, so only queries without one are answered; write `to category ?` for every category\n");
    }
    out.push_str(&sampled_note(&answer.sampled));
    out
}

fn names_text(names: &[Label; 3]) -> String {
    let one = |l: &Label, kind: &str| match l {
        Label::Name(n) => written_name(n).into_owned(),
        Label::Alone(n) => format!("{} itself", written_name(n)),
        Label::Any | Label::AnyOrNone => format!("any {kind}"),
        Label::Other => format!("any other {kind}"),
        Label::NoCategory => String::new(),
    };
    let mut out = format!(
        "{} by {}",
        one(&names[0], "action"),
        one(&names[1], "actor")
    );
    match &names[2] {
        Label::NoCategory => out.push_str(" without a category"),
        Label::Any => out.push_str(" to any category"),
        Label::AnyOrNone => out.push_str(", any category or none"),
        Label::Other => out.push_str(" to any other category"),
        other => out.push_str(&format!(" to category {}", one(other, "category"))),
    }
    out
}

fn when_text(from: Option<NaiveDate>, until: Option<NaiveDate>) -> String {
    let d = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    match (from, until) {
        (None, None) => "at all times".to_string(),
        (Some(f), None) => format!("from {}", d(f)),
        (None, Some(u)) => format!("until {}", d(u)),
        (Some(f), Some(u)) if f == u => format!("on {}", d(f)),
        (Some(f), Some(u)) => format!("from {} until {}", d(f), d(u)),
    }
}

fn constraint_text(c: &Constraint) -> String {
    let mut out = String::new();
    if let Some(w) = &c.condition {
        out.push_str(&format!(" where {w}"));
    }
    for m in &c.missing {
        out.push_str(&format!(" without {}", written_name(m)));
    }
    for g in &c.given {
        out.push_str(&format!(" with any {}", written_name(g)));
    }
    out
}

fn outcome_text(policy: &Policy, o: &Outcome) -> String {
    if o.rules.is_empty() {
        return format!("{} by default", o.effect.as_str());
    }
    let ids: Vec<String> = o
        .rules
        .iter()
        .map(|&r| policy.rules[r].id().into_owned())
        .collect();
    format!("{} by {}", o.effect.as_str(), ids.join(", "))
}

pub fn diff_human(old: &Policy, new: &Policy, diff: &Diff) -> String {
    let mut out = String::new();
    let mut heading: Option<&[Label; 3]> = None;
    for c in &diff.changes {
        if heading != Some(&c.names) {
            out.push_str(&format!("{}\n", names_text(&c.names)));
            heading = Some(&c.names);
        }
        out.push_str(&format!(
            "  {}{}: was {}, now {}\n",
            when_text(c.from, c.until),
            constraint_text(&c.constraint),
            outcome_text(old, &c.before),
            outcome_text(new, &c.after)
        ));
        out.push_str(&format!("    for example: {}\n", witness_text(&c.witness)));
    }
    let words = |ws: &[super::diff::Word]| -> String {
        ws.iter()
            .map(|w| format!("{} {}", w.kind, written_name(&w.name)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !diff.added.is_empty() {
        out.push_str(&format!(
            "declared only in the new version: {}\n",
            words(&diff.added)
        ));
    }
    if !diff.removed.is_empty() {
        out.push_str(&format!(
            "declared only in the old version: {}\n",
            words(&diff.removed)
        ));
    }
    out.push_str(&sampled_note(&diff.sampled));
    out.push_str(&match diff.changes.len() {
        0 => "no decision differs\n".to_string(),
        1 => "1 region of queries decides differently\n".to_string(),
        n => format!("{n} regions of queries decide differently\n"),
    });
    out
}

fn sampled_note(sampled: &[String]) -> String {
    if sampled.is_empty() {
        return String::new();
    }
    let atoms: Vec<String> = sampled.iter().map(|s| format!("`{s}`")).collect();
    format!(
        "note: not proven exact: {} {} split on sample values, so a region may be missed or drawn too wide there\n",
        atoms.join(", "),
        if sampled.len() == 1 { "was" } else { "were" }
    )
}

pub fn timeline_json(policy: &Policy, timeline: &Timeline) -> Json {
    let entries: Vec<Json> = timeline
        .entries
        .iter()
        .map(|e| {
            let mut out = json!({"from": date(e.from), "until": date(e.until)});
            let decided = outcome(policy, &e.outcome);
            for key in ["decision", "default", "rules"] {
                out[key] = decided[key].clone();
            }
            if !e.otherwise.is_empty() {
                out["otherwise"] = e
                    .otherwise
                    .iter()
                    .map(|(c, o)| {
                        let mut region = json!({});
                        constraint_json(c, &mut region);
                        let decided = outcome(policy, o);
                        for key in ["decision", "default", "rules"] {
                            region[key] = decided[key].clone();
                        }
                        region
                    })
                    .collect();
            }
            out
        })
        .collect();
    json!({
        "timeline": entries,
        "depends_on": timeline.depends_on,
        "exact": timeline.sampled.is_empty(),
        "sampled": timeline.sampled,
    })
}

pub fn timeline_human(policy: &Policy, timeline: &Timeline) -> String {
    let mut out = String::new();
    for e in &timeline.entries {
        out.push_str(&format!(
            "{}: {}\n",
            when_text(e.from, e.until),
            outcome_text(policy, &e.outcome)
        ));
        for (c, o) in &e.otherwise {
            let mut rest = constraint_text(c);
            if rest.is_empty() {
                rest = " otherwise".to_string();
            }
            out.push_str(&format!("  but {}{rest}\n", outcome_text(policy, o)));
        }
    }
    if !timeline.depends_on.is_empty() {
        let names: Vec<String> = timeline
            .depends_on
            .iter()
            .map(|n| format!("`{n}`"))
            .collect();
        out.push_str(&format!(
            "note: the query does not give {}, which the rules read; its decision is the one without them, and \"but\" lines say what values would decide otherwise\n",
            names.join(", ")
        ));
    }
    out.push_str(&sampled_note(&timeline.sampled));
    out
}

/// `test --coverage --regions`: how many regions no expectation touches,
/// and the first `most` of them: the allowed, then the denied, each most
/// general first. `--format json` gives them as [`who_may_json`] does.
pub fn untested_human(policy: &Policy, answer: &WhoMay, most: usize) -> String {
    let (allowed, denied) = (answer.allow.len(), answer.deny.len());
    if allowed + denied == 0 {
        let mut out = "every region of the decision space has an expectation in it\n".to_string();
        out.push_str(&sampled_note(&answer.sampled));
        return out;
    }
    let mut out = format!(
        "regions no expectation touches: {} ({allowed} allowed, {denied} denied)\n",
        allowed + denied
    );
    // the allows first: an allow no test holds is the likelier surprise
    let parts: Vec<&Part> = answer.allow.iter().chain(&answer.deny).collect();
    for p in parts.iter().take(most) {
        part_human(policy, p, &mut out);
    }
    if parts.len() > most {
        out.push_str(&format!(
            "  and {} more (`--format json` lists every one)\n",
            parts.len() - most
        ));
    }
    out.push_str(&sampled_note(&answer.sampled));
    out
}

/// A who-may region for people: its place and decision, then a witness.
fn part_human(policy: &Policy, p: &Part, out: &mut String) {
    out.push_str(&format!(
        "  {}, {}{}: {}\n",
        names_text(&p.names),
        when_text(p.from, p.until),
        constraint_text(&p.constraint),
        outcome_text(policy, &p.outcome)
    ));
    out.push_str(&format!("    for example: {}\n", witness_text(&p.witness)));
}
