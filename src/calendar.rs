//! Date arithmetic for offsets such as `90 days after 2022-06-03`: exact
//! calendar rules, written down once and used by the checker (for dates it
//! can work out) and the evaluator (for dates a query gives).
//!
//! Days and weeks count days. Months and years move along the calendar and
//! keep the day of the month, or take the month's last day when it has no
//! such day: one month after 2021-01-31 is 2021-02-28, one year after
//! 2024-02-29 is 2025-02-28, one month before 2021-03-31 is 2021-02-28.
//! A year is twelve months.

use chrono::{Days, Months, NaiveDate};

/// The largest amount an offset may count: a million days is some 2,700
/// years, far past any real rule, and keeps every date in chrono's range
/// checkable.
pub const MAX_AMOUNT: u32 = 1_000_000;

/// What an offset counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    Days,
    Weeks,
    Months,
    Years,
}

impl Unit {
    /// The unit as written, `days` or `day` alike.
    pub fn parse(word: &str) -> Option<Unit> {
        Some(match word {
            "day" | "days" => Unit::Days,
            "week" | "weeks" => Unit::Weeks,
            "month" | "months" => Unit::Months,
            "year" | "years" => Unit::Years,
            _ => return None,
        })
    }

    /// The unit's word for `amount` of it: `1 day`, `90 days`.
    pub fn word(self, amount: u32) -> &'static str {
        match (self, amount == 1) {
            (Unit::Days, true) => "day",
            (Unit::Days, false) => "days",
            (Unit::Weeks, true) => "week",
            (Unit::Weeks, false) => "weeks",
            (Unit::Months, true) => "month",
            (Unit::Months, false) => "months",
            (Unit::Years, true) => "year",
            (Unit::Years, false) => "years",
        }
    }
}

/// `amount` units after `date` (before it when `before`); `None` past the
/// range of dates.
pub fn shift(date: NaiveDate, amount: u32, unit: Unit, before: bool) -> Option<NaiveDate> {
    match unit {
        Unit::Days | Unit::Weeks => {
            let days = Days::new(u64::from(amount) * if unit == Unit::Weeks { 7 } else { 1 });
            if before {
                date.checked_sub_days(days)
            } else {
                date.checked_add_days(days)
            }
        }
        Unit::Months | Unit::Years => {
            let months =
                Months::new(amount.checked_mul(if unit == Unit::Years { 12 } else { 1 })?);
            if before {
                date.checked_sub_months(months)
            } else {
                date.checked_add_months(months)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months_keep_the_day_or_take_the_last() {
        assert_eq!(
            shift(d("2021-01-31"), 1, Unit::Months, false),
            Some(d("2021-02-28"))
        );
        assert_eq!(
            shift(d("2024-01-31"), 1, Unit::Months, false),
            Some(d("2024-02-29"))
        );
        assert_eq!(
            shift(d("2021-03-31"), 1, Unit::Months, true),
            Some(d("2021-02-28"))
        );
        assert_eq!(
            shift(d("2021-01-15"), 14, Unit::Months, false),
            Some(d("2022-03-15"))
        );
    }

    #[test]
    fn years_are_twelve_months() {
        assert_eq!(
            shift(d("2024-02-29"), 1, Unit::Years, false),
            Some(d("2025-02-28"))
        );
        assert_eq!(
            shift(d("2024-02-29"), 4, Unit::Years, false),
            Some(d("2028-02-29"))
        );
    }

    #[test]
    fn days_and_weeks_count_days() {
        assert_eq!(
            shift(d("2022-06-03"), 90, Unit::Days, false),
            Some(d("2022-09-01"))
        );
        assert_eq!(
            shift(d("2024-03-01"), 1, Unit::Days, true),
            Some(d("2024-02-29"))
        );
        assert_eq!(
            shift(d("2021-01-01"), 2, Unit::Weeks, false),
            Some(d("2021-01-15"))
        );
    }

    #[test]
    fn past_the_range_is_none() {
        assert_eq!(shift(NaiveDate::MAX, 1, Unit::Days, false), None);
        assert_eq!(shift(NaiveDate::MIN, 1, Unit::Months, true), None);
        assert_eq!(shift(d("2021-01-01"), u32::MAX, Unit::Years, false), None);
    }
}
