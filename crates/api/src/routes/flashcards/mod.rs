//! `/api/v1/flashcard-sets`: sets of flashcards and their cards.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use sophie_domain::values::{CardText, Color, Description, Tags, Title};
use sophie_domain::{
    CourseId, Difficulty, DocumentId, Flashcard, FlashcardId, FlashcardSet, FlashcardSetFilter,
    FlashcardSetId, FlashcardSetUpdate, FlashcardSetWithCards, FlashcardUpdate, NewFlashcard,
    NewFlashcardSet, NoteId, Page, SourceLinks, SourceLinksUpdate,
};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use super::created;
use crate::all_valid;
use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::json::ApiJson;
use crate::paging::PageQuery;
use crate::patch;
use crate::state::AppState;
use crate::validate::Fields;

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

/// `field` under `prefix` (`flashcards[3].question`), or `field` alone without a prefix.
fn field_name(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_owned()
    } else {
        format!("{prefix}.{field}")
    }
}

/// A new flashcard.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateFlashcard {
    /// The front, 1 to 5000 characters.
    question: String,
    /// The back, 1 to 5000 characters.
    answer: String,
    /// A hint.
    hint: Option<String>,
    /// Why the answer is right.
    explanation: Option<String>,
    /// How hard it is; the set's difficulty by default.
    difficulty: Option<Difficulty>,
}

impl CreateFlashcard {
    /// Checks the card into `fields`, naming its fields after `prefix`.
    fn check(
        self,
        fields: &mut Fields,
        prefix: &str,
        set_difficulty: Difficulty,
    ) -> Option<NewFlashcard> {
        let question = fields.check(
            &field_name(prefix, "question"),
            CardText::parse(self.question),
        );
        let answer = fields.check(&field_name(prefix, "answer"), CardText::parse(self.answer));
        let hint = fields.check_opt(&field_name(prefix, "hint"), self.hint, CardText::parse);
        let explanation = fields.check_opt(
            &field_name(prefix, "explanation"),
            self.explanation,
            CardText::parse,
        );
        match (question, answer, hint, explanation) {
            (Some(question), Some(answer), Some(hint), Some(explanation)) => Some(NewFlashcard {
                question,
                answer,
                hint,
                explanation,
                difficulty: self.difficulty.unwrap_or(set_difficulty),
            }),
            _ => None,
        }
    }

    fn into_domain(self, set_difficulty: Difficulty) -> ApiResult<NewFlashcard> {
        let mut fields = Fields::new();
        let card = self.check(&mut fields, "", set_difficulty);
        Ok(all_valid!(fields, (card) => card))
    }
}

/// A new flashcard set with its cards.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateFlashcardSet {
    /// Its title, 1 to 200 characters.
    title: String,
    /// A description.
    description: Option<String>,
    /// How hard it is overall.
    difficulty: Difficulty,
    /// Up to 20 tags.
    tags: Option<Vec<String>>,
    /// A palette name or hex colour; `blue` by default.
    color: Option<String>,
    /// The course it is filed under.
    course_id: Option<Uuid>,
    /// The note it was made from.
    note_id: Option<Uuid>,
    /// The document it was made from.
    document_id: Option<Uuid>,
    /// Its cards, at most 500.
    flashcards: Vec<CreateFlashcard>,
}

impl CreateFlashcardSet {
    fn into_domain(self) -> ApiResult<NewFlashcardSet> {
        let mut fields = Fields::new();
        let title = fields.check("title", Title::parse(self.title));
        let description = fields.check_opt("description", self.description, Description::parse);
        let tags = fields
            .check_opt("tags", self.tags, Tags::parse)
            .map(Option::unwrap_or_default);
        let color = fields
            .check_opt("color", self.color, Color::parse)
            .map(Option::unwrap_or_default);
        let links = SourceLinks {
            course_id: self.course_id.map(CourseId::from_uuid),
            note_id: self.note_id.map(NoteId::from_uuid),
            document_id: self.document_id.map(DocumentId::from_uuid),
        };
        let difficulty = self.difficulty;
        let flashcards = if self.flashcards.len() > NewFlashcardSet::MAX_CARDS {
            fields.push(
                "flashcards",
                format!("a set holds at most {} cards", NewFlashcardSet::MAX_CARDS),
            );
            None
        } else {
            // Every card is checked, so the client hears of every bad one at once.
            let cards: Vec<Option<NewFlashcard>> = self
                .flashcards
                .into_iter()
                .enumerate()
                .map(|(index, card)| {
                    card.check(&mut fields, &format!("flashcards[{index}]"), difficulty)
                })
                .collect();
            cards.into_iter().collect::<Option<Vec<_>>>()
        };
        Ok(
            all_valid!(fields, (title, description, tags, color, flashcards) => NewFlashcardSet {
                title, description, difficulty, tags, color, links, flashcards,
            }),
        )
    }
}

