//! The request bodies and the query string of `/api/v1/import-jobs`, with their conversions
//! into domain commands and filters.

use serde::Deserialize;
use sophie_domain::services::imports::LinkImport;
use sophie_domain::values::{Title, WebUrl};
use sophie_domain::{CourseId, ImportJobFilter, ImportSource, JobStatus};

/// Narrows the list of imports.
// `utoipa::IntoParams` stays qualified: imported, it makes `#[utoipa::path]` warn
// (`unused_qualifications`) on the `ApiQuery` of the handler.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct ImportJobQuery {
    /// Only imports in this state.
    status: Option<JobStatus>,
}

impl ImportJobQuery {
    pub(super) const fn to_filter(&self) -> ImportJobFilter {
        ImportJobFilter {
            status: self.status,
        }
    }
}

/// What a link import fetches.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum LinkSource {
    /// A web page (or a PDF, Word or PowerPoint file on the web).
    Url,
    /// A YouTube video's captions.
    Youtube,
}

/// A web page or a YouTube video to import, as JSON.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(title = "ImportLink")]
pub(crate) struct ImportLink {
    /// `URL` for a web page, `YOUTUBE` for a video's captions.
    pub(super) source: LinkSource,
    /// The page's address, or the video's watch, shorts, embed, live or `youtu.be` link: an
    /// http(s) URL whose host resolves to public addresses only.
    #[schema(value_type = WebUrl, inline)]
    pub(super) source_url: String,
    /// The note's title, 1 to 200 characters; the page's or the video's own by default.
    #[schema(value_type = Option<Title>, inline)]
    pub(super) title: Option<String>,
    /// The course to file the note under; the student's own.
    pub(super) course_id: Option<CourseId>,
}

impl ImportLink {
    pub(super) fn into_domain(self) -> LinkImport {
        LinkImport {
            source: match self.source {
                LinkSource::Url => ImportSource::Url,
                LinkSource::Youtube => ImportSource::Youtube,
            },
            url: self.source_url,
            title: self.title,
            course_id: self.course_id,
        }
    }
}

/// What an upload import makes.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum UploadSource {
    /// A document (PDF, DOCX, PPTX, HTML, Markdown, text), processed like an upload.
    File,
    /// An audio recording (MP3, WAV, M4A, AAC, Ogg, WebM, FLAC), transcribed into a note.
    Audio,
    /// A flashcard package (Anki's `.apkg` or `.colpkg`), its decks made into sets.
    Deck,
}

/// A file or a recording to import, as `multipart/form-data`.
// Deserialize only for its serde attributes, which the schema reads.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(title = "ImportUpload")]
#[allow(dead_code)] // Only describes the form for the OpenAPI document.
pub(crate) struct ImportUploadForm {
    /// `FILE` for a document, `AUDIO` for a recording to transcribe, `DECK` for a flashcard
    /// package.
    source: UploadSource,
    /// The file, found from its bytes; at most the server's upload limit
    /// (`UPLOAD_LIMIT_BYTES`, 50 MiB by default).
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
    /// A title, 1 to 200 characters; the file name without its extension by default. Leave
    /// the part out for none.
    #[schema(value_type = Title, inline, required = false)]
    title: String,
    /// The course to file it under; the student's own. Leave the part out for none.
    #[schema(value_type = String, format = Uuid, required = false)]
    course_id: String,
}
