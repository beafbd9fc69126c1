//! The OpenAPI 3.1 document, generated from the handlers, and the interactive page.

use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{FieldError, Problem};

struct SessionAuth;

impl Modify for SessionAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::token::COOKIE_NAME,
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "sophie",
        description = "The API of sophie, an AI study platform: courses, notes, documents, \
                       flashcards, quizzes, study guides, chat, calendar, imports, notifications \
                       and search. Sign up or in under /auth, then send the token as \
                       `Authorization: Bearer <token>` (or let the cookie do it)."
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&SessionAuth)
)]
struct BaseApi;

/// The whole document: the base merged with every resource module's paths.
#[must_use]
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = BaseApi::openapi();
    doc.merge(crate::auth::routes::AuthApi::openapi());
    for part in crate::routes::documents() {
        doc.merge(part);
    }
    unique_operation_ids(&mut doc);
    doc
}

/// Handlers are named `list`, `get`, ... in every module; OpenAPI wants each operation id
/// unique, so each is prefixed with its tag: `courses_list`, `notes_list`.
fn unique_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            let tag = operation
                .tags
                .as_ref()
                .and_then(|tags| tags.first())
                .map(|t| t.replace('-', "_"));
            if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut())
                && !id.starts_with(&tag)
            {
                *id = format!("{tag}_{id}");
            }
        }
    }
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    let doc = document();
    let json = serde_json::to_string(&doc).unwrap_or_else(|_| "{}".to_owned());
    cfg.route(
        "/api/openapi.json",
        web::get().to(move || {
            let json = json.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(json)
            }
        }),
    )
    .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/docs/openapi.json", doc))
    .route(
        "/api/docs",
        web::get().to(|| async {
            HttpResponse::Found()
                .insert_header(("Location", "/api/docs/"))
                .finish()
        }),
    );
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::document;

    #[test]
    fn the_document_is_openapi_3_1_with_every_resource_and_unique_operation_ids() {
        let doc = document();
        let json = serde_json::to_value(&doc).unwrap();
        assert!(json["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = json["paths"].as_object().unwrap();
        for path in [
            "/api/v1/auth/sign-up",
            "/api/v1/auth/sign-in",
            "/api/v1/auth/sign-out",
            "/api/v1/auth/sign-out-all",
            "/api/v1/me",
            "/api/v1/me/password",
            "/api/v1/courses",
            "/api/v1/courses/{id}",
            "/api/v1/notes",
            "/api/v1/notes/{id}",
            "/api/v1/documents",
            "/api/v1/documents/{id}",
            "/api/v1/flashcard-sets",
            "/api/v1/flashcard-sets/{id}",
            "/api/v1/quizzes",
            "/api/v1/quizzes/{id}",
            "/api/v1/study-guides",
            "/api/v1/chat-sessions",
            "/api/v1/calendar-events",
            "/api/v1/import-jobs",
            "/api/v1/notifications",
            "/api/v1/search",
        ] {
            assert!(
                paths.contains_key(path),
                "{path} is missing from the document"
            );
        }
        let mut ids = HashSet::new();
        let mut operations = 0;
        for item in paths.values() {
            for (_, operation) in item.as_object().unwrap() {
                if let Some(id) = operation.get("operationId").and_then(|v| v.as_str()) {
                    operations += 1;
                    assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
                }
            }
        }
        assert!(operations >= 60, "only {operations} operations documented");
    }
}
