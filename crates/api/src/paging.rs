//! `?limit=` and `?cursor=` on every list.

use serde::Deserialize;
use sophie_domain::{Cursor, PageRequest};
use utoipa::IntoParams;

use crate::error::{ApiError, ApiResult};

/// The page asked for.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 100 (20 by default).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The domain's page request.
    ///
    /// # Errors
    ///
    /// 422 on a bad limit or a cursor this API did not issue.
    pub fn to_request(&self) -> ApiResult<PageRequest> {
        let cursor = self
            .cursor
            .as_deref()
            .map(Cursor::decode)
            .transpose()
            .map_err(ApiError::from)?;
        PageRequest::new(self.limit, cursor).map_err(ApiError::from)
    }
}
