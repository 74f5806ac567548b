//! The parse stage: text to syntax tree, with every syntax error found.

pub mod ast;
pub mod cache;
mod error;
pub mod grammar;
mod messages;
mod parse;
pub mod rebase;
pub mod split;

pub use error::{or_list, SyntaxError};
pub use grammar::{is_keyword, written_name};
pub use parse::{parse_each, parse_file, parse_open_query, parse_query, parse_ranges, Parsed};

/// How deep parentheses, brackets and `not`s may nest in one expression.
/// Real conditions stay far below; the limit keeps every later stage's
/// recursion bounded whatever the input.
pub const MAX_DEPTH: usize = 64;
