//! Values that attributes and literals hold: text, exact decimal numbers,
//! booleans and calendar dates.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use chrono::{Datelike, NaiveDate};

/// The type of an attribute or a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    Text,
    Number,
    Bool,
    Date,
    /// An IPv4 or IPv6 address.
    Ip,
}

impl Type {
    pub fn as_str(self) -> &'static str {
        match self {
            Type::Text => "text",
            Type::Number => "number",
            Type::Bool => "bool",
            Type::Date => "date",
            Type::Ip => "ip",
        }
    }

    /// The type with an article, for sentences: "a number", "text".
    pub fn with_article(self) -> &'static str {
        match self {
            Type::Text => "text",
            Type::Number => "a number",
            Type::Bool => "a bool",
            Type::Date => "a date",
            Type::Ip => "an IP address",
        }
    }

    /// Whether `<`, `<=`, `>` and `>=` are defined.
    pub fn is_ordered(self) -> bool {
        matches!(self, Type::Number | Type::Date)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value of one of the four types.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Text(String),
    Number(Number),
    Bool(bool),
    Date(NaiveDate),
    Ip(std::net::IpAddr),
}

impl Value {
    pub fn ty(&self) -> Type {
        match self {
            Value::Text(_) => Type::Text,
            Value::Number(_) => Type::Number,
            Value::Bool(_) => Type::Bool,
            Value::Date(_) => Type::Date,
            Value::Ip(_) => Type::Ip,
        }
    }

    /// Orders two values of the same ordered type; `None` otherwise.
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Number(a), Value::Number(b)) => Some(a.cmp(b)),
            (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    /// The value as it would be written in a policy.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(t) => {
                f.write_str("\"")?;
                for c in t.chars() {
                    if c == '"' || c == '\\' {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")
            }
            Value::Number(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            // as it is written in a policy: in quotes
            Value::Ip(a) => write!(f, "\"{a}\""),
        }
    }
}

/// An exact decimal number. `2.50` equals `2.5`, and no digit is ever lost
/// to floating point.
///
/// A number that is an `i64` divided by a power of ten up to 10^18 (every
/// amount, count and price in practice) is kept as that pair, in sixteen
/// bytes with nothing on the heap; any other is kept as its digits. Each
/// number has one form, so equal numbers are equal as values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number(Repr);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// `value / 10^scale`, `scale` at most [`MAX_SCALE`], and `value` not a
    /// multiple of ten when `scale` is above zero.
    Small {
        value: i64,
        scale: u8,
    },
    Digits(Box<Digits>),
}

/// The most fraction digits of a [`Repr::Small`].
const MAX_SCALE: usize = 18;

/// A number as its digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Digits {
    negative: bool,
    /// Integer digits without leading zeros (empty for zero).
    int: String,
    /// Fraction digits without trailing zeros.
    frac: String,
}

