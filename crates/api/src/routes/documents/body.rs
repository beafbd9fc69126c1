//! The request body and the query string of `/api/v1/documents`, with their conversions into
//! domain commands and filters.

use serde::Deserialize;
use sophie_domain::values::Title;
use sophie_domain::{CourseId, DocumentFilter, DocumentStatus, DocumentUpdate};
use utoipa::ToSchema;

use crate::all_valid;
use crate::error::ApiResult;
use crate::patch;
use crate::validate::{Fields, enum_param, id_param};

/// Changes to a document: fields left out stay; `null` clears a nullable one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateDocument {
    /// A new title, 1 to 200 characters.
    #[schema(value_type = Option<Title>, inline)]
    title: Option<String>,
    /// The course to file it under; `null` unfiles it.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<CourseId>)]
    course_id: Option<Option<CourseId>>,
}

impl UpdateDocument {
    pub(super) fn into_domain(self) -> ApiResult<DocumentUpdate> {
        let mut fields = Fields::new();
        let title = fields.check_opt("title", self.title, Title::parse);
        Ok(all_valid!(fields, (title) => DocumentUpdate {
            title,
            course_id: self.course_id,
            ..DocumentUpdate::default()
        }))
    }
}

/// Narrows the list of documents; filters combine with AND.
// `utoipa::IntoParams` stays qualified: the path macro writes `<T as utoipa::IntoParams>`, which
// an import of the trait would make an unnecessary qualification.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct DocumentQuery {
    /// Only documents filed under this course.
    #[param(value_type = Option<Uuid>)]
    course_id: Option<String>,
    /// Only documents in this state of processing.
    #[param(value_type = Option<DocumentStatus>)]
    status: Option<String>,
}

impl DocumentQuery {
    pub(super) fn into_domain(self) -> ApiResult<DocumentFilter> {
        let mut fields = Fields::new();
        let course_id = fields.check_opt("courseId", self.course_id, id_param);
        let status = fields.check_opt("status", self.status, enum_param);
        Ok(all_valid!(fields, (course_id, status) => DocumentFilter { course_id, status }))
    }
}
