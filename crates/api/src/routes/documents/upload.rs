//! Reading an upload: a `multipart/form-data` body with a `file` part and optional `title`
//! and `courseId` parts, read as it streams in and cut off at the upload limit.

use actix_multipart::Multipart;
use actix_web::http::header::{CONTENT_TYPE, HeaderMap};
use actix_web::web;
use futures_util::TryStreamExt as _;
use sophie_domain::CourseId;
use sophie_domain::services::documents::Upload;
use sophie_domain::values::Title;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::validate::id_param;

/// The largest text part (`title`, `courseId`) read, in bytes.
const TEXT_PART_LIMIT: usize = 4096;

/// A document to upload, as `multipart/form-data`.
// Deserialize only for its serde attributes, which the schema reads: camelCase part names and
// no other parts (`additionalProperties: false`).
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(title = "UploadDocument")]
#[allow(dead_code)] // Only describes the form for the OpenAPI document.
pub(crate) struct UploadForm {
    /// The file: PDF, Word (DOCX), PowerPoint (PPTX), HTML, Markdown or plain text, found from
    /// its bytes; at most the server's upload limit (`UPLOAD_LIMIT_BYTES`, 50 MiB by default).
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
    /// A title, 1 to 200 characters; the file name without its extension by default. A form
    /// part has no null: leave the part out instead.
    #[schema(value_type = Title, inline, required = false)]
    title: String,
    /// The course to file it under; the student's own. Leave the part out for none.
    #[schema(value_type = String, format = Uuid, required = false)]
    course_id: String,
}

/// Whether the request says it is `multipart/form-data`.
pub(crate) fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// Reads the upload, the file part at most `limit` bytes.
///
/// # Errors
///
/// 415 when the body is not `multipart/form-data`; 413 past the limit; 400 for a broken
/// multipart body; 422 for a missing file, an unknown or repeated part, or a bad title or
/// course id.
pub(crate) async fn read(
    headers: &HeaderMap,
    payload: web::Payload,
    limit: u64,
    too_large: impl Fn() -> ApiError,
) -> ApiResult<Upload> {
    if !is_multipart(headers) {
        return Err(ApiError::UnsupportedMediaType(
            "upload the document as multipart/form-data with a `file` part".to_owned(),
        ));
    }
    read_form(headers, payload, limit, too_large, None)
        .await
        .map(|(upload, _)| upload)
}

/// Reads a `multipart/form-data` upload as [`read`] does, also taking one more text part
/// named `extra` (an import's `source`), returned beside the upload.
///
/// # Errors
///
/// As [`read`], the body already known to be multipart.
pub(crate) async fn read_form(
    headers: &HeaderMap,
    payload: web::Payload,
    limit: u64,
    too_large: impl Fn() -> ApiError,
    extra: Option<&'static str>,
) -> ApiResult<(Upload, Option<String>)> {
    let parts = read_parts(headers, payload, limit, too_large, extra).await?;
    let Some(file) = parts.file else {
        return Err(ApiError::field("file", "required: the document to upload"));
    };
    Ok((
        Upload {
            file_name: file.name.unwrap_or_else(|| "document".to_owned()),
            title: parts.title,
            course_id: parts.course_id,
            bytes: file.bytes,
        },
        parts.extra,
    ))
}

/// The file part of a form.
pub(crate) struct FilePart {
    /// The file name the part gave, if any.
    pub(crate) name: Option<String>,
    /// The bytes.
    pub(crate) bytes: Vec<u8>,
}

/// The parts of a `multipart/form-data` upload, as read.
pub(crate) struct FormParts {
    /// The `file` part, if sent.
    pub(crate) file: Option<FilePart>,
    /// The `title` part.
    pub(crate) title: Option<String>,
    /// The `courseId` part.
    pub(crate) course_id: Option<CourseId>,
    /// The part named `extra`.
    pub(crate) extra: Option<String>,
}

/// Reads the parts of a `multipart/form-data` upload: `file` (at most `limit` bytes),
/// `title`, `courseId` and one more text part named `extra`; a missing part is `None`.
///
/// # Errors
///
/// 413 past the limit; 400 for a broken multipart body; 422 for an unknown or repeated part,
/// a text part that is not UTF-8, or a bad course id.
pub(crate) async fn read_parts(
    headers: &HeaderMap,
    payload: web::Payload,
    limit: u64,
    too_large: impl Fn() -> ApiError,
    extra: Option<&'static str>,
) -> ApiResult<FormParts> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut multipart = Multipart::new(headers, payload);
    let mut file: Option<FilePart> = None;
    let mut title: Option<String> = None;
    let mut course_id: Option<String> = None;
    let mut extra_value: Option<String> = None;
    while let Some(mut field) = multipart.try_next().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                if file.is_some() {
                    return Err(ApiError::field("file", "send one file per upload"));
                }
                let file_name = field
                    .content_disposition()
                    .and_then(|cd| cd.get_filename())
                    .map(str::to_owned);
                let mut bytes = Vec::new();
                while let Some(chunk) = field.try_next().await.map_err(broken)? {
                    if bytes.len().saturating_add(chunk.len()) > limit {
                        return Err(too_large());
                    }
                    bytes.extend_from_slice(&chunk);
                }
                file = Some(FilePart {
                    name: file_name,
                    bytes,
                });
            }
            part if part == "title" || part == "courseId" || Some(part) == extra => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.try_next().await.map_err(broken)? {
                    if bytes.len().saturating_add(chunk.len()) > TEXT_PART_LIMIT {
                        return Err(ApiError::field(
                            name.as_str(),
                            format!("must be at most {TEXT_PART_LIMIT} bytes"),
                        ));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                let text = String::from_utf8(bytes)
                    .map_err(|_| ApiError::field(name.as_str(), "must be UTF-8 text"))?;
                let slot = match name.as_str() {
                    "title" => &mut title,
                    "courseId" => &mut course_id,
                    _ => &mut extra_value,
                };
                if slot.replace(text).is_some() {
                    return Err(ApiError::field(name.as_str(), "given more than once"));
                }
            }
            "" => return Err(ApiError::field("file", "a part has no name")),
            other => {
                let parts = extra.map_or_else(
                    || "file, title, courseId".to_owned(),
                    |extra| format!("{extra}, file, title, courseId"),
                );
                return Err(ApiError::field(
                    other,
                    format!("is not a part of an upload ({parts})"),
                ));
            }
        }
    }
    let course_id: Option<CourseId> = course_id
        .map(|id| id_param(id.trim().to_owned()))
        .transpose()
        .map_err(|e| ApiError::field("courseId", e.0))?;
    Ok(FormParts {
        file,
        title,
        course_id,
        extra: extra_value,
    })
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "a map_err callback: it is handed the error"
)]
fn broken(error: actix_multipart::MultipartError) -> ApiError {
    ApiError::BadRequest(format!("the multipart body cannot be read: {error}"))
}
