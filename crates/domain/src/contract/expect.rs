//! Checks on the outcome of a port call: the error a user would get, and every page of a list.

use std::fmt::Debug;
use std::future::Future;

use crate::error::{DomainError, DomainResult};
use crate::pagination::{Page, PageRequest};

use super::seed::page;

/// `result` is `NotFound` for `entity`; `what` says what the user would have seen otherwise.
#[track_caller]
pub fn not_found<T: Debug>(result: DomainResult<T>, entity: &str, what: &str) {
    match result {
        Err(DomainError::NotFound { entity: found }) => assert_eq!(
            found, entity,
            "{what}: the error names the wrong thing ({found} instead of {entity})"
        ),
        other => panic!("{what}: expected \"{entity} not found\", got {other:?}"),
    }
}

/// `result` is a `Conflict` on the camelCase `field`.
#[track_caller]
pub fn conflict<T: Debug>(result: DomainResult<T>, field: &str, what: &str) {
    match result {
        Err(DomainError::Conflict { field: found, .. }) => assert_eq!(
            found.as_deref(),
            Some(field),
            "{what}: the conflict names the wrong field"
        ),
        other => panic!("{what}: expected a conflict on {field}, got {other:?}"),
    }
}

/// `result` is a `Validation` error on the camelCase `field`.
#[track_caller]
pub fn validation<T: Debug>(result: DomainResult<T>, field: &str, what: &str) {
    match result {
        Err(DomainError::Validation { field: found, .. }) => assert_eq!(
            found, field,
            "{what}: the validation error names the wrong field"
        ),
        other => panic!("{what}: expected a validation error on {field}, got {other:?}"),
    }
}

/// Another user's row and a row that does not exist give the same error: `NotFound` for
/// `entity`, so nobody can learn that someone else's row exists.
#[track_caller]
pub fn hidden<T: Debug, U: Debug>(
    theirs: DomainResult<T>,
    missing: DomainResult<U>,
    entity: &str,
    what: &str,
) {
    not_found(theirs, entity, what);
    not_found(
        missing,
        entity,
        &format!("{what} (with an id that exists nowhere)"),
    );
}

/// Reads every page of a list, `limit` at a time: the sizes of the pages and every item in
/// order.
pub async fn every_page<T, F, Fut>(limit: u32, mut read: F) -> (Vec<usize>, Vec<T>)
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = DomainResult<Page<T>>>,
{
    let mut sizes = Vec::new();
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let next = read(page(limit, cursor)).await.unwrap();
        sizes.push(next.items.len());
        items.extend(next.items);
        match next.next_cursor {
            Some(after) => cursor = Some(after),
            None => return (sizes, items),
        }
        assert!(
            sizes.len() < 100,
            "paging never ends: the list keeps handing out a next cursor"
        );
    }
}
