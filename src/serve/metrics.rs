//! Counters for `GET /metrics`, in the Prometheus text format: requests by
//! route and status, decisions by outcome, latency histograms by route,
//! reloads and their failures. Plain atomics: counting costs a request a
//! few uncontended additions.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// The routes counted apart; anything else is `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Decide,
    Batch,
    Explain,
    Evaluation,
    Evaluations,
    Operations,
    Other,
}

const ROUTES: [(Route, &str); 7] = [
    (Route::Decide, "/v1/decide"),
    (Route::Batch, "/v1/decide/batch"),
    (Route::Explain, "/v1/explain"),
    (Route::Evaluation, "/access/v1/evaluation"),
    (Route::Evaluations, "/access/v1/evaluations"),
    (Route::Operations, "operations"),
    (Route::Other, "other"),
];

impl Route {
    pub fn of(path: &str) -> Route {
        match path {
            "/v1/decide" => Route::Decide,
            "/v1/decide/batch" => Route::Batch,
            "/v1/explain" => Route::Explain,
            "/access/v1/evaluation" => Route::Evaluation,
            "/access/v1/evaluations" => Route::Evaluations,
            "/health"
            | "/ready"
            | "/v1/status"
            | "/metrics"
            | "/.well-known/authzen-configuration" => Route::Operations,
            _ => Route::Other,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Statuses counted apart; any other is counted as `other`.
const STATUSES: [u16; 11] = [200, 400, 401, 404, 405, 408, 413, 415, 500, 503, 0];

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1.0, 10.0,
];

#[derive(Debug, Default)]
struct Histogram {
    /// One count a bucket, and one for above the last.
    counts: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

/// What `/metrics` shows.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: [[AtomicU64; STATUSES.len()]; ROUTES.len()],
    latency: [Histogram; ROUTES.len()],
    /// allow, deny, error
    decisions: [AtomicU64; 3],
    reloads: AtomicU64,
    reload_failures: AtomicU64,
}

/// A decision's outcome, as counted.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    Allow,
    Deny,
    Error,
}

impl Metrics {
    pub fn request(&self, route: Route, status: u16, seconds: f64) {
        let s = STATUSES
            .iter()
            .position(|&c| c == status)
            .unwrap_or(STATUSES.len() - 1);
        self.requests[route.index()][s].fetch_add(1, Ordering::Relaxed);
        let h = &self.latency[route.index()];
        let b = BUCKETS
            .iter()
            .position(|&le| seconds <= le)
            .unwrap_or(BUCKETS.len());
        h.counts[b].fetch_add(1, Ordering::Relaxed);
        h.sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    pub fn decisions(&self, outcome: Outcome, count: u64) {
        self.decisions[outcome as usize].fetch_add(count, Ordering::Relaxed);
    }

    pub fn decision(&self, effect: crate::Effect) {
        self.decisions(
            match effect {
                crate::Effect::Allow => Outcome::Allow,
                crate::Effect::Deny => Outcome::Deny,
            },
            1,
        );
    }

    pub fn reloaded(&self, ok: bool) {
        self.reloads.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.reload_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The text `/metrics` answers; `revision` is the running one's hash.
    pub fn render(&self, revision: Option<&str>) -> String {
        let mut out = String::new();
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        out.push_str("# HELP edict_requests_total HTTP requests answered, by route and status.\n# TYPE edict_requests_total counter\n");
        for (route, name) in ROUTES {
            for (s, &status) in STATUSES.iter().enumerate() {
                let n = get(&self.requests[route.index()][s]);
                if n > 0 {
                    let status = if status == 0 {
                        "other".to_string()
                    } else {
                        status.to_string()
                    };
                    let _ = writeln!(
                        out,
                        "edict_requests_total{{route=\"{name}\",status=\"{status}\"}} {n}"
                    );
                }
            }
        }
        out.push_str("# HELP edict_request_duration_seconds Time to answer a request, by route.\n# TYPE edict_request_duration_seconds histogram\n");
        for (route, name) in ROUTES {
            let h = &self.latency[route.index()];
            let mut total = 0;
            for (b, le) in BUCKETS.iter().enumerate() {
                total += get(&h.counts[b]);
                let _ = writeln!(
                    out,
                    "edict_request_duration_seconds_bucket{{route=\"{name}\",le=\"{le}\"}} {total}"
                );
            }
            total += get(&h.counts[BUCKETS.len()]);
            let _ = writeln!(
                out,
                "edict_request_duration_seconds_bucket{{route=\"{name}\",le=\"+Inf\"}} {total}"
            );
            let _ = writeln!(
                out,
                "edict_request_duration_seconds_sum{{route=\"{name}\"}} {}",
                get(&h.sum_micros) as f64 / 1e6
            );
            let _ = writeln!(
                out,
                "edict_request_duration_seconds_count{{route=\"{name}\"}} {total}"
            );
        }
        out.push_str("# HELP edict_decisions_total Decisions made, by outcome (error: a query that could not be decided).\n# TYPE edict_decisions_total counter\n");
        for (i, outcome) in ["allow", "deny", "error"].iter().enumerate() {
            let _ = writeln!(
                out,
                "edict_decisions_total{{outcome=\"{outcome}\"}} {}",
                get(&self.decisions[i])
            );
        }
        out.push_str("# HELP edict_reloads_total Reloads of the set tried.\n# TYPE edict_reloads_total counter\n");
        let _ = writeln!(out, "edict_reloads_total {}", get(&self.reloads));
        out.push_str("# HELP edict_reload_failures_total Reloads that kept the running set because the new one had errors.\n# TYPE edict_reload_failures_total counter\n");
        let _ = writeln!(
            out,
            "edict_reload_failures_total {}",
            get(&self.reload_failures)
        );
        if let Some(hash) = revision {
            out.push_str("# HELP edict_revision_info The running revision.\n# TYPE edict_revision_info gauge\n");
            let _ = writeln!(out, "edict_revision_info{{revision=\"{hash}\"}} 1");
        }
        out
    }
}
