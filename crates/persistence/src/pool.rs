//! The connection pool: deadpool over diesel-async, with every wait bounded.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use deadpool::Runtime;
use deadpool::managed::{Hook, HookError, Metrics, PoolError, Timeouts};
use diesel::ConnectionError;
use diesel::result::QueryResult;
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection as _, SimpleAsyncConnection as _};
use sophie_domain::{DomainError, DomainResult};

use crate::config::DatabaseConfig;
use crate::error::{from_diesel, is_connection_lost};

/// A pooled connection.
pub(crate) type Connection = Object<AsyncPgConnection>;

/// A pool of PostgreSQL connections. Cheap to clone; every clone shares the pool.
#[derive(Clone)]
pub struct Database {
    pool: Pool<AsyncPgConnection>,
    wait_timeout: Duration,
    /// The longest a checkout may take: waiting for a free connection, then checking or
    /// opening one.
    checkout_timeout: Duration,
    /// Where the pool connects, for a connection of its own outside the pool (the job
    /// queue's listener).
    url: Arc<str>,
    /// How long opening one connection may take.
    connect_timeout: Duration,
    /// How many bytes of students' sign bits a store over this pool keeps in memory.
    search_memory: usize,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.pool.status();
        f.debug_struct("Database")
            .field("size", &status.size)
            .field("available", &status.available)
            .field("max_size", &status.max_size)
            .finish()
    }
}

impl Database {
    /// Builds the pool. No connection is opened until one is needed, so this does not fail
    /// when the server is down; [`Database::ping`] tells.
    ///
    /// # Errors
    ///
    /// `Internal` when the pool cannot be built (a zero size).
    pub fn connect_lazy(config: &DatabaseConfig) -> Result<Self, DomainError> {
        let connect_timeout = config.connect_timeout;
        let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
        // The default recycling pings the server on every checkout: a round trip per request.
        // Instead a connection is checked only for having closed, and pinged only when a lost
        // connection was seen since it was last handed out (`verify_after_a_loss`).
        manager_config.recycling_method = RecyclingMethod::Fast;
        manager_config.custom_setup = Box::new(move |url| {
            let url = url.to_owned();
            Box::pin(async move {
                tokio::time::timeout(connect_timeout, AsyncPgConnection::establish(&url))
                    .await
                    .unwrap_or_else(|_| {
                        Err(ConnectionError::BadConnection(format!(
                            "no answer within {} ms",
                            connect_timeout.as_millis()
                        )))
                    })
            })
        });
        let manager =
            AsyncDieselConnectionManager::new_with_config(config.url.clone(), manager_config);
        let pool = Pool::builder(manager)
            .max_size(config.max_connections)
            .timeouts(Timeouts {
                wait: Some(config.wait_timeout),
                create: Some(config.connect_timeout),
                recycle: Some(config.connect_timeout),
            })
            .runtime(Runtime::Tokio1)
            .post_recycle(Hook::async_fn(move |conn, metrics| {
                Box::pin(verify_after_a_loss(conn, metrics, connect_timeout))
            }))
            .build()
            .map_err(|e| DomainError::internal_from("cannot build the connection pool", e))?;
        Ok(Self {
            pool,
            wait_timeout: config.wait_timeout,
            checkout_timeout: config.wait_timeout + config.connect_timeout,
            url: Arc::from(config.url.as_str()),
            connect_timeout,
            search_memory: config.search_memory,
        })
    }

    /// How many bytes of students' sign bits a store over this pool keeps in memory
    /// ([`DatabaseConfig::search_memory`]).
    pub(crate) fn search_memory(&self) -> usize {
        self.search_memory
    }

    /// The URL the pool connects to.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// How long opening one connection may take.
    pub(crate) fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// A connection from the pool, within the configured timeouts.
    ///
    /// # Errors
    ///
    /// `Unavailable` when the server cannot be reached or every connection stays busy past
    /// the wait timeout.
    pub(crate) async fn conn(&self) -> Result<Connection, DomainError> {
        // deadpool bounds the wait for a free connection and each opening, but not the checks
        // run on the connections it tries: after a loss, when the server silently stopped
        // answering, each of those could take its own timeout. One deadline bounds it all.
        match tokio::time::timeout(self.checkout_timeout, self.pool.get()).await {
            Ok(got) => got.map_err(|error| self.unavailable(&error)),
            Err(_) => Err(DomainError::Unavailable {
                service: "database",
                message: format!(
                    "no working database connection within {} ms",
                    self.checkout_timeout.as_millis()
                ),
            }),
        }
    }

