//! `GET /api/v1/calendar/agenda`: the coming days with what to study for each event.

use actix_web::web;
use serde::Deserialize;
use sophie_domain::Agenda;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::query::ApiQuery;
use crate::state::AppState;

/// How far the agenda reaches.
// `utoipa::IntoParams` stays qualified: see `CalendarQuery`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct AgendaQuery {
    /// How many days ahead, 1 to 31; 7 by default.
    #[param(minimum = 1, maximum = 31)]
    days: Option<u32>,
}

/// The student's coming events, from now to `days` days ahead, earliest first (repeating ones
/// as their occurrences), each with what to study for it: for an event of a course, how many
/// of the course's flashcards come due by its day and the course's quizzes not yet attempted.
#[utoipa::path(get, path = "/api/v1/calendar/agenda", tag = "calendar",
    params(AgendaQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Agenda), (status = 401, body = Problem),
        (status = 422, description = "`days` outside 1 to 31, or more than 5,000 \
            occurrences in the span", body = Problem)))]
pub(super) async fn agenda(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: ApiQuery<AgendaQuery>,
) -> ApiResult<web::Json<Agenda>> {
    let days = query.into_inner().days.unwrap_or(7);
    let agenda = state.agenda().agenda(user.user_id, days).await?;
    Ok(web::Json(agenda))
}
