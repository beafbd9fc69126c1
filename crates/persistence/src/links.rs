//! A link to a course, note or document must be the acting user's: checked in one round trip.

use diesel::QueryableByName;
use diesel::sql_types::{Bool, Nullable, Uuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sophie_domain::services::ownership::check_links;
use sophie_domain::{SourceLinks, UserId};

use crate::error::StoreError;

#[derive(QueryableByName)]
struct Owned {
    #[diesel(sql_type = Bool)]
    course: bool,
    #[diesel(sql_type = Bool)]
    note: bool,
    #[diesel(sql_type = Bool)]
    document: bool,
}

/// Fails with `NotFound` naming the first link that is missing or another user's. Rows never
/// change owner, so the answer holds for the rest of the transaction; a row deleted meanwhile
/// makes the write fail on its foreign key instead.
pub(crate) async fn ensure_links_owned(
    conn: &mut AsyncPgConnection,
    user: UserId,
    links: SourceLinks,
) -> Result<(), StoreError> {
    if links.is_empty() {
        return Ok(());
    }
    let owned: Owned = diesel::sql_query(
        "SELECT \
           ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM courses WHERE id = $2 AND user_id = $1)) AS course, \
           ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM notes WHERE id = $3 AND user_id = $1)) AS note, \
           ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM documents WHERE id = $4 AND user_id = $1)) AS document",
    )
    .bind::<Uuid, _>(user.as_uuid())
    .bind::<Nullable<Uuid>, _>(links.course_id.map(|id| id.as_uuid()))
    .bind::<Nullable<Uuid>, _>(links.note_id.map(|id| id.as_uuid()))
    .bind::<Nullable<Uuid>, _>(links.document_id.map(|id| id.as_uuid()))
    .get_result(conn)
    .await?;
    check_links(links, |_| owned.course, |_| owned.note, |_| owned.document)?;
    Ok(())
}