    /// Runs `query`, which only reads, on a pooled connection; when that connection turns out
    /// to be lost (the server restarted or ended it before the pool could notice), once more on
    /// a fresh one. Reading twice is harmless, so a restart of PostgreSQL, or a proxy in front
    /// of it failing over, costs a read no error. Writes are never retried this way: one that
    /// met a lost connection may have committed.
    ///
    /// # Errors
    ///
    /// The query's error read as met on `entity`; `Unavailable` when no connection can be had
    /// or the second one is lost too.
    pub(crate) async fn read<T, F>(&self, entity: &'static str, query: F) -> DomainResult<T>
    where
        F: for<'c> AsyncFn(&'c mut AsyncPgConnection) -> QueryResult<T>
            + for<'c> Attempt<'c, T>
            + Send
            + Sync,
        T: Send,
    {
        let mut conn = self.conn().await?;
        match Attempt::run(&query, &mut conn).await {
            Err(error) if is_connection_lost(&error) => {
                // Out of the pool for good, whatever it would say of itself at the next checkout;
                // and the others are checked before they are handed out again.
                drop(Object::take(conn));
                note_connection_lost();
                tracing::debug!(%error, entity, "read on a lost connection: retried on a fresh one");
                let mut conn = self.conn().await?;
                Attempt::run(&query, &mut conn)
                    .await
                    .map_err(|e| from_diesel(entity, e))
            }
            result => result.map_err(|e| from_diesel(entity, e)),
        }
    }

    /// Checks that the database answers.
    ///
    /// # Errors
    ///
    /// `Unavailable` when it does not.
    pub async fn ping(&self) -> Result<(), DomainError> {
        use diesel_async::RunQueryDsl as _;
        self.read("database", async |conn| {
            diesel::sql_query("SELECT 1").execute(conn).await
        })
        .await
        .map(|_| ())
    }

    /// Holds one pooled connection in `SELECT pg_sleep(...)`, so tests can exhaust the pool.
    ///
    /// # Errors
    ///
    /// As any query.
    #[cfg(feature = "testing")]
    pub async fn sleep_for_test(&self, duration: Duration) -> Result<(), DomainError> {
        use diesel_async::RunQueryDsl as _;
        let mut conn = self.conn().await?;
        diesel::sql_query(format!("SELECT pg_sleep({})", duration.as_secs_f64()))
            .execute(&mut conn)
            .await
            .map(|_| ())
            .map_err(|e| from_diesel("database", e))
    }

    /// The SQL of the statements one pooled connection holds prepared, so tests can check
    /// that a repeated statement is parsed once per connection and not at every use.
    /// Meaningful on a pool of one connection.
    ///
    /// # Errors
    ///
    /// As any query.
    #[cfg(feature = "testing")]
    pub async fn prepared_statements_for_test(&self) -> Result<Vec<String>, DomainError> {
        use diesel::sql_types::Text;
        use diesel_async::RunQueryDsl as _;

        #[derive(diesel::QueryableByName)]
        struct Prepared {
            #[diesel(sql_type = Text)]
            statement: String,
        }

        let mut conn = self.conn().await?;
        diesel::sql_query("SELECT statement FROM pg_prepared_statements ORDER BY statement")
            .load::<Prepared>(&mut conn)
            .await
            .map(|rows| rows.into_iter().map(|row| row.statement).collect())
            .map_err(|e| from_diesel("database", e))
    }

    fn unavailable<E: std::fmt::Display>(&self, error: &PoolError<E>) -> DomainError {
        let message = match error {
            PoolError::Timeout(_) => format!(
                "no database connection became available within {} ms",
                self.wait_timeout.as_millis()
            ),
            PoolError::Backend(e) => {
                note_connection_lost();
                format!("cannot connect to the database: {e}")
            }
            other => format!("database pool: {other}"),
        };
        DomainError::Unavailable {
            service: "database",
            message,
        }
    }
}

/// One attempt of a [`Database::read`]: a call of the query on a connection, whose future
/// borrows that connection and may move to another thread (`Send`), as the ports' futures must.
/// Every `async` closure over a connection is one; the trait only names its future's type.
pub(crate) trait Attempt<'c, T>: Fn(&'c mut AsyncPgConnection) -> Self::Run {
    /// The future of one attempt.
    type Run: Future<Output = QueryResult<T>> + Send;

