//! The check stage: names against declarations, hierarchies, dates, time
//! windows and types. It reports every problem it finds and builds the
//! [`Policy`] that the evaluator decides with.

mod combine;
mod expr;
mod open;
pub mod query;
pub mod suggest;
mod values;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::diagnostic::{Code, Diagnostic};
use crate::model::{self, Attribute, Bound, ClauseSpans, NameId, Policy, Vocabulary};
use crate::source::{Sources, Span};
use crate::syntax::ast::{self, Combining, Effect, Kind, Scope, Statement, TimeOp};

pub use open::check_open_query;
pub use query::{check_parts, check_query, check_query_owned, place_attribute, Field, RawQuery};

/// Checks parsed files. The policy is complete only when no diagnostic is an
/// error; the caller must not decide with it otherwise.
pub fn check(sources: Sources, files: &[ast::File], today: NaiveDate) -> (Policy, Vec<Diagnostic>) {
    let statements: Vec<&Statement> = files.iter().flat_map(|f| &f.statements).collect();
    let mut check = Check::new(sources, &statements, today);
    check.add(&statements);
    check.finish()
}

/// Checking in steps, so that a large set need not be held as a syntax tree
/// all at once: first every declaration of the set, then the rules and tests
/// in as many pieces as the caller likes, each of which can be dropped once
/// added.
pub struct Check {
    checker: Checker,
    default: Effect,
    combining: Combining,
    rules: Vec<model::Rule>,
    /// Each exemption's rule index and the names of the denies it exempts,
    /// resolved once every rule is known.
    exemptions: Vec<(usize, Vec<ast::Name>)>,
    tests: Vec<model::Test>,
    today: NaiveDate,
}

impl Check {
    /// Takes in the declarations and the default among `statements`; the
    /// rules and tests among them are left for [`Check::add`].
    pub fn new(sources: Sources, statements: &[&Statement], today: NaiveDate) -> Check {
        let mut checker = Checker {
            vocab: Vocabulary::default(),
            diagnostics: Vec::new(),
            sources,
            labels: HashMap::new(),
            test_names: HashMap::new(),
            rule_index: HashMap::new(),
            combining: Combining::default(),
            last_file: None,
            patterns: HashMap::new(),
        };
        checker.declarations(statements);
        checker.named_values(statements);
        checker.memberships(statements);
        let default = checker.default(statements);
        let combining = checker.combining(statements);
        checker.combining = combining;
        Check {
            checker,
            default,
            combining,
            rules: Vec::new(),
            exemptions: Vec::new(),
            tests: Vec::new(),
            today,
        }
    }

    /// Checks the rules and tests among `statements`, in order, after
    /// those already added. Declarations among them were taken by
    /// [`Check::new`] and are skipped.
    pub fn add(&mut self, statements: &[&Statement]) {
        let rules = self
            .checker
            .rules(statements, self.rules.len(), &mut self.exemptions);
        self.rules.extend(rules);
        let tests = self.checker.tests(statements, self.today);
        self.tests.extend(tests);
    }

    /// The policy and every diagnostic.
    pub fn finish(mut self) -> (Policy, Vec<Diagnostic>) {
        let exemptions = std::mem::take(&mut self.exemptions);
        self.checker.resolve_exemptions(&mut self.rules, exemptions);
        let Checker {
            vocab,
            diagnostics,
            sources,
            ..
        } = self.checker;
        (
            Policy {
                vocabulary: vocab,
                default: self.default,
                combining: self.combining,
                has_exemptions: self.rules.iter().any(|r| r.is_exemption()),
                rules: self.rules,
                tests: self.tests,
                sources,
            },
            diagnostics,
        )
    }

    /// The sources being checked.
    pub fn sources(&self) -> &Sources {
        &self.checker.sources
    }
}

