//! `/api/v1/flashcard-sets`: sets of flashcards and their cards.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{Either, HttpRequest, HttpResponse, web};
use sophie_domain::rules::card_table::SkippedRow;
use sophie_domain::services::documents::Upload;
use sophie_domain::services::interchange::ImportedSet;
use sophie_domain::values::{FieldContext, Title};
use sophie_domain::{
    Flashcard, FlashcardId, FlashcardSet, FlashcardSetId, FlashcardSetWithCards, ImportJob,
    ImportSource, ImportedDecks, ImportedSetRef, PackageFormat, Page, SkippedNote,
};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::json::ApiJson;
use crate::paging::PageQuery;
use crate::query::ApiQuery;
use crate::reply::{Accepted, Created, NoContent};
use crate::routes::documents::{ascii_file_name, upload};
use crate::state::AppState;

mod body;
#[cfg(test)]
mod tests;

use body::{
    CreateFlashcard, CreateFlashcardSet, ExportFormat, ExportQuery, FlashcardSetQuery,
    ImportCardsForm, UpdateFlashcard, UpdateFlashcardSet,
};

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, update, delete, add_card, update_card, delete_card, import_cards,
        export),
    components(schemas(
        CreateFlashcardSet,
        UpdateFlashcardSet,
        CreateFlashcard,
        UpdateFlashcard,
        FlashcardSet,
        Flashcard,
        FlashcardSetWithCards,
        Page<FlashcardSet>,
        ImportCardsForm,
        ImportedSet,
        ImportedDecks,
        ImportedSetRef,
        PackageFormat,
        SkippedNote,
        SkippedRow,
        ExportFormat
    )),
    tags((name = "flashcards", description = "Sets of flashcards and their cards"))
)]
pub(crate) struct Api;

/// `import` is registered before the scope of the collection, so it is not read as an id.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/flashcard-sets/import").route(web::post().to(import_cards)))
        .service(
            web::scope("/flashcard-sets")
                .service(
                    web::resource("")
                        .route(web::post().to(create))
                        .route(web::get().to(list)),
                )
                .service(
                    web::resource("/{id}")
                        .route(web::get().to(get))
                        .route(web::patch().to(update))
                        .route(web::delete().to(delete)),
                )
                .service(web::resource("/{id}/export").route(web::get().to(export)))
                .service(web::resource("/{id}/flashcards").route(web::post().to(add_card)))
                .service(
                    web::resource("/{id}/flashcards/{cardId}")
                        .route(web::patch().to(update_card))
                        .route(web::delete().to(delete_card)),
                ),
        );
}

/// Creates a flashcard set with its cards, in one step.
#[utoipa::path(post, path = "/api/v1/flashcard-sets", tag = "flashcards",
    request_body = CreateFlashcardSet, security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = FlashcardSetWithCards), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<CreateFlashcardSet>,
) -> ApiResult<Created<FlashcardSetWithCards>> {
    let new = body.into_inner().into_domain()?;
    let set = state
        .repositories
        .flashcards
        .create_set(user.user_id, new)
        .await?;
    Ok(Created::at(
        format!("/api/v1/flashcard-sets/{}", set.set.id),
        set,
    ))
}

/// Lists the student's flashcard sets, newest first, without their cards.
#[utoipa::path(get, path = "/api/v1/flashcard-sets", tag = "flashcards",
    params(PageQuery, FlashcardSetQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<FlashcardSet>), (status = 401, body = Problem),
        (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageQuery,
    filter: ApiQuery<FlashcardSetQuery>,
) -> ApiResult<web::Json<Page<FlashcardSet>>> {
    let page = page.to_request()?;
    let sets = state
        .repositories
        .flashcards
        .list_sets(user.user_id, filter.into_inner().into_domain(), page)
        .await?;
    Ok(web::Json(sets))
}

