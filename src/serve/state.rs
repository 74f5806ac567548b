//! What a request reads: the revision it decides with, and what the service
//! shares across requests (counters, the decision log, the token).
//!
//! A revision is immutable; a reload builds a new one beside it and swaps
//! the pointer, so a request that took the old one finishes on it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::directory::Directory;
use super::log::DecisionLog;
use super::metrics::Metrics;
use super::{Limits, Options};
use crate::PolicySet;

/// A checked set and the directory that maps AuthZEN subjects onto it.
#[derive(Debug)]
pub struct Revision {
    pub set: PolicySet,
    pub directory: Directory,
    /// The SHA-256 of every file read (names and texts), in hex: the same
    /// files give the same revision on every replica.
    pub hash: String,
    /// The hash as the `X-Edict-Revision` header every answer carries.
    pub header: axum::http::HeaderValue,
    /// When it was loaded, RFC 3339 in UTC.
    pub loaded_at: String,
    pub files: usize,
}

/// Why the last reload kept the running revision.
#[derive(Debug, Clone)]
pub struct Failure {
    pub at: String,
    /// One sentence, as the log says it.
    pub message: String,
    /// The set's diagnostics, in the JSON form `check --format json` gives.
    pub diagnostics: Vec<Json>,
    /// The same, as `edict check` shows them to people.
    pub shown: String,
}

/// Everything a handler is given.
#[derive(Debug)]
pub struct App {
    pub paths: Vec<PathBuf>,
    pub directory_path: Option<PathBuf>,
    current: RwLock<Option<Arc<Revision>>>,
    last_failure: RwLock<Option<Failure>>,
    pub metrics: Metrics,
    pub log: Option<DecisionLog>,
    /// The bearer token requests must carry, if one is set.
    pub token: Option<Vec<u8>>,
    pub limits: Limits,
    /// Batches deciding at once; more wait their turn.
    pub batches: Arc<tokio::sync::Semaphore>,
    /// The address clients reach the service at, for discovery.
    pub public_url: Option<String>,
    /// A random prefix, so that decision ids differ across replicas and
    /// restarts, and a counter after it.
    id_prefix: u64,
    next_id: AtomicU64,
}

impl App {
    pub fn new(options: &Options, log: Option<DecisionLog>, token: Option<Vec<u8>>) -> App {
        use std::hash::{BuildHasher, Hasher};
        let mut seed = std::collections::hash_map::RandomState::new().build_hasher();
        seed.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        App {
            paths: options.paths.clone(),
            directory_path: options.directory.clone(),
            current: RwLock::new(None),
            last_failure: RwLock::new(None),
            metrics: Metrics::default(),
            log,
            token,
            limits: options.limits,
            batches: Arc::new(tokio::sync::Semaphore::new(
                2 * std::thread::available_parallelism().map_or(1, |n| n.get()),
            )),
            public_url: options.public_url.clone(),
            id_prefix: seed.finish(),
            next_id: AtomicU64::new(1),
        }
    }

    /// The revision to decide with, if one is loaded.
    pub fn current(&self) -> Option<Arc<Revision>> {
        self.current
            .read()
            .map(|r| r.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    pub fn install(&self, revision: Revision) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        *current = Some(Arc::new(revision));
        *self.last_failure.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// A reload found the same files: the running revision stays, and no
    /// failure stands.
    pub fn keep_current(&self) {
        *self.last_failure.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    pub fn fail(&self, failure: Failure) {
        *self.last_failure.write().unwrap_or_else(|e| e.into_inner()) = Some(failure);
    }

    pub fn last_failure(&self) -> Option<Failure> {
        self.last_failure
            .read()
            .map(|f| f.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// A new decision id: unique within this process, and across processes
    /// with overwhelming likelihood.
    pub fn decision_id(&self) -> String {
        self.id_of(self.reserve_ids(1))
    }

    /// `count` consecutive decision ids: the first one's number; ids are
    /// written with [`App::id_of`] or [`App::close_with_id`].
    pub fn reserve_ids(&self, count: u64) -> u64 {
        self.next_id.fetch_add(count, Ordering::Relaxed)
    }

    pub fn id_of(&self, n: u64) -> String {
        format!("{:016x}-{n:x}", self.id_prefix)
    }

    /// Adds decision id `n` as `"decision_id"` to the end of an answer
    /// object, written in place.
    pub fn close_with_id(&self, answer: &mut Vec<u8>, n: u64) {
        use std::io::Write;
        if answer.last() == Some(&b'}') {
            answer.pop();
            let _ = write!(
                answer,
                ",\"decision_id\":\"{:016x}-{n:x}\"}}",
                self.id_prefix
            );
        }
    }
}

/// The hash of a set's files and its directory's text.
pub fn revision_hash(set: &PolicySet, directory: Option<&str>) -> String {
    let mut hash = Sha256::new();
    for (_, file) in set.policy().sources.iter() {
        for part in [file.name.as_bytes(), file.text.as_bytes()] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
    }
    if let Some(text) = directory {
        hash.update(b"directory");
        hash.update((text.len() as u64).to_le_bytes());
        hash.update(text.as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Now, RFC 3339 in UTC to the millisecond.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
