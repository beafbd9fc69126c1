//! The request bodies and the query string of `/api/v1/notes`, with their conversions into
//! domain commands and filters.

use serde::Deserialize;
use sophie_domain::values::{DurationSeconds, Markdown, Tags, Title, WebUrl};
use sophie_domain::{CourseId, NewNote, NoteFilter, NoteSource, NoteUpdate};
use utoipa::ToSchema;

use crate::all_valid;
use crate::error::ApiResult;
use crate::patch;
use crate::validate::{Fields, enum_param, id_param};

/// A new note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateNote {
    /// Its title, 1 to 200 characters.
    #[schema(value_type = Title, inline)]
    title: String,
    /// Its Markdown body; empty by default.
    #[serde(default)]
    #[schema(value_type = Markdown, inline)]
    content: String,
    /// The transcription it was made from.
    #[schema(value_type = Option<Markdown>, inline)]
    transcription: Option<String>,
    /// A summary.
    #[schema(value_type = Option<Markdown>, inline)]
    summary: Option<String>,
    /// Where its content came from; `MANUAL` by default.
    source: Option<NoteSource>,
    /// The http(s) URL it was imported from.
    #[schema(value_type = Option<WebUrl>, inline)]
    source_url: Option<String>,
    /// The length of the recording in seconds, 0 to 604800.
    #[schema(value_type = Option<DurationSeconds>, inline)]
    duration_seconds: Option<i64>,
    /// Its tags: at most 20, each 1 to 50 characters; none by default.
    #[serde(default)]
    #[schema(value_type = Tags, inline)]
    tags: Vec<String>,
    /// The course to file it under.
    course_id: Option<CourseId>,
}

impl CreateNote {
    pub(super) fn into_domain(self) -> ApiResult<NewNote> {
        let mut fields = Fields::new();
        let title = fields.check("title", Title::parse(self.title));
        let content = fields.check("content", Markdown::parse(self.content));
        let transcription = fields.check_opt("transcription", self.transcription, Markdown::parse);
        let summary = fields.check_opt("summary", self.summary, Markdown::parse);
        let source_url = fields.check_opt("sourceUrl", self.source_url, WebUrl::parse);
        let duration_seconds = fields.check_opt(
            "durationSeconds",
            self.duration_seconds,
            DurationSeconds::new,
        );
        let tags = fields.check("tags", Tags::parse(self.tags));
        Ok(all_valid!(
            fields,
            (title, content, transcription, summary, source_url, duration_seconds, tags) => NewNote {
                course_id: self.course_id,
                title,
                content,
                transcription,
                summary,
                source: self.source.unwrap_or(NoteSource::Manual),
                source_url,
                duration_seconds,
                tags,
            }
        ))
    }
}

/// Changes to a note: fields left out stay; `null` clears a nullable one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateNote {
    #[schema(value_type = Option<Title>, inline)]
    title: Option<String>,
    #[schema(value_type = Option<Markdown>, inline)]
    content: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Markdown>, inline)]
    transcription: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Markdown>, inline)]
    summary: Option<Option<String>>,
    /// The new tags, replacing the old ones.
    #[schema(value_type = Option<Tags>, inline)]
    tags: Option<Vec<String>>,
    /// The course to file it under; `null` unfiles it.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<CourseId>)]
    course_id: Option<Option<CourseId>>,
}

impl UpdateNote {
    pub(super) fn into_domain(self) -> ApiResult<NoteUpdate> {
        let mut fields = Fields::new();
        let title = fields.check_opt("title", self.title, Title::parse);
        let content = fields.check_opt("content", self.content, Markdown::parse);
        let transcription =
            fields.check_patch("transcription", self.transcription, Markdown::parse);
        let summary = fields.check_patch("summary", self.summary, Markdown::parse);
        let tags = fields.check_opt("tags", self.tags, Tags::parse);
        Ok(
            all_valid!(fields, (title, content, transcription, summary, tags) => NoteUpdate {
                course_id: self.course_id,
                title,
                content,
                transcription,
                summary,
                tags,
            }),
        )
    }
}

/// Narrows the list of notes; filters combine with AND.
// `utoipa::IntoParams` stays qualified: the path macro writes `<T as utoipa::IntoParams>`, which
// an import of the trait would make an unnecessary qualification.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct NoteQuery {
    /// Only notes filed under this course.
    #[param(value_type = Option<Uuid>)]
    course_id: Option<String>,
    /// Only notes carrying this tag (exact match).
    tag: Option<String>,
    /// Only notes from this source.
    #[param(value_type = Option<NoteSource>)]
    source: Option<String>,
}

impl NoteQuery {
    pub(super) fn into_domain(self) -> ApiResult<NoteFilter> {
        let mut fields = Fields::new();
        let course_id = fields.check_opt("courseId", self.course_id, id_param);
        let source = fields.check_opt("source", self.source, enum_param);
        Ok(all_valid!(fields, (course_id, source) => NoteFilter {
            course_id,
            tag: self.tag,
            source,
        }))
    }
}
