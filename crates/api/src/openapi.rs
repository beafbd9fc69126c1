//! The OpenAPI 3.1 document, generated from the handlers, and the interactive page.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use actix_web::{HttpResponse, web};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Response};
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
    complete_responses(&mut doc);
    doc
}

/// The document, built once.
pub(crate) fn shared() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(document)
}

/// The operations of a path, with their lower-case methods.
pub(crate) fn operations(item: &PathItem) -> Vec<(&'static str, &Operation)> {
    [
        ("get", &item.get),
        ("put", &item.put),
        ("post", &item.post),
        ("delete", &item.delete),
        ("options", &item.options),
        ("head", &item.head),
        ("patch", &item.patch),
        ("trace", &item.trace),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_ref().map(|op| (method, op)))
    .collect()
}

/// The methods the document lists for the path matching `path` (a concrete request path or a
/// route pattern), upper-case and sorted; `None` when no documented path matches.
pub(crate) fn allowed_methods(path: &str) -> Option<Vec<String>> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    shared().paths.paths.iter().find_map(|(template, item)| {
        let pattern: Vec<&str> = template.split('/').collect();
        let matches = pattern.len() == segments.len()
            && pattern
                .iter()
                .zip(&segments)
                .all(|(p, s)| p == s || (p.starts_with('{') && p.ends_with('}') && !s.is_empty()));
        matches.then(|| {
            operations(item)
                .into_iter()
                .map(|(method, _)| method.to_ascii_uppercase())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        })
    })
}

fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

/// Completes every operation with the answers the layers around its handler give, so the
/// document lists each status the server can send, and sends every error as the
/// `application/problem+json` it is:
///
/// - 401 on every secured operation (the session middleware);
/// - 400, 413, 415 and 422 on every operation with a body (the JSON extractor and validation);
/// - 422 on every operation with query parameters (the query extractor);
/// - 404 on every operation with a path parameter (an id that names nothing);
/// - 500 and 503 everywhere (a failure, or the storage unreachable: `Retry-After` says when
///   to try again).
fn complete_responses(doc: &mut utoipa::openapi::OpenApi) {
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
            let secured = operation
                .security
                .as_ref()
                .is_some_and(|requirements| !requirements.is_empty());
            let parameters = operation.parameters.as_deref().unwrap_or_default();
            let has_query = parameters
                .iter()
                .any(|p| matches!(p.parameter_in, ParameterIn::Query));
            let has_path = parameters
                .iter()
                .any(|p| matches!(p.parameter_in, ParameterIn::Path));
            let has_body = operation.request_body.is_some();
            let mut added: Vec<(&str, &str)> = Vec::new();
            if has_body {
                added.push((
                    "400",
                    "The body is not a JSON object, or a field has the wrong JSON type",
                ));
                added.push(("413", "The body is over the size limit"));
                added.push(("415", "The body is not JSON"));
            }
            if has_body || has_query {
                added.push((
                    "422",
                    "A value breaks its rule; `errors` names each field or parameter at fault",
                ));
            }
            if has_path {
                added.push(("404", "Nothing of the student's has this id"));
            }
            if secured {
                added.push(("401", "Not signed in, or the session has ended"));
            }
            added.push(("500", "The server failed; the cause is logged, not sent"));
            let responses = &mut operation.responses.responses;
            for (status, description) in added {
                responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description));
            }
            responses.entry("503".to_owned()).or_insert_with(|| {
                let mut unavailable = problem("The storage is unreachable; try again shortly");
                if let RefOr::T(response) = &mut unavailable {
                    response.headers.insert(
                        "Retry-After".to_owned(),
                        HeaderBuilder::new()
                            .schema(
                                utoipa::openapi::ObjectBuilder::new()
                                    .schema_type(utoipa::openapi::schema::Type::Integer),
                            )
                            .description(Some("Seconds to wait before trying again"))
                            .build(),
                    );
                }
                unavailable
            });
            // Every error is a problem document, whatever the handler's annotation said.
            for (status, response) in responses.iter_mut() {
                if (status.starts_with('4') || status.starts_with('5'))
                    && let RefOr::T(response) = response
                {
                    let schema = Some(Ref::from_schema_name("Problem"));
                    response.content.clear();
                    response.content.insert(
                        "application/problem+json".to_owned(),
                        ContentBuilder::new().schema(schema).build(),
                    );
                }
            }
        }
    }
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
    let doc = shared().clone();
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

    #[test]
    fn enums_are_documented_as_they_travel() {
        let json = serde_json::to_value(document()).unwrap();
        let schemas = &json["components"]["schemas"];
        for (name, values) in [
            (
                "Difficulty",
                sophie_domain::Difficulty::ALL
                    .iter()
                    .map(|d| d.as_str())
                    .collect::<Vec<_>>(),
            ),
            (
                "QuestionType",
                sophie_domain::QuestionType::ALL
                    .iter()
                    .map(|d| d.as_str())
                    .collect(),
            ),
            (
                "NoteSource",
                sophie_domain::NoteSource::ALL
                    .iter()
                    .map(|d| d.as_str())
                    .collect(),
            ),
        ] {
            assert_eq!(schemas[name]["enum"], serde_json::json!(values), "{name}");
        }
    }

    #[test]
    fn every_error_is_a_problem_and_every_secured_operation_lists_401() {
        let json = serde_json::to_value(document()).unwrap();
        for (path, item) in json["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let responses = operation["responses"].as_object().unwrap();
                for (status, response) in responses {
                    if status.starts_with('4') || status.starts_with('5') {
                        let content = response["content"].as_object().unwrap();
                        assert_eq!(
                            content.keys().collect::<Vec<_>>(),
                            ["application/problem+json"],
                            "{method} {path} {status}"
                        );
                    }
                }
                if operation.get("security").is_some() {
                    assert!(responses.contains_key("401"), "{method} {path}");
                }
                if operation.get("requestBody").is_some() {
                    for status in ["400", "413", "415", "422"] {
                        assert!(responses.contains_key(status), "{method} {path} {status}");
                    }
                }
            }
        }
        // The rules of the values, from their constants (utoipa wraps an inlined, described
        // field in a one-branch `oneOf`).
        let name = &json["components"]["schemas"]["CreateCourse"]["properties"]["name"]["oneOf"][0];
        assert_eq!(name["maxLength"], sophie_domain::values::Name::MAX_CHARS);
        assert!(name["pattern"].as_str().unwrap().contains("\\u0000"));
    }
}