impl From<i64> for Number {
    fn from(value: i64) -> Number {
        Number(Repr::Small { value, scale: 0 })
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Text(text.to_string())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Text(text)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(Number::from(n))
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

impl From<std::net::IpAddr> for Value {
    fn from(a: std::net::IpAddr) -> Value {
        Value::Ip(a)
    }
}

impl From<NaiveDate> for Value {
    fn from(d: NaiveDate) -> Value {
        Value::Date(d)
    }
}

/// The largest exponent accepted in a JSON number like `1e300`.
const MAX_EXPONENT: i64 = 400;

impl Number {
    /// Parses `12`, `-2.5`, and the JSON forms `1e3`, `2.5E-2`.
    pub fn parse(text: &str) -> Option<Number> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(i) => {
                let exp: i64 = rest[i + 1..].parse().ok()?;
                if exp.abs() > MAX_EXPONENT {
                    return None;
                }
                (&rest[..i], exp)
            }
            None => (rest, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty()
            || !digits(int)
            || !digits(frac)
            || (mantissa.contains('.') && frac.is_empty())
        {
            return None;
        }
        if exponent == 0 {
            // the usual case: no point to shift
            let int = int.trim_start_matches('0');
            let frac = frac.trim_end_matches('0');
            return Some(Number::of(negative, int, frac));
        }
        // Shift the decimal point by the exponent.
        let all: String = format!("{int}{frac}");
        let point = int.len() as i64 + exponent;
        let (int, frac) = if point <= 0 {
            (
                String::new(),
                format!("{}{all}", "0".repeat((-point) as usize)),
            )
        } else if point as usize >= all.len() {
            (
                format!("{all}{}", "0".repeat(point as usize - all.len())),
                String::new(),
            )
        } else {
            (
                all[..point as usize].to_string(),
                all[point as usize..].to_string(),
            )
        };
        let int = int.trim_start_matches('0');
        let frac = frac.trim_end_matches('0');
        Some(Number::of(negative, int, frac))
    }

    /// How many digits the number has after the point.
    pub fn scale(&self) -> usize {
        let text = self.to_string();
        text.split_once('.').map_or(0, |(_, frac)| frac.len())
    }

    /// The number moved by one unit of the `place`-th fraction digit
    /// (`place` 0: by one), up or down: the analysis's way to a number just
    /// beside another, or strictly between two.
    pub fn step(&self, place: usize, up: bool) -> Number {
        let text = self.to_string();
        let (negative, magnitude) = match text.strip_prefix('-') {
            Some(m) => (true, m),
            None => (false, text.as_str()),
        };
        let (int, frac) = magnitude.split_once('.').unwrap_or((magnitude, ""));
        let scale = place.max(frac.len());
        // the magnitude as whole units of the last place, with a leading
        // zero so that adding never runs out of digits
        let mut digits: Vec<u8> = format!("0{int}{frac:0<scale$}").into_bytes();
        let zero = digits.iter().all(|&d| d == b'0');
        // moving away from zero adds to the digits, towards it takes away
        let (negative, away) = if zero {
            (!up, true)
        } else {
            (negative, up != negative)
        };
        // the digit of the place moved: `scale - place` from the right
        let at = digits.len() - 1 - (scale - place);
        let magnitude_at_least_unit = digits[..=at].iter().any(|&d| d != b'0');
        if !away && !magnitude_at_least_unit {
            // less than one unit towards zero: it crosses zero
            return Number::parse(&format!(
                "{}{}",
                if negative { "" } else { "-" },
                Number::unit_minus(&digits, at, scale)
            ))
            .expect("a number written out");
        }
        let mut i = at + 1;
        loop {
            i -= 1;
            if away {
                if digits[i] == b'9' {
                    digits[i] = b'0';
                } else {
                    digits[i] += 1;
                    break;
                }
            } else if digits[i] == b'0' {
                digits[i] = b'9';
            } else {
                digits[i] -= 1;
                break;
            }
        }
        Number::parse(&format!(
            "{}{}",
            if negative { "-" } else { "" },
            Number::written(&digits, scale)
        ))
        .expect("a number written out")
    }

    /// Digits of whole units of the `scale`-th place, written as a number.
    fn written(digits: &[u8], scale: usize) -> String {
        let text = std::str::from_utf8(digits).expect("ASCII digits");
        let split = text.len() - scale;
        let int = text[..split].trim_start_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        if scale == 0 {
            int.to_string()
        } else {
            format!("{int}.{}", &text[split..])
        }
    }

    /// One unit of the place at `at` less the magnitude `digits` (smaller
    /// than that unit), written as a number.
    fn unit_minus(digits: &[u8], at: usize, scale: usize) -> String {
        // unit - m, digit by digit: 10^k - m = (10^k - 1 - m) + 1
        let mut out: Vec<u8> = digits
            .iter()
            .enumerate()
            .map(|(i, &d)| if i <= at { b'0' } else { b'9' - (d - b'0') })
            .collect();
        let mut i = out.len();
        loop {
            i -= 1;
            if out[i] == b'9' {
                out[i] = b'0';
            } else {
                out[i] += 1;
                break;
            }
        }
        Number::written(&out, scale)
    }

    /// The number when it is a whole number that fits an `i64`.
    pub fn to_i64(&self) -> Option<i64> {
        match self.0 {
            Repr::Small { value, scale: 0 } => Some(value),
            _ => None,
        }
    }

    /// The number from its sign and digits (no leading zero in `int`, no
    /// trailing zero in `frac`), in its one form.
    fn of(negative: bool, int: &str, frac: &str) -> Number {
        let small = (frac.len() <= MAX_SCALE)
            .then(|| {
                let magnitude = int.bytes().chain(frac.bytes()).try_fold(0u64, |n, d| {
                    n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
                })?;
                let value = if negative {
                    0i64.checked_sub_unsigned(magnitude)?
                } else {
                    i64::try_from(magnitude).ok()?
                };
                Some(Repr::Small {
                    value,
                    scale: frac.len() as u8,
                })
            })
            .flatten();
        Number(small.unwrap_or_else(|| {
            Repr::Digits(Box::new(Digits {
                negative: negative && !(int.is_empty() && frac.is_empty()),
                int: int.to_string(),
                frac: frac.to_string(),
            }))
        }))
    }

    /// The number as its digits.
    fn digits(&self) -> Cow<'_, Digits> {
        match &self.0 {
            Repr::Digits(d) => Cow::Borrowed(d),
            &Repr::Small { value, scale } => {
                let all = value.unsigned_abs().to_string();
                let scale = scale as usize;
                let all = format!("{}{all}", "0".repeat(scale.saturating_sub(all.len())));
                let (int, frac) = all.split_at(all.len() - scale);
                Cow::Owned(Digits {
                    negative: value < 0,
                    int: int.trim_start_matches('0').to_string(),
                    frac: frac.to_string(),
                })
            }
        }
    }
}

impl Digits {
    fn cmp_magnitude(&self, other: &Digits) -> Ordering {
        self.int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(&other.int))
            .then_with(|| self.frac.cmp(&other.frac))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        match (&self.0, &other.0) {
            (&Repr::Small { value: a, scale: x }, &Repr::Small { value: b, scale: y }) => {
                // both over 10^max(x, y): below 2^63 * 10^18 < 2^127
                let at = |v: i64, s: u8| i128::from(v) * 10i128.pow(u32::from(x.max(y) - s));
                at(a, x).cmp(&at(b, y))
            }
            _ => self.digits().cmp(&other.digits()),
        }
    }
}

