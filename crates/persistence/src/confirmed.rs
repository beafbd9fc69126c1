//! Reading a statement's answer to its end, so that a write counts as done only once
//! PostgreSQL has confirmed its commit.
//!
//! A statement sent outside an explicit transaction runs in an implicit one that PostgreSQL
//! commits when it handles the `Sync` after the statement: the rows of `RETURNING` and
//! `CommandComplete` come first, the commit's outcome only with `ReadyForQuery` (or an
//! `ErrorResponse` before it: a deferred constraint that fails at commit, or the server
//! stopping while it flushes the commit record). diesel-async's `get_result` and `first`
//! resolve at the first row and drop the rest of the answer, so a write answered that way may
//! never have been committed: after a crash of PostgreSQL it is gone. [`ConfirmedDsl::one`]
//! reads the whole answer (one round trip, as before) and fails when the commit does.
//!
//! The workspace's clippy configuration forbids `get_result` and `first`, so no new query
//! can slip back to them.

use std::future::Future;

use diesel::result::{Error, QueryResult};
use diesel_async::methods::LoadQuery;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// `one`: the only row of a query, read to the end of its exchange with the server.
pub(crate) trait ConfirmedDsl: RunQueryDsl<AsyncPgConnection> + Sized {
    /// The first row of the answer, returned only once the server has said it is ready for
    /// the next query: for a write outside a transaction, once its commit is confirmed.
    /// `NotFound` when there is no row, as diesel's `get_result` answers.
    fn one<'query, 'conn, U>(
        self,
        conn: &'conn mut AsyncPgConnection,
    ) -> impl Future<Output = QueryResult<U>> + Send + 'conn
    where
        Self: LoadQuery<'query, AsyncPgConnection, U> + 'query,
        'query: 'conn,
        U: Send + 'conn,
    {
        let rows = RunQueryDsl::load(self, conn);
        async move { rows.await?.into_iter().next().ok_or(Error::NotFound) }
    }
}

impl<T: RunQueryDsl<AsyncPgConnection>> ConfirmedDsl for T {}
