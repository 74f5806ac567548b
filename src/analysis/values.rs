//! An attribute's values, split into classes that no atom tells apart.
//!
//! Each atom that reads one attribute compares it with constants, finds it
//! in a list, matches it against a network, or reads it as a bool. The
//! candidates are those constants and the values just beside them (the day
//! before and after a date, a number a step below, between and above,
//! the first and last address of a network and their neighbours, a text
//! equal to none of them), and the missing value. Grouping the candidates
//! by the truths every atom gives them yields the classes: all values of a
//! class decide alike, since no condition can tell them apart. For the
//! atoms above the candidates meet every class there is, so the split is
//! exact; patterns over text and atoms that read two things at once are
//! split on samples, and the dimension says it is not proven exact.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::NaiveDate;

use super::atoms::{self, Atom, Reads};
use super::{day_after, day_before, Sides};
use crate::eval::{truth, Truth};
use crate::model::{Expr, ExprKind, Query, QueryNames};
use crate::pattern::How;
use crate::value::{Number, Type, Value};

/// An attribute as the analysis sees it, over every set compared.
#[derive(Debug, Clone)]
pub struct Dim {
    pub name: String,
    pub ty: Type,
    /// The attribute's index in each set; `None` where the set does not
    /// declare it with this type (a query there cannot give it).
    pub index: Vec<Option<usize>>,
    /// The atoms reading it, each once, as text and as the text of its
    /// negation.
    pub atoms: Vec<(String, String)>,
    /// The classes; the first is the missing value.
    pub classes: Vec<Class>,
    /// The atoms split on sample values rather than exactly.
    pub sampled: Vec<String>,
    /// The values the atoms compare with: a class whose only candidate is
    /// one of them holds that value alone (when nothing is sampled).
    pub constants: Vec<Value>,
    /// The atoms, in the order of each class's truths, to place a value.
    readers: Arc<[Reader]>,
    /// The date the atoms were read on.
    date: NaiveDate,
}

/// An atom of a dimension: the attribute's index and the number of
/// attributes in the set it is from, and the atom.
#[derive(Debug)]
struct Reader {
    own: usize,
    attributes: usize,
    expr: Expr,
}

impl Reader {
    fn read(&self, value: Option<&Value>, date: NaiveDate) -> Truth {
        let mut query = probe(self.attributes, self.own, &Value::Bool(false), date);
        query.attributes[self.own] = value.cloned();
        truth(&self.expr, &query)
    }
}

impl Dim {
    /// The one value a class holds, when it holds one alone.
    pub fn alone(&self, class: usize) -> Option<&Value> {
        match self.classes[class].members.as_slice() {
            [v] if self.sampled.is_empty() && self.constants.contains(v) => Some(v),
            _ => None,
        }
    }

    /// The class a value of set `side` (`None`: missing) falls in; `None`
    /// when no class reads it alike (an atom split on samples can miss a
    /// value), or when an atom also reads the query's date (the classes
    /// were read on one day of the interval, the value may be asked on
    /// another).
    pub fn class_of(&self, side: usize, value: Option<&Value>) -> Option<usize> {
        if value.is_none() {
            return Some(0);
        }
        self.index[side]?;
        if self.readers.iter().any(|r| r.expr.reads_date()) {
            return None;
        }
        let truths: Vec<Truth> = self
            .readers
            .iter()
            .map(|r| r.read(value, self.date))
            .collect();
        (1..self.classes.len()).find(|&c| self.classes[c].truths == truths)
    }
}

/// Values that every atom reads alike.
#[derive(Debug, Clone)]
pub struct Class {
    /// The value a query of this class gives (`None`: missing).
    pub value: Option<Value>,
    /// The truth of each atom of the dimension for it.
    pub truths: Vec<Truth>,
    /// Every candidate of the class, to test descriptions against.
    pub members: Vec<Value>,
}

