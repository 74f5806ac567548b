//! A code lens on each test block that runs it: "▶ run test" until it has
//! run, then "✓ passed" or "✗ failed" in place, for as long as the set is
//! unchanged. Running is the `edict.runTest` command, which the lens holds.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Weak};

use lsp_types::{CodeLens, CodeLensParams, Command, ExecuteCommandParams};
use serde_json::{json, Value};

use super::workspace::{Analysis, Workspace};
use super::{document, Failure};
use crate::syntax::ast::Statement;

/// The command a test's lens runs: its arguments are the file's URI and
/// the test's name.
pub const RUN_TEST: &str = "edict.runTest";

/// The tests run so far, per set, for the analysis they ran on.
#[derive(Default)]
pub struct TestRuns {
    sets: HashMap<PathBuf, (Weak<Analysis>, HashMap<String, Outcome>)>,
}

/// How a test went.
#[derive(Debug, Clone)]
struct Outcome {
    expectations: usize,
    failed: usize,
}

impl TestRuns {
    /// The outcome of a test, if it ran on this very analysis.
    fn outcome(&self, analysis: &Arc<Analysis>, name: &str) -> Option<&Outcome> {
        let (ran_on, outcomes) = self.sets.get(&analysis.root)?;
        let same = ran_on.upgrade().is_some_and(|a| Arc::ptr_eq(&a, analysis));
        same.then(|| outcomes.get(name)).flatten()
    }

    fn record(&mut self, analysis: &Arc<Analysis>, name: String, outcome: Outcome) {
        let entry = self
            .sets
            .entry(analysis.root.clone())
            .or_insert_with(|| (Weak::new(), HashMap::new()));
        if !entry.0.upgrade().is_some_and(|a| Arc::ptr_eq(&a, analysis)) {
            *entry = (Arc::downgrade(analysis), HashMap::new());
        }
        entry.1.insert(name, outcome);
    }
}

pub fn code_lenses(
    ws: &mut Workspace,
    tests: &TestRuns,
    params: CodeLensParams,
) -> Result<Option<Vec<CodeLens>>, Failure> {
    let uri = params.text_document.uri;
    let (analysis, file) = document(ws, &uri)?;
    let mut out = Vec::new();
    for s in &analysis.index().statements[file as usize] {
        let Statement::Test(t) = s else { continue };
        let name = &t.name.value;
        let title = match tests.outcome(&analysis, name) {
            None => "▶ run test".to_string(),
            Some(o) if o.failed == 0 => format!(
                "✓ passed ({} expectation{}) · run again",
                o.expectations,
                if o.expectations == 1 { "" } else { "s" }
            ),
            Some(o) => format!(
                "✗ failed: {} of {} expectations · run again",
                o.failed, o.expectations
            ),
        };
        out.push(CodeLens {
            range: analysis.range(t.span),
            command: Some(Command {
                title,
                command: RUN_TEST.to_string(),
                arguments: Some(vec![json!(uri.as_str()), json!(name)]),
            }),
            data: None,
        });
    }
    Ok(Some(out))
}

/// Runs a test: the answer says whether it passed and how each failing
/// expectation was decided.
pub fn execute(
    ws: &mut Workspace,
    tests: &mut TestRuns,
    params: ExecuteCommandParams,
) -> Result<Option<Value>, Failure> {
    if params.command != RUN_TEST {
        return Err(Failure::invalid(format!(
            "edict lsp has no command `{}`",
            params.command
        )));
    }
    let (uri, name) = match params.arguments.as_slice() {
        [Value::String(uri), Value::String(name)] => (uri, name),
        _ => {
            return Err(Failure::invalid(format!(
                "{RUN_TEST} takes a file's URI and a test's name"
            )))
        }
    };
    let uri: lsp_types::Uri = uri
        .parse()
        .map_err(|_| Failure::invalid(format!("`{uri}` is not a URI")))?;
    let (analysis, _) = document(ws, &uri)?;
    if analysis.loaded.has_errors() {
        return Err(Failure::refused(
            "the set has errors: fix them, and its tests can run",
        ));
    }
    let report = crate::testing::run(&analysis.loaded.policy, Some(name));
    let Some(result) = report.results.iter().find(|r| &r.name == name) else {
        return Err(Failure::invalid(format!(
            "the set has no test named \"{name}\""
        )));
    };
    tests.record(
        &analysis,
        name.clone(),
        Outcome {
            expectations: result.expectations,
            failed: result.failures.len(),
        },
    );
    let failures: Vec<Value> = result
        .failures
        .iter()
        .map(|f| {
            json!({"line": f.expectation.line, "expectation": f.expectation.text,
                   "expected": f.expectation.effect.as_str(), "got": f.decision.effect.as_str()})
        })
        .collect();
    Ok(Some(json!({
        "name": name,
        "passed": result.passed(),
        "expectations": result.expectations,
        "failures": failures,
    })))
}