pub(crate) struct Checker {
    vocab: Vocabulary,
    diagnostics: Vec<Diagnostic>,
    sources: Sources,
    /// Rule names seen so far, and where.
    labels: HashMap<String, Span>,
    /// Test names seen so far, and where.
    test_names: HashMap<String, Span>,
    /// Each named rule's index.
    rule_index: HashMap<String, usize>,
    /// How the set combines its rules.
    combining: Combining,
    /// The name of the file whose rules are being checked.
    last_file: Option<(crate::source::FileId, Arc<str>)>,
    /// Each pattern compiled so far: a pattern written in many rules is
    /// compiled once, and its copies share the compiled automaton.
    patterns: HashMap<(crate::pattern::How, String), crate::pattern::Pattern>,
}

/// "did you mean `x`?" for the closest candidate.
pub(crate) fn closest_hint<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    suggest::closest(word, candidates).map(did_you_mean)
}

/// Where a query's `on DATE` goes: after its category, or its actor.
fn date_place(query: &ast::Query) -> Span {
    let before = query.category.as_ref().unwrap_or(&query.actor).span;
    Span::new(before.file, before.end(), before.end())
}

/// The help for a misspelt word: "did you mean `partner`?".
pub(crate) fn did_you_mean(closest: &str) -> String {
    format!("did you mean `{closest}`?")
}

/// The diagnostic for a name the set does not declare as `kind`.
pub(crate) fn undeclared(
    vocab: &Vocabulary,
    kind: Kind,
    name: &str,
    span: Option<Span>,
) -> Diagnostic {
    let declared = |k: Kind| {
        let names = vocab.names(k);
        names
            .get(name)
            .is_some_and(|id| names.declared_at[id as usize].is_some())
    };
    let diagnostic = if let Some(other) = Kind::ALL.into_iter().find(|&k| k != kind && declared(k))
    {
        let d = Diagnostic::new(
            Code::WrongKind,
            format!(
                "`{name}` is {} {}, not {} {}",
                article(other),
                other.as_str(),
                article(kind),
                kind.as_str()
            ),
        )
        .help(format!("{} go {}", other.plural(), place(other)));
        (d, None)
    } else {
        let names = vocab.names(kind);
        let declared_names = names
            .names
            .iter()
            .zip(&names.declared_at)
            .filter(|(_, at)| at.is_some())
            .map(|(n, _)| n.as_str());
        let closest = suggest::closest(name, declared_names);
        let hint = closest
            .map(did_you_mean)
            .unwrap_or_else(|| format!("declare it, like `{} {name}`", kind.as_str()));
        (
            Diagnostic::new(
                Code::Undeclared,
                format!("undeclared {} `{name}`", kind.as_str()),
            )
            .help(hint),
            closest,
        )
    };
    match span {
        Some(s) => diagnostic
            .0
            .at(s, format!("not a declared {}", kind.as_str()))
            .replace_with(diagnostic.1),
        None => diagnostic.0,
    }
}

fn article(kind: Kind) -> &'static str {
    match kind {
        Kind::Action | Kind::Actor => "an",
        Kind::Category => "a",
    }
}

fn place(kind: Kind) -> &'static str {
    match kind {
        Kind::Action => "right after `allow` or `deny`",
        Kind::Actor => "after `by`",
        Kind::Category => "after `to category`",
    }
}

