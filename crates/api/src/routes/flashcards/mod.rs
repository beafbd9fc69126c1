//! `/api/v1/flashcard-sets`: sets of flashcards and their cards.

use actix_web::web;
use sophie_domain::{
    Flashcard, FlashcardId, FlashcardSet, FlashcardSetId, FlashcardSetWithCards, Page,
};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::json::ApiJson;
use crate::paging::PageQuery;
use crate::query::ApiQuery;
use crate::reply::{Created, NoContent};
use crate::state::AppState;

mod body;
#[cfg(test)]
mod tests;

use body::{
    CreateFlashcard, CreateFlashcardSet, FlashcardSetQuery, UpdateFlashcard, UpdateFlashcardSet,
};

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, update, delete, add_card, update_card, delete_card),
    components(schemas(
        CreateFlashcardSet,
        UpdateFlashcardSet,
        CreateFlashcard,
        UpdateFlashcard,
        FlashcardSet,
        Flashcard,
        FlashcardSetWithCards,
        Page<FlashcardSet>
    )),
    tags((name = "flashcards", description = "Sets of flashcards and their cards"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
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
