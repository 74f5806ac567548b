//! From pest pairs to the syntax tree; pest's errors are put in words by
//! [`super::messages`].

use std::ops::Range;

use pest::iterators::Pair;
use pest::Parser;

use super::ast::*;
use super::error::SyntaxError;
use super::grammar::{EdictParser, Rule};
use super::messages::convert_error;
use super::split::{code_chars, content_end, split, strip_comment};
use super::MAX_DEPTH;
use crate::source::{FileId, Span};
use crate::value::{Number, Type};

/// Parses a whole file: every statement that parses, and an error for each
/// one that does not. A large file is parsed on every core, in contiguous
/// runs of statements put back in order.
pub fn parse_file(file: FileId, text: &str) -> (File, Vec<SyntaxError>) {
    let (statements, errors) = parse_ranges(file, text, &split(text));
    (File { file, statements }, errors)
}

/// Parses the statements at `ranges` of `text` (from [`split`]), in order;
/// many of them on every core.
pub fn parse_ranges(
    file: FileId,
    text: &str,
    ranges: &[Range<usize>],
) -> (Vec<Statement>, Vec<SyntaxError>) {
    let mut statements = Vec::with_capacity(ranges.len());
    let mut errors = Vec::new();
    for (statement, mut more) in parse_each(file, text, ranges) {
        statements.extend(statement);
        errors.append(&mut more);
    }
    (statements, errors)
}

/// What parsing one statement's range gives: its statement, unless it has
/// none to give, and its errors.
pub type Parsed = (Option<Statement>, Vec<SyntaxError>);

