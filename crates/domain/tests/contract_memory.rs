//! The repository contract (`sophie_domain::contract`) run against the in-memory adapters:
//! one test per contract function, each on a new, empty store and queue.
#![cfg(all(feature = "contract", feature = "memory"))]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use sophie_domain::contract::Fixture;
use sophie_domain::memory::{MemoryJobQueue, MemoryStore};
use sophie_domain::{JobQueue, Repositories};

/// An empty in-memory store and job queue, on the system clock.
struct MemoryFixture {
    store: MemoryStore,
    queue: MemoryJobQueue,
}

impl Fixture for MemoryFixture {
    fn repositories(&self) -> Repositories {
        self.store.repositories()
    }

    fn job_queue(&self) -> Arc<dyn JobQueue> {
        Arc::new(self.queue.clone())
    }
}

async fn make() -> MemoryFixture {
    MemoryFixture {
        store: MemoryStore::new(),
        queue: MemoryJobQueue::new(),
    }
}

sophie_domain::contract_suite!(make);

/// Every contract function is listed in `contract_suite!`: one left out would silently never
/// run, on either adapter.
#[test]
fn every_contract_function_is_in_the_suite() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/contract");
    let read = |file: &Path| std::fs::read_to_string(file).unwrap();
    let suite = read(&dir.join("mod.rs"));
    let (_, listed) = suite.split_once("// CONTRACT_TESTS_START").unwrap();
    let (listed, _) = listed.split_once("// CONTRACT_TESTS_END").unwrap();
    let listed: BTreeSet<String> = listed
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(str::to_owned)
        .collect();

    let mut written = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let group = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = read(&path);
        const START: &str = "\npub async fn ";
        for (at, _) in text.match_indices(START) {
            let (name, signature) = text[at + START.len()..].split_once('(').unwrap();
            let (parameters, _) = signature.split_once(')').unwrap();
            if parameters.contains("Fixture") {
                written.insert(format!("{group}::{name}"));
            }
        }
    }
    let unlisted: Vec<_> = written.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "contract functions missing from contract_suite!, so never run: {unlisted:?}"
    );
    let unwritten: Vec<_> = listed.difference(&written).collect();
    assert!(
        unwritten.is_empty(),
        "contract_suite! lists functions that are not contract functions: {unwritten:?}"
    );
}