/// Reads a flashcard set with its cards, oldest card first.
#[utoipa::path(get, path = "/api/v1/flashcard-sets/{id}", tag = "flashcards",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = FlashcardSetWithCards), (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<FlashcardSetId>,
) -> ApiResult<web::Json<FlashcardSetWithCards>> {
    let set = state
        .repositories
        .flashcards
        .get_set(user.user_id, id.into_inner())
        .await?;
    Ok(web::Json(set))
}

/// Changes a flashcard set (not its cards).
#[utoipa::path(patch, path = "/api/v1/flashcard-sets/{id}", tag = "flashcards",
    params(("id" = Uuid, Path)), request_body = UpdateFlashcardSet,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = FlashcardSet), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<FlashcardSetId>,
    body: ApiJson<UpdateFlashcardSet>,
) -> ApiResult<web::Json<FlashcardSet>> {
    let update = body.into_inner().into_domain()?;
    let set = state
        .repositories
        .flashcards
        .update_set(user.user_id, id.into_inner(), update)
        .await?;
    Ok(web::Json(set))
}

/// Deletes a flashcard set and its cards.
#[utoipa::path(delete, path = "/api/v1/flashcard-sets/{id}", tag = "flashcards",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<FlashcardSetId>,
) -> ApiResult<NoContent> {
    state
        .repositories
        .flashcards
        .delete_set(user.user_id, id.into_inner())
        .await?;
    Ok(NoContent)
}

/// Adds a card to a flashcard set.
#[utoipa::path(post, path = "/api/v1/flashcard-sets/{id}/flashcards", tag = "flashcards",
    params(("id" = Uuid, Path)), request_body = CreateFlashcard,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = Flashcard), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn add_card(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<FlashcardSetId>,
    body: ApiJson<CreateFlashcard>,
) -> ApiResult<Created<Flashcard>> {
    let set_id = id.into_inner();
    let body = body.into_inner();
    let difficulty = match body.difficulty {
        Some(difficulty) => difficulty,
        None => {
            state
                .repositories
                .flashcards
                .get_set(user.user_id, set_id)
                .await?
                .set
                .difficulty
        }
    };
    let new = body.into_domain(difficulty)?;
    let card = state
        .repositories
        .flashcards
        .add_card(user.user_id, set_id, new)
        .await?;
    Ok(Created::at(
        format!("/api/v1/flashcard-sets/{set_id}/flashcards/{}", card.id),
        card,
    ))
}

/// Changes a card of a flashcard set.
#[utoipa::path(patch, path = "/api/v1/flashcard-sets/{id}/flashcards/{cardId}",
    tag = "flashcards", params(("id" = Uuid, Path), ("cardId" = Uuid, Path)),
    request_body = UpdateFlashcard, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Flashcard), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn update_card(
    state: web::Data<AppState>,
    user: CurrentUser,
    ids: web::Path<(FlashcardSetId, FlashcardId)>,
    body: ApiJson<UpdateFlashcard>,
) -> ApiResult<web::Json<Flashcard>> {
    let (set_id, card_id) = ids.into_inner();
    let update = body.into_inner().into_domain()?;
    let card = state
        .repositories
        .flashcards
        .update_card(user.user_id, set_id, card_id, update)
        .await?;
    Ok(web::Json(card))
}

