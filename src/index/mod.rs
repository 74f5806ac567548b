//! The compiled decision structure: a checked set turned into an index
//! whose cost per query depends on the rules that could apply, not on the
//! size of the set.
//!
//! Every rule is filed under each (action, actor, category) key its scopes
//! name, with `any` as a key of its own. A query looks up only the keys it
//! falls under: its names and every name above them (resolved when the set
//! is compiled), and `any`. The keys lead to short runs of entries that
//! carry each rule's time window as day numbers, so most rules are settled
//! without touching them; conditions are evaluated only for the entries
//! left. The answer is assembled by [`eval::combine`], the step the
//! reference evaluator ends with, and the differential tests
//! (`tests/differential.rs`) hold the two equal on random sets and queries.
//!
//! The layout, chosen after measuring (`bench/README.md` keeps the numbers
//! of each step; each was kept because it made decisions faster or sets
//! smaller there). On a large set a decision costs its cache misses, so the
//! layout is about how many a query waits for one after another:
//!
//! - a query's names are found in the vocabulary's [`NameTable`]s, one
//!   cache line a name;
//! - the names at or above each name are a sorted row of its own, one cache
//!   line (a longer list is kept aside);
//! - the action keys index a dense table that leads to each action's own
//!   small open-addressing table of actor keys (at most two thirds full);
//! - a blocked Bloom filter of the (action, actor) pairs filed rules out
//!   nearly every pair a query asks about that leads nowhere, with one look
//!   at one word;
//! - a pair's slot holds its entry when it has one (most do); a pair of
//!   many leads to its run of entries, sorted by category key and met with
//!   the query's sorted category keys in one pass, or, for a long run of
//!   many keys, through a directory of its keys (one cache line);
//! - combining reads the effect of each rule that applies from a table of
//!   two bytes a rule, not from the rule;
//! - entries are sixteen bytes: the category key, the rule, a flag for
//!   conditions, the window as day numbers;
//! - conditions are compiled into one shared array ([`Conditions`]);
//! - where many entries of a pair share a category key and most test one
//!   attribute against literals (`where country == "RU"`), those are filed
//!   once more by the values they admit (`keys.rs`), and the run holds one
//!   entry that leads to them: a query looks at its own value's;
//! - a query is looked up in stages (pairs, slots, runs), so that the cache
//!   misses of one stage overlap;
//! - a rule whose scopes would be filed under more than [`MAX_KEYS`] keys is
//!   kept on a short list that every query checks one by one.
//!
//! [`NameTable`]: crate::lookup::NameTable

use std::cell::RefCell;

use chrono::Datelike;

use crate::condition::Conditions;
use crate::eval::{self, Decision, RuleKind, Truth};
use crate::model::{NameId, Policy, Query, Rule};
use crate::syntax::ast::Kind;

mod keys;
mod names;

use keys::{Keyed, GROUP};
use names::{conditional_reach, in_scope, maybe_above, Closure, Exact};

/// The key that stands for `any`.
const ANY: NameId = NameId::MAX;

/// A free place in an actor table.
const EMPTY: NameId = NameId::MAX - 1;

/// The most keys one rule is filed under; a rule with wider scopes is checked
/// on its own for every query.
pub const MAX_KEYS: usize = 1024;

/// The most ancestor links kept for one kind; a deeper hierarchy is walked
/// for each query instead.
pub const MAX_CLOSURE: usize = 1 << 24;

/// The limits that choose among the index's paths. [`Limits::SMALL`] makes
/// small sets take the paths large ones take, for the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A rule filed under more keys is checked on its own for every query.
    pub max_keys: usize,
    /// A kind with more ancestor links is walked for every query.
    pub max_closure: usize,
    /// A cell of at least this many entries, of which at least
    /// `keyed_entries` test one attribute against literals, is filed by
    /// that attribute's values too (`keys.rs`).
    pub keyed_cell: usize,
    pub keyed_entries: usize,
    /// A pair's run of at least `directory_run` entries under at least
    /// `directory_keys` category keys gets a directory of its keys.
    pub directory_run: usize,
    pub directory_keys: usize,
}

