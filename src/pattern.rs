//! Text patterns and IP ranges in conditions: `path like "/data1/*"`,
//! `path like path "/res/:id"`, `agent matches "^curl/"`,
//! `source in "10.0.0.0/8"`.
//!
//! Globs and path patterns are translated into regular expressions, and
//! every regular expression runs on the `regex` crate, whose matching takes
//! time linear in the text: no pattern can make a decision slow. A pattern
//! that does not compile, or that compiles into more than
//! [`MAX_PROGRAM`] bytes, is refused when the set is read, with its place.

use std::fmt;
use std::net::IpAddr;

use regex::{Regex, RegexBuilder};

use crate::value::Value;

/// The longest pattern accepted, in bytes.
pub const MAX_PATTERN: usize = 1024;

/// The most memory one compiled pattern may take, in bytes.
pub const MAX_PROGRAM: usize = 1 << 20;

/// How a pattern is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum How {
    /// `like "a*b?"`: `*` any run of characters (`/` too), `?` one
    /// character, everything else itself; the whole text must match.
    Glob,
    /// `like path "/res/:id/*"`, as Casbin's keyMatch2: `:name` one path
    /// segment (no `/`), `*` any rest (`/` too), everything else itself.
    Path,
    /// `matches "re"`: a regular expression, found anywhere in the text
    /// unless anchored with `^` and `$`.
    Regex,
    /// `in "10.0.0.0/8"`: an IPv4 or IPv6 network in CIDR form, or one
    /// address.
    Network,
}

impl How {
    /// The words before the pattern.
    pub fn words(self) -> &'static str {
        match self {
            How::Glob => "like",
            How::Path => "like path",
            How::Regex => "matches",
            How::Network => "in",
        }
    }
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub how: How,
    /// As written, without quotes.
    pub source: String,
    compiled: Compiled,
}

/// Shared: the same pattern in many rules is one automaton, with one cache
/// a thread, however many rules hold it.
#[derive(Debug, Clone)]
enum Compiled {
    Regex(std::sync::Arc<Regex>),
    Network(IpAddr, u8),
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.how == other.how && self.source == other.source
    }
}

impl fmt::Display for Pattern {
    /// As written in a policy: `like "a*"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.how.words(),
            Value::Text(self.source.clone())
        )
    }
}

impl Pattern {
    /// Compiles a pattern; the error is one plain sentence.
    pub fn new(how: How, source: &str) -> Result<Pattern, String> {
        if source.len() > MAX_PATTERN {
            return Err(format!(
                "this pattern is {} bytes long; the most is {MAX_PATTERN}",
                source.len()
            ));
        }
        let compiled = match how {
            How::Glob => Compiled::Regex(regex(&glob_to_regex(source))?),
            How::Path => Compiled::Regex(regex(&path_to_regex(source)?)?),
            How::Regex => Compiled::Regex(regex(source)?),
            How::Network => {
                let (address, bits) = parse_network(source)?;
                Compiled::Network(address, bits)
            }
        };
        Ok(Pattern {
            how,
            source: source.to_string(),
            compiled,
        })
    }

    /// The network and its prefix length, for a network pattern.
    pub fn network(&self) -> Option<(IpAddr, u8)> {
        match self.compiled {
            Compiled::Network(address, bits) => Some((address, bits)),
            Compiled::Regex(_) => None,
        }
    }

    /// Whether a value matches; `None` for a value of another type (which
    /// the checker rules out).
    pub fn matches(&self, value: &Value) -> Option<bool> {
        match (&self.compiled, value) {
            (Compiled::Regex(re), Value::Text(t)) => Some(re.is_match(t)),
            (&Compiled::Network(network, bits), &Value::Ip(address)) => {
                Some(in_network(address, network, bits))
            }
            _ => None,
        }
    }
}

fn regex(source: &str) -> Result<std::sync::Arc<Regex>, String> {
    RegexBuilder::new(source)
        .size_limit(MAX_PROGRAM)
        .dfa_size_limit(MAX_PROGRAM)
        .nest_limit(64)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => format!(
                "this pattern compiles into more than {MAX_PROGRAM} bytes; write a simpler one"
            ),
            other => {
                // the crate's message names the place in the pattern on its
                // last lines
                let text = other.to_string();
                let last = text.lines().last().unwrap_or("").trim();
                let last = last.strip_prefix("error: ").unwrap_or(last);
                format!("this is not a regular expression: {last}")
            }
        })
        .map(std::sync::Arc::new)
}

/// `a*b?` as an anchored regular expression.
fn glob_to_regex(glob: &str) -> String {
    let mut out = String::from("^(?s:");
    for c in glob.chars() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            c => out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out.push_str(")$");
    out
}

