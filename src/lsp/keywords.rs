//! One line of docs for each word of the language, shown on hover and
//! beside completions. Words that are keywords only in one place (`list`,
//! `like`, `exempt`) are here too; hover shows their line only where the
//! word is not a name.

/// The line for a word, if the language gives it a meaning.
pub fn doc(word: &str) -> Option<&'static str> {
    Some(match word {
        "action" => "`action a, b in c`: declares actions, optionally under a parent action",
        "actor" => "`actor a, b in c`: declares actors (who acts), optionally under a parent",
        "category" => "`category a in b` declares categories; in a rule, `to category c` names what the action is for",
        "attribute" => "`attribute country: text`: declares an attribute that queries give and conditions read",
        "default" => "`default allow` or `default deny`: the decision when no rule applies (default: deny)",
        "allow" => "`allow ACTION ...`: a rule that permits the actions it names",
        "deny" => "`deny ACTION ...`: a rule that forbids the actions it names; a deny overrides an allow unless `combine` says otherwise",
        "exempt" => "`exempt ACTION ... from rule NAME`: where it applies, the denies it names do not",
        "any" => "`any`: every name of its kind",
        "by" => "`by ACTOR`: the actors a rule covers (every actor without it)",
        "to" => "`to category C`: the categories a rule covers",
        "after" => "`after D`: the rule holds from the day after D",
        "before" => "`before D`: the rule holds until the day before D",
        "from" => "`from D`: the rule holds from D on, D included; `from rule NAME` names the denies an exemption lifts",
        "until" => "`until D`: the rule holds until D, D included",
        "on" => "`on D`: the rule holds on D only; in a query, the date asked about",
        "between" => "`between D1 and D2`: the rule holds from D1 to D2, both included",
        "where" => "`where CONDITION`: the rule applies only where the condition holds (an unknown fails it)",
        "unless" => "`unless CONDITION`: the rule applies only where the condition does not hold (an unknown stops the rule)",
        "because" => "`because \"...\"`: the reason the decision gives",
        "priority" => "`priority N`: under `combine highest priority`, the rules of the highest priority that apply decide",
        "combine" => "`combine deny overrides | allow overrides | first applicable | highest priority | most specific`: how the rules that apply make the decision",
        "list" => "`list name: type = [...]`: a named list, read with `x in name`",
        "constant" => "`constant name: type = value`: a named value, worked out when the set is read",
        "test" => "`test \"name\" { expect ... }`: expectations that `edict test` checks",
        "expect" => "`expect allow|deny QUERY`: the decision a query must get",
        "with" => "`with a = v, b = w`: the attributes a test query gives",
        "and" => "`a and b`: both hold",
        "or" => "`a or b`: either holds",
        "not" => "`not a`: a does not hold; `not in`, `not like`, `not matches` negate the test",
        "in" => "`x in [a, b]`, `x in list`, `ip in \"10.0.0.0/8\"`; in a declaration, `in PARENT`",
        "like" => "`x like \"a*\"`: a glob on text (`like path` for paths, where `*` stops at `/`)",
        "matches" => "`x matches \"^re$\"`: a regular expression on text (linear time)",
        "date" => "`date`: the query's date, in a condition; also the type of dates",
        "text" | "number" | "bool" | "ip" => "a type of attribute, list or constant",
        "true" | "false" => "a bool literal",
        "days" | "day" | "weeks" | "week" | "months" | "month" | "years" | "year" => {
            "`N days after D`: a date moved by whole days, weeks, months or years"
        }
        _ => return None,
    })
}