impl Limits {
    /// What [`Index::build`] uses.
    pub const DEFAULT: Limits = Limits {
        max_keys: MAX_KEYS,
        max_closure: MAX_CLOSURE,
        keyed_cell: keys::KEYED_CELL,
        keyed_entries: keys::KEYED_ENTRIES,
        directory_run: DIRECTORY_RUN,
        directory_keys: DIRECTORY_KEYS,
    };

    /// Every path taken as soon as it can be.
    pub const SMALL: Limits = Limits {
        max_keys: 2,
        max_closure: 4,
        keyed_cell: 2,
        keyed_entries: 1,
        directory_run: 2,
        directory_keys: 1,
    };
}

/// A rule as the index keeps it under one (action, actor) pair: enough to
/// settle most queries on the spot, in sixteen bytes.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The category key it is filed under.
    category: NameId,
    /// The rule's index, with [`CONDITIONAL`] set when the rule has a
    /// `where` or an `unless`.
    rule: u32,
    /// First and last day covered, as days from the common era.
    from: i32,
    until: i32,
}

/// One (action key, actor key) pair in its action's table: the pair's one
/// entry, so that most pairs need no other look, or where its entries are.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// [`EMPTY`] where the slot is free.
    actor: NameId,
    /// The entry, or for a pair of many entries, `category` [`RUN`], `rule`
    /// the first in `entries` and `from` their number.
    entry: Entry,
}

/// The category of a [`Slot`]'s entry that says the pair has many. No name
/// has this id (nor [`EMPTY`]'s, nor [`ANY`]'s): a set would need 2^32 - 3
/// names of one kind, hundreds of gigabytes, to get there.
const RUN: NameId = NameId::MAX - 2;

impl Slot {
    const FREE: Slot = Slot {
        actor: EMPTY,
        entry: Entry {
            category: EMPTY,
            rule: 0,
            from: 0,
            until: 0,
        },
    };

    /// A pair of many entries, and where its run's directory is in
    /// [`Index::directories`], plus one (zero for none).
    fn run(actor: NameId, first: u32, len: u32, directory: u32) -> Slot {
        Slot {
            actor,
            entry: Entry {
                category: RUN,
                rule: first,
                from: len as i32,
                until: directory as i32,
            },
        }
    }

    /// The pair's entries, when it has more than one: their start, their
    /// number and their directory (as [`Slot::run`] keeps it).
    fn entries(&self) -> Option<Run> {
        (self.entry.category == RUN).then_some(Run {
            start: self.entry.rule,
            len: self.entry.from as u32,
            directory: self.entry.until as u32,
        })
    }
}

/// A pair's run of entries, as a query's lookup keeps it.
#[derive(Debug, Clone, Copy)]
struct Run {
    start: u32,
    len: u32,
    directory: u32,
}

/// A run of at least this many entries, under at least [`DIRECTORY_KEYS`]
/// category keys, has a directory of its keys: one cache line to search
/// rather than the run.
const DIRECTORY_RUN: usize = 24;
const DIRECTORY_KEYS: usize = 4;

/// The bit of [`Entry::rule`] that says the rule has conditions (a set of
/// 2^31 rules would need terabytes before it got here).
const CONDITIONAL: u32 = 1 << 31;

/// A compiled policy set. Build it with [`Index::build`] and decide with
/// [`Index::decide`], which answers exactly as [`eval::decide`].
#[derive(Debug)]
pub struct Index {
    closures: [Closure; 3],
    /// By kind, the names from which a conditional membership can be
    /// reached (empty for a kind without one). A query with such a name
    /// looks up every key it may fall under and settles each rule's scopes
    /// with the reference's three-valued truths ([`eval::above`]).
    conditional: [Vec<bool>; 3],
    /// By action key (`any` last): the action's table of actor keys in
    /// `slots` as (start, bits of its size), or `None`.
    actions: Vec<Option<(u32, u32)>>,
    /// The actor tables.
    slots: Vec<Slot>,
    /// A Bloom filter of the (action key, actor key) pairs filed: two bits
    /// a pair, sixteen bits a pair in all. Most pairs a query asks about
    /// lead nowhere, and the filter, small enough to stay in cache, rules
    /// out nearly all of them without a look at the tables.
    filter: Vec<u64>,
    /// The filter has `1 << filter_bits` bits.
    filter_bits: u32,
    /// The entries of the pairs of more than one, each pair's sorted by
    /// category key.
    entries: Vec<Entry>,
    /// Rules too wide to file; checked for every query.
    wide: Vec<Entry>,
    /// Every rule's conditions, compiled.
    conditions: Conditions,
    /// The entries of crowded cells, filed by attribute value as well.
    keyed: Keyed,
    /// The directories of long runs, one after another: the number of
    /// category keys `n`, the keys ascending, and `n + 1` offsets into the
    /// run where each key's entries start (the last, the run's end).
    directories: Vec<u32>,
    /// Each rule's effect and whether it is an exemption, by rule: what
    /// combining reads of the rules that apply, without a look at each.
    kinds: Vec<RuleKind>,
}

