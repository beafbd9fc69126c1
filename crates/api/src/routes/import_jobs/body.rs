//! The query string of `/api/v1/import-jobs`, with its conversion into a filter.

use serde::Deserialize;
use sophie_domain::{ImportJobFilter, JobStatus};

/// Narrows the list of imports.
// `utoipa::IntoParams` stays qualified: imported, it makes `#[utoipa::path]` warn
// (`unused_qualifications`) on the `ApiQuery` of the handler.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct ImportJobQuery {
    /// Only imports in this state.
    status: Option<JobStatus>,
}

impl ImportJobQuery {
    pub(super) const fn to_filter(&self) -> ImportJobFilter {
        ImportJobFilter {
            status: self.status,
        }
    }
}
