//! `?limit=` and `?cursor=` on every list.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::Deserialize;
use sophie_domain::{Cursor, PageRequest};
use utoipa::IntoParams;

use crate::error::{ApiError, ApiResult};

/// The page asked for.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page (20 by default).
    #[param(schema_with = limit_schema)]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page of the same list.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
    /// The list asked for: the request's path, which the cursor must have come from.
    #[serde(skip)]
    #[param(ignore)]
    list: String,
}

/// `limit`: from 1 to the domain's largest page.
fn limit_schema() -> utoipa::openapi::Object {
    limit_up_to(PageRequest::MAX_LIMIT)
}

/// The schema of a `limit` parameter: an integer from 1 to `max`, a bound of the domain's.
pub(crate) fn limit_up_to(max: u32) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .minimum(Some(1))
        .maximum(Some(max))
        .build()
}

impl FromRequest for PageQuery {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(crate::query::parse::<Self>(req).map(|page| Self {
            list: req.path().to_owned(),
            ..page
        }))
    }
}

impl PageQuery {
    /// The domain's page request, bound to this list.
    ///
    /// # Errors
    ///
    /// 422 on a bad limit, or a cursor this list did not issue.
    pub fn to_request(&self) -> ApiResult<PageRequest> {
        let cursor = self
            .cursor
            .as_deref()
            .map(Cursor::decode)
            .transpose()
            .map_err(ApiError::from)?;
        PageRequest::new(self.limit, cursor)
            .and_then(|request| request.within(&self.list))
            .map_err(ApiError::from)
    }
}
