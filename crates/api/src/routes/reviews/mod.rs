//! Spaced repetition: `GET /reviews/due` and `/reviews/stats`, `POST
//! /flashcards/{cardId}/reviews` and `/reviews/undo`, and `GET`/`PATCH
//! /me/review-settings`.

use actix_web::web;
use sophie_domain::rules::fsrs::Schedule;
use sophie_domain::services::reviews::ReviewService;
use sophie_domain::{
    CardState, DayDue, DayReviews, DueCard, FlashcardId, NextInterval, ReviewLog, ReviewOutcome,
    ReviewRating, ReviewStats, StateCounts,
};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::json::ApiJson;
use crate::query::ApiQuery;
use crate::reply::{Accepted, Created};
use crate::state::AppState;

mod body;
#[cfg(test)]
mod tests;

use body::{
    CreateReview, DueCards, DueQuery, OptimizationQueued, ReviewSettingsBody, StatsQuery,
    UndoneReview, UpdateReviewSettings,
};

#[derive(OpenApi)]
#[openapi(
    paths(due, stats, review, undo, settings, update_settings, optimize),
    components(schemas(CreateReview, DueCards, DueCard, Schedule, CardState, ReviewRating,
        ReviewOutcome, ReviewLog, NextInterval, ReviewStats, DayReviews, DayDue, StateCounts,
        ReviewSettingsBody, UpdateReviewSettings, UndoneReview, OptimizationQueued)),
    tags((name = "reviews", description = "Studying flashcards with spaced repetition (FSRS-6)"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/reviews")
            .route("/due", web::get().to(due))
            .route("/stats", web::get().to(stats)),
    )
    .service(
        web::scope("/flashcards/{card_id}/reviews")
            .route("", web::post().to(review))
            .route("/undo", web::post().to(undo)),
    )
    .service(
        web::resource("/me/review-settings")
            .route(web::get().to(settings))
            .route(web::patch().to(update_settings)),
    )
    .route("/me/review-settings/optimize", web::post().to(optimize));
}

fn service(state: &AppState) -> ReviewService {
    ReviewService::new(state.repositories.reviews.clone(), state.clock.clone())
}

/// The student's cards to study now: those due first (learning and relearning before review,
/// then by due time), then cards never reviewed, oldest first, up to what is left of the day's
/// new-card limit (`newCardsPerDay`, days in UTC). Each is the card with its
/// `flashcardSetId` and its `schedule`.
#[utoipa::path(get, path = "/api/v1/reviews/due", tag = "reviews", params(DueQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = DueCards), (status = 400, body = Problem),
        (status = 401, body = Problem),
        (status = 422, description = "A malformed id, or a limit outside 1 to 500",
            body = Problem)))]
async fn due(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: ApiQuery<DueQuery>,
) -> ApiResult<web::Json<DueCards>> {
    let (filter, limit) = query.into_inner().into_domain()?;
    let items = service(&state).due(user.user_id, filter, limit).await?;
    Ok(web::Json(DueCards { items }))
}

/// The student's reviews over the last `days` days (per day, by rating), the retention (the
/// share of reviews of cards in review not rated AGAIN), the cards coming due on each of the
/// next `days` days (overdue ones count for today), and the cards by state. Days are in UTC.
#[utoipa::path(get, path = "/api/v1/reviews/stats", tag = "reviews", params(StatsQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ReviewStats), (status = 400, body = Problem),
        (status = 401, body = Problem),
        (status = 422, description = "A malformed course id, or days outside 1 to 365",
            body = Problem)))]
async fn stats(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: ApiQuery<StatsQuery>,
) -> ApiResult<web::Json<ReviewStats>> {
    let (filter, days) = query.into_inner().into_domain()?;
    let stats = service(&state).stats(user.user_id, filter, days).await?;
    Ok(web::Json(stats))
}

/// Rates a card: applies the rating with the FSRS-6 scheduler, logs the review, and answers
/// the card's new `schedule`, the `review` as logged, and `next`: when the card would be due
/// after each rating at its next review, for the buttons a client shows.
///
/// `reviewedAt` may lie in the past (a client that was offline, history replayed); a review
/// dated before the card's last review is refused (409), as is one in the future (422). Two
/// reviews of the same card at once: the second is refused (409).
#[utoipa::path(post, path = "/api/v1/flashcards/{cardId}/reviews", tag = "reviews",
    params(("cardId" = Uuid, Path)), request_body = CreateReview,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, body = ReviewOutcome),
        (status = 400, description = "The body is not JSON", body = Problem),
        (status = 401, body = Problem),
        (status = 404, description = "No such card of the student's", body = Problem),
        (status = 409, description = "Dated before the card's last review, or the card was \
            reviewed meanwhile", body = Problem),
        (status = 413, body = Problem),
        (status = 415, body = Problem),
        (status = 422, description = "An unknown rating, a date in the future or out of \
            range, or a duration over a day", body = Problem)))]