impl Index {
    /// Compiles a checked policy.
    pub fn build(policy: &Policy) -> Index {
        Index::build_with(policy, Limits::DEFAULT)
    }

    /// [`Index::build`] with other limits.
    pub fn build_with(policy: &Policy, limits: Limits) -> Index {
        let Limits {
            max_keys,
            max_closure,
            ..
        } = limits;
        let vocab = &policy.vocabulary;
        let closures = Kind::ALL.map(|k| Closure::build(vocab.names(k), max_closure));
        let action_keys = vocab.names(Kind::Action).names.len() + 1;
        let keys = |scope: &Option<Vec<NameId>>| -> Vec<NameId> {
            scope.clone().unwrap_or_else(|| vec![ANY])
        };
        let filed_count = |rule: &Rule| {
            [&rule.actions, &rule.actors, &rule.categories]
                .iter()
                .map(|s| s.as_ref().map_or(1, Vec::len))
                .product::<usize>()
        };
        // (actor key, category key, rule) by action key, counted first so
        // that the one buffer is made at its size: a counting sort
        let mut starts = vec![0usize; action_keys + 1];
        let mut wide = Vec::new();
        for (index, rule) in policy.rules.iter().enumerate() {
            if filed_count(rule) > max_keys {
                wide.push(Entry::of(ANY, index, rule));
                continue;
            }
            let per_action = filed_count(rule) / rule.actions.as_ref().map_or(1, Vec::len);
            for a in keys(&rule.actions) {
                starts[key_slot(a, action_keys) + 1] += per_action;
            }
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut filed: Vec<[u32; 3]> = vec![[0; 3]; starts[action_keys]];
        let mut next = starts.clone();
        for (index, rule) in policy.rules.iter().enumerate() {
            if filed_count(rule) > max_keys {
                continue;
            }
            let (actors, categories) = (keys(&rule.actors), keys(&rule.categories));
            for a in keys(&rule.actions) {
                let at = &mut next[key_slot(a, action_keys)];
                for &b in &actors {
                    for &c in &categories {
                        filed[*at] = [b, c, index as u32];
                        *at += 1;
                    }
                }
            }
        }
        for window in starts.windows(2) {
            let run = &mut filed[window[0]..window[1]];
            run.sort_unstable();
            // a name listed twice in a scope files the rule twice: once will do
            let mut kept = 0;
            for j in 0..run.len() {
                if j == 0 || run[j] != run[kept - 1] {
                    run[kept] = run[j];
                    kept += 1;
                }
            }
            // what is left over is marked free, and skipped below
            for slot in &mut run[kept..] {
                *slot = [EMPTY, EMPTY, u32::MAX];
            }
        }
        // the pairs filed, to size the filter, and the entries of the pairs
        // of many (a pair's one entry is kept in its slot)
        let (mut pairs, mut in_runs) = (0usize, 0usize);
        for w in starts.windows(2) {
            let run = &filed[w[0]..w[1]];
            let run = &run[..run.partition_point(|f| f[0] != EMPTY)];
            for pair in run.chunk_by(|x, y| x[0] == y[0]) {
                pairs += 1;
                if pair.len() > 1 {
                    in_runs += pair.len();
                }
            }
        }
        let filter_bits = (16 * pairs.max(1))
            .next_power_of_two()
            .trailing_zeros()
            .max(7);
        let mut index = Index {
            closures,
            conditional: Kind::ALL.map(|k| conditional_reach(vocab.names(k))),
            actions: vec![None; action_keys],
            slots: Vec::new(),
            filter: vec![0; 1 << (filter_bits - 6)],
            filter_bits,
            entries: Vec::with_capacity(in_runs),
            wide,
            conditions: Conditions::build(&policy.rules),
            keyed: Keyed::new(limits.keyed_cell, limits.keyed_entries),
            directories: Vec::new(),
            kinds: policy.rules.iter().map(RuleKind::of).collect(),
        };
        for (slot_of_a, window) in starts.windows(2).enumerate() {
            // one action key's run: its actor keys, their category keys
            let run = &filed[window[0]..window[1]];
            let run = &run[..run.partition_point(|f| f[0] != EMPTY)];
            if run.is_empty() {
                continue;
            }
            let a = if slot_of_a == action_keys - 1 {
                ANY
            } else {
                slot_of_a as NameId
            };
            let actors = 1 + run.windows(2).filter(|w| w[0][0] != w[1][0]).count();
            // at most two thirds full: a hit is found in one or two looks
            let bits = (actors + actors.div_ceil(2))
                .next_power_of_two()
                .trailing_zeros()
                .max(1);
            let start = index.slots.len();
            index.slots.resize(start + (1 << bits), Slot::FREE);
            index.actions[slot_of_a] = Some((start as u32, bits));
            for pair in run.chunk_by(|x, y| x[0] == y[0]) {
                let b = pair[0][0];
                let entry = |&[_, c, rule]: &[u32; 3]| {
                    Entry::of(c, rule as usize, &policy.rules[rule as usize])
                };
                let slot = match pair {
                    [one] => Slot {
                        actor: b,
                        entry: entry(one),
                    },
                    _ => {
                        let first = index.entries.len() as u32;
                        for cell in pair.chunk_by(|x, y| x[1] == y[1]) {
                            let cell = cell.iter().map(entry).collect();
                            index.keyed.file(policy, cell, &mut index.entries);
                        }
                        let run = &index.entries[first as usize..];
                        let directory = directory(run, limits, &mut index.directories);
                        Slot::run(b, first, run.len() as u32, directory)
                    }
                };
                let table = &mut index.slots[start..];
                let mut at = slot_of(b, bits);
                while table[at].actor != EMPTY {
                    at = (at + 1) & ((1 << bits) - 1);
                }
                table[at] = slot;
                for bit in filter_bits_of(mix_action(a), mix_actor(b), filter_bits) {
                    index.filter[bit >> 6] |= 1 << (bit & 63);
                }
            }
        }
        index
    }

    /// The slot of (action table, actor key), if any rule is filed under
    /// the pair.
    fn pair(&self, (start, bits): (u32, u32), actor: NameId) -> Option<&Slot> {
        let table = &self.slots[start as usize..start as usize + (1 << bits)];
        let mut at = slot_of(actor, bits);
        loop {
            match &table[at] {
                slot if slot.actor == actor => return Some(slot),
                slot if slot.actor == EMPTY => return None,
                _ => at = (at + 1) & ((1 << bits) - 1),
            }
        }
    }

    /// Adds the entry's rule if its window holds the day and its conditions
    /// are not false, with its truth given the category's; for a keyed
    /// group's entry, the group's entries the query's value leads to.
    fn visit(
        &self,
        policy: &Policy,
        query: &Query,
        day: i32,
        e: &Entry,
        category: Truth,
        sink: &mut Sink,
    ) {
        if day < e.from || day > e.until {
            return;
        }
        if e.rule & GROUP != 0 {
            let (entries, known) = self.keyed.entries(e.rule & !GROUP, query, sink.values);
            let category = if known {
                category
            } else {
                category.and(Truth::Unknown)
            };
            for e in entries {
                self.visit(policy, query, day, e, category, sink);
            }
            return;
        }
        let exact = sink.exact;
        let mut truth = if e.rule & CONDITIONAL != 0 {
            category.and(self.conditions.truth(&policy.rules, e.index(), query))
        } else {
            category
        };
        if exact.any {
            // the keys took in names the query may only be under
            let rule = &policy.rules[e.index()];
            truth = truth
                .and(in_scope(&rule.actions, exact.get(0)))
                .and(in_scope(&rule.actors, exact.get(1)));
            if query.category.is_some() {
                truth = truth.and(in_scope(&rule.categories, exact.get(2)));
            }
        }
        if truth != Truth::False {
            sink.hits.push((e.index() as u32, truth));
        }
    }

    /// For a query whose names reach a conditional membership: for each
    /// such name, every key it may fall under (true or unknown) instead of
    /// the plain closure's, and the truths that [`Index::visit`] settles
    /// each rule with.
    fn take_maybe_keys(&self, policy: &Policy, query: &Query, s: &mut Scratch) {
        let ids = [query.action, query.actor, query.category.flatten()];
        for (k, keys) in [&mut s.actions, &mut s.actors, &mut s.categories]
            .into_iter()
            .enumerate()
        {
            s.exact.on[k] = false;
            let reaches = |&id: &NameId| self.conditional[k].get(id as usize) == Some(&true);
            let Some(id) = ids[k].filter(reaches) else {
                continue;
            };
            let above = &mut s.exact.above[k];
            maybe_above(policy, Kind::ALL[k], id, query, above, &mut s.stack);
            keys.clear();
            keys.extend(above.iter().map(|&(n, _)| n));
            keys.push(ANY);
            s.exact.on[k] = true;
            s.exact.any = true;
        }
    }

    /// The number of rules whose conditions are compiled (the others are
    /// evaluated by the reference evaluator).
    pub fn compiled_conditions(&self) -> usize {
        self.conditions.compiled()
    }

    /// The number of cells whose entries are filed by attribute value too.
    pub fn keyed_cells(&self) -> usize {
        self.keyed.groups()
    }

    /// The number of rules kept aside because their scopes are too wide to
    /// file; each is checked for every query.
    pub fn wide_rules(&self) -> usize {
        self.wide.len()
    }

    /// Decides a checked query against the policy this index was built from.
    pub fn decide(&self, policy: &Policy, query: &Query) -> Decision {
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let scratch = &mut *scratch;
            self.collect(policy, query, scratch);
            scratch.hits.sort_unstable_by_key(|&(rule, _)| rule);
            scratch.hits.dedup_by_key(|&mut (rule, _)| rule);
            let hits = scratch.hits.iter().map(|&(rule, t)| (rule as usize, t));
            eval::combine_by(policy, query, hits, |rule| self.kinds[rule])
        })
    }

    /// Gathers every rule whose match is true or unknown, in any order and
    /// perhaps more than once.
    fn collect(&self, policy: &Policy, query: &Query, s: &mut Scratch) {
        let vocab = &policy.vocabulary;
        s.hits.clear();
        self.closures[0].above(vocab.names(Kind::Action), query.action, &mut s.actions);
        self.closures[1].above(vocab.names(Kind::Actor), query.actor, &mut s.actors);
        let category = query.category;
        if let Some(c) = category {
            self.closures[2].above(vocab.names(Kind::Category), c, &mut s.categories);
        }
        s.exact.on = [false; 3];
        s.exact.any = false;
        let reaches = |k: usize, id: Option<NameId>| {
            id.is_some_and(|id| self.conditional[k].get(id as usize) == Some(&true))
        };
        if reaches(0, query.action) || reaches(1, query.actor) || reaches(2, category.flatten()) {
            self.take_maybe_keys(policy, query, s);
        }
        let day = query.date.num_days_from_ce();
        let action_keys = self.actions.len();
        s.values.clear();
        // In stages, each over a short list: the memory each item needs is
        // known before any of it is waited for, so the cache misses of a
        // large set overlap instead of following one another.
        // 1. the (action table, actor key) pairs the filter lets through
        s.mixes.clear();
        s.mixes.extend(s.actors.iter().map(|&b| mix_actor(b)));
        // every pair written, and kept by moving on past it or not: which
        // pairs pass is too random for a branch to guess well
        let most = s.actions.len() * s.actors.len();
        if s.pairs.len() < most {
            s.pairs.resize(most, ((0, 0), 0));
        }
        let mut kept = 0;
        for &a in &s.actions {
            let Some(table) = self.actions[key_slot(a, action_keys)] else {
                continue;
            };
            let mixed = mix_action(a);
            for (&b, &mix) in s.actors.iter().zip(&s.mixes) {
                let [x, y] = filter_bits_of(mixed, mix, self.filter_bits);
                let word = self.filter[x >> 6];
                let pass = (word >> (x & 63)) & (word >> (y & 63)) & 1;
                s.pairs[kept] = (table, b);
                kept += pass as usize;
            }
        }
        let pairs = &s.pairs[..kept];
        // 2. their slots: a pair's one entry is settled on the spot, the
        // runs of the others kept for the next stage
        s.runs.clear();
        for &(table, b) in pairs {
            let Some(slot) = self.pair(table, b) else {
                continue;
            };
            match slot.entries() {
                Some(run) => s.runs.push(run),
                None => {
                    let e = &slot.entry;
                    if let Some(truth) = category_truth(e.category, category, &s.categories) {
                        self.visit(policy, query, day, e, truth, &mut sink!(s));
                    }
                }
            }
        }
        // 3. the runs' entries under the query's category keys
        for &Run {
            start,
            len,
            directory,
        } in &s.runs
        {
            let run = &self.entries[start as usize..(start + len) as usize];
            match category {
                None => {
                    for e in run {
                        if let Some(truth) = category_truth(e.category, None, &[]) {
                            self.visit(policy, query, day, e, truth, &mut sink!(s));
                        }
                    }
                }
                // a long run with a directory: each of the query's keys
                // looked up in it
                Some(_) if directory != 0 => {
                    let at = directory as usize - 1;
                    let n = self.directories[at] as usize;
                    let keys = &self.directories[at + 1..at + 1 + n];
                    let offsets = &self.directories[at + 1 + n..at + 2 + 2 * n];
                    for key in &s.categories {
                        let Ok(i) = keys.binary_search(key) else {
                            continue;
                        };
                        for e in &run[offsets[i] as usize..offsets[i + 1] as usize] {
                            self.visit(policy, query, day, e, Truth::True, &mut sink!(s));
                        }
                    }
                }
                // a long run (rules about many categories under one pair):
                // each of the query's keys looked up by bisection
                Some(_) if run.len() > 8 * s.categories.len() => {
                    for &key in &s.categories {
                        let from = run.partition_point(|e| e.category < key);
                        for e in run[from..].iter().take_while(|e| e.category == key) {
                            self.visit(policy, query, day, e, Truth::True, &mut sink!(s));
                        }
                    }
                }
                // both sorted: walk them side by side
                Some(_) => {
                    let mut keys = s.categories.iter().peekable();
                    for e in run {
                        while keys.next_if(|&&k| k < e.category).is_some() {}
                        match keys.peek() {
                            None => break,
                            Some(&&k) if k == e.category => {
                                self.visit(policy, query, day, e, Truth::True, &mut sink!(s));
                            }
                            Some(_) => {}
                        }
                    }
                }
            }
        }
        for entry in &self.wide {
            let rule = &policy.rules[entry.index()];
            let within = |scope: &Option<Vec<NameId>>, above: &[NameId]| {
                scope
                    .as_ref()
                    .is_none_or(|ids| ids.iter().any(|id| above.contains(id)))
            };
            if !within(&rule.actions, &s.actions) || !within(&rule.actors, &s.actors) {
                continue;
            }
            let truth = match category {
                _ if rule.categories.is_none() => Truth::True,
                None => Truth::Unknown,
                Some(_) if within(&rule.categories, &s.categories) => Truth::True,
                Some(_) => continue,
            };
            self.visit(policy, query, day, entry, truth, &mut sink!(s));
        }
    }
}