/// Changes to a flashcard set (not its cards): fields left out stay; `null` clears a nullable
/// one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateFlashcardSet {
    title: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    difficulty: Option<Difficulty>,
    tags: Option<Vec<String>>,
    color: Option<String>,
    /// `null` unfiles the set.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Uuid>)]
    course_id: Option<Option<Uuid>>,
    /// `null` unlinks the note.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Uuid>)]
    note_id: Option<Option<Uuid>>,
    /// `null` unlinks the document.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Uuid>)]
    document_id: Option<Option<Uuid>>,
}

impl UpdateFlashcardSet {
    fn into_domain(self) -> ApiResult<FlashcardSetUpdate> {
        let mut fields = Fields::new();
        let title = fields.check_opt("title", self.title, Title::parse);
        let description = fields.check_patch("description", self.description, Description::parse);
        let tags = fields.check_opt("tags", self.tags, Tags::parse);
        let color = fields.check_opt("color", self.color, Color::parse);
        let links = SourceLinksUpdate {
            course_id: self.course_id.map(|id| id.map(CourseId::from_uuid)),
            note_id: self.note_id.map(|id| id.map(NoteId::from_uuid)),
            document_id: self.document_id.map(|id| id.map(DocumentId::from_uuid)),
        };
        let difficulty = self.difficulty;
        Ok(
            all_valid!(fields, (title, description, tags, color) => FlashcardSetUpdate {
                title, description, difficulty, tags, color, links,
            }),
        )
    }
}

/// Changes to a flashcard: fields left out stay; `null` clears a nullable one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateFlashcard {
    question: Option<String>,
    answer: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    hint: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    explanation: Option<Option<String>>,
    difficulty: Option<Difficulty>,
}

impl UpdateFlashcard {
    fn into_domain(self) -> ApiResult<FlashcardUpdate> {
        let mut fields = Fields::new();
        let question = fields.check_opt("question", self.question, CardText::parse);
        let answer = fields.check_opt("answer", self.answer, CardText::parse);
        let hint = fields.check_patch("hint", self.hint, CardText::parse);
        let explanation = fields.check_patch("explanation", self.explanation, CardText::parse);
        let difficulty = self.difficulty;
        Ok(
            all_valid!(fields, (question, answer, hint, explanation) => FlashcardUpdate {
                question, answer, hint, explanation, difficulty,
            }),
        )
    }
}

/// Narrows the list of flashcard sets; filters combine with AND.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct FlashcardSetQuery {
    /// Only sets filed under this course.
    course_id: Option<Uuid>,
    /// Only sets made from this note.
    note_id: Option<Uuid>,
    /// Only sets made from this document.
    document_id: Option<Uuid>,
    /// Only sets carrying this tag.
    tag: Option<String>,
    /// Only sets of this difficulty.
    difficulty: Option<Difficulty>,
}