impl Checker {
    fn error(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn line(&self, span: Span) -> usize {
        self.sources.get(span.file).line_col(span.start()).line
    }

    fn file_name(&self, span: Span) -> String {
        self.sources.get(span.file).name.clone()
    }

    /// The file's name, one copy for all its rules.
    fn shared_file_name(&mut self, span: Span) -> Arc<str> {
        match &self.last_file {
            Some((file, name)) if *file == span.file => Arc::clone(name),
            _ => {
                let name: Arc<str> = Arc::from(self.sources.get(span.file).name.as_str());
                self.last_file = Some((span.file, Arc::clone(&name)));
                name
            }
        }
    }

    fn declarations(&mut self, statements: &[&Statement]) {
        let decls: Vec<&ast::NamesDecl> = statements
            .iter()
            .filter_map(|s| {
                if let Statement::Names(d) = s {
                    Some(d)
                } else {
                    None
                }
            })
            .collect();
        // a membership for a time or under a condition may name a name
        // declared elsewhere: the plain declarations are taken first, and a
        // conditional one declares only the names not declared yet
        let (plain, conditional): (Vec<&ast::NamesDecl>, Vec<&ast::NamesDecl>) =
            decls.iter().partition(|d| !d.is_conditional());
        for d in plain.iter().chain(&conditional) {
            self.vocab.kinds[d.kind.index()].closed = true;
            for name in &d.names {
                let names = &mut self.vocab.kinds[d.kind.index()];
                if d.is_conditional() && names.get(&name.text).is_some() {
                    continue;
                }
                if let Some(id) = names.get(&name.text) {
                    let first = names.declared_at[id as usize].expect("closed names are declared");
                    self.error(
                        Diagnostic::new(Code::DuplicateDeclaration, format!("{} `{}` is declared twice", d.kind.as_str(), name.text))
                            .at(name.span, "declared again here")
                            .note(first, "first declared here")
                            .help("declare each name once; to give it more parents, use `in [a, b]` in one declaration"),
                    );
                } else {
                    names.intern(&name.text, Some(name.span));
                }
            }
        }
        for d in &decls {
            for parent in &d.parents {
                let Some(pid) = self.vocab.names(d.kind).get(&parent.text) else {
                    let diagnostic =
                        undeclared(&self.vocab, d.kind, &parent.text, Some(parent.span));
                    self.error(diagnostic);
                    continue;
                };
                for name in &d.names {
                    let id = self
                        .vocab
                        .names(d.kind)
                        .get(&name.text)
                        .expect("declared above");
                    if d.is_conditional() {
                        // its window and condition are read with the rules'
                        // conditions, once every attribute is known
                        let index = self.vocab.memberships.len();
                        self.vocab.memberships.push(model::Membership {
                            kind: d.kind,
                            child: id,
                            parent: pid,
                            from: None,
                            until: None,
                            condition: None,
                            span: d.span,
                        });
                        self.vocab.kinds[d.kind.index()].add_conditional(id, pid, index);
                        continue;
                    }
                    let parents = &mut self.vocab.kinds[d.kind.index()].parents[id as usize];
                    if !parents.contains(&pid) {
                        parents.push(pid);
                    }
                }
            }
        }
        for kind in Kind::ALL {
            self.cycles(kind);
        }
        for s in statements {
            let Statement::Attributes(d) = s else {
                continue;
            };
            for def in &d.attributes {
                if let Some(i) = self.vocab.attribute(&def.name.text) {
                    let first = self.vocab.attributes[i].span;
                    self.error(
                        Diagnostic::new(
                            Code::DuplicateDeclaration,
                            format!("attribute `{}` is declared twice", def.name.text),
                        )
                        .at(def.name.span, "declared again here")
                        .note(first, "first declared here")
                        .help("declare each attribute once, with one type"),
                    );
                    continue;
                }
                self.vocab.add_attribute(Attribute {
                    name: def.name.text.clone(),
                    ty: def.ty,
                    span: def.name.span,
                });
            }
        }
    }

    /// Reads the windows and conditions of conditional memberships, in the
    /// order [`Checker::declarations`] made them.
    fn memberships(&mut self, statements: &[&Statement]) {
        let mut next = 0;
        for s in statements {
            let Statement::Names(d) = s else { continue };
            if !d.is_conditional() {
                continue;
            }
            if d.parents.is_empty() {
                let at = d.where_.as_ref().map_or_else(|| d.time[0].span, |c| c.span);
                self.error(
                    Diagnostic::new(
                        Code::BadMembership,
                        "a window or a condition here needs a membership: `X in Y`",
                    )
                    .at(at, "holds for no `in`")
                    .help(format!(
                        "write `{} NAME in PARENT` before it: the membership then holds only there",
                        d.kind.as_str()
                    )),
                );
                continue;
            }
            let (from, until) = self.window(&d.time);
            let condition = d.where_.as_ref().and_then(|c| self.condition(&c.value));
            // one membership a declared name whose parent was found
            while let Some(m) = self.vocab.memberships.get_mut(next) {
                if m.span != d.span {
                    break;
                }
                m.from = from.map(|b| b.date);
                m.until = until.map(|b| b.date);
                m.condition = condition.clone();
                next += 1;
            }
        }
    }

    /// Reports each loop in a hierarchy once. Iterative depth-first search,
    /// so hierarchies of any depth are fine.
    fn cycles(&mut self, kind: Kind) {
        let names = &self.vocab.kinds[kind.index()];
        let n = names.names.len();
        // a loop through a conditional membership is a loop too
        let edges: Vec<Vec<NameId>> = (0..n)
            .map(|i| {
                let maybe = names.conditional[i].iter().map(|&(p, _)| p);
                names.parents[i].iter().copied().chain(maybe).collect()
            })
            .collect();
        // 0 unvisited, 1 on the path, 2 done
        let mut state = vec![0u8; n];
        let mut found: Vec<Vec<NameId>> = Vec::new();
        for root in 0..n {
            if state[root] != 0 {
                continue;
            }
            let mut path: Vec<(NameId, usize)> = vec![(root as NameId, 0)];
            state[root] = 1;
            while let Some(&mut (node, ref mut next)) = path.last_mut() {
                let parents = &edges[node as usize];
                if *next < parents.len() {
                    let p = parents[*next];
                    *next += 1;
                    match state[p as usize] {
                        0 => {
                            state[p as usize] = 1;
                            path.push((p, 0));
                        }
                        1 => {
                            let start =
                                path.iter().position(|(x, _)| *x == p).expect("on the path");
                            found.push(path[start..].iter().map(|(x, _)| *x).collect());
                        }
                        _ => {}
                    }
                } else {
                    state[node as usize] = 2;
                    path.pop();
                }
            }
        }
        for cycle in found {
            let names = &self.vocab.kinds[kind.index()];
            let first = cycle[0] as usize;
            let chain: Vec<String> = cycle
                .iter()
                .chain(std::iter::once(&cycle[0]))
                .map(|&i| format!("`{}`", names.names[i as usize]))
                .collect();
            let span = names.declared_at[first].expect("hierarchies are declared");
            let message = if cycle.len() == 1 {
                format!("{} `{}` is in itself", kind.as_str(), names.names[first])
            } else {
                format!(
                    "the {} hierarchy loops: {}",
                    kind.as_str(),
                    chain.join(" is in ")
                )
            };
            let mut d = Diagnostic::new(Code::Cycle, message).at(span, "the loop starts here");
            for &other in &cycle[1..] {
                if let Some(at) = names.declared_at[other as usize] {
                    d = d.note(at, "and goes through here");
                }
            }
            self.error(d.help("remove one of the `in` links so that the hierarchy has a top"));
        }
    }

    fn default(&mut self, statements: &[&Statement]) -> Effect {
        let mut default: Option<&ast::DefaultDecl> = None;
        for s in statements {
            let Statement::Default(d) = s else { continue };
            match default {
                Some(first) => self.error(
                    Diagnostic::new(Code::DuplicateDefault, "the set has a second `default`")
                        .at(d.span, "second default")
                        .note(first.span, "first default")
                        .help("a policy set has at most one `default`: keep one"),
                ),
                None => default = Some(d),
            }
        }
        default.map_or(Effect::Deny, |d| d.effect)
    }

    /// Resolves a scope's names; `None` stands for `any`.
    fn scope(&mut self, kind: Kind, scope: &Scope) -> Option<Vec<NameId>> {
        let Scope::Names(names) = scope else {
            return None;
        };
        let mut ids = Vec::with_capacity(names.len());
        for name in names {
            let table = &mut self.vocab.kinds[kind.index()];
            if !table.closed {
                ids.push(table.intern(&name.text, None));
            } else if let Some(id) = table.get(&name.text) {
                ids.push(id);
            } else {
                let d = undeclared(&self.vocab, kind, &name.text, Some(name.span));
                self.error(d);
            }
        }
        Some(ids)
    }

    /// Checks the rules among `statements`; the first gets index `first`.
    /// Exemptions' targets are left in `exemptions` for later.
    fn rules(
        &mut self,
        statements: &[&Statement],
        first: usize,
        exemptions: &mut Vec<(usize, Vec<ast::Name>)>,
    ) -> Vec<model::Rule> {
        let mut labels = std::mem::take(&mut self.labels);
        let mut rules = Vec::new();
        for s in statements {
            let Statement::Rule(r) = s else { continue };
            let index = first + rules.len();
            if let Some(c) = &r.exempts {
                exemptions.push((index, c.value.clone()));
            }
            if let Some(label) = &r.label {
                self.rule_index.entry(label.text.clone()).or_insert(index);
                if let Some(first) = labels.get(&label.text) {
                    self.error(
                        Diagnostic::new(
                            Code::DuplicateRuleName,
                            format!("two rules are named `{}`", label.text),
                        )
                        .at(label.span, "second rule with this name")
                        .note(*first, "first rule with this name")
                        .help("rule names identify rules in decisions: give each rule its own"),
                    );
                } else {
                    labels.insert(label.text.clone(), label.span);
                }
            }
            let actions = self.scope(Kind::Action, &r.actions);
            let actors = r
                .actors
                .as_ref()
                .and_then(|c| self.scope(Kind::Actor, &c.value));
            let categories = r
                .categories
                .as_ref()
                .and_then(|c| self.scope(Kind::Category, &c.value));
            let (from, until) = self.window(&r.time);
            let clauses = ClauseSpans {
                actors: r.actors.as_ref().map(|c| c.span),
                categories: r.categories.as_ref().map(|c| c.span),
                where_: r.where_.as_ref().map(|c| c.span),
                unless: r.unless.as_ref().map(|c| c.span),
                exempts: r.exempts.as_ref().map(|c| c.span),
            };
            let priority = r.priority.as_ref().and_then(|c| self.priority(r, c));
            let where_ = r.where_.as_ref().and_then(|c| self.condition(&c.value));
            let unless = r.unless.as_ref().and_then(|c| self.condition(&c.value));
            let line = self.line(r.span);
            let file = self.shared_file_name(r.span);
            let name = r.label.as_ref().map(|l| l.text.clone());
            rules.push(model::Rule {
                name,
                effect: r.effect,
                actions,
                actors,
                categories,
                from,
                until,
                clauses,
                where_: where_.map(Box::new),
                unless: unless.map(Box::new),
                reason: r.because.as_ref().map(|b| b.value.value.clone()),
                priority: priority.unwrap_or(0),
                // resolved in `finish`, once every rule is known
                exempts: r.exempts.as_ref().map(|_| Vec::new()),
                file,
                line,
                span: r.span,
            });
        }
        self.labels = labels;
        rules
    }

    /// The first and last date a rule covers, both inclusive, with the
    /// bounds as written.
    fn window(&mut self, time: &[ast::TimeBound]) -> (Option<Bound>, Option<Bound>) {
        let mut lower: Option<Bound> = None;
        let mut upper: Option<Bound> = None;
        let mut ok = true;
        for bound in time {
            let Some(date) = self.bound_date(&bound.date) else {
                ok = false;
                continue;
            };
            let (lo, hi) = match bound.op {
                TimeOp::After => (Some((date.succ_opt().unwrap_or(date), date)), None),
                TimeOp::From => (Some((date, date)), None),
                TimeOp::Before => (None, Some((date.pred_opt().unwrap_or(date), date))),
                TimeOp::Until => (None, Some((date, date))),
                TimeOp::On => (Some((date, date)), Some((date, date))),
                TimeOp::Between => {
                    let end = bound.end.as_ref().expect("between has two dates");
                    let Some(end_date) = self.bound_date(end) else {
                        ok = false;
                        continue;
                    };
                    if end_date < date {
                        ok = false;
                        let text = |span: Span| {
                            let source = &self.sources.get(span.file).text;
                            source[span.start()..span.end()].to_string()
                        };
                        let help = format!(
                            "write the earlier date first: `between {} and {}`",
                            text(end.span),
                            text(bound.date.span)
                        );
                        self.error(
                            Diagnostic::new(
                                Code::EmptyWindow,
                                "no date is between these two dates",
                            )
                            .at(bound.span, "the second date is before the first")
                            .help(help),
                        );
                        continue;
                    }
                    (Some((date, date)), Some((end_date, end_date)))
                }
            };
            for (side, value, slot) in [("lower", lo, &mut lower), ("upper", hi, &mut upper)] {
                let Some((value, written)) = value else {
                    continue;
                };
                if let Some(first) = slot {
                    ok = false;
                    let whole = |op: TimeOp| matches!(op, TimeOp::On | TimeOp::Between);
                    let (first_whole, this_whole) = (whole(first.op), whole(bound.op));
                    let first = first.span;
                    let mixed = first_whole || this_whole;
                    let label = |is_whole: bool, nth: &str| match (is_whole, mixed) {
                        (true, _) => "a whole window: a lower and an upper bound".to_string(),
                        (false, true) if side == "upper" => "and an upper bound".to_string(),
                        (false, true) => "and a lower bound".to_string(),
                        (false, false) => format!("{nth} {side} bound"),
                    };
                    let (message, help) = if mixed {
                        (
                            "this rule has a whole window and another time bound".to_string(),
                            "`on D` is `from D until D` and `between A and B` is `from A until B`: keep it alone, or write one `from` and one `until`",
                        )
                    } else {
                        (
                            format!("this rule has two {side} time bounds"),
                            "give a rule one lower and one upper bound at most, like `from 2021-03-31 until 2022-12-31`",
                        )
                    };
                    self.error(
                        Diagnostic::new(Code::DuplicateBound, message)
                            .at(bound.span, label(this_whole, "second"))
                            .note(first, label(first_whole, "first"))
                            .help(help),
                    );
                    // one report for a whole window's two sides
                    break;
                } else {
                    *slot = Some(Bound {
                        date: value,
                        op: bound.op,
                        written,
                        span: bound.span,
                    });
                }
            }
        }
        if let (Some(lo), Some(hi)) = (&lower, &upper) {
            let (lo_span, hi_span, lo, hi) = (lo.span, hi.span, lo.date, hi.date);
            if ok && lo > hi && lo_span != hi_span {
                self.error(
                    Diagnostic::new(Code::EmptyWindow, "no date satisfies this time window")
                        .at(
                            hi_span,
                            format!("so its last day is {}", hi.format("%Y-%m-%d")),
                        )
                        .note(
                            lo_span,
                            format!("so its first day is {}", lo.format("%Y-%m-%d")),
                        )
                        .help("check the dates: the window starts after it ends"),
                );
            }
        }
        (lower, upper)
    }

    fn tests(&mut self, statements: &[&Statement], today: NaiveDate) -> Vec<model::Test> {
        let mut names = std::mem::take(&mut self.test_names);
        let mut tests = Vec::new();
        for s in statements {
            let Statement::Test(t) = s else { continue };
            if let Some(first) = names.get(&t.name.value) {
                self.error(
                    Diagnostic::new(
                        Code::DuplicateTestName,
                        format!("two tests are named \"{}\"", t.name.value),
                    )
                    .at(t.name.span, "second test with this name")
                    .note(*first, "first test with this name")
                    .help("give each test its own name so that reports tell them apart"),
                );
            } else {
                names.insert(t.name.value.clone(), t.name.span);
            }
            let mut expectations = Vec::new();
            for e in &t.expectations {
                let raw = RawQuery::from_ast(&e.query);
                if raw.date.is_none() {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::UndatedExpectation,
                            "this expectation gives no date, so it is decided for the day the test runs",
                        )
                        .at(e.query.span, "no `on DATE`")
                        .help("give it the date it is about, like `on 2021-04-01`: a rule's window can make it pass today and fail tomorrow")
                        .fix(
                            format!("add `on {today}` (today)"),
                            date_place(&e.query),
                            format!(" on {today}"),
                        ),
                    );
                }
                match check_query(&self.vocab, &raw, today) {
                    Ok(query) => {
                        let source = self.sources.get(e.span.file);
                        expectations.push(model::Expectation {
                            effect: e.effect,
                            query,
                            text: source.text[e.query.span.start()..e.query.span.end()].to_string(),
                            line: self.line(e.span),
                            span: e.span,
                        })
                    }
                    Err(errors) => self.diagnostics.extend(errors),
                }
            }
            tests.push(model::Test {
                name: t.name.value.clone(),
                file: self.file_name(t.span),
                line: self.line(t.span),
                expectations,
            });
        }
        self.test_names = names;
        tests
    }
}
