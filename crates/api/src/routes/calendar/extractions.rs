//! Syllabus to events: `POST /api/v1/documents/{id}/extract-events` and
//! `/api/v1/notes/{id}/extract-events` start an extraction; `/api/v1/event-extractions/{id}`
//! follows it, and `…/accept` makes the chosen proposals events.

use actix_web::{HttpRequest, web};
use serde::Deserialize;
use sophie_domain::services::event_extraction::{EventExtractionService, ExtractionOptions};
use sophie_domain::values::{FieldContext as _, Locale, TimeZone};
use sophie_domain::{
    CalendarEvent, DocumentId, DomainError, EventExtraction, EventExtractionId, ExtractionSource,
    NoteId, ProposalId,
};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::json::{self, ApiJson};
use crate::reply::Accepted;
use crate::state::AppState;

/// How to read the source's dates; each left out takes the student's own setting.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ExtractEvents {
    /// The IANA zone the source's times are in (`Europe/Berlin`); else the student's
    /// `timeZone`, else UTC.
    #[schema(value_type = Option<String>)]
    time_zone: Option<String>,
    /// The locale ordering day and month in numeric dates the source leaves ambiguous
    /// (`en-GB` reads `03/10/2027` as 3 October); else the student's `locale`, else `en-US`.
    #[schema(value_type = Option<String>, pattern = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$",
        max_length = 35)]
    locale: Option<String>,
}

impl ExtractEvents {
    fn into_options(self) -> ApiResult<ExtractionOptions> {
        Ok(ExtractionOptions {
            time_zone: self
                .time_zone
                .map(|zone| TimeZone::parse(&zone))
                .transpose()
                .field("timeZone")?,
            locale: self
                .locale
                .map(|tag| Locale::parse(&tag))
                .transpose()
                .field("locale")?,
        })
    }
}

/// The proposals to accept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AcceptProposals {
    /// Ids of the extraction's proposals, at least one and at most 1,000.
    #[schema(min_items = 1, max_items = 1000)]
    proposal_ids: Vec<ProposalId>,
}

fn service(state: &AppState) -> ApiResult<&EventExtractionService> {
    Ok(state
        .extractions
        .as_deref()
        .ok_or(DomainError::NotImplemented {
            feature: "extracting events",
        })?)
}

/// The body, which may be left out: empty, JSON `null`, or a JSON object.
async fn options(
    state: &AppState,
    request: &HttpRequest,
    payload: web::Payload,
) -> ApiResult<ExtractionOptions> {
    let bytes = json::read_body(payload, state.config.json_limit).await?;
    let body = bytes.trim_ascii();
    if body.is_empty() {
        return Ok(ExtractionOptions::default());
    }
    if !json::is_json(request.headers()) {
        return Err(ApiError::UnsupportedMediaType(
            "send the options as application/json, or no body".to_owned(),
        ));
    }
    // `null` is no options, as the document states the body (optional, nullable).
    if body == b"null" {
        return Ok(ExtractionOptions::default());
    }
    json::parse_json::<ExtractEvents>(body)?.into_options()
}

async fn start(
    state: &AppState,
    user: &CurrentUser,
    source: ExtractionSource,
    options: ExtractionOptions,
) -> ApiResult<Accepted<EventExtraction>> {
    let extraction = service(state)?.start(user.user_id, source, options).await?;
    Ok(Accepted::at(
        format!("/api/v1/event-extractions/{}", extraction.id),
        extraction,
    ))
}

/// Finds the dated items of a processed document (a syllabus) and proposes them as calendar
/// events, in the background.
///
/// Answers 202 with the extraction `PENDING`, to poll at its `Location` until it is
/// `COMPLETED` with its `proposals` (or `FAILED` with an `errorMessage`). Each proposal has a
/// title, a type (`ASSIGNMENT`, `EXAM`, `QUIZ`, `LECTURE`, `LAB`, `DEADLINE`, ...; breaks and
/// holidays are `OTHER`), a start, an end when the document gives one, the zone its times were
/// read in, a location when given, and its `source`: the page and the line as they stand in
/// the document. Dates are read as syllabi write them (`March 3, 2027`, `3 Mar`, `03/10/2027`,
/// `10.03.2027`, `Week 5 (Feb 8)`, `due Friday, April 2 at 11:59 pm`, `Mar 15-19: spring
/// break`), a year missing from a date taken from the term the document names. Offline by
/// rules; by the model when one is configured, its items checked the same way (each quote must
/// stand in the document). An item the student accepted before carries its `eventId`.
#[utoipa::path(post, path = "/api/v1/documents/{id}/extract-events", tag = "calendar",
    params(("id" = Uuid, Path)), request_body = Option<ExtractEvents>,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 202, description = "Recorded; reading in the background",
            body = EventExtraction,
            headers(("Location" = String, description = "The extraction's URL, to poll"))),
        (status = 400, description = "The body is not JSON", body = Problem),
        (status = 401, body = Problem),
        (status = 404, description = "The document is not the student's", body = Problem),
        (status = 409, description = "The document is not processed (READY) yet",
            body = Problem),
        (status = 413, body = Problem),
        (status = 415, description = "A body that is not JSON", body = Problem),
        (status = 422, description = "A bad id, time zone or locale, or an unknown field",
            body = Problem),
        (status = 429, description = "The student's model tokens of the day are spent \
            (with a model configured); `Retry-After` says until when", body = Problem),
        (status = 501, description = "A server built without extraction (never `sophie \
            serve`)", body = Problem),
        (status = 503, description = "The extraction could not be queued; nothing was \
            recorded", body = Problem)))]
