//! Running the `test` blocks of a set.

use crate::eval::{decide, Decision};
use crate::model::{Expectation, Policy};

/// The outcome of one test block.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub name: String,
    pub file: String,
    pub line: usize,
    /// How many expectations the block holds.
    pub expectations: usize,
    pub failures: Vec<Failure>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// An expectation the set does not meet.
#[derive(Debug, Clone)]
pub struct Failure {
    pub expectation: Expectation,
    pub decision: Decision,
}

/// Every test's outcome, in set order.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub results: Vec<TestResult>,
    /// For each rule of the set, in how many of the expectations run it
    /// applied (won, lost to another rule, was lifted by an exemption, or,
    /// for an exemption, lifted a deny).
    pub coverage: Vec<usize>,
}

impl Report {
    /// The rules that no expectation reached, by index.
    pub fn uncovered(&self) -> Vec<usize> {
        (0..self.coverage.len())
            .filter(|&i| self.coverage[i] == 0)
            .collect()
    }

    /// The share of rules that some expectation reached, in percent
    /// (100 for a set without rules).
    pub fn coverage_percent(&self) -> f64 {
        if self.coverage.is_empty() {
            return 100.0;
        }
        let covered = self.coverage.iter().filter(|&&n| n > 0).count();
        100.0 * covered as f64 / self.coverage.len() as f64
    }

    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed()).count()
    }

    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }
}

/// Runs every test whose name contains `filter` (every test without one).
pub fn run(policy: &Policy, filter: Option<&str>) -> Report {
    let mut coverage = vec![0; policy.rules.len()];
    let results = policy
        .tests
        .iter()
        .filter(|t| filter.is_none_or(|f| t.name.contains(f)))
        .map(|test| {
            let failures = test
                .expectations
                .iter()
                .filter_map(|e| {
                    let decision = decide(policy, &e.query);
                    let exempted = decision.exempted.iter().flat_map(|&(d, e)| [d, e]);
                    for rule in decision
                        .rules
                        .iter()
                        .chain(&decision.overridden)
                        .copied()
                        .chain(exempted)
                    {
                        coverage[rule] += 1;
                    }
                    (decision.effect != e.effect).then(|| Failure {
                        expectation: e.clone(),
                        decision,
                    })
                })
                .collect();
            TestResult {
                name: test.name.clone(),
                file: test.file.clone(),
                line: test.line,
                expectations: test.expectations.len(),
                failures,
            }
        })
        .collect();
    Report { results, coverage }
}
