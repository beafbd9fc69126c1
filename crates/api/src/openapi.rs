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
    doc
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
