//! `edict fmt`: fixtures in, formatted text out; idempotent; every comment
//! kept; every decision unchanged, on generated sets.

use chrono::NaiveDate;
use edict::format::format_text;
use edict::Sources;

#[test]
fn fmt_fixtures() {
    insta::glob!("fixtures/fmt", "*.policy", |path| {
        let input = std::fs::read_to_string(path).expect("fixture");
        let output = match format_text(&input) {
            Ok(out) => out,
            Err(e) => panic!("{}: {e:?}", path.display()),
        };
        assert_eq!(
            format_text(&output).expect("formats again"),
            output,
            "idempotent"
        );
        insta::assert_snapshot!(format!("{input}\n----- formatted -----\n{output}"));
    });
}

#[test]
fn text_with_errors_is_refused() {
    assert!(matches!(
        format_text("deny sale by\n"),
        Err(edict::format::FormatError::Syntax(_))
    ));
}

/// A small deterministic generator: xorshift, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const ACTIONS: &[&str] = &["sale", "license", "download"];
const ACTORS: &[&str] = &["vendor", "partner", "reseller"];
const CATEGORIES: &[&str] = &["legal_entity", "government", "state_owned"];
const DATES: &[&str] = &["2021-03-30", "2021-03-31", "2021-04-01", "2022-01-01"];

fn space(rng: &mut Rng) -> &'static str {
    ["  ", " ", "\n  ", " # note\n  "][rng.below(4)]
}

fn condition(rng: &mut Rng, depth: usize) -> String {
    match if depth > 2 {
        rng.below(3)
    } else {
        rng.below(6)
    } {
        0 => format!(
            "country {} \"{}\"",
            rng.pick(&["==", "!="]),
            rng.pick(&["RU", "US"])
        ),
        1 => format!(
            "seats {} {}",
            rng.pick(&["<", ">=", "=="]),
            rng.pick(&["3", "2.50", "10"])
        ),
        2 => rng
            .pick(&[
                "vip",
                "not vip",
                "country in [\"RU\", \"BY\"]",
                "seats not in [1, 2]",
            ])
            .to_string(),
        3 => format!(
            "({} or {})",
            condition(rng, depth + 1),
            condition(rng, depth + 1)
        ),
        4 => format!(
            "{} and {}",
            condition(rng, depth + 1),
            condition(rng, depth + 1)
        ),
        _ => format!("not ({})", condition(rng, depth + 1)),
    }
}

fn generate(rng: &mut Rng) -> String {
    let mut text = String::from(
        "# generated\naction sale, license, download\nactor vendor, partner\nactor reseller in partner # sub\ncategory legal_entity, government\ncategory state_owned in legal_entity\nattribute country: text, seats: number\nattribute vip: bool\n",
    );
    if rng.below(2) == 0 {
        text.push_str("default allow\n");
    }
    for i in 0..(1 + rng.below(8)) {
        if rng.below(4) == 0 {
            text.push_str("\n# about the next rule\n");
        }
        let effect = rng.pick(&["allow", "deny"]);
        let mut clauses = vec![format!("because \"r{i}\"")];
        if rng.below(2) == 0 {
            clauses.push(format!("by {}", rng.pick(ACTORS)));
        }
        if rng.below(2) == 0 {
            clauses.push(format!("to category {}", rng.pick(CATEGORIES)));
        }
        match rng.below(4) {
            0 => clauses.push(format!(
                "{} {}",
                rng.pick(&["after", "from", "on"]),
                rng.pick(DATES)
            )),
            1 => clauses.push(format!(
                "{} {}",
                rng.pick(&["before", "until"]),
                rng.pick(DATES)
            )),
            2 => clauses.push("between 2021-03-31 and 2021-12-31".to_string()),
            _ => {}
        }
        if rng.below(2) == 0 {
            clauses.push(format!("where {}", condition(rng, 0)));
        }
        if rng.below(3) == 0 {
            clauses.push(format!("unless {}", condition(rng, 0)));
        }
        // clauses in any order
        for k in (1..clauses.len()).rev() {
            let j = rng.below(k + 1);
            clauses.swap(k, j);
        }
        text.push_str(&format!(
            "{effect} {}",
            rng.pick(&["sale", "license", "any", "sale, download"])
        ));
        for c in clauses {
            text.push_str(space(rng));
            text.push_str(&c);
        }
        text.push_str(if rng.below(3) == 0 {
            "   # trailing\n"
        } else {
            "\n"
        });
    }
    text
}

fn decide_all(text: &str, queries: &[String]) -> Vec<String> {
    let mut sources = Sources::new();
    sources.add("g.policy", text);
    let today = NaiveDate::from_ymd_opt(2021, 6, 1).expect("date");
    let set = edict::compile(sources, Vec::new(), today)
        .into_set()
        .unwrap_or_else(|l| panic!("{text}\n{:?}", l.diagnostics));
    queries
        .iter()
        .map(|q| {
            let query = set
                .query(q)
                .unwrap_or_else(|e| panic!("{q}: {:?}", e.diagnostics));
            let d = set.decide(&query);
            let reasons: Vec<_> = d
                .rules
                .iter()
                .map(|&i| set.policy().rules[i].reason.clone())
                .collect();
            format!("{} {} {:?}", d.effect.as_str(), d.by_default, reasons)
        })
        .collect()
}

#[test]
fn fmt_keeps_comments_and_decisions_on_generated_sets() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    for _ in 0..1_000 {
        let text = generate(&mut rng);
        let formatted = format_text(&text).unwrap_or_else(|e| panic!("{text}\n{e:?}"));
        assert_eq!(
            format_text(&formatted).expect("again"),
            formatted,
            "not idempotent:\n{text}"
        );
        let count = |t: &str| t.lines().filter(|l| l.contains('#')).count();
        assert_eq!(
            count(&text),
            count(&formatted),
            "comments lost:\n{text}\n---\n{formatted}"
        );
        let queries: Vec<String> = (0..20)
            .map(|_| {
                let mut q = format!("{} by {}", rng.pick(ACTIONS), rng.pick(ACTORS));
                if rng.below(4) != 0 {
                    q.push_str(&format!(" to category {}", rng.pick(CATEGORIES)));
                }
                q.push_str(&format!(" on {}", rng.pick(DATES)));
                let mut with = Vec::new();
                if rng.below(3) != 0 {
                    with.push(format!("country = \"{}\"", rng.pick(&["RU", "US", "FR"])));
                }
                if rng.below(3) != 0 {
                    with.push(format!("seats = {}", rng.pick(&["1", "2.5", "10"])));
                }
                if rng.below(3) != 0 {
                    with.push(format!("vip = {}", rng.pick(&["true", "false"])));
                }
                if !with.is_empty() {
                    q.push_str(&format!(" with {}", with.join(", ")));
                }
                q
            })
            .collect();
        assert_eq!(
            decide_all(&text, &queries),
            decide_all(&formatted, &queries),
            "decisions changed:\n{text}\n---\n{formatted}"
        );
    }
}