async fn review(
    state: web::Data<AppState>,
    user: CurrentUser,
    card: web::Path<FlashcardId>,
    body: ApiJson<CreateReview>,
) -> ApiResult<Created<ReviewOutcome>> {
    let body = body.into_inner();
    body.check()?;
    let card = card.into_inner();
    let outcome = service(&state)
        .review(
            user.user_id,
            card,
            body.rating,
            body.reviewed_at,
            body.duration_ms,
        )
        .await?;
    Ok(Created::at(
        format!("/api/v1/flashcards/{card}/reviews"),
        outcome,
    ))
}

/// Undoes the card's last review: the review leaves the log and the card has the schedule
/// it had before it again.
#[utoipa::path(post, path = "/api/v1/flashcards/{cardId}/reviews/undo", tag = "reviews",
    params(("cardId" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = UndoneReview),
        (status = 401, body = Problem),
        (status = 404, description = "No such card of the student's", body = Problem),
        (status = 409, description = "The card has no review to undo", body = Problem),
        (status = 422, description = "A malformed id", body = Problem)))]
async fn undo(
    state: web::Data<AppState>,
    user: CurrentUser,
    card: web::Path<FlashcardId>,
) -> ApiResult<web::Json<UndoneReview>> {
    let schedule = service(&state)
        .undo(user.user_id, card.into_inner())
        .await?;
    Ok(web::Json(UndoneReview { schedule }))
}

/// The student's review settings: desired retention, new cards a day, fuzz, and the FSRS
/// parameters in use.
#[utoipa::path(get, path = "/api/v1/me/review-settings", tag = "reviews",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ReviewSettingsBody), (status = 401, body = Problem)))]
async fn settings(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> ApiResult<web::Json<ReviewSettingsBody>> {
    let settings = service(&state).settings(user.user_id).await?;
    Ok(web::Json(settings.into()))
}

/// Changes the student's review settings; fields left out stay. They apply to the reviews
/// that follow.
#[utoipa::path(patch, path = "/api/v1/me/review-settings", tag = "reviews",
    request_body = UpdateReviewSettings, security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = ReviewSettingsBody),
        (status = 400, description = "The body is not JSON", body = Problem),
        (status = 401, body = Problem),
        (status = 413, body = Problem),
        (status = 415, body = Problem),
        (status = 422, description = "A retention outside 0.70 to 0.99, more than 9999 new \
            cards a day, or parameters that are not 21 numbers the scheduler accepts",
            body = Problem)))]
async fn update_settings(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<UpdateReviewSettings>,
) -> ApiResult<web::Json<ReviewSettingsBody>> {
    let settings = service(&state)
        .update_settings(user.user_id, body.into_inner().into_domain())
        .await?;
    Ok(web::Json(settings.into()))
}

/// Fits the scheduler's 21 FSRS-6 parameters to the student's own reviews, in the background
/// (the `fsrs` optimizer). Answers 202 at once; when the fitting ends, the parameters are in
/// the settings (`customParameters` true), used by every review from then on, and a
/// notification says so. The optimizer learns from reviews made a day or more after the one
/// before: with fewer than 8 of them it is refused (422).
#[utoipa::path(post, path = "/api/v1/me/review-settings/optimize", tag = "reviews",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 202, description = "Queued", body = OptimizationQueued,
            headers(("Location" = String, description = "The settings, where the parameters \
                will be"))),
        (status = 401, body = Problem),
        (status = 422, description = "Too few reviews to learn from; the detail says how many \
            there are and how many are needed", body = Problem),
        (status = 503, description = "The fitting could not be queued", body = Problem)))]
async fn optimize(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> ApiResult<Accepted<OptimizationQueued>> {
    let reviews = state.parameter_fitting()?.start(user.user_id).await?;
    Ok(Accepted::at(
        "/api/v1/me/review-settings".to_owned(),
        OptimizationQueued { reviews },
    ))
}