/// `/res/:id/*` as an anchored regular expression.
fn path_to_regex(path: &str) -> Result<String, String> {
    let mut out = String::from("^(?s:");
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push_str(".*"),
            ':' => {
                let mut name = String::new();
                while let Some(n) = chars.next_if(|n| n.is_ascii_alphanumeric() || *n == '_') {
                    name.push(n);
                }
                if name.is_empty() {
                    return Err(
                        "a `:` in a path pattern starts a segment's name, like `:id`".to_string(),
                    );
                }
                out.push_str("[^/]+");
            }
            c => out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out.push_str(")$");
    Ok(out)
}

/// `10.0.0.0/8`, `2001:db8::/32`, or one address (all its bits).
fn parse_network(text: &str) -> Result<(IpAddr, u8), String> {
    let (address, bits) = match text.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (text, None),
    };
    let address = parse_ip(address)?;
    let most = if address.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        None => most,
        Some(b) => match b.parse::<u8>() {
            Ok(n) if n <= most && b.bytes().all(|c| c.is_ascii_digit()) => n,
            _ => {
                return Err(format!(
                    "the prefix length after `/` is a number from 0 to {most}"
                ))
            }
        },
    };
    Ok((address, bits))
}

/// An IPv4 or IPv6 address, as `std` reads it.
pub fn parse_ip(text: &str) -> Result<IpAddr, String> {
    text.parse::<IpAddr>().map_err(|_| {
        format!("`{text}` is not an IP address: write one like \"10.0.0.1\" or \"2001:db8::1\"")
    })
}

fn in_network(address: IpAddr, network: IpAddr, bits: u8) -> bool {
    let prefix = |value: u128, width: u32| {
        let shift = width - u32::from(bits);
        if shift >= 128 {
            0
        } else {
            value >> shift
        }
    };
    match (address, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            prefix(u128::from(u32::from(a)), 32) == prefix(u128::from(u32::from(n)), 32)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => prefix(u128::from(a), 128) == prefix(u128::from(n), 128),
        // an IPv4 address is never in an IPv6 network, nor the reverse
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    fn ip(s: &str) -> Value {
        Value::Ip(s.parse().unwrap())
    }

    #[test]
    fn globs_match_the_whole_text() {
        let p = Pattern::new(How::Glob, "/data1/*").unwrap();
        assert_eq!(p.matches(&text("/data1/a/b")), Some(true));
        assert_eq!(p.matches(&text("/data2/a")), Some(false));
        assert_eq!(p.matches(&text("x/data1/a")), Some(false));
        let q = Pattern::new(How::Glob, "a?c.txt").unwrap();
        assert_eq!(q.matches(&text("abc.txt")), Some(true));
        assert_eq!(q.matches(&text("abcxtxt")), Some(false));
    }

    #[test]
    fn path_patterns_are_keymatch2() {
        let p = Pattern::new(How::Path, "/res/:id").unwrap();
        assert_eq!(p.matches(&text("/res/42")), Some(true));
        assert_eq!(p.matches(&text("/res/42/x")), Some(false));
        assert_eq!(p.matches(&text("/res/")), Some(false));
        let q = Pattern::new(How::Path, "/res/:id/*").unwrap();
        assert_eq!(q.matches(&text("/res/42/a/b")), Some(true));
        assert!(Pattern::new(How::Path, "/res/:/x").is_err());
    }

    #[test]
    fn regular_expressions_search_unless_anchored() {
        let p = Pattern::new(How::Regex, "^curl/[0-9]+").unwrap();
        assert_eq!(p.matches(&text("curl/8.1")), Some(true));
        assert_eq!(p.matches(&text("wget curl/8")), Some(false));
        assert!(Pattern::new(How::Regex, "a(").is_err());
        assert!(Pattern::new(How::Regex, "(?:a{1000}){1000}").is_err());
        assert!(Pattern::new(How::Regex, &"a".repeat(MAX_PATTERN + 1)).is_err());
    }

    #[test]
    fn networks_of_both_families() {
        let p = Pattern::new(How::Network, "10.0.0.0/8").unwrap();
        assert_eq!(p.matches(&ip("10.200.1.1")), Some(true));
        assert_eq!(p.matches(&ip("11.0.0.1")), Some(false));
        assert_eq!(p.matches(&ip("::ffff:10.0.0.1")), Some(false));
        let all = Pattern::new(How::Network, "0.0.0.0/0").unwrap();
        assert_eq!(all.matches(&ip("1.2.3.4")), Some(true));
        let v6 = Pattern::new(How::Network, "2001:db8::/32").unwrap();
        assert_eq!(v6.matches(&ip("2001:db8:1::1")), Some(true));
        assert_eq!(v6.matches(&ip("2001:db9::1")), Some(false));
        let one = Pattern::new(How::Network, "192.168.1.7").unwrap();
        assert_eq!(one.matches(&ip("192.168.1.7")), Some(true));
        assert_eq!(one.matches(&ip("192.168.1.8")), Some(false));
        assert!(Pattern::new(How::Network, "10.0.0.0/33").is_err());
        assert!(Pattern::new(How::Network, "10.0.0/8").is_err());
        assert!(Pattern::new(How::Network, "10.0.0.0/+8").is_err());
    }
}