impl Ord for Digits {
    fn cmp(&self, other: &Digits) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialOrd for Digits {
    fn partial_cmp(&self, other: &Digits) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            &Repr::Small { value, scale: 0 } => write!(f, "{value}"),
            _ => self.digits().fmt(f),
        }
    }
}

impl fmt::Display for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        f.write_str(if self.int.is_empty() { "0" } else { &self.int })?;
        if !self.frac.is_empty() {
            write!(f, ".{}", self.frac)?;
        }
        Ok(())
    }
}

/// Why a text is not a date, in words for a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    /// What is wrong, ending the sentence "`TEXT` is not a date".
    pub help: String,
}

/// Parses an ISO 8601 calendar date `YYYY-MM-DD` that exists.
pub fn parse_date(text: &str) -> Result<NaiveDate, DateError> {
    let shape = || DateError {
        help: "dates are written YYYY-MM-DD, like 2021-03-31".to_string(),
    };
    // `2021-04-02T10:00:00Z`: a timestamp where a day is meant
    if let (Some(day), Some(rest)) = (text.get(..10), text.get(10..)) {
        if rest.starts_with(['T', 't', ' ']) && parse_date(day).is_ok() {
            return Err(DateError {
                help: format!("a date has no time of day or zone: write `{day}`"),
            });
        }
    }
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts[..] else {
        return Err(shape());
    };
    if y.len() != 4
        || m.len() != 2
        || d.len() != 2
        || !text.bytes().all(|b| b.is_ascii_digit() || b == b'-')
    {
        return Err(shape());
    }
    let (year, month, day): (i32, u32, u32) = (
        y.parse().map_err(|_| shape())?,
        m.parse().map_err(|_| shape())?,
        d.parse().map_err(|_| shape())?,
    );
    if !(1..=12).contains(&month) {
        return Err(DateError {
            help: "months run from 01 to 12".to_string(),
        });
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        let first = NaiveDate::from_ymd_opt(year, month, 1).expect("month checked");
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(first);
        let days = (next - first).num_days();
        DateError {
            help: format!("{} {} has {days} days", first.format("%B"), first.year()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn a_timestamp_is_told_it_is_not_a_date() {
        for text in [
            "2021-04-02T10:00:00Z",
            "2021-04-02 10:00",
            "2021-04-02t00:00+02:00",
        ] {
            let help = parse_date(text).expect_err(text).help;
            assert!(help.contains("write `2021-04-02`"), "{text}: {help}");
        }
        assert!(parse_date("2021-02-30T00:00")
            .expect_err("no such day")
            .help
            .contains("YYYY-MM-DD"));
    }

    #[test]
    fn numbers_compare_exactly() {
        assert_eq!(n("2.50"), n("2.5"));
        assert_eq!(n("-0"), n("0"));
        assert_eq!(n("1e3"), n("1000"));
        assert_eq!(n("25E-1"), n("2.5"));
        assert!(n("9007199254740993") > n("9007199254740992"));
        assert!(n("-3") < n("-2.5"));
        assert!(n("0.1") < n("0.25"));
        assert!(n("10") > n("9.99"));
        assert_eq!(n("007.100").to_string(), "7.1");
        assert_eq!(n("-0.5").to_string(), "-0.5");
    }

    /// The two forms agree: every pair of numbers, some small and some kept
    /// as digits (past an `i64`, or past 18 fraction digits), orders and
    /// prints as their digits do.
    #[test]
    fn both_forms_order_and_print_as_digits() {
        let texts = [
            "0",
            "-0.0",
            "1",
            "-1",
            "0.5",
            "-0.05",
            "10",
            "9.99",
            "100.001",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "922337203685477580.7",
            "0.000000000000000001",
            "0.0000000000000000001",
            "-0.0000000000000000015",
            "123456789012345678901234567890.5",
            "1e18",
            "1e19",
            "-2.5e-20",
            "3.14159265358979323846",
        ];
        let numbers: Vec<Number> = texts.iter().map(|t| n(t)).collect();
        for (t, a) in texts.iter().zip(&numbers) {
            // printed, then read back: the same number, in the same form
            assert_eq!(&n(&a.to_string()), a, "{t}");
            assert_eq!(a.to_string(), a.digits().to_string(), "{t}");
            for b in &numbers {
                assert_eq!(a.cmp(b), a.digits().cmp(&b.digits()), "{a} against {b}");
                assert_eq!(a == b, a.cmp(b) == Ordering::Equal, "{a} against {b}");
            }
        }
        assert_eq!(Number::from(i64::MIN), n("-9223372036854775808"));
        assert_eq!(Number::from(-25), n("-25.0"));
        assert!(matches!(n("9223372036854775808").0, Repr::Digits(_)));
        assert!(matches!(n("0.0000000000000000001").0, Repr::Digits(_)));
        assert!(matches!(n("-922337203685477580.8").0, Repr::Small { .. }));
    }

    #[test]
    fn bad_numbers_are_refused() {
        for s in ["", "-", "1.", ".5", "1e", "1e999", "a", "1.2.3", "+1"] {
            assert!(Number::parse(s).is_none(), "{s} should not parse");
        }
    }

    #[test]
    fn dates_must_exist() {
        assert!(parse_date("2024-02-29").is_ok());
        assert_eq!(
            parse_date("2021-02-30").unwrap_err().help,
            "February 2021 has 28 days"
        );
        assert_eq!(
            parse_date("2021-04-31").unwrap_err().help,
            "April 2021 has 30 days"
        );
        assert_eq!(
            parse_date("2021-13-01").unwrap_err().help,
            "months run from 01 to 12"
        );
        assert!(parse_date("2021-3-31")
            .unwrap_err()
            .help
            .contains("YYYY-MM-DD"));
        assert!(parse_date("12021-03-31").is_err());
        assert!(parse_date("2021-00-10").is_err());
        assert!(parse_date("2021-01-00").is_err());
    }

    #[test]
    fn steps_move_by_one_unit_of_a_place() {
        let n = |s: &str| Number::parse(s).unwrap();
        assert_eq!(n("2.5").step(0, true), n("3.5"));
        assert_eq!(n("2.5").step(2, false), n("2.49"));
        assert_eq!(n("0").step(0, false), n("-1"));
        assert_eq!(n("0").step(1, true), n("0.1"));
        assert_eq!(n("-0.5").step(1, true), n("-0.4"));
        assert_eq!(n("-0.1").step(1, true), n("0"));
        assert_eq!(
            n("99999999999999999999").step(0, true),
            n("100000000000000000000")
        );
        assert_eq!(n("-1").step(0, false), n("-2"));
        assert_eq!(
            n("0.0000000000000000001").step(20, false),
            n("0.00000000000000000009")
        );
        assert_eq!(n("1000").step(0, false), n("999"));
        assert_eq!(n("2.5").step(0, false), n("1.5"));
        assert_eq!(n("2.5").step(0, true), n("3.5"));
        assert_eq!(n("0.5").step(0, false), n("-0.5"));
        assert_eq!(n("-0.25").step(0, true), n("0.75"));
        assert_eq!(n("0.25").step(1, false), n("0.15"));
    }
}