/// Appends a run's directory to `out` if the run is long enough to want one,
/// and says where it is, plus one (zero for none).
fn directory(run: &[Entry], limits: Limits, out: &mut Vec<u32>) -> u32 {
    let keys = 1 + run
        .windows(2)
        .filter(|w| w[0].category != w[1].category)
        .count();
    if run.len() < limits.directory_run || keys < limits.directory_keys {
        return 0;
    }
    let at = out.len();
    out.push(keys as u32);
    out.extend(
        run.chunk_by(|x, y| x.category == y.category)
            .map(|c| c[0].category),
    );
    let mut offset = 0;
    for cell in run.chunk_by(|x, y| x.category == y.category) {
        out.push(offset);
        offset += cell.len() as u32;
    }
    out.push(offset);
    at as u32 + 1
}

/// The truth of an entry's category key for a query: with a category, true
/// when the key is among the query's (`keys`), else no match; without one,
/// unknown unless the key is `any`.
fn category_truth(key: NameId, category: Option<Option<NameId>>, keys: &[NameId]) -> Option<Truth> {
    match category {
        None if key == ANY => Some(Truth::True),
        None => Some(Truth::Unknown),
        Some(_) => keys.contains(&key).then_some(Truth::True),
    }
}

impl Entry {
    fn of(category: NameId, index: usize, rule: &Rule) -> Entry {
        let conditional = rule.where_.is_some() || rule.unless.is_some();
        Entry {
            category,
            rule: index as u32 | if conditional { CONDITIONAL } else { 0 },
            from: rule.from.map_or(i32::MIN, |b| b.date.num_days_from_ce()),
            until: rule.until.map_or(i32::MAX, |b| b.date.num_days_from_ce()),
        }
    }