pub(crate) async fn extract_from_document(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<DocumentId>,
    request: HttpRequest,
    payload: web::Payload,
) -> ApiResult<Accepted<EventExtraction>> {
    let options = options(&state, &request, payload).await?;
    start(
        &state,
        &user,
        ExtractionSource::Document(id.into_inner()),
        options,
    )
    .await
}

/// Finds the dated items of a note and proposes them as calendar events, in the background;
/// as for a document, the note read as one page (proposals carry no page number).
#[utoipa::path(post, path = "/api/v1/notes/{id}/extract-events", tag = "calendar",
    params(("id" = Uuid, Path)), request_body = Option<ExtractEvents>,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 202, description = "Recorded; reading in the background",
            body = EventExtraction,
            headers(("Location" = String, description = "The extraction's URL, to poll"))),
        (status = 400, description = "The body is not JSON", body = Problem),
        (status = 401, body = Problem),
        (status = 404, description = "The note is not the student's", body = Problem),
        (status = 413, body = Problem),
        (status = 415, description = "A body that is not JSON", body = Problem),
        (status = 422, description = "A bad id, time zone or locale, or an unknown field",
            body = Problem),
        (status = 429, description = "The student's model tokens of the day are spent \
            (with a model configured); `Retry-After` says until when", body = Problem),
        (status = 501, description = "A server built without extraction (never `sophie \
            serve`)", body = Problem),
        (status = 503, description = "The extraction could not be queued; nothing was \
            recorded", body = Problem)))]
pub(crate) async fn extract_from_note(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<NoteId>,
    request: HttpRequest,
    payload: web::Payload,
) -> ApiResult<Accepted<EventExtraction>> {
    let options = options(&state, &request, payload).await?;
    start(
        &state,
        &user,
        ExtractionSource::Note(id.into_inner()),
        options,
    )
    .await
}

/// Reads an extraction: its status and progress, then its proposals.
#[utoipa::path(get, path = "/api/v1/event-extractions/{id}", tag = "calendar",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = EventExtraction), (status = 401, body = Problem),
        (status = 404, body = Problem),
        (status = 422, description = "A bad id", body = Problem),
        (status = 501, description = "A server built without extraction (never `sophie \
            serve`)", body = Problem)))]
pub(crate) async fn get_extraction(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<EventExtractionId>,
) -> ApiResult<web::Json<EventExtraction>> {
    Ok(web::Json(
        service(&state)?.get(user.user_id, id.into_inner()).await?,
    ))
}

/// Accepts some or all of an extraction's proposals: each becomes a calendar event (linked to
/// the document, in its course, with the student's default reminders, or those of its
/// priority: high for an exam, medium for what is handed in), and is marked with its
/// `eventId`. A proposal accepted before, from this extraction or an earlier one, answers the
/// event it became: nothing is made twice. Answers the events in the extraction's order.
#[utoipa::path(post, path = "/api/v1/event-extractions/{id}/accept", tag = "calendar",
    params(("id" = Uuid, Path)), request_body = AcceptProposals,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "The events the proposals are",
            body = Vec<CalendarEvent>),
        (status = 400, description = "The body is not JSON", body = Problem),
        (status = 401, body = Problem),
        (status = 404, description = "The extraction is not the student's", body = Problem),
        (status = 409, description = "The extraction has not completed", body = Problem),
        (status = 413, body = Problem),
        (status = 415, body = Problem),
        (status = 422, description = "No proposal named, more than 1,000, or one that is not \
            the extraction's", body = Problem),
        (status = 501, description = "A server built without extraction (never `sophie \
            serve`)", body = Problem)))]
pub(crate) async fn accept_proposals(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<EventExtractionId>,
    body: ApiJson<AcceptProposals>,
) -> ApiResult<web::Json<Vec<CalendarEvent>>> {
    let ids = body.into_inner().proposal_ids;
    if ids.len() > 1_000 {
        return Err(ApiError::field(
            "proposalIds",
            "name at most 1,000 proposals at once",
        ));
    }
    let events = service(&state)?
        .accept(user.user_id, id.into_inner(), &ids)
        .await?;
    Ok(web::Json(events))
}
