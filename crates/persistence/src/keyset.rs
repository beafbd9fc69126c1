//! Keyset pagination in SQL: a row comparison `(key, id) < (cursor.at, cursor.id)`, which
//! PostgreSQL answers with one range scan of a `(owner, key, id)` index, however deep the page.
//! (The `key < a OR (key = a AND id < b)` spelling would scan and discard every earlier row.)

use diesel::dsl::sql;
use diesel::expression::{BoxableExpression, SqlLiteral};
use diesel::pg::Pg;
use diesel::sql_types::{Bool, Timestamptz, Uuid};
use sophie_domain::{Cursor, SortOrder};

/// The rows past `cursor` in `order`, for a list sorted on `key_column` then `id_column`
/// (qualified names, e.g. `notes.created_at`, `notes.id`). The names are constants of this
/// crate, never user input.
pub(crate) fn after_cursor<QS: 'static>(
    key_column: &'static str,
    id_column: &'static str,
    order: SortOrder,
    cursor: Cursor,
) -> Box<dyn BoxableExpression<QS, Pg, SqlType = Bool>>
where
    SqlLiteral<Bool>: BoxableExpression<QS, Pg, SqlType = Bool>,
{
    let op = match order {
        SortOrder::NewestFirst => "<",
        SortOrder::OldestFirst => ">",
    };
    Box::new(
        sql::<Bool>(&format!("({key_column}, {id_column}) {op} ("))
            .bind::<Timestamptz, _>(cursor.at)
            .sql(", ")
            .bind::<Uuid, _>(cursor.id)
            .sql(")"),
    )
}