/// Parses the statements at `ranges` of `text`, one result a range, in
/// order; many of them on every core.
pub fn parse_each(file: FileId, text: &str, ranges: &[Range<usize>]) -> Vec<Parsed> {
    // asking for the number of cores reads files: only for a large piece
    let threads = if ranges.len() >= PARALLEL_STATEMENTS {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        1
    };
    if threads <= 1 {
        return parse_statements(file, text, ranges);
    }
    let per_thread = ranges.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .chunks(per_thread)
            .map(|run| scope.spawn(move || parse_statements(file, text, run)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Statements from which a file is worth parsing on several threads.
const PARALLEL_STATEMENTS: usize = 2048;

/// Parses the statements at `ranges`, in order.
fn parse_statements(file: FileId, text: &str, ranges: &[Range<usize>]) -> Vec<Parsed> {
    let mut out = Vec::with_capacity(ranges.len());
    for range in ranges {
        let mut builder = Builder {
            file,
            offset: range.start,
            errors: Vec::new(),
        };
        let statement = match parse_piece(file, text, range.clone(), Rule::statement_only) {
            Ok(pair) => builder.statement(pair),
            Err(error) => {
                builder.errors.push(error);
                None
            }
        };
        out.push((statement, builder.errors));
    }
    out
}

/// Parses a query in its text form, like
/// `sale by reseller to category state_owned on 2021-04-02`.
pub fn parse_query(file: FileId, text: &str) -> Result<Query, Vec<SyntaxError>> {
    let pair = parse_piece(file, text, 0..text.len(), Rule::query_only).map_err(|e| vec![e])?;
    let mut builder = Builder {
        file,
        offset: 0,
        errors: Vec::new(),
    };
    let query = builder.query(pair);
    if builder.errors.is_empty() {
        Ok(query)
    } else {
        Err(builder.errors)
    }
}

/// Parses a query with holes, for `edict who-may`.
pub fn parse_open_query(file: FileId, text: &str) -> Result<OpenQuery, Vec<SyntaxError>> {
    let pair =
        parse_piece(file, text, 0..text.len(), Rule::open_query_only).map_err(|e| vec![e])?;
    let mut builder = Builder {
        file,
        offset: 0,
        errors: Vec::new(),
    };
    let query = builder.open_query(pair);
    if builder.errors.is_empty() {
        Ok(query)
    } else {
        Err(builder.errors)
    }
}

/// Runs pest on one piece of text and returns the pair under `rule`'s own.
fn parse_piece(
    file: FileId,
    text: &str,
    range: Range<usize>,
    grammar_rule: Rule,
) -> Result<Pair<'_, Rule>, SyntaxError> {
    let piece = &text[range.clone()];
    if let Some(at) = too_deep(piece) {
        let start = range.start + at;
        return Err(SyntaxError::TooDeep {
            span: Span::new(file, start, start + 1),
        });
    }
    match EdictParser::parse(grammar_rule, piece) {
        Ok(mut pairs) => {
            let top = pairs.next().expect("pest returns the top rule");
            Ok(top
                .into_inner()
                .next()
                .expect("a statement or a query before EOI"))
        }
        Err(error) => Err(convert_error(file, text, range, error, grammar_rule)),
    }
}

/// The offset of the first bracket nested deeper than [`MAX_DEPTH`].
fn too_deep(piece: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut offset = 0;
    for line in piece.split_inclusive('\n') {
        for (i, c) in code_chars(strip_comment(line)) {
            match c {
                '(' | '[' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Some(offset + i);
                    }
                }
                ')' | ']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        offset += line.len();
    }
    None
}

/// Builds syntax-tree nodes from pairs, collecting errors that do not stop
/// the statement from being built.
struct Builder {
    file: FileId,
    offset: usize,
    errors: Vec<SyntaxError>,
}

impl Builder {
    /// The pair's span without the spaces and comments pest takes in
    /// after its last token.
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let text = pair.as_str();
        let end = if text.ends_with(|c: char| c.is_whitespace()) || text.contains('#') {
            content_end(text, 0..text.len())
        } else {
            text.len()
        };
        Span::new(
            self.file,
            self.offset + s.start(),
            self.offset + s.start() + end,
        )
    }

    /// A name as it is meant: `` `by` `` is the name `by`.
    fn name(&self, pair: Pair<Rule>) -> Name {
        Name {
            text: pair.as_str().trim_matches('`').to_string(),
            span: self.span(&pair),
        }
    }

    fn statement(&mut self, pair: Pair<Rule>) -> Option<Statement> {
        let span = self.span(&pair);
        Some(match pair.as_rule() {
            Rule::action_decl => Statement::Names(self.names_decl(Kind::Action, pair)),
            Rule::actor_decl => Statement::Names(self.names_decl(Kind::Actor, pair)),
            Rule::category_decl => Statement::Names(self.names_decl(Kind::Category, pair)),
            Rule::attribute_decl => {
                let attributes = pair
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::attribute_def)
                    .map(|def| {
                        let mut inner = def.into_inner();
                        let name = self.name(inner.next().expect("attribute name"));
                        let ty_pair = inner.nth(1).expect("attribute type");
                        let ty = type_of(&ty_pair);
                        AttributeDef {
                            name,
                            ty,
                            ty_span: self.span(&ty_pair),
                        }
                    })
                    .collect();
                Statement::Attributes(AttributesDecl { attributes, span })
            }
            Rule::default_decl => {
                let effect = effect(pair.into_inner().nth(1).expect("effect"));
                Statement::Default(DefaultDecl { effect, span })
            }
            Rule::list_decl => {
                let mut inner = pair.into_inner().skip(1);
                let name = self.name(inner.next().expect("list name"));
                let ty_pair = inner.nth(1).expect("list type");
                let list = inner.nth(1).expect("the list");
                let items = list
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::operand)
                    .map(|p| self.expr(p))
                    .collect();
                Statement::List(ListDecl {
                    name,
                    ty: type_of(&ty_pair),
                    ty_span: self.span(&ty_pair),
                    items,
                    span,
                })
            }
            Rule::constant_decl => {
                let mut inner = pair.into_inner().skip(1);
                let name = self.name(inner.next().expect("constant name"));
                let ty_pair = inner.nth(1).expect("constant type");
                let value = self.expr(inner.nth(1).expect("the value"));
                Statement::Constant(ConstantDecl {
                    name,
                    ty: type_of(&ty_pair),
                    ty_span: self.span(&ty_pair),
                    value,
                    span,
                })
            }
            Rule::combine_decl => {
                let words = pair.into_inner().nth(1).expect("combining");
                let combining = match words.into_inner().next().map(|p| p.as_rule()) {
                    Some(Rule::kw_deny) => Combining::DenyOverrides,
                    Some(Rule::kw_allow) => Combining::AllowOverrides,
                    Some(Rule::cw_first) => Combining::FirstApplicable,
                    Some(Rule::cw_most) => Combining::MostSpecific,
                    _ => Combining::HighestPriority,
                };
                Statement::Combine(CombineDecl { combining, span })
            }
            Rule::policy_rule | Rule::exemption => Statement::Rule(self.rule(pair)),
            Rule::test_block => Statement::Test(self.test(pair)),
            _ => return None,
        })
    }

    fn names_decl(&mut self, kind: Kind, pair: Pair<Rule>) -> NamesDecl {
        let span = self.span(&pair);
        let mut names = Vec::new();
        let mut parents = Vec::new();
        let mut time = Vec::new();
        let mut where_ = None;
        for part in pair.into_inner() {
            let part_span = self.span(&part);
            match part.as_rule() {
                Rule::declared_names => names = self.names(part),
                Rule::parents => parents = self.names(part),
                Rule::time_bound => time.push(self.time_bound(part)),
                Rule::where_clause => {
                    let value = self.expr(part.into_inner().nth(1).expect("expr"));
                    self.set_once(
                        &mut where_,
                        "where",
                        Clause {
                            value,
                            span: part_span,
                        },
                    );
                }
                _ => {}
            }
        }
        NamesDecl {
            kind,
            names,
            parents,
            time,
            where_,
            span,
        }
    }

    fn names(&self, pair: Pair<Rule>) -> Vec<Name> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::name)
            .map(|p| self.name(p))
            .collect()
    }

    fn scope(&self, pair: Pair<Rule>) -> Scope {
        let span = self.span(&pair);
        let names = self.names(pair);
        if names.is_empty() {
            Scope::Any(span)
        } else {
            Scope::Names(names)
        }
    }

    fn rule(&mut self, pair: Pair<Rule>) -> super::ast::Rule {
        let span = self.span(&pair);
        let mut label = None;
        let mut effect_ = None;
        let mut actions = None;
        let mut actors: Option<Clause<Scope>> = None;
        let mut categories: Option<Clause<Scope>> = None;
        let mut time = Vec::new();
        let mut where_: Option<Clause<Expr>> = None;
        let mut unless: Option<Clause<Expr>> = None;
        let mut because: Option<Clause<Text>> = None;
        let mut priority: Option<Clause<Number>> = None;
        let mut exempts: Option<Clause<Vec<Name>>> = None;
        let mut is_exemption = false;
        for part in pair.into_inner() {
            let part_span = self.span(&part);
            match part.as_rule() {
                Rule::rule_label => {
                    label = Some(self.name(part.into_inner().next().expect("label name")))
                }
                Rule::effect => effect_ = Some((effect(part), part_span)),
                // an exemption's effect is never used to decide
                Rule::cw_exempt => {
                    effect_ = Some((Effect::Allow, part_span));
                    is_exemption = true;
                }
                Rule::exempted_rules => {
                    let value = self.names(part);
                    self.set_once(
                        &mut exempts,
                        "from rule",
                        Clause {
                            value,
                            span: part_span,
                        },
                    );
                }
                Rule::priority_clause => {
                    let number = part.into_inner().nth(1).expect("a number");
                    let value = Number::parse(number.as_str())
                        .expect("the grammar only lets numbers through");
                    self.set_once(
                        &mut priority,
                        "priority",
                        Clause {
                            value,
                            span: part_span,
                        },
                    );
                }
                Rule::action_scope => {
                    actions = Some(self.scope(part.into_inner().next().expect("scope")))
                }
                Rule::by_clause => {
                    let value = self.scope(part.into_inner().nth(1).expect("scope"));
                    self.set_once(
                        &mut actors,
                        "by",
                        Clause {
                            value,
                            span: part_span,
                        },
                    );
                }
                Rule::to_clause => {
                    let value = self.scope(part.into_inner().nth(2).expect("scope"));
                    self.set_once(
                        &mut categories,
                        "to category",
                        Clause {
                            value,
                            span: part_span,
                        },
                    );
                }
                Rule::time_bound => time.push(self.time_bound(part)),
                Rule::where_clause => {
                    let value = self.expr(part.into_inner().nth(1).expect("expr"));
                    self.set_once(
                        &mut where_,
                        "where",
                        Clause {
                            value,
                            span: part_span,
                        },
                    );
                }
                Rule::unless_clause => {
                    let value = self.expr(part.into_inner().nth(1).expect("expr"));
                    self.set_once(
                        &mut unless,
                        "unless",
                        Clause {
                            value,
                            span: part_span,
                        },
                    );
                }
                Rule::because_clause => {
                    let value = self.text(part.into_inner().nth(1).expect("text"));
                    self.set_once(
                        &mut because,
                        "because",
                        Clause {
                            value,
                            span: part_span,
                        },
                    );
                }
                _ => {}
            }
        }
        let (effect, effect_span) = effect_.expect("a rule has an effect");
        if is_exemption && exempts.is_none() {
            // an exemption that names no deny is an error, never an allow
            self.errors
                .push(SyntaxError::MissingExemptedRule { span: effect_span });
        }
        super::ast::Rule {
            label,
            effect,
            effect_span,
            actions: actions.expect("a rule has actions"),
            actors,
            categories,
            time,
            where_,
            unless,
            because,
            priority,
            exempts,
            span,
        }
    }

    fn set_once<T>(
        &mut self,
        slot: &mut Option<Clause<T>>,
        clause: &'static str,
        value: Clause<T>,
    ) {
        match slot {
            Some(first) => self.errors.push(SyntaxError::DuplicateClause {
                clause,
                span: value.span,
                first: first.span,
            }),
            None => *slot = Some(value),
        }
    }

    fn time_bound(&self, pair: Pair<Rule>) -> TimeBound {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let op = match inner.next().expect("time keyword").as_rule() {
            Rule::kw_after => TimeOp::After,
            Rule::kw_before => TimeOp::Before,
            Rule::kw_from => TimeOp::From,
            Rule::kw_until => TimeOp::Until,
            Rule::kw_on => TimeOp::On,
            _ => TimeOp::Between,
        };
        let mut dates = inner
            .filter(|p| p.as_rule() == Rule::bound_date)
            .map(|p| self.bound_date(p));
        let date = dates.next().expect("a time bound has a date");
        TimeBound {
            op,
            date,
            end: dates.next(),
            span,
        }
    }

    fn bound_date(&self, pair: Pair<Rule>) -> BoundDate {
        let span = self.span(&pair);
        let mut offset = None;
        let mut base = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::offset_by => offset = Some(self.offset(part)),
                Rule::date => base = Some(DateBase::Written(self.date(part))),
                _ => base = Some(DateBase::Constant(self.name(part))),
            }
        }
        BoundDate {
            offset,
            base: base.expect("a bound has a date"),
            span,
        }
    }

    /// `90 days after`.
    fn offset(&self, pair: Pair<Rule>) -> Offset {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let amount = Number::parse(inner.next().expect("amount").as_str())
            .expect("the grammar only lets numbers through");
        let unit = crate::calendar::Unit::parse(inner.next().expect("unit").as_str())
            .expect("the grammar only lets units through");
        let before = inner.next().expect("direction").as_rule() == Rule::kw_before;
        Offset {
            amount,
            unit,
            before,
            span,
        }
    }

    fn date(&self, pair: Pair<Rule>) -> DateLit {
        DateLit {
            text: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn text(&mut self, pair: Pair<Rule>) -> Text {
        let span = self.span(&pair);
        let raw = pair.into_inner().next().map_or("", |p| p.as_str());
        let mut value = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            match chars.next() {
                Some((_, e @ ('"' | '\\'))) => value.push(e),
                Some((j, e)) => {
                    let start = span.start() + 1 + i;
                    self.errors.push(SyntaxError::BadEscape {
                        span: Span::new(self.file, start, span.start() + 1 + j + e.len_utf8()),
                        escape: format!("\\{e}"),
                    });
                }
                None => {}
            }
        }
        Text { value, span }
    }

    fn expr(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr | Rule::conjunction => {
                let is_or = pair.as_rule() == Rule::expr;
                let mut parts: Vec<Expr> = pair
                    .into_inner()
                    .filter(|p| !matches!(p.as_rule(), Rule::kw_or | Rule::kw_and))
                    .map(|p| self.expr(p))
                    .collect();
                if parts.len() == 1 {
                    return parts.pop().expect("one part");
                }
                let kind = if is_or {
                    ExprKind::Or(parts)
                } else {
                    ExprKind::And(parts)
                };
                Expr { kind, span }
            }
            Rule::negation => {
                let mut nots = Vec::new();
                let mut inner_expr = None;
                for part in pair.into_inner() {
                    if part.as_rule() == Rule::kw_not {
                        nots.push(self.span(&part));
                    } else {
                        inner_expr = Some(part);
                    }
                }
                if nots.len() > MAX_DEPTH {
                    self.errors.push(SyntaxError::TooDeep {
                        span: nots[MAX_DEPTH],
                    });
                    nots.truncate(MAX_DEPTH);
                }
                let mut expr = self.expr(inner_expr.expect("a negation has a comparison"));
                for not in nots.into_iter().rev() {
                    let span = not.to(expr.span);
                    expr = Expr {
                        kind: ExprKind::Not(Box::new(expr)),
                        span,
                    };
                }
                expr
            }
            Rule::comparison => {
                let mut inner = pair.into_inner();
                let left = self.expr(inner.next().expect("operand"));
                let Some(next) = inner.next() else {
                    return left;
                };
                match next.as_rule() {
                    Rule::compare_op => {
                        let op = match next.as_str() {
                            "==" => CompareOp::Eq,
                            "!=" => CompareOp::Ne,
                            "<" => CompareOp::Lt,
                            "<=" => CompareOp::Le,
                            ">" => CompareOp::Gt,
                            _ => CompareOp::Ge,
                        };
                        let right = self.expr(inner.next().expect("right operand"));
                        Expr {
                            kind: ExprKind::Compare(op, Box::new(left), Box::new(right)),
                            span,
                        }
                    }
                    _ => {
                        let negated = next.as_rule() == Rule::kw_not;
                        let rest: Vec<Pair<Rule>> = std::iter::once(next).chain(inner).collect();
                        if let Some(how) = pattern_how(&rest) {
                            let text = rest
                                .into_iter()
                                .find(|p| p.as_rule() == Rule::text)
                                .expect("a pattern in quotes");
                            return Expr {
                                kind: ExprKind::Match {
                                    negated,
                                    item: Box::new(left),
                                    how,
                                    pattern: self.text(text),
                                },
                                span,
                            };
                        }
                        let list = rest
                            .into_iter()
                            .find(|p| matches!(p.as_rule(), Rule::list | Rule::name))
                            .expect("a list after `in`");
                        if list.as_rule() == Rule::name {
                            return Expr {
                                kind: ExprKind::InList {
                                    negated,
                                    item: Box::new(left),
                                    list: self.name(list),
                                },
                                span,
                            };
                        }
                        let list = list
                            .into_inner()
                            .filter(|p| p.as_rule() == Rule::operand)
                            .map(|p| self.expr(p))
                            .collect();
                        Expr {
                            kind: ExprKind::In {
                                negated,
                                item: Box::new(left),
                                list,
                            },
                            span,
                        }
                    }
                }
            }
            Rule::offset => {
                let mut inner = pair.into_inner();
                let offset = self.offset(inner.next().expect("offset"));
                let base = self.expr(inner.next().expect("offset base"));
                Expr {
                    kind: ExprKind::Offset(offset, Box::new(base)),
                    span,
                }
            }
            Rule::operand | Rule::offset_base => {
                let inner = pair
                    .into_inner()
                    .find(|p| !matches!(p.as_rule(), Rule::lparen | Rule::rparen))
                    .expect("operand content");
                match inner.as_rule() {
                    Rule::offset => self.expr(inner),
                    Rule::name => Expr {
                        kind: ExprKind::Attribute(self.name(inner)),
                        span,
                    },
                    Rule::expr => Expr {
                        kind: ExprKind::Paren(Box::new(self.expr(inner))),
                        span,
                    },
                    _ => Expr {
                        kind: ExprKind::Literal(self.literal(inner)),
                        span,
                    },
                }
            }
            _ => unreachable!("expression rule {:?}", pair.as_rule()),
        }
    }

    fn literal(&mut self, pair: Pair<Rule>) -> Literal {
        match pair.as_rule() {
            Rule::text => Literal::Text(self.text(pair).value),
            Rule::date => Literal::Date(pair.as_str().to_string()),
            Rule::boolean => Literal::Bool(pair.as_str() == "true"),
            _ => Literal::Number(
                Number::parse(pair.as_str()).expect("the grammar only lets numbers through"),
            ),
        }
    }

    fn test(&mut self, pair: Pair<Rule>) -> Test {
        let span = self.span(&pair);
        let mut name = None;
        let mut expectations = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::text => name = Some(self.text(part)),
                Rule::expectation => {
                    let span = self.span(&part);
                    let mut inner = part.into_inner();
                    let effect = effect(inner.nth(1).expect("effect"));
                    let query = self.query(inner.next().expect("query"));
                    expectations.push(Expectation {
                        effect,
                        query,
                        span,
                    });
                }
                _ => {}
            }
        }
        Test {
            name: name.expect("a test has a name"),
            expectations,
            span,
        }
    }

    fn query(&mut self, pair: Pair<Rule>) -> Query {
        let span = self.span(&pair);
        let mut names = Vec::new();
        let mut category = None;
        let mut date = None;
        let mut attributes = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::name => names.push(self.name(part)),
                Rule::query_category => {
                    category = Some(self.name(part.into_inner().nth(2).expect("category")))
                }
                Rule::query_date => date = Some(self.date(part.into_inner().nth(1).expect("date"))),
                Rule::query_with => attributes = self.bindings(part),
                _ => {}
            }
        }
        let mut names = names.into_iter();
        Query {
            action: names.next().expect("action"),
            actor: names.next().expect("actor"),
            category,
            date,
            attributes,
            span,
        }
    }

    /// `with a = V, ...` of a query.
    fn bindings(&mut self, pair: Pair<Rule>) -> Vec<Binding> {
        let mut out = Vec::new();
        for binding in pair.into_inner().filter(|p| p.as_rule() == Rule::binding) {
            let mut inner = binding.into_inner();
            let name = self.name(inner.next().expect("name"));
            let value_pair = inner.nth(1).expect("value");
            let value_span = self.span(&value_pair);
            let value = self.literal(value_pair);
            out.push(Binding {
                name,
                value,
                value_span,
            });
        }
        out
    }

    /// A name or a hole.
    fn slot(&mut self, pair: Pair<Rule>) -> Slot<Name> {
        match pair.as_rule() {
            Rule::hole => Slot::Hole(self.span(&pair)),
            _ => Slot::Given(self.name(pair)),
        }
    }

    fn open_query(&mut self, pair: Pair<Rule>) -> OpenQuery {
        let span = self.span(&pair);
        let mut slots = Vec::new();
        let mut category = None;
        let mut date = None;
        let mut attributes = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::name | Rule::hole => slots.push(self.slot(part)),
                Rule::open_category => {
                    category = Some(self.slot(part.into_inner().nth(2).expect("category")))
                }
                Rule::open_date => {
                    let given = part.into_inner().nth(1).expect("date");
                    date = Some(match given.as_rule() {
                        Rule::hole => Slot::Hole(self.span(&given)),
                        _ => Slot::Given(self.date(given)),
                    })
                }
                Rule::query_with => attributes = self.bindings(part),
                _ => {}
            }
        }
        let mut slots = slots.into_iter();
        OpenQuery {
            action: slots.next().expect("action"),
            actor: slots.next().expect("actor"),
            category,
            date,
            attributes,
            span,
        }
    }
}

fn type_of(pair: &Pair<Rule>) -> Type {
    match pair.as_str() {
        "text" => Type::Text,
        "number" => Type::Number,
        "bool" => Type::Bool,
        "ip" => Type::Ip,
        _ => Type::Date,
    }
}

/// How the pattern after a comparison's operand is read, if it has one:
/// `like`, `like path`, `matches`, or `in "NETWORK"`.
fn pattern_how(rest: &[Pair<Rule>]) -> Option<crate::pattern::How> {
    use crate::pattern::How;
    if let Some(op) = rest.iter().find(|p| p.as_rule() == Rule::pattern_op) {
        let words: Vec<Rule> = op.clone().into_inner().map(|p| p.as_rule()).collect();
        return Some(match words.as_slice() {
            [Rule::cw_matches] => How::Regex,
            [Rule::cw_like, Rule::cw_path] => How::Path,
            _ => How::Glob,
        });
    }
    rest.iter()
        .any(|p| p.as_rule() == Rule::text)
        .then_some(How::Network)
}

fn effect(pair: Pair<Rule>) -> Effect {
    if pair.as_str() == "allow" {
        Effect::Allow
    } else {
        Effect::Deny
    }
}
