//! The query string of `/api/v1/search`, and the answer this resource shapes itself.

use serde::{Deserialize, Serialize};
use sophie_domain::values::BoundedText;
use sophie_domain::{CourseId, DocumentId, InvalidValue, SearchHit, SearchQuery, SourceKind};
use utoipa::ToSchema;

use crate::error::ApiResult;
use crate::validate::{Fields, id_param};

/// What to search for, and where; filters combine with AND.
// `utoipa::IntoParams` stays qualified: the path macro writes `<T as utoipa::IntoParams>`, which
// an import of the trait would make an unnecessary qualification.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// The words to look for, 1 to 200 characters; every word must occur (as a word or part of
    /// one, in any case). When sophie has an embedding model, document passages similar in
    /// meaning are found too, and the two rankings are fused.
    #[param(required = true, value_type = BoundedText<{ SearchQuery::MAX_CHARS }>, inline)]
    pub(super) q: Option<String>,
    /// The most hits to return (20 by default).
    #[param(schema_with = limit_schema)]
    pub(super) limit: Option<u32>,
    /// Only material filed under this course: its notes and flashcard sets, and passages of
    /// its documents.
    #[param(value_type = Option<Uuid>)]
    pub(super) course_id: Option<String>,
    /// Only passages of this document (no notes or flashcards).
    #[param(value_type = Option<Uuid>)]
    pub(super) document_id: Option<String>,
    /// Only these kinds of material, comma-separated in one parameter
    /// (`kind=NOTE,DOCUMENT`); absent or empty means every kind.
    #[param(value_type = Option<Vec<SourceKind>>, style = Form, explode = false)]
    pub(super) kind: Option<String>,
}

/// `limit`: from 1 to the domain's most hits.
fn limit_schema() -> utoipa::openapi::Object {
    crate::paging::limit_up_to(SearchQuery::MAX_LIMIT)
}

/// The kinds named in `kind`, comma-separated; none when it is empty.
#[allow(
    clippy::needless_pass_by_value,
    reason = "a Fields::check_opt parser: it is handed the String"
)]
fn kinds_param(value: String) -> Result<Vec<SourceKind>, InvalidValue> {
    if value.is_empty() {
        return Ok(Vec::new());
    }
    value
        .split(',')
        .map(|kind| match kind {
            "NOTE" => Ok(SourceKind::Note),
            "FLASHCARD" => Ok(SourceKind::Flashcard),
            "DOCUMENT" => Ok(SourceKind::Document),
            _ => Err(InvalidValue::new(
                "must be NOTE, FLASHCARD or DOCUMENT, several separated by commas",
            )),
        })
        .collect()
}

impl SearchParams {
    /// The domain's query, every parameter checked (each bad one named in one 422).
    pub(super) fn into_domain(self) -> ApiResult<SearchQuery> {
        let mut fields = Fields::new();
        let query = fields.domain(
            "",
            SearchQuery::new(self.q.as_deref().unwrap_or_default(), self.limit),
        );
        let course_id = fields.check_opt("courseId", self.course_id, id_param::<CourseId>);
        let document_id = fields.check_opt("documentId", self.document_id, id_param::<DocumentId>);
        let kinds = fields.check_opt("kind", self.kind, kinds_param);
        Ok(
            crate::all_valid!(fields, (query, course_id, document_id, kinds) => {
                let mut query = query.with_kinds(kinds.unwrap_or_default());
                if let Some(course) = course_id {
                    query = query.with_course(course);
                }
                if let Some(document) = document_id {
                    query = query.with_document(document);
                }
                query
            }),
        )
    }
}

/// The hits, best first.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SearchResults {
    /// The notes, flashcards and document passages found, best first.
    pub(super) items: Vec<SearchHit>,
}