    /// The rule's index in the policy.
    fn index(self) -> usize {
        (self.rule & !CONDITIONAL) as usize
    }
}

/// The place of a key in a table of names with `any` last.
fn key_slot(key: NameId, slots: usize) -> usize {
    if key == ANY {
        slots - 1
    } else {
        key as usize
    }
}

/// An action key's part of its pairs' filter hash (see [`filter_bits_of`]).
fn mix_action(action: NameId) -> u64 {
    u64::from(action).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// An actor key's part of its pairs' filter hash.
fn mix_actor(actor: NameId) -> u64 {
    u64::from(actor)
        .wrapping_mul(0xD6E8_FEB8_6659_FD93)
        .rotate_left(32)
}

/// The two filter bits of an (action key, actor key) pair, from the keys'
/// parts ([`mix_action`], [`mix_actor`]), each worked out once a query.
///
/// Both bits lie in one 64-bit word (a blocked Bloom filter), so a look at
/// the filter costs at most one cache miss.
fn filter_bits_of(action: u64, actor: u64, bits: u32) -> [usize; 2] {
    let h = action ^ actor;
    let h = h ^ (h >> 29);
    let h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let word = ((h >> (70 - bits)) as usize) << 6;
    [word | (h & 63) as usize, word | ((h >> 6) & 63) as usize]
}

/// Where a key's search starts in a table of `1 << bits` places: the top
/// bits of a multiplicative hash (Fibonacci hashing).
fn slot_of(key: NameId, bits: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B9) >> (32 - bits)) as usize
}

