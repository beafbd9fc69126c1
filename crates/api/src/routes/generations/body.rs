//! The request body of the three `generate` operations, with its conversion into the
//! domain's source and settings.

use serde::Deserialize;
use sophie_domain::values::Title;
use sophie_domain::{
    CourseId, Difficulty, DocumentId, GenerationSettings, GenerationSource, NoteId, QuestionType,
};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};

/// The cards or questions made when no `count` is given.
pub(super) const DEFAULT_COUNT: u32 = 10;

/// What to generate from, and how. Exactly one of `noteId`, `documentId` and `courseId`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct GenerateRequest {
    /// A note of the student's to generate from.
    note_id: Option<NoteId>,
    /// A document of the student's (processed, `READY`) to generate from.
    document_id: Option<DocumentId>,
    /// A course of the student's: all its notes and ready documents.
    course_id: Option<CourseId>,
    /// How many cards or questions, at most (fewer when the material holds fewer); 10 by
    /// default. Not used for a study guide.
    #[schema(minimum = 1, maximum = 50)]
    count: Option<u32>,
    /// How hard; `MEDIUM` by default.
    difficulty: Option<Difficulty>,
    /// The question types of a quiz (every type when left out or empty); a quiz only.
    types: Option<Vec<QuestionType>>,
    /// The result's title, 1 to 200 characters; made from the source's by default.
    #[schema(value_type = Option<Title>, inline)]
    title: Option<String>,
}

impl GenerateRequest {
    pub(super) fn into_domain(self) -> ApiResult<(GenerationSource, GenerationSettings)> {
        let source = match (self.note_id, self.document_id, self.course_id) {
            (Some(id), None, None) => GenerationSource::Note(id),
            (None, Some(id), None) => GenerationSource::Document(id),
            (None, None, Some(id)) => GenerationSource::Course(id),
            _ => {
                return Err(ApiError::field(
                    "source",
                    "give exactly one of noteId, documentId and courseId",
                ));
            }
        };
        let mut types = self.types.unwrap_or_default();
        types.sort_by_key(|t| t.as_str());
        types.dedup();
        Ok((
            source,
            GenerationSettings {
                count: self.count.unwrap_or(DEFAULT_COUNT),
                difficulty: self.difficulty.unwrap_or(Difficulty::Medium),
                question_types: types,
                title: self.title,
            },
        ))
    }
}
