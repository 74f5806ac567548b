//! Time split into intervals on which nothing changes: every rule's and
//! every membership's window begins or ends only at an interval's edge, and
//! so does the truth of every atom that reads only the query's date (the
//! date moved by offsets, compared with a constant). Offsets by months and
//! years are not linear, but they never move a later date before an
//! earlier one, so the first date at which a moved date reaches a constant
//! is found by bisection, exactly.

use chrono::{Datelike, NaiveDate};

use super::atoms::{Atom, Reads};
use super::{day_after, day_before, FIRST, LAST};
use crate::model::{Expr, ExprKind, Policy};
use crate::value::Value;

/// The first date from [`FIRST`] to [`LAST`] at which `reached` holds,
/// for a test that, once true, stays true.
pub fn first(reached: impl Fn(NaiveDate) -> bool) -> Option<NaiveDate> {
    let day = |n: i32| NaiveDate::from_num_days_from_ce_opt(n).expect("within the calendar");
    let (mut low, mut high) = (FIRST.num_days_from_ce(), LAST.num_days_from_ce());
    if !reached(day(high)) {
        return None;
    }
    while low < high {
        let mid = low + (high - low) / 2;
        if reached(day(mid)) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    Some(day(low))
}

/// The dates on which intervals begin, the first being [`FIRST`], from
/// the windows of `rules` of each policy, its memberships', and the atoms
/// that read only the query's date; and the atoms of a shape not split
/// exactly, as text.
pub fn starts(
    policies: &[(&Policy, &[usize])],
    atoms: &[Atom<'_>],
    givens: &[Vec<Option<Value>>],
) -> (Vec<NaiveDate>, Vec<String>) {
    let mut out = vec![FIRST];
    let mut sampled = Vec::new();
    for (policy, rules) in policies {
        for &r in *rules {
            let rule = &policy.rules[r];
            out.extend(rule.from.map(|b| b.date));
            out.extend(rule.until.and_then(|b| day_after(b.date)));
        }
        for m in &policy.vocabulary.memberships {
            out.extend(m.from);
            out.extend(m.until.and_then(day_after));
        }
    }
    for atom in atoms {
        let given = &givens[atom.side];
        let exact = match super::atoms::reads(atom.expr, given) {
            Reads::Date => date_edges(atom.expr, given, &mut out),
            // an atom reading the date and an attribute at once: its
            // dates are edges, but where it turns is not followed
            Reads::Several if atom.expr.reads_date() => {
                literal_dates(atom.expr, &mut out);
                false
            }
            _ => true,
        };
        let text = super::atoms::text(atom.expr, &policies[atom.side].0.vocabulary);
        if !exact && !sampled.contains(&text) {
            sampled.push(text);
        }
    }
    out.retain(|d| (FIRST..=LAST).contains(d));
    out.sort();
    out.dedup();
    (out, sampled)
}

/// The dates at which an atom of the query's date turns; false when its
/// shape is not one followed exactly (its literal dates and their
/// neighbours are edges then).
fn date_edges(e: &Expr, given: &[Option<Value>], out: &mut Vec<NaiveDate>) -> bool {
    let targets: Vec<(&Expr, &Expr)> = match &e.kind {
        ExprKind::Compare(_, l, r) => vec![(l.as_ref(), r.as_ref()), (r.as_ref(), l.as_ref())],
        ExprKind::In { item, list, .. } => list.iter().map(|el| (item.as_ref(), el)).collect(),
        _ => Vec::new(),
    };
    let mut followed = false;
    for (moved, target) in targets {
        if target.reads_date() {
            continue;
        }
        let (Some(shifts), Some(Value::Date(target))) = (
            date_chain(moved),
            super::values::fixed(target, FIRST, given),
        ) else {
            continue;
        };
        followed = true;
        let at = |d: NaiveDate| super::values::shifted(d, &shifts);
        for strict in [false, true] {
            let reached =
                |d: NaiveDate| at(d).is_some_and(|m| if strict { m > target } else { m >= target });
            out.extend(first(reached));
        }
        out.extend(first(|d| at(d).is_some()));
        out.extend(first(|d| at(d).is_none() && d > FIRST));
    }
    if !followed {
        literal_dates(e, out);
    }
    followed
}

/// The offsets applied to the query's date, when `e` is the query's date
/// moved by offsets.
fn date_chain(e: &Expr) -> Option<super::atoms::Shifts> {
    super::atoms::shifts(e, &|k| matches!(k, ExprKind::QueryDate))
}

/// Every literal date in `e`, with the days beside it.
fn literal_dates(e: &Expr, out: &mut Vec<NaiveDate>) {
    let mut push = |d: NaiveDate| {
        out.extend(
            [
                day_before(d),
                Some(d),
                day_after(d),
                day_after(day_after(d).unwrap_or(d)),
            ]
            .into_iter()
            .flatten(),
        )
    };
    walk(e, &mut |x| {
        if let ExprKind::Literal(Value::Date(d)) = &x.kind {
            push(*d)
        }
    });
}

fn walk(e: &Expr, f: &mut impl FnMut(&Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Not(x) | ExprKind::Offset { base: x, .. } | ExprKind::Match { item: x, .. } => {
            walk(x, f)
        }
        ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter().for_each(|x| walk(x, f)),
        ExprKind::Compare(_, l, r) => {
            walk(l, f);
            walk(r, f);
        }
        ExprKind::In { item, list, .. } => {
            walk(item, f);
            list.iter().for_each(|x| walk(x, f));
        }
        _ => {}
    }
}

/// The intervals from their starts: `(first, last)` dates, both inclusive.
pub fn intervals(starts: &[NaiveDate]) -> Vec<(NaiveDate, NaiveDate)> {
    starts
        .iter()
        .enumerate()
        .map(|(i, &from)| {
            let until = starts
                .get(i + 1)
                .and_then(|&next| day_before(next))
                .unwrap_or(LAST);
            (from, until)
        })
        .collect()
}