/// Removes a card from a flashcard set.
#[utoipa::path(delete, path = "/api/v1/flashcard-sets/{id}/flashcards/{cardId}",
    tag = "flashcards", params(("id" = Uuid, Path), ("cardId" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_card(
    state: web::Data<AppState>,
    user: CurrentUser,
    ids: web::Path<(FlashcardSetId, FlashcardId)>,
) -> ApiResult<NoContent> {
    let (set_id, card_id) = ids.into_inner();
    state
        .repositories
        .flashcards
        .delete_card(user.user_id, set_id, card_id)
        .await?;
    Ok(NoContent)
}

/// Imports flashcards from a file, as `multipart/form-data`: a `file` part, and optional
/// `title` and `courseId` parts. The kind of file is found from its bytes.
///
/// **A table of cards** (CSV, TSV such as a Quizlet export, or text pasted from a
/// spreadsheet; UTF-8) becomes one new set, made in one step, answered 201 with the set and
/// its `Location`. The delimiter (comma, semicolon or tab) is found from the first lines; a
/// first row naming the columns (`question`, `answer`, `hint`, `explanation`, `tags`, or
/// `front`/`back`, `term`/`definition`, `extra`/`notes`) is a header, otherwise the columns
/// are taken in that order. Rows without a question or an answer, or with a text too long for
/// a card, are left out and listed in `skipped` with their line. The tags of every row become
/// the set's tags.
///
/// **An Anki package** (`.apkg` or `.colpkg`, in any layout Anki writes) is imported in the
/// background: the answer is 202 with the import (`source` `DECK`, `PENDING`) and its
/// `Location` under `/api/v1/import-jobs`, to poll. Its `progress` rises as the package is
/// read (25), its cards and history prepared (60) and added (100); it ends `COMPLETED` with
/// the `result` (the sets that received cards, the counts, the notes left out), or `FAILED`
/// with an `errorMessage` naming the problem; a notification tells the student. Each deck becomes a set titled with the deck's full name (`Parent::Child`;
/// a deck of more than 500 cards fills `Title (2)`, `Title (3)`, ...), filed under
/// `courseId`; each card of a note becomes a card (a cloze note gives one card per cloze, its
/// hint as the card's hint), its text reduced from HTML to plain text; the notes' tags
/// become the set's tags; the review history becomes the card's schedule and review log.
/// Importing the same package again adds nothing (`unchanged` counts what was already
/// there); a newer export of the same decks adds only the new cards. Images and sounds are
/// not kept (`mediaSkipped`). A package that cannot be read safely (not a readable zip, a
/// path leaving it, inflating past a limit, no Anki collection or a damaged one, a media map
/// naming missing files, more notes than allowed) fails the import whole, nothing added.
#[utoipa::path(post, path = "/api/v1/flashcard-sets/import", tag = "flashcards",
    request_body(content = ImportCardsForm, content_type = "multipart/form-data"),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 202, description = "An Anki package: its import, running in the background",
            body = ImportJob,
            headers(("Location" = String, description = "The import's URL, to poll"))),
        (status = 201, description = "A table of cards: the set, made of every valid row, and \
            the rows left out", body = ImportedSet,
            headers(("Location" = String, description = "The set's URL"))),
        (status = 400, description = "The body is not multipart/form-data, or cannot be read",
            body = Problem),
        (status = 401, body = Problem),
        (status = 404, description = "The course is not the student's", body = Problem),
        (status = 413, description = "The file is larger than the upload limit", body = Problem),
        (status = 415, description = "A zip archive that is not an Anki package, such as a \
            spreadsheet workbook (the answer names it)", body = Problem),
        (status = 422, description = "No file part, a table that is not UTF-8 text, holds no \
            card, more than 500 cards or more than 20 tags; an unknown part, or a bad title \
            or course id; `errors` names the part", body = Problem),
        (status = 503, description = "A package's import could not be queued; nothing was \
            recorded", body = Problem)))]