/// Where [`Index::visit`] puts what it finds, borrowed from the scratch.
struct Sink<'a> {
    exact: &'a Exact,
    hits: &'a mut Vec<(u32, Truth)>,
    /// The query's value ids, by attribute ([`Keyed::entries`]).
    values: &'a mut Vec<(u32, u32)>,
}

/// A [`Sink`] of the scratch's fields, borrowing no others.
macro_rules! sink {
    ($s:expr) => {
        Sink {
            exact: &$s.exact,
            hits: &mut $s.hits,
            values: &mut $s.values,
        }
    };
}
use sink;

/// Buffers reused from query to query on each thread.
#[derive(Default)]
struct Scratch {
    actions: Vec<NameId>,
    actors: Vec<NameId>,
    /// Each of `actors`' part of the filter hash.
    mixes: Vec<u64>,
    categories: Vec<NameId>,
    /// (action table, actor key) pairs: the first ones are those the
    /// filter let through, the rest left over (it only grows).
    pairs: Vec<((u32, u32), NameId)>,
    /// Runs in `entries`.
    runs: Vec<Run>,
    hits: Vec<(u32, Truth)>,
    /// The query's value ids of keyed attributes.
    values: Vec<(u32, u32)>,
    /// For a query under conditional memberships, the truths of its names
    /// being at or under each name of their kinds.
    exact: Exact,
    /// The names left to walk in [`maybe_above`].
    stack: Vec<NameId>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}
