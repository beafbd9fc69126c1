//! The JSON object in a model's answer, for models that write prose or code fences around it
//! or think aloud before it.

use serde_json::Value;
use sophie_domain::error::{DomainError, DomainResult};
use sophie_domain::ports::GenerationResponse;

/// What a model's answer holds.
#[derive(Debug, PartialEq)]
pub(crate) enum Extracted {
    /// A JSON value, with its text as it stands in the answer.
    Json(Value, String),
    /// Something that starts like a JSON object but does not parse (a cut-off answer, a
    /// trailing comma); the parser's error.
    Invalid(String),
    /// No JSON object at all: prose, or nothing.
    Absent,
}

/// The JSON in `answer`: the whole answer when it parses; otherwise the inside of its first
/// code fence (```` ```json ````) when that parses; otherwise the outermost `{...}` (from the
/// first `{` to the last `}`). A leading `<think>...</think>` block, as reasoning models
/// write, is skipped.
pub(crate) fn json_in(answer: &str) -> Extracted {
    let answer = without_thinking(answer).trim();
    if let Ok(value) = serde_json::from_str::<Value>(answer) {
        return Extracted::Json(value, answer.to_owned());
    }
    let fenced = inside_fence(answer);
    if let Some(inside) = fenced
        && let Ok(value) = serde_json::from_str::<Value>(inside)
    {
        return Extracted::Json(value, inside.to_owned());
    }
    let text = fenced.unwrap_or(answer);
    let Some(start) = text.find('{') else {
        return Extracted::Absent;
    };
    let candidate = match text.rfind('}') {
        Some(end) if end > start => &text[start..=end],
        // An object that is never closed: most likely cut off at the token limit.
        _ => &text[start..],
    };
    match serde_json::from_str::<Value>(candidate) {
        Ok(value) => Extracted::Json(value, candidate.to_owned()),
        Err(error) => Extracted::Invalid(error.to_string()),
    }
}

/// The JSON of a structured answer: as the model's client parsed it, else as it stands in the
/// text (for a model that does not parse its answers itself); `Internal` without any, naming
/// `request` (`the flashcards request`).
pub(crate) fn answer_json(response: &GenerationResponse, request: &str) -> DomainResult<Value> {
    if let Some(json) = &response.json {
        return Ok(json.clone());
    }
    match json_in(&response.text) {
        Extracted::Json(json, _) => Ok(json),
        Extracted::Invalid(_) | Extracted::Absent => Err(DomainError::internal(format!(
            "the language model answered the {request} without JSON"
        ))),
    }
}

/// `answer` without a leading `<think>...</think>` block.
fn without_thinking(answer: &str) -> &str {
    let trimmed = answer.trim_start();
    if let Some(rest) = trimmed.strip_prefix("<think>")
        && let Some(end) = rest.find("</think>")
    {
        return &rest[end + "</think>".len()..];
    }
    answer
}

/// The inside of the first code fence of `text`, without its language tag.
fn inside_fence(text: &str) -> Option<&str> {
    let start = text.find("```")?;
    let after = &text[start + 3..];
    // The rest of the opening line is the language tag (`json`), if any.
    let body_start = after.find('\n').map_or(0, |newline| newline + 1);
    let body = &after[body_start..];
    let end = body.find("```").unwrap_or(body.len());
    Some(body[..end].trim())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn value(answer: &str) -> Value {
        match json_in(answer) {
            Extracted::Json(value, _) => value,
            other => panic!("{answer}: {other:?}"),
        }
    }

    #[test]
    fn json_is_found_bare_fenced_or_surrounded() {
        let expected = json!({"a": [1, "}"]});
        for answer in [
            r#"{"a": [1, "}"]}"#,
            "  {\"a\": [1, \"}\"]}\n",
            "```json\n{\"a\": [1, \"}\"]}\n```",
            "```\n{\"a\": [1, \"}\"]}\n```",
            "Here it is:\n```json\n{\"a\": [1, \"}\"]}\n```\nAnything else?",
            "Sure! {\"a\": [1, \"}\"]} Hope that helps.",
            "<think>The user wants {braces}.</think>\n{\"a\": [1, \"}\"]}",
        ] {
            assert_eq!(value(answer), expected, "{answer}");
        }
    }

    #[test]
    fn the_text_of_the_json_is_kept() {
        assert_eq!(
            json_in("Answer: {\"a\": 1} done"),
            Extracted::Json(json!({"a": 1}), "{\"a\": 1}".to_owned())
        );
    }

    #[test]
    fn broken_json_is_invalid_and_prose_is_absent() {
        assert!(matches!(
            json_in("{\"text\": \"unfinished"),
            Extracted::Invalid(_)
        ));
        assert!(matches!(json_in("{\"a\": 1,}"), Extracted::Invalid(_)));
        assert_eq!(json_in("The answer is 4."), Extracted::Absent);
        assert_eq!(json_in(""), Extracted::Absent);
    }
}