async fn import_cards(
    state: web::Data<AppState>,
    user: CurrentUser,
    request: HttpRequest,
    payload: web::Payload,
) -> ApiResult<Either<Created<ImportedSet>, Accepted<ImportJob>>> {
    let headers = request.headers();
    if !upload::is_multipart(headers) {
        return Err(ApiError::BadRequest(
            "send the cards as multipart/form-data with a `file` part (CSV, TSV, text or an \
             Anki package)"
                .to_owned(),
        ));
    }
    let interchange = state.interchange();
    let parts = upload::read_parts(
        headers,
        payload,
        interchange.upload_limit(),
        || interchange.too_large().into(),
        None,
    )
    .await?;
    let Some(file) = parts.file else {
        return Err(ApiError::field(
            "file",
            "required: the CSV, TSV or text file of cards, or an Anki package",
        ));
    };
    let title = parts.title.map(Title::parse).transpose().field("title")?;
    let file_name = file.name.unwrap_or_default();
    if interchange.is_package(&file.bytes, &file_name)? {
        let upload = Upload {
            file_name,
            title: title.map(Title::into_inner),
            course_id: parts.course_id,
            bytes: file.bytes,
        };
        let job = state
            .imports()?
            .start_upload(user.user_id, ImportSource::Deck, upload)
            .await?;
        return Ok(Either::Right(Accepted::at(
            format!("/api/v1/import-jobs/{}", job.id),
            job,
        )));
    }
    let set = interchange
        .import_cards(
            user.user_id,
            &file.bytes,
            &file_name,
            parts.course_id,
            title,
        )
        .await?;
    Ok(Either::Left(Created::at(
        format!("/api/v1/flashcard-sets/{}", set.set.set.id),
        set,
    )))
}

/// Exports a flashcard set as a file to download.
///
/// `format=csv` (the default): CSV (RFC 4180, UTF-8, CRLF line ends) with the header
/// `question,answer,hint,explanation,tags`, one row a card, the set's tags separated by spaces
/// on every row. Importing the file again gives the same cards and tags.
///
/// `format=apkg`: an Anki package (`collection.anki21`, which every Anki since 2.1 imports)
/// holding one deck named as the set, sophie's note type with the fields Front, Back, Hint
/// and Explanation, and one note a card tagged with the set's tags. Each note's guid is its
/// card's id, so importing a newer export into Anki updates the notes instead of adding them
/// again. With `includeSchedule=true` each reviewed card keeps its schedule as Anki's card
/// state (learning, review or relearning, due, interval, reps, lapses, the FSRS memory state)
/// and its review log; without it every card is new.
#[utoipa::path(get, path = "/api/v1/flashcard-sets/{id}/export", tag = "flashcards",
    params(("id" = Uuid, Path), ExportQuery), security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The set as a file, named after its title",
            content((String = "text/csv"), (Vec<u8> = "application/zip")),
            headers(("Content-Disposition" = String,
                description = "`attachment; filename=\"<title>.csv\"` (or `.apkg`), with \
                    `filename*` in UTF-8"))),
        (status = 401, body = Problem),
        (status = 404, description = "No such set of the student's", body = Problem),
        (status = 422, description = "A format other than `csv` or `apkg`, or an \
            `includeSchedule` that is not a boolean", body = Problem),
        (status = 501, description = "`apkg` on a server built without a package writer \
            (never `sophie serve`)", body = Problem)))]
async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<FlashcardSetId>,
    query: ApiQuery<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let interchange = state.interchange();
    let (title, content_type, extension, body) = match query.format.unwrap_or_default() {
        ExportFormat::Csv => {
            let (title, csv) = interchange
                .export_csv(user.user_id, id.into_inner())
                .await?;
            (title, "text/csv; charset=utf-8", "csv", csv.into_bytes())
        }
        ExportFormat::Apkg => {
            let (title, package) = interchange
                .export_package(
                    user.user_id,
                    id.into_inner(),
                    query.include_schedule.unwrap_or(false),
                    state.clock.now(),
                )
                .await?;
            (title, "application/zip", "apkg", package)
        }
    };
    let file_name = export_file_name(&title, extension);
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii_file_name(&file_name)),
            DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: file_name.into_bytes(),
            }),
        ],
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header(disposition)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body))
}

/// A file name made of a set's title: characters no file system takes (folders, quotes,
/// controls...) replaced, at most 100 characters, then `.` and `extension`.
fn export_file_name(title: &str, extension: &str) -> String {
    let name: String = title
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .take(100)
        .collect();
    let name = name.trim().trim_matches('.').trim();
    if name.is_empty() {
        format!("flashcards.{extension}")
    } else {
        format!("{name}.{extension}")
    }
}
