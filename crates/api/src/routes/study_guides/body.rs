//! The request bodies and the query string of `/api/v1/study-guides`, with their conversions
//! into domain commands and filters.

use serde::Deserialize;
use sophie_domain::values::{Markdown, Title};
use sophie_domain::{
    CourseId, DocumentId, NewStudyGuide, NoteId, SourceLinks, SourceLinksUpdate, StudyGuideFilter,
    StudyGuideUpdate,
};
use utoipa::ToSchema;

use crate::all_valid;
use crate::error::ApiResult;
use crate::patch;
use crate::validate::{Fields, id_param};

/// A new study guide.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateStudyGuide {
    /// Its title, 1 to 200 characters.
    #[schema(value_type = Title, inline)]
    title: String,
    /// Its Markdown body.
    #[schema(value_type = Markdown, inline)]
    content: String,
    /// The course to file it under.
    course_id: Option<CourseId>,
    /// The note it was made from.
    note_id: Option<NoteId>,
    /// The document it was made from.
    document_id: Option<DocumentId>,
}

impl CreateStudyGuide {
    pub(super) fn into_domain(self) -> ApiResult<NewStudyGuide> {
        let mut fields = Fields::new();
        let title = fields.check("title", Title::parse(self.title));
        let content = fields.check("content", Markdown::parse(self.content));
        Ok(all_valid!(fields, (title, content) => NewStudyGuide {
            sources: Vec::new(),
            title,
            content,
            links: SourceLinks {
                course_id: self.course_id,
                note_id: self.note_id,
                document_id: self.document_id,
            },
        }))
    }
}

/// Changes to a study guide: fields left out stay; `null` removes a link.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateStudyGuide {
    #[schema(value_type = Option<Title>, inline)]
    title: Option<String>,
    #[schema(value_type = Option<Markdown>, inline)]
    content: Option<String>,
    /// The course to file it under; `null` unfiles it.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<CourseId>)]
    course_id: Option<Option<CourseId>>,
    /// The note it was made from; `null` unlinks it.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<NoteId>)]
    note_id: Option<Option<NoteId>>,
    /// The document it was made from; `null` unlinks it.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<DocumentId>)]
    document_id: Option<Option<DocumentId>>,
}

impl UpdateStudyGuide {
    pub(super) fn into_domain(self) -> ApiResult<StudyGuideUpdate> {
        let mut fields = Fields::new();
        let title = fields.check_opt("title", self.title, Title::parse);
        let content = fields.check_opt("content", self.content, Markdown::parse);
        Ok(all_valid!(fields, (title, content) => StudyGuideUpdate {
            title,
            content,
            links: SourceLinksUpdate {
                course_id: self.course_id,
                note_id: self.note_id,
                document_id: self.document_id,
            },
        }))
    }
}

/// Narrows the list of study guides; filters combine with AND.
// `utoipa::IntoParams` stays qualified: the path macro writes `<T as utoipa::IntoParams>`, which
// an import of the trait would make an unnecessary qualification.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct StudyGuideQuery {
    /// Only guides filed under this course.
    #[param(value_type = Option<Uuid>)]
    course_id: Option<String>,
    /// Only guides made from this note.
    #[param(value_type = Option<Uuid>)]
    note_id: Option<String>,
    /// Only guides made from this document.
    #[param(value_type = Option<Uuid>)]
    document_id: Option<String>,
}

impl StudyGuideQuery {
    pub(super) fn into_domain(self) -> ApiResult<StudyGuideFilter> {
        let mut fields = Fields::new();
        let course_id = fields.check_opt("courseId", self.course_id, id_param);
        let note_id = fields.check_opt("noteId", self.note_id, id_param);
        let document_id = fields.check_opt("documentId", self.document_id, id_param);
        Ok(
            all_valid!(fields, (course_id, note_id, document_id) => StudyGuideFilter {
                course_id,
                note_id,
                document_id,
            }),
        )
    }
}