    /// Runs the query once on `conn`.
    fn run(&self, conn: &'c mut AsyncPgConnection) -> Self::Run {
        self(conn)
    }
}

impl<'c, T, F, R> Attempt<'c, T> for F
where
    F: Fn(&'c mut AsyncPgConnection) -> R,
    R: Future<Output = QueryResult<T>> + Send,
{
    type Run = R;
}

/// When this process last saw a database connection lost, in nanoseconds after [`since`]'s
/// origin; 0 while it never has.
static LAST_LOSS: AtomicU64 = AtomicU64::new(0);

/// The origin of [`LAST_LOSS`]: the first time it was needed.
fn since() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// Records that a connection was found lost: the server restarted, crashed or ended it, or
/// could not be reached. Every pooled connection handed out before now is then pinged at its
/// next checkout, as the same event has likely ended it too.
pub(crate) fn note_connection_lost() {
    let nanos = u64::try_from(since().elapsed().as_nanos())
        .unwrap_or(u64::MAX)
        .max(1);
    LAST_LOSS.fetch_max(nanos, Ordering::Relaxed);
}

/// Whether a connection was found lost after `instant`.
fn lost_since(instant: Instant) -> bool {
    match LAST_LOSS.load(Ordering::Relaxed) {
        0 => false,
        nanos => since() + Duration::from_nanos(nanos) > instant,
    }
}

/// Run at every checkout, after the pool's own check that the connection has not closed.
/// When a lost connection was seen since this one was last handed out, the event that ended
/// that one (a restart, a crash, a failover) may have ended this one too without its thread
/// having read it yet: one round trip tells, and a dead connection is dropped and the next
/// one tried, so that a write is never sent on it. Otherwise nothing is sent.
async fn verify_after_a_loss<E>(
    conn: &mut AsyncPgConnection,
    metrics: &Metrics,
    timeout: Duration,
) -> Result<(), HookError<E>> {
    if !lost_since(metrics.recycled.unwrap_or(metrics.created)) {
        return Ok(());
    }
    match tokio::time::timeout(timeout, conn.batch_execute("SELECT 1")).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(HookError::Message(
            format!("a connection checked after a loss is gone: {error}").into(),
        )),
        Err(_) => Err(HookError::Message(
            "a connection checked after a loss did not answer".into(),
        )),
    }
}

#[cfg(all(test, feature = "testing"))]
#[allow(
    clippy::unwrap_used,
    reason = "a test: a failure should stop it where it happened"
)]
mod tests {
    use diesel_async::RunQueryDsl as _;

    use super::*;
    use crate::testing::TestDatabase;

    async fn backend_pid(conn: &mut AsyncPgConnection) -> i32 {
        #[derive(diesel::QueryableByName)]
        struct Backend {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            pid: i32,
        }
        diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .load::<Backend>(conn)
            .await
            .unwrap()[0]
            .pid
    }

    #[tokio::test]
    async fn after_a_loss_a_connection_is_checked_before_it_is_handed_out_again() {
        let db = TestDatabase::new().await;
        let mut live = AsyncPgConnection::establish(db.url()).await.unwrap();
        let mut ended = AsyncPgConnection::establish(db.url()).await.unwrap();
        let last_handed_out = Metrics::default();
        let victim = backend_pid(&mut ended).await;
        db.terminate_unseen(Some(victim));
        assert!(
            !diesel_async::pooled_connection::PoolableConnection::is_broken(&mut ended),
            "the connection does not know yet that it is gone"
        );

        let timeout = Duration::from_secs(5);
        // Handed out after every loss there can be: nothing is sent, dead or not.
        let handed_out_later = Metrics {
            recycled: Some(Instant::now() + Duration::from_secs(3600)),
            ..Metrics::default()
        };
        assert!(
            verify_after_a_loss::<()>(&mut ended, &handed_out_later, timeout)
                .await
                .is_ok(),
            "no loss since it was last handed out: not checked"
        );

        note_connection_lost();
        assert!(
            verify_after_a_loss::<()>(&mut ended, &last_handed_out, timeout)
                .await
                .is_err(),
            "the ended connection is found out and dropped"
        );
        assert!(
            verify_after_a_loss::<()>(&mut live, &last_handed_out, timeout)
                .await
                .is_ok(),
            "a live one is handed out"
        );
    }
}
