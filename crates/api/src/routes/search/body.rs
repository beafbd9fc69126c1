//! The query string of `/api/v1/search`, and the answer this resource shapes itself.

use serde::{Deserialize, Serialize};
use sophie_domain::values::BoundedText;
use sophie_domain::{SearchHit, SearchQuery};
use utoipa::ToSchema;

/// What to search for.
// `utoipa::IntoParams` stays qualified: the path macro writes `<T as utoipa::IntoParams>`, which
// an import of the trait would make an unnecessary qualification.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// The words to look for, 1 to 200 characters; every word must occur (as a word or part of
    /// one, in any case).
    #[param(required = true, value_type = BoundedText<{ SearchQuery::MAX_CHARS }>, inline)]
    pub(super) q: Option<String>,
    /// The most hits to return (20 by default).
    #[param(schema_with = limit_schema)]
    pub(super) limit: Option<u32>,
}

/// `limit`: from 1 to the domain's most hits.
fn limit_schema() -> utoipa::openapi::Object {
    crate::paging::limit_up_to(SearchQuery::MAX_LIMIT)
}

/// The hits, best first.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SearchResults {
    /// The notes, flashcards and document passages found, best first.
    pub(super) items: Vec<SearchHit>,
}