impl FlashcardSetQuery {
    fn into_domain(self) -> FlashcardSetFilter {
        FlashcardSetFilter {
            course_id: self.course_id.map(CourseId::from_uuid),
            note_id: self.note_id.map(NoteId::from_uuid),
            document_id: self.document_id.map(DocumentId::from_uuid),
            tag: self.tag,
            difficulty: self.difficulty,
        }
    }
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
) -> ApiResult<HttpResponse> {
    let new = body.into_inner().into_domain()?;
    let set = state
        .repositories
        .flashcards
        .create_set(user.user_id, new)
        .await?;
    Ok(created(
        format!("/api/v1/flashcard-sets/{}", set.set.id),
        &set,
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
    page: web::Query<PageQuery>,
    filter: web::Query<FlashcardSetQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.to_request()?;
    let sets = state
        .repositories
        .flashcards
        .list_sets(user.user_id, filter.into_inner().into_domain(), page)
        .await?;
    Ok(HttpResponse::Ok().json(sets))
}

/// Reads a flashcard set with its cards, oldest card first.
#[utoipa::path(get, path = "/api/v1/flashcard-sets/{id}", tag = "flashcards",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = FlashcardSetWithCards), (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let set = state
        .repositories
        .flashcards
        .get_set(user.user_id, FlashcardSetId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(set))
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
    id: web::Path<Uuid>,
    body: ApiJson<UpdateFlashcardSet>,
) -> ApiResult<HttpResponse> {
    let update = body.into_inner().into_domain()?;
    let set = state
        .repositories
        .flashcards
        .update_set(
            user.user_id,
            FlashcardSetId::from_uuid(id.into_inner()),
            update,
        )
        .await?;
    Ok(HttpResponse::Ok().json(set))
}

/// Deletes a flashcard set and its cards.
#[utoipa::path(delete, path = "/api/v1/flashcard-sets/{id}", tag = "flashcards",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    state
        .repositories
        .flashcards
        .delete_set(user.user_id, FlashcardSetId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
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
    id: web::Path<Uuid>,
    body: ApiJson<CreateFlashcard>,
) -> ApiResult<HttpResponse> {
    let set_id = FlashcardSetId::from_uuid(id.into_inner());
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
    Ok(created(
        format!("/api/v1/flashcard-sets/{set_id}/flashcards/{}", card.id),
        &card,
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
    ids: web::Path<(Uuid, Uuid)>,
    body: ApiJson<UpdateFlashcard>,
) -> ApiResult<HttpResponse> {
    let (set_id, card_id) = ids.into_inner();
    let update = body.into_inner().into_domain()?;
    let card = state
        .repositories
        .flashcards
        .update_card(
            user.user_id,
            FlashcardSetId::from_uuid(set_id),
            FlashcardId::from_uuid(card_id),
            update,
        )
        .await?;
    Ok(HttpResponse::Ok().json(card))
}

/// Removes a card from a flashcard set.
#[utoipa::path(delete, path = "/api/v1/flashcard-sets/{id}/flashcards/{cardId}",
    tag = "flashcards", params(("id" = Uuid, Path), ("cardId" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_card(
    state: web::Data<AppState>,
    user: CurrentUser,
    ids: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (set_id, card_id) = ids.into_inner();
    state
        .repositories
        .flashcards
        .delete_card(
            user.user_id,
            FlashcardSetId::from_uuid(set_id),
            FlashcardId::from_uuid(card_id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;
    use actix_web::dev::{Service, ServiceResponse};
    use actix_web::test;
    use serde_json::{Value, json};

    use crate::test_support::{app, bearer, signed_in, state};

    /// Sends `request` as `token`; the status, the `Location` and the JSON body (`null` if none).
    async fn send<S, B>(
        app: &S,
        token: &str,
        request: test::TestRequest,
    ) -> (u16, Option<String>, Value)
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let response = request.insert_header(bearer(token)).send_request(app).await;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("Location")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = test::read_body(response).await;
        let json = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body).unwrap()
        };
        (status, location, json)
    }

    fn error_fields(problem: &Value) -> Vec<&str> {
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect()
    }

    fn three_cards() -> Value {
        json!({
            "title": "Cell biology",
            "difficulty": "MEDIUM",
            "tags": ["biology", "cells"],
            "flashcards": [
                { "question": "Powerhouse of the cell?", "answer": "The mitochondria" },
                { "question": "Where is DNA kept?", "answer": "The nucleus", "hint": "N...",
                  "difficulty": "EASY" },
                { "question": "What makes proteins?", "answer": "Ribosomes",
                  "explanation": "They translate mRNA." }
            ]
        })
    }

    #[actix_web::test]
    async fn a_set_is_created_with_its_cards_in_one_request_and_read_back_with_them() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;

        let (status, location, set) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri("/api/v1/flashcard-sets")
                .set_json(three_cards()),
        )
        .await;
        assert_eq!(status, 201, "{set}");
        let location = location.unwrap();
        assert_eq!(
            location,
            format!("/api/v1/flashcard-sets/{}", set["id"].as_str().unwrap())
        );
        assert_eq!(set["color"], "blue");
        assert_eq!(set["tags"], json!(["biology", "cells"]));
        let cards = set["flashcards"].as_array().unwrap();
        assert_eq!(cards.len(), 3);
        assert_eq!(
            cards[0]["difficulty"], "MEDIUM",
            "a card takes the set's difficulty"
        );
        assert_eq!(cards[1]["difficulty"], "EASY");
        assert_eq!(cards[1]["hint"], "N...");

        let (status, _, read) = send(&app, &token, test::TestRequest::get().uri(&location)).await;
        assert_eq!(status, 200);
        assert_eq!(read, set, "read back as created, cards in order");

        let (status, _, page) = send(
            &app,
            &token,
            test::TestRequest::get().uri("/api/v1/flashcard-sets?tag=cells&difficulty=MEDIUM"),
        )
        .await;
        assert_eq!(status, 200);
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["id"], set["id"]);
        assert!(items[0].get("flashcards").is_none(), "lists carry no cards");
        let (_, _, none) = send(
            &app,
            &token,
            test::TestRequest::get().uri("/api/v1/flashcard-sets?difficulty=HARD"),
        )
        .await;
        assert_eq!(none["items"], json!([]));
    }

    #[actix_web::test]
    async fn cards_are_added_changed_and_removed_and_the_set_is_changed_and_deleted() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let (_, location, set) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri("/api/v1/flashcard-sets")
                .set_json(json!({ "title": "Empty", "description": "For now",
                    "difficulty": "HARD", "flashcards": [] })),
        )
        .await;
        let set_uri = location.unwrap();

        let (status, card_uri, card) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri(&format!("{set_uri}/flashcards"))
                .set_json(json!({ "question": "2 + 2?", "answer": "4", "hint": "even" })),
        )
        .await;
        assert_eq!(status, 201, "{card}");
        let card_uri = card_uri.unwrap();
        assert_eq!(
            card_uri,
            format!("{set_uri}/flashcards/{}", card["id"].as_str().unwrap())
        );
        assert_eq!(
            card["difficulty"], "HARD",
            "a card takes the set's difficulty"
        );
        assert_eq!(card["flashcardSetId"], set["id"]);

        let (status, _, changed) = send(
            &app,
            &token,
            test::TestRequest::patch()
                .uri(&card_uri)
                .set_json(json!({ "answer": "four", "hint": null, "difficulty": "EASY" })),
        )
        .await;
        assert_eq!(status, 200, "{changed}");
        assert_eq!(changed["answer"], "four");
        assert_eq!(changed["hint"], Value::Null, "null clears the hint");
        assert_eq!(changed["question"], "2 + 2?", "untouched fields stay");
        assert_eq!(changed["difficulty"], "EASY");

        let (_, _, read) = send(&app, &token, test::TestRequest::get().uri(&set_uri)).await;
        assert_eq!(read["flashcards"], json!([changed]));

        let (status, _, bad) = send(
            &app,
            &token,
            test::TestRequest::patch()
                .uri(&card_uri)
                .set_json(json!({ "question": " " })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(error_fields(&bad), ["question"]);

        let (status, _, _) = send(&app, &token, test::TestRequest::delete().uri(&card_uri)).await;
        assert_eq!(status, 204);
        let (_, _, read) = send(&app, &token, test::TestRequest::get().uri(&set_uri)).await;
        assert_eq!(read["flashcards"], json!([]));
        let (status, _, _) = send(&app, &token, test::TestRequest::delete().uri(&card_uri)).await;
        assert_eq!(status, 404, "a removed card is gone");

        let (status, _, changed) = send(
            &app,
            &token,
            test::TestRequest::patch()
                .uri(&set_uri)
                .set_json(json!({ "title": "Arithmetic", "description": null,
                    "tags": ["math"], "color": "#ABC" })),
        )
        .await;
        assert_eq!(status, 200, "{changed}");
        assert_eq!(changed["title"], "Arithmetic");
        assert_eq!(
            changed["description"],
            Value::Null,
            "null clears the description"
        );
        assert_eq!(changed["tags"], json!(["math"]));
        assert_eq!(changed["color"], "#abc");
        assert_eq!(changed["difficulty"], "HARD");

        let (status, _, _) = send(&app, &token, test::TestRequest::delete().uri(&set_uri)).await;
        assert_eq!(status, 204);
        let (status, _, _) = send(&app, &token, test::TestRequest::get().uri(&set_uri)).await;
        assert_eq!(status, 404);
    }

    #[actix_web::test]
    async fn a_set_links_to_the_students_course_and_unlinks_with_null() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let (_, _, course) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri("/api/v1/courses")
                .set_json(json!({ "name": "Biology" })),
        )
        .await;
        let mut body = three_cards();
        body["courseId"] = course["id"].clone();
        let (status, location, set) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri("/api/v1/flashcard-sets")
                .set_json(body),
        )
        .await;
        assert_eq!(status, 201, "{set}");
        assert_eq!(set["courseId"], course["id"]);
        let (_, _, page) = send(
            &app,
            &token,
            test::TestRequest::get().uri(&format!(
                "/api/v1/flashcard-sets?courseId={}",
                course["id"].as_str().unwrap()
            )),
        )
        .await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1);

        let (status, _, changed) = send(
            &app,
            &token,
            test::TestRequest::patch()
                .uri(&location.unwrap())
                .set_json(json!({ "courseId": null })),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(changed["courseId"], Value::Null);
        assert_eq!(changed["title"], "Cell biology");

        let mut body = three_cards();
        body["noteId"] = json!("0190a0a0-0000-7000-8000-000000000000");
        let (status, _, _) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri("/api/v1/flashcard-sets")
                .set_json(body),
        )
        .await;
        assert_eq!(status, 404, "a note that is not the student's");
    }

    #[actix_web::test]
    async fn a_bad_card_is_named_by_its_position_and_too_many_cards_are_refused() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let (status, _, problem) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri("/api/v1/flashcard-sets")
                .set_json(json!({
                    "title": "Bad",
                    "difficulty": "EASY",
                    "flashcards": [
                        { "question": "Fine?", "answer": "Yes" },
                        { "question": "Empty answer?", "answer": "   " }
                    ]
                })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(error_fields(&problem), ["flashcards[1].answer"]);

        let (status, _, problem) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri("/api/v1/flashcard-sets")
                .set_json(json!({
                    "title": " ",
                    "difficulty": "EASY",
                    "color": "blurple",
                    "flashcards": [{ "question": "", "answer": "a", "hint": "" }]
                })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(
            error_fields(&problem),
            [
                "title",
                "color",
                "flashcards[0].question",
                "flashcards[0].hint"
            ],
            "every problem at once"
        );

        let (status, _, problem) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri("/api/v1/flashcard-sets")
                .set_json(json!({
                    "title": "Unknown difficulty",
                    "difficulty": "EASY",
                    "flashcards": [{ "question": "q", "answer": "a", "difficulty": "TRIVIAL" }]
                })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(error_fields(&problem), ["flashcards[0].difficulty"]);

        let cards: Vec<Value> = (0..=sophie_domain::NewFlashcardSet::MAX_CARDS)
            .map(|i| json!({ "question": format!("q{i}"), "answer": "a" }))
            .collect();
        let (status, _, problem) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri("/api/v1/flashcard-sets")
                .set_json(json!({ "title": "Huge", "difficulty": "EASY", "flashcards": cards })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(error_fields(&problem), ["flashcards"]);

        let (_, _, page) = send(
            &app,
            &token,
            test::TestRequest::get().uri("/api/v1/flashcard-sets"),
        )
        .await;
        assert_eq!(page["items"], json!([]), "nothing was created");
    }

    #[actix_web::test]
    async fn another_students_set_and_its_cards_are_not_found_and_stay_unchanged() {
        let state = state();
        let (_, ada) = signed_in(&state, "ada@example.com").await;
        let (_, bob) = signed_in(&state, "bob@example.com").await;
        let app = app(state).await;
        let (_, location, set) = send(
            &app,
            &ada,
            test::TestRequest::post()
                .uri("/api/v1/flashcard-sets")
                .set_json(three_cards()),
        )
        .await;
        let set_uri = location.unwrap();
        let card_uri = format!(
            "{set_uri}/flashcards/{}",
            set["flashcards"][0]["id"].as_str().unwrap()
        );

        for request in [
            test::TestRequest::get().uri(&set_uri),
            test::TestRequest::patch()
                .uri(&set_uri)
                .set_json(json!({ "title": "Mine now" })),
            test::TestRequest::delete().uri(&set_uri),
            test::TestRequest::post()
                .uri(&format!("{set_uri}/flashcards"))
                .set_json(json!({ "question": "q", "answer": "a", "difficulty": "EASY" })),
            test::TestRequest::post()
                .uri(&format!("{set_uri}/flashcards"))
                .set_json(json!({ "question": "q", "answer": "a" })),
            test::TestRequest::patch()
                .uri(&card_uri)
                .set_json(json!({ "answer": "changed" })),
            test::TestRequest::delete().uri(&card_uri),
        ] {
            let (status, _, problem) = send(&app, &bob, request).await;
            assert_eq!(status, 404, "{problem}");
        }
        let (_, _, bobs) = send(
            &app,
            &bob,
            test::TestRequest::get().uri("/api/v1/flashcard-sets"),
        )
        .await;
        assert_eq!(bobs["items"], json!([]));

        let (status, _, read) = send(&app, &ada, test::TestRequest::get().uri(&set_uri)).await;
        assert_eq!(status, 200);
        assert_eq!(read, set, "unchanged");
    }

    #[actix_web::test]
    async fn every_route_is_documented() {
        use utoipa::OpenApi as _;
        let doc = super::Api::openapi();
        let paths: Vec<&str> = doc.paths.paths.keys().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                "/api/v1/flashcard-sets",
                "/api/v1/flashcard-sets/{id}",
                "/api/v1/flashcard-sets/{id}/flashcards",
                "/api/v1/flashcard-sets/{id}/flashcards/{cardId}"
            ]
        );
    }
}
