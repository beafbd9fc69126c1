//! An answer as server-sent events: `token` events with the text as the model writes it,
//! then `references`, then the stored `message`, then `done`; or, when the model fails
//! midway, an `error` event with the problem.

use std::sync::Arc;

use actix_web::http::header::{ACCEPT, CACHE_CONTROL, LOCATION};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use futures_util::stream;
use sophie_domain::ports::TextSink;
use sophie_domain::services::chat::{ChatService, PendingAnswer};
use tokio::sync::mpsc;

use crate::error::ApiError;

/// Whether the client asked for server-sent events: `text/event-stream` is acceptable
/// (`q` above 0) and preferred to JSON (a higher `q`, or the same `q` and named first).
pub(super) fn wants_events(request: &HttpRequest) -> bool {
    let mut events: Option<(f32, usize)> = None;
    let mut json: Option<(f32, usize)> = None;
    let ranges = request
        .headers()
        .get_all(ACCEPT)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for (position, range) in ranges.enumerate() {
        let mut parts = range.split(';');
        let kind = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let slot = match kind.as_str() {
            "text/event-stream" => &mut events,
            "application/json" => &mut json,
            _ => continue,
        };
        slot.get_or_insert((quality, position));
    }
    match (events, json) {
        (Some((q, _)), _) if q <= 0.0 => false,
        (Some(_), None) => true,
        (Some((q_events, at_events)), Some((q_json, at_json))) => {
            q_events > q_json || (q_events == q_json && at_events < at_json)
        }
        (None, _) => false,
    }
}

/// A `201` event stream of the answer to `pending`, written by `chat` in a task of its own:
/// each piece of text is sent as it comes. A student who goes away does not stop the answer
/// from being stored.
pub(super) fn answer_events(
    location: String,
    chat: ChatService,
    pending: PendingAnswer,
) -> HttpResponse {
    let (sender, receiver) = mpsc::unbounded_channel::<Bytes>();
    let tokens = sender.clone();
    let sink: TextSink = Arc::new(move |piece: &str| {
        let data = serde_json::Value::String(piece.to_owned()).to_string();
        // A closed channel is a student who went away; the answer is still stored.
        let _ = tokens.send(frame("token", &data));
    });
    actix_web::rt::spawn(async move {
        match chat.answer(pending, Some(sink)).await {
            Ok(exchange) => {
                let answer = exchange.answer;
                let references =
                    serde_json::to_string(&answer.references).unwrap_or_else(|_| "[]".into());
                let message = serde_json::to_string(&answer).unwrap_or_else(|_| "{}".into());
                let _ = sender.send(frame("references", &references));
                let _ = sender.send(frame("message", &message));
                let _ = sender.send(frame("done", "{}"));
            }
            Err(error) => {
                let error = ApiError::from(error);
                error.log();
                let problem = serde_json::to_string(&error.problem()).unwrap_or_default();
                let _ = sender.send(frame("error", &problem));
            }
        }
    });
    let body = stream::unfold(receiver, |mut receiver| async move {
        let frame = receiver.recv().await?;
        Some((Ok::<_, actix_web::Error>(frame), receiver))
    });
    HttpResponse::Created()
        .insert_header((LOCATION, location))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .content_type("text/event-stream")
        .streaming(body)
}

/// One event; `data` is one line of JSON.
fn frame(event: &str, data: &str) -> Bytes {
    Bytes::from(format!("event: {event}\ndata: {data}\n\n"))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn events_are_sent_when_preferred_to_json() {
        let asks = |accept: &str| {
            wants_events(
                &TestRequest::default()
                    .insert_header((ACCEPT, accept))
                    .to_http_request(),
            )
        };
        assert!(asks("text/event-stream"));
        assert!(asks("text/event-stream, application/json"));
        assert!(asks("application/json;q=0.5, text/event-stream"));
        assert!(!asks("application/json, text/event-stream"));
        assert!(!asks("text/event-stream;q=0"));
        assert!(!asks("application/json"));
        assert!(!asks("*/*"));
        assert!(!wants_events(&TestRequest::default().to_http_request()));
    }
}
