//! Answers that say in the handler's signature what they send: [`Created`] for 201 with the
//! new resource and its `Location`, [`Accepted`] for 202 with a resource still being worked on,
//! [`NoContent`] for 204, and [`Never`] for a handler that
//! only ever fails. A 200 with a JSON body is actix's own `web::Json<T>`.

use actix_web::body::BoxBody;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, Responder};
use serde::Serialize;

/// 201 Created: the new resource as JSON, and its `Location`.
#[derive(Debug)]
pub(crate) struct Created<T> {
    location: String,
    body: T,
}

impl<T> Created<T> {
    /// `body`, created at `location`.
    pub(crate) const fn at(location: String, body: T) -> Self {
        Self { location, body }
    }
}

impl<T: Serialize> Responder for Created<T> {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::Created()
            .insert_header((LOCATION, self.location))
            .json(self.body)
    }
}

/// 202 Accepted: the resource whose work goes on in the background, as JSON, and its
/// `Location` to poll.
#[derive(Debug)]
pub(crate) struct Accepted<T> {
    location: String,
    body: T,
}

impl<T> Accepted<T> {
    /// `body`, to be polled at `location`.
    pub(crate) const fn at(location: String, body: T) -> Self {
        Self { location, body }
    }
}

impl<T: Serialize> Responder for Accepted<T> {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::Accepted()
            .insert_header((LOCATION, self.location))
            .json(self.body)
    }
}

/// 204 No Content.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoContent;

impl Responder for NoContent {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::NoContent().finish()
    }
}
