//! Real PostgreSQL for tests: each test gets a database of its own, copied from a template
//! that is migrated once, so tests run in parallel and never see each other's rows.
//!
//! The server is found through `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When none answers, the test fails at once
//! and says how to start one: it never passes without the database.

#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

pub mod s3;

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::time::Duration;

use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use tokio::sync::OnceCell;

use crate::config::DatabaseConfig;
use crate::confirmed::ConfirmedDsl as _;
use crate::pool::Database;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Taken while a test process builds the template, so parallel test binaries build it once.
const TEMPLATE_LOCK_KEY: i64 = 0x736f_7068_6965_0001;

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// A fresh, migrated database that is dropped when this value is.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    admin_url: String,
    config: DatabaseConfig,
}

impl TestDatabase {
    /// Creates a database for one test from the migrated template.
    ///
    /// # Panics
    ///
    /// When PostgreSQL is not reachable (with a message saying how to start it), or the
    /// template cannot be built.
    pub async fn new() -> Self {
        let admin_url = std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| DatabaseConfig::DEFAULT_URL.to_owned());
        let template = TEMPLATE
            .get_or_init(|| build_template(admin_url.clone()))
            .await
            .clone();
        let name = format!("sophie_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = connect(&admin_url).await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let mut config = DatabaseConfig::new(with_database(&admin_url, &name));
        config.max_connections = 4;
        Self {
            name,
            admin_url,
            config,
        }
    }

    /// The settings to reach this database.
    #[must_use]
    pub fn config(&self) -> &DatabaseConfig {
        &self.config
    }

    /// The connection URL of this database.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.config.url
    }

    /// A pool on this database.
    #[must_use]
    pub fn pool(&self) -> Database {
        Database::connect_lazy(&self.config).expect("a pool of 4 connections builds")
    }

    /// A direct connection, for assertions in SQL.
    pub async fn connection(&self) -> AsyncPgConnection {
        connect(&self.config.url).await
    }

    /// Ends the server processes of connections to this database (every one, or only the
    /// one of `pid`), as a restart of PostgreSQL does (57P01, administrator command), and
    /// waits until they are gone, all without letting the calling thread's runtime run: on a
    /// test's single-threaded runtime, the connections then hold the server's goodbye unread,
    /// as they do when a request takes one at the moment of a restart.
    ///
    /// # Panics
    ///
    /// When the server cannot be reached or does not end them within 10 s.
    pub fn terminate_unseen(&self, pid: Option<i32>) {
        let url = self.config.url.clone();
        let which = pid.map_or_else(String::new, |pid| format!(" AND pid = {pid}"));
        let others = format!(
            "FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid(){which}"
        );
        let ended = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the terminating thread");
            runtime.block_on(async {
                let mut admin = connect(&url).await;
                admin
                    .batch_execute(&format!("SELECT pg_terminate_backend(pid) {others}"))
                    .await
                    .expect("terminate the connections");
                for _ in 0..2_000 {
                    let left: Vec<Count> =
                        diesel::sql_query(format!("SELECT count(*) AS n {others}"))
                            .load(&mut admin)
                            .await
                            .expect("count the connections left");
                    if left[0].n == 0 {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                panic!("the terminated connections did not end within 10 s");
            });
        })
        .join();
        assert!(ended.is_ok(), "the terminating thread failed");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        let admin_url = self.admin_url.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on: use a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = AsyncPgConnection::establish(&admin_url).await.ok()?;
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("note: test database {} was not dropped", self.name);
        }
    }
}

async fn connect(url: &str) -> AsyncPgConnection {
    match tokio::time::timeout(CONNECT_TIMEOUT, AsyncPgConnection::establish(url)).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(error)) => unreachable_server(url, &error.to_string()),
        Err(_) => unreachable_server(url, "no answer within 5 s"),
    }
}

fn unreachable_server(url: &str, error: &str) -> ! {
    panic!(
        "PostgreSQL is not reachable at {url} ({error}).\n\
         These tests need a real PostgreSQL server. Start the local one with\n\
         \x20   bash scripts/ensure-postgres.sh\n\
         or  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n\
         or point DATABASE_URL at a server where user postgres may create databases."
    )
}

/// Builds (once per migrations content) the template database and returns its name.
async fn build_template(admin_url: String) -> String {
    let name = format!("sophie_template_{:016x}", migrations_fingerprint());
    let mut admin = connect(&admin_url).await;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(TEMPLATE_LOCK_KEY)
        .execute(&mut admin)
        .await
        .expect("take the template lock");
    let exists: i64 = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM pg_database WHERE datname = '{name}'"
    ))
    .one::<Count>(&mut admin)
    .await
    .expect("look up the template")
    .n;
    if exists == 0 {
        let building = format!("{name}_building");
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .await
            .expect("drop a half-built template");
        admin
            .batch_execute(&format!("CREATE DATABASE {building}"))
            .await
            .unwrap_or_else(|e| panic!("cannot create the template database: {e}"));
        crate::migrate::run_pending_migrations(&DatabaseConfig::new(with_database(
            &admin_url, &building,
        )))
        .await
        .unwrap_or_else(|e| panic!("cannot migrate the template database: {e}"));
        // Only a complete template gets the real name, so a crash never leaves a bad one.
        admin
            .batch_execute(&format!(
                "ALTER DATABASE {building} RENAME TO {name}; \
                 ALTER DATABASE {name} WITH IS_TEMPLATE true"
            ))
            .await
            .expect("publish the template");
    }
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(TEMPLATE_LOCK_KEY)
        .execute(&mut admin)
        .await
        .expect("release the template lock");
    name
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A fingerprint of every migration file, so a changed migration gets a new template.
fn migrations_fingerprint() -> u64 {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.hash(&mut hasher);
        std::fs::read(&file).unwrap_or_default().hash(&mut hasher);
    }
    hasher.finish()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

/// `url` with its database replaced by `database`.
#[must_use]
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "t2"),
            "postgres://u:p@h/t2?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "t3"),
            "postgres://h:5432/t3"
        );
    }
}
