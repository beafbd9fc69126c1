//! A link to a course, note or document must be the acting user's: checked in one round trip.

use diesel::dsl::exists;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Uuid as SqlUuid};
use diesel_async::AsyncPgConnection;
use sophie_domain::rules::ownership::check_links;
use sophie_domain::{SourceLinks, UserId};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::StoreError;
use crate::schema::{courses, documents, notes};

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
    let user = user.as_uuid();
    let course = links.course_id.map(Uuid::from);
    let note = links.note_id.map(Uuid::from);
    let document = links.document_id.map(Uuid::from);
    // One statement whose text is the same whatever is linked, so it is prepared once per
    // connection: an absent link is bound as NULL and counts as owned.
    let absent = |id: Option<Uuid>| id.into_sql::<Nullable<SqlUuid>>().is_null();
    let course_owned = courses::table
        .filter(courses::user_id.eq(user))
        .filter(courses::id.nullable().eq(course));
    let note_owned = notes::table
        .filter(notes::user_id.eq(user))
        .filter(notes::id.nullable().eq(note));
    let document_owned = documents::table
        .filter(documents::user_id.eq(user))
        .filter(documents::id.nullable().eq(document));
    let (course_ok, note_ok, document_ok): (bool, bool, bool) = diesel::select((
        absent(course).or(exists(course_owned)),
        absent(note).or(exists(note_owned)),
        absent(document).or(exists(document_owned)),
    ))
    .one(conn)
    .await?;
    check_links(links, |_| course_ok, |_| note_ok, |_| document_ok)?;
    Ok(())
}
