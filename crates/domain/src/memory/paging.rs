//! Keyset pagination over rows held in memory, with the same order and cursor semantics as
//! the SQL `WHERE (key, id) < ($1, $2) ORDER BY key DESC, id DESC LIMIT n + 1`.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::pagination::{Page, PageRequest, SortOrder};

/// The page of `rows` that `request` asks for, in `order` of `key`.
///
/// Only the rows of the page (and one more, to learn whether another page follows) are
/// cloned.
pub(super) fn page_of<'a, T, K>(
    rows: impl IntoIterator<Item = &'a T>,
    order: SortOrder,
    request: PageRequest,
    key: K,
) -> Page<T>
where
    T: Clone + 'a,
    K: Fn(&T) -> (DateTime<Utc>, Uuid),
{
    let mut rows: Vec<&T> = rows
        .into_iter()
        .filter(|row| {
            request
                .cursor
                .as_ref()
                .is_none_or(|cursor| order.is_after(key(row), cursor))
        })
        .collect();
    rows.sort_by(|a, b| compare(order, key(a), key(b)));
    rows.truncate(usize::try_from(request.fetch_limit()).unwrap_or(usize::MAX));
    Page::from_overfetch(rows.into_iter().cloned().collect(), request, key)
}

/// Sorts `rows` in `order` of `key`: how children (cards, questions, accounts) come back.
pub(super) fn sorted<T>(
    rows: impl IntoIterator<Item = T>,
    order: SortOrder,
    key: impl Fn(&T) -> (DateTime<Utc>, Uuid),
) -> Vec<T> {
    let mut rows: Vec<T> = rows.into_iter().collect();
    rows.sort_by(|a, b| compare(order, key(a), key(b)));
    rows
}

fn compare(order: SortOrder, a: (DateTime<Utc>, Uuid), b: (DateTime<Utc>, Uuid)) -> Ordering {
    match order {
        SortOrder::NewestFirst => b.cmp(&a),
        SortOrder::OldestFirst => a.cmp(&b),
    }
}