/// A query for one set that gives `value` for the attribute `index` (and
/// nothing else), on `date`: enough to read an atom of that attribute.
pub fn probe(attributes: usize, index: usize, value: &Value, date: NaiveDate) -> Query {
    let mut values = vec![None; attributes];
    values[index] = Some(value.clone());
    Query {
        action: None,
        actor: None,
        category: None,
        date,
        attributes: values,
        strangers: QueryNames::default(),
    }
}

/// The classes of the attribute `name` of type `ty`, from the atoms that
/// read it, read on `date` (for atoms that also read the query's date).
pub fn classes(
    sides: &Sides<'_>,
    name: &str,
    ty: Type,
    atoms_read: &[Atom<'_>],
    givens: &[Vec<Option<Value>>],
    date: NaiveDate,
) -> Dim {
    let index: Vec<Option<usize>> = sides
        .policies()
        .map(|p| {
            p.vocabulary
                .attribute(name)
                .filter(|&i| p.vocabulary.attributes[i].ty == ty)
        })
        .collect();
    let mut sampled = Vec::new();
    let mut mine: Vec<(String, Atom<'_>)> = Vec::new();
    let mut candidates = Vec::new();
    for atom in atoms_read {
        let Some(own) = index[atom.side] else {
            continue;
        };
        let policy = sides.policy(atom.side);
        let mut read = Vec::new();
        atom.expr.attributes(&mut read);
        if !read.contains(&own) {
            continue;
        }
        let reads = atoms::reads(atom.expr, &givens[atom.side]);
        let mut exact = reads == Reads::Attribute(own) && !is_text_pattern(atom.expr);
        let text = atoms::text(atom.expr, &policy.vocabulary);
        constants_of(
            atom.expr,
            own,
            ty,
            (date, &givens[atom.side]),
            &mut candidates,
            &mut exact,
        );
        if !exact && !sampled.contains(&text) {
            sampled.push(text.clone());
        }
        if !mine.iter().any(|(t, _)| *t == text) {
            mine.push((text, *atom));
        }
    }
    let constants: Vec<Value> = match ty {
        Type::Bool => vec![Value::Bool(true), Value::Bool(false)],
        _ => candidates.clone(),
    };
    let candidates = spread(ty, candidates);
    let readers: Arc<[Reader]> = mine
        .iter()
        .map(|(_, atom)| Reader {
            own: index[atom.side].expect("an atom of this side"),
            attributes: sides.policy(atom.side).vocabulary.attributes.len(),
            expr: atom.expr.clone(),
        })
        .collect();
    let read = |value: Option<&Value>| -> Vec<Truth> {
        readers.iter().map(|r| r.read(value, date)).collect()
    };
    let mut classes = vec![Class {
        value: None,
        truths: read(None),
        members: Vec::new(),
    }];
    for value in candidates {
        let truths = read(Some(&value));
        match classes[1..].iter_mut().find(|c| c.truths == truths) {
            Some(class) => class.members.push(value),
            None => classes.push(Class {
                value: Some(value.clone()),
                truths,
                members: vec![value],
            }),
        }
    }
    let atoms = mine
        .iter()
        .map(|(text, atom)| {
            let vocab = &sides.policy(atom.side).vocabulary;
            (
                text.clone(),
                atoms::text(&atoms::negation(atom.expr), vocab),
            )
        })
        .collect();
    Dim {
        name: name.to_string(),
        ty,
        index,
        atoms,
        classes,
        sampled,
        constants,
        readers,
        date,
    }
}

fn is_text_pattern(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Match { pattern, .. } if pattern.how != How::Network)
}

/// The values an atom compares the attribute `own` with, and for text
/// patterns some texts they match.
fn constants_of(
    e: &Expr,
    own: usize,
    ty: Type,
    at: (NaiveDate, &[Option<Value>]),
    out: &mut Vec<Value>,
    exact: &mut bool,
) {
    match &e.kind {
        ExprKind::Compare(_, l, r) => {
            for (mine, other) in [(l, r), (r, l)] {
                if let Some(shifts) = chain(mine, own) {
                    match fixed(other, at.0, at.1) {
                        Some(v) => crossings(&shifts, &v, out),
                        None => *exact = false,
                    }
                }
            }
            if chain(l, own).is_none() && chain(r, own).is_none() {
                *exact = false;
            }
        }
        ExprKind::In { item, list, .. } => match chain(item, own) {
            Some(shifts) => {
                for el in list {
                    match fixed(el, at.0, at.1) {
                        Some(v) => crossings(&shifts, &v, out),
                        None => *exact = false,
                    }
                }
            }
            None => *exact = false,
        },
        ExprKind::Match { item, pattern, .. } => {
            if chain(item, own).is_none_or(|s| !s.is_empty()) {
                *exact = false;
            }
            match pattern.how {
                How::Network => {
                    if let Some((address, bits)) = pattern.network() {
                        out.extend(network_ends(address, bits).into_iter().map(Value::Ip));
                    }
                }
                how => out.extend(samples(how, &pattern.source).into_iter().map(Value::Text)),
            }
        }
        ExprKind::Attribute(a) if *a == own && ty == Type::Bool => {}
        _ => *exact = false,
    }
}

/// The offsets applied to the attribute `own`, innermost first, when `e`
/// is the attribute moved by offsets; `None` otherwise.
fn chain(e: &Expr, own: usize) -> Option<atoms::Shifts> {
    atoms::shifts(e, &|k| matches!(k, ExprKind::Attribute(a) if *a == own))
}

/// The value of an operand that reads no attribute but those `given` (a
/// literal, the query's date, a given attribute, offsets of them), on
/// `date`.
pub fn fixed(e: &Expr, date: NaiveDate, given: &[Option<Value>]) -> Option<Value> {
    match &e.kind {
        ExprKind::Literal(v) => Some(v.clone()),
        ExprKind::Attribute(a) => given.get(*a).cloned().flatten(),
        ExprKind::QueryDate => Some(Value::Date(date)),
        ExprKind::Offset {
            amount,
            unit,
            before,
            base,
        } => match fixed(base, date, given)? {
            Value::Date(d) => crate::calendar::shift(d, *amount, *unit, *before).map(Value::Date),
            _ => None,
        },
        _ => None,
    }
}

/// Applies offsets, innermost first; `None` past the calendar.
pub fn shifted(
    date: NaiveDate,
    shifts: &[(u32, crate::calendar::Unit, bool)],
) -> Option<NaiveDate> {
    shifts.iter().try_fold(date, |d, &(amount, unit, before)| {
        crate::calendar::shift(d, amount, unit, before)
    })
}

/// The values of the attribute at which `shifts` of it meets `value`: the
/// value itself without offsets, else for a date the first dates at which
/// the moved date reaches and passes it.
fn crossings(shifts: &[(u32, crate::calendar::Unit, bool)], value: &Value, out: &mut Vec<Value>) {
    match value {
        Value::Date(target) if !shifts.is_empty() => {
            let at = |d: NaiveDate| shifted(d, shifts);
            for strict in [false, true] {
                let reached = |d: NaiveDate| {
                    at(d).is_some_and(|m| if strict { m > *target } else { m >= *target })
                };
                if let Some(d) = super::dates::first(reached) {
                    out.push(Value::Date(d));
                }
            }
            // where the moved date leaves the calendar
            if let Some(d) = super::dates::first(|d| at(d).is_some()) {
                out.push(Value::Date(d));
            }
            if let Some(d) = super::dates::first(|d| at(d).is_none() && d > super::FIRST) {
                out.push(Value::Date(d));
            }
        }
        v => out.push(v.clone()),
    }
}

/// The candidates from the constants: each, and the values beside them.
fn spread(ty: Type, constants: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut push = |v: Value| {
        if !out.contains(&v) {
            out.push(v)
        }
    };
    match ty {
        Type::Bool => {
            push(Value::Bool(true));
            push(Value::Bool(false));
        }
        Type::Text => {
            for c in &constants {
                push(c.clone());
            }
            // a text equal to none of them
            let mut other = "other".to_string();
            while constants.contains(&Value::Text(other.clone())) {
                other.push('_');
            }
            push(Value::Text(other));
        }
        Type::Number => {
            let mut numbers: Vec<Number> = constants
                .into_iter()
                .filter_map(|v| match v {
                    Value::Number(n) => Some(n),
                    _ => None,
                })
                .collect();
            numbers.sort();
            numbers.dedup();
            if numbers.is_empty() {
                numbers.push(Number::from(0));
            }
            push(Value::Number(numbers[0].step(0, false)));
            for (i, n) in numbers.iter().enumerate() {
                push(Value::Number(n.clone()));
                let place = match numbers.get(i + 1) {
                    Some(next) => n.scale().max(next.scale()) + 1,
                    None => 0,
                };
                push(Value::Number(n.step(place, true)));
            }
        }
        Type::Date => {
            let mut dates: Vec<NaiveDate> = constants
                .into_iter()
                .filter_map(|v| match v {
                    Value::Date(d) => Some(d),
                    _ => None,
                })
                .collect();
            if dates.is_empty() {
                dates.push(NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date"));
            }
            for d in dates {
                for near in [day_before(d), Some(d), day_after(d)].into_iter().flatten() {
                    push(Value::Date(near));
                }
            }
        }
        Type::Ip => {
            for c in constants {
                if let Value::Ip(a) = c {
                    for near in beside(a) {
                        push(Value::Ip(near));
                    }
                }
            }
            push(Value::Ip(IpAddr::from([0, 0, 0, 0])));
            push(Value::Ip(IpAddr::from([0u16; 8])));
        }
    }
    out
}

/// The first and last address of a network.
fn network_ends(address: IpAddr, bits: u8) -> Vec<IpAddr> {
    let (value, width) = match address {
        IpAddr::V4(a) => (u128::from(u32::from(a)), 32u32),
        IpAddr::V6(a) => (u128::from(a), 128),
    };
    let host = width - u32::from(bits);
    let mask = if host >= 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    };
    let ip = |v: u128| match address {
        IpAddr::V4(_) => IpAddr::from((v as u32).to_be_bytes()),
        IpAddr::V6(_) => IpAddr::from(v.to_be_bytes()),
    };
    vec![ip(value & !mask), ip(value | mask)]
}

/// An address and the ones just before and after it, in its family.
fn beside(address: IpAddr) -> Vec<IpAddr> {
    match address {
        IpAddr::V4(a) => {
            let v = u32::from(a);
            [v.checked_sub(1), Some(v), v.checked_add(1)]
                .into_iter()
                .flatten()
                .map(|v| IpAddr::from(v.to_be_bytes()))
                .collect()
        }
        IpAddr::V6(a) => {
            let v = u128::from(a);
            [v.checked_sub(1), Some(v), v.checked_add(1)]
                .into_iter()
                .flatten()
                .map(|v| IpAddr::from(v.to_be_bytes()))
                .collect()
        }
    }
}

/// Some texts a glob or path pattern matches (its wildcards as nothing and
/// as one letter); none for a regular expression.
fn samples(how: How, source: &str) -> Vec<String> {
    let fill = |with: &str| -> String {
        let mut out = String::new();
        let mut chars = source.chars().peekable();
        while let Some(c) = chars.next() {
            match (how, c) {
                (How::Glob, '*') | (How::Path, '*') => out.push_str(with),
                (How::Glob, '?') => out.push('x'),
                (How::Path, ':') => {
                    while chars
                        .peek()
                        .is_some_and(|c| c.is_alphanumeric() || *c == '_')
                    {
                        chars.next();
                    }
                    out.push('x');
                }
                _ => out.push(c),
            }
        }
        out
    };
    match how {
        How::Glob | How::Path => vec![fill(""), fill("x")],
        How::Regex | How::Network => Vec::new(),
    }
}
