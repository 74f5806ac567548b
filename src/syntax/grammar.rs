//! The pest parser generated from `grammar/edict.pest`, and the words that
//! name each grammar rule in messages.

use pest_derive::Parser;

/// The parser generated from `grammar/edict.pest`.
#[derive(Parser)]
#[grammar = "grammar/edict.pest"]
pub struct EdictParser;

/// How a grammar rule is named to a person in "expected ..." messages;
/// `None` for rules that never stand alone in one. There is no `_` arm, so
/// a new grammar rule cannot go unnamed.
pub fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "the end",
        Rule::statement_only
        | Rule::query_only
        | Rule::open_query_only
        | Rule::keyword | Rule::text_inner => return None,
        Rule::WHITESPACE
        | Rule::COMMENT
        | Rule::ident_char
        | Rule::declaration
        | Rule::clause
        | Rule::literal
        | Rule::bare_name
        | Rule::name_chars
        | Rule::exempt_clause
        | Rule::amount
        | Rule::membership
        | Rule::slot => return None,
        // a clause only sets that combine by priority use: left out of the
        // lists of what may follow a rule's names, which are long enough
        Rule::cw_priority | Rule::priority_clause => return None,
        Rule::name | Rule::declared_names => "a name",
        Rule::kw_action => "`action`",
        Rule::kw_actor => "`actor`",
        Rule::kw_after => "`after`",
        Rule::kw_allow => "`allow`",
        Rule::kw_and => "`and`",
        Rule::kw_any => "`any`",
        Rule::kw_attribute => "`attribute`",
        Rule::kw_because => "`because`",
        Rule::kw_before => "`before`",
        Rule::kw_between => "`between`",
        Rule::kw_by => "`by`",
        Rule::kw_category => "`category`",
        Rule::kw_default => "`default`",
        Rule::kw_deny => "`deny`",
        Rule::kw_expect => "`expect`",
        Rule::kw_from => "`from`",
        Rule::kw_in => "`in`",
        Rule::kw_not => "`not`",
        Rule::kw_on => "`on`",
        Rule::kw_or => "`or`",
        Rule::kw_test => "`test`",
        Rule::kw_to => "`to`",
        Rule::kw_unless => "`unless`",
        Rule::kw_until => "`until`",
        Rule::kw_where => "`where`",
        Rule::kw_with => "`with`",
        Rule::cw_applicable => "`applicable`",
        Rule::cw_combine => "`combine`",
        Rule::cw_constant => "`constant`",
        Rule::cw_exempt => "`exempt`",
        Rule::cw_first => "`first`",
        Rule::cw_highest => "`highest`",
        Rule::cw_list => "`list`",
        Rule::cw_like => "`like`",
        Rule::cw_matches => "`matches`",
        Rule::cw_path => "`path`",
        Rule::pattern_op => "`like` or `matches`",
        Rule::cw_overrides => "`overrides`",
        Rule::cw_most => "`most`",
        Rule::cw_specific => "`specific`",
        Rule::cw_rule => "`rule`",
        Rule::list_decl => "`list`",
        Rule::constant_decl => "`constant`",
        Rule::combine_decl => "`combine`",
        Rule::combining => {
            "a way to combine (`deny overrides`, `allow overrides`, `first applicable`, `highest priority`, `most specific`)"
        }
        Rule::exemption => "an exemption",
        Rule::exempted_rules => "`from rule`",
        Rule::bound_date => "a date",
        Rule::offset | Rule::offset_by => "an offset like `90 days after`",
        Rule::offset_base => "a date or a date attribute",
        Rule::unit => "`days`, `weeks`, `months` or `years`",
        Rule::comma => "`,`",
        Rule::colon => "`:`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::assign => "`=`",
        Rule::text => "text in double quotes",
        Rule::date => "a date",
        Rule::number => "a number",
        Rule::boolean => "`true` or `false`",
        Rule::action_decl | Rule::actor_decl | Rule::category_decl => "a declaration",
        Rule::attribute_decl => "`attribute`",
        Rule::default_decl => "`default`",
        Rule::parents => "`in`",
        Rule::attribute_def | Rule::binding => "an attribute name",
        Rule::type_name => "a type (`text`, `number`, `bool`, `date` or `ip`)",
        Rule::policy_rule => "a rule",
        Rule::rule_label => "a rule name",
        Rule::effect => "`allow` or `deny`",
        Rule::action_scope | Rule::scope => "a name or `any`",
        Rule::by_clause => "`by`",
        Rule::to_clause | Rule::query_category => "`to`",
        Rule::time_bound => "a time bound",
        Rule::where_clause => "`where`",
        Rule::unless_clause => "`unless`",
        Rule::because_clause => "`because`",
        Rule::expr | Rule::conjunction | Rule::negation | Rule::comparison => "a condition",
        Rule::operand => "a value or an attribute",
        Rule::compare_op => "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)",
        Rule::list => "a list like `[\"a\", \"b\"]`",
        Rule::test_block => "a test",
        Rule::expectation => "`expect`",
        Rule::query => "a query",
        Rule::open_query => "a query, with `?` for what to find",
        Rule::open_category => "`to`",
        Rule::open_date => "`on`",
        Rule::hole => "`?`",
        Rule::query_date => "`on`",
        Rule::query_with => "`with`",
    })
}

/// The words that start a statement and that cannot be names.
pub const KEYWORDS: &[&str] = &[
    "action",
    "actor",
    "after",
    "allow",
    "and",
    "any",
    "attribute",
    "because",
    "before",
    "between",
    "by",
    "category",
    "default",
    "deny",
    "expect",
    "false",
    "from",
    "in",
    "not",
    "on",
    "or",
    "test",
    "to",
    "true",
    "unless",
    "until",
    "where",
    "with",
];

pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// A name as it must be written in a policy: in backticks when it is a
/// keyword (`` `by` ``), as it is otherwise.
pub fn written_name(name: &str) -> std::borrow::Cow<'_, str> {
    if is_keyword(name) {
        std::borrow::Cow::Owned(format!("`{name}`"))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}
