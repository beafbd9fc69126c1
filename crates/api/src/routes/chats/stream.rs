//! An answer as server-sent events: `token` events with the text piece by piece, then
//! `references`, then the stored `message`, then `done`.

use actix_web::http::header::{ACCEPT, CACHE_CONTROL, LOCATION};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use futures_util::stream;
use sophie_domain::ChatMessage;

/// About how many characters one `token` event carries.
const PIECE_CHARS: usize = 24;

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

/// The stored answer as a `201` event stream.
pub(super) fn events(location: String, answer: &ChatMessage) -> HttpResponse {
    let mut frames: Vec<String> = pieces(&answer.content)
        .into_iter()
        .map(|piece| frame("token", &serde_json::Value::String(piece).to_string()))
        .collect();
    let references = serde_json::to_string(&answer.references).unwrap_or_else(|_| "[]".into());
    frames.push(frame("references", &references));
    let message = serde_json::to_string(answer).unwrap_or_else(|_| "{}".into());
    frames.push(frame("message", &message));
    frames.push(frame("done", "{}"));
    let body = stream::iter(
        frames
            .into_iter()
            .map(|frame| Ok::<_, actix_web::Error>(Bytes::from(frame))),
    );
    HttpResponse::Created()
        .insert_header((LOCATION, location))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .content_type("text/event-stream")
        .streaming(body)
}

/// One event; `data` is one line of JSON.
fn frame(event: &str, data: &str) -> String {
    format!("event: {event}\ndata: {data}\n\n")
}

/// The text cut after white space into pieces of about [`PIECE_CHARS`]; joined, they are the
/// text exactly.
fn pieces(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        current.push(c);
        if c.is_whitespace() && current.chars().count() >= PIECE_CHARS {
            pieces.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
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

    #[test]
    fn pieces_join_back_into_the_text() {
        let text = "Mitochondria make ATP [1], the energy of the cell, from glucose and oxygen.";
        let cut = pieces(text);
        assert!(cut.len() > 1, "not cut: {cut:?}");
        assert_eq!(cut.concat(), text);
        assert!(pieces("").is_empty());
    }
}
