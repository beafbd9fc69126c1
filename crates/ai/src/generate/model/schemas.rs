//! The JSON Schemas of the model generator's answers, one per operation.
//!
//! They are written for OpenAI's strict structured outputs, which the other servers' JSON
//! schema modes accept too: every object lists all its properties as required and allows no
//! others, and an optional value is a property that may be `null`. They fix the answers'
//! shape only; what makes an item usable (a citation to an existing passage, a
//! multiple-choice answer among its options) is checked item by item afterwards, so one bad
//! item costs that item, not the whole answer.

use serde_json::{Map, Value, json};
use sophie_domain::enums::QuestionType;

/// An object with exactly `properties`, all required.
pub(crate) fn object(properties: &[(&str, Value)]) -> Value {
    let required: Vec<&str> = properties.iter().map(|(name, _)| *name).collect();
    let properties: Map<String, Value> = properties
        .iter()
        .map(|(name, schema)| ((*name).to_owned(), schema.clone()))
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

pub(crate) fn string() -> Value {
    json!({"type": "string"})
}

pub(crate) fn nullable_string() -> Value {
    json!({"type": ["string", "null"]})
}

pub(crate) fn array_of(items: Value) -> Value {
    let mut schema = Map::new();
    schema.insert("type".to_owned(), Value::from("array"));
    schema.insert("items".to_owned(), items);
    Value::Object(schema)
}

fn citations() -> Value {
    array_of(object(&[
        ("passage", json!({"type": "integer"})),
        ("quote", string()),
    ]))
}

/// `{"cards": [{front, back, hint, citations}]}`.
pub(super) fn cards() -> Value {
    object(&[(
        "cards",
        array_of(object(&[
            ("front", string()),
            ("back", string()),
            ("hint", nullable_string()),
            ("citations", citations()),
        ])),
    )])
}

/// A question whose type is one of `types`.
fn question(types: &[QuestionType]) -> Value {
    let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
    object(&[
        ("questionType", json!({"type": "string", "enum": names})),
        ("question", string()),
        ("options", array_of(string())),
        ("correctAnswer", string()),
        ("explanation", nullable_string()),
        ("citations", citations()),
    ])
}

/// `{"questions": [{questionType, question, options, correctAnswer, explanation,
/// citations}]}`, the type one of `types`.
pub(super) fn questions(types: &[QuestionType]) -> Value {
    object(&[("questions", array_of(question(types)))])
}

/// `{title, summary, sections: [{heading, body, citations}], keyTerms: [{term, definition,
/// citations}], practice: [question]}`.
pub(super) fn guide(types: &[QuestionType]) -> Value {
    object(&[
        ("title", string()),
        ("summary", string()),
        (
            "sections",
            array_of(object(&[
                ("heading", string()),
                ("body", string()),
                ("citations", citations()),
            ])),
        ),
        (
            "keyTerms",
            array_of(object(&[
                ("term", string()),
                ("definition", string()),
                ("citations", citations()),
            ])),
        ),
        ("practice", array_of(question(types))),
    ])
}

/// `{answer, citations}`.
///
/// The answer comes first (JSON object keys here sort by name, and servers that constrain
/// the model with the schema keep its order), so a streamed answer shows its words before
/// its citations are written.
pub(super) fn answer() -> Value {
    object(&[("answer", string()), ("citations", citations())])
}

/// `{text}`.
pub(super) fn summary() -> Value {
    object(&[("text", string())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_written_before_its_citations() {
        let schema = answer();
        let order: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
        assert_eq!(order, ["answer", "citations"]);
    }

    /// Every object requires all its properties and allows no others, as strict mode wants.
    fn assert_strict(schema: &Value, path: &str) {
        if schema["type"] == "object" {
            assert_eq!(schema["additionalProperties"], false, "{path}");
            let properties = schema["properties"].as_object().unwrap();
            let required: Vec<&str> = schema["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            assert_eq!(required.len(), properties.len(), "{path}");
            for (name, property) in properties {
                assert!(required.contains(&name.as_str()), "{path}.{name}");
                assert_strict(property, &format!("{path}.{name}"));
            }
        }
        if let Some(items) = schema.get("items") {
            assert_strict(items, &format!("{path}[]"));
        }
    }

    #[test]
    fn every_schema_suits_strict_mode() {
        let types = QuestionType::ALL;
        for (name, schema) in [
            ("cards", cards()),
            ("questions", questions(types)),
            ("guide", guide(types)),
            ("answer", answer()),
            ("summary", summary()),
        ] {
            assert_strict(&schema, name);
        }
    }

    #[test]
    fn question_types_are_limited_to_those_asked_for() {
        let schema = questions(&[QuestionType::TrueFalse]);
        assert_eq!(
            schema["properties"]["questions"]["items"]["properties"]["questionType"]["enum"],
            json!(["TRUE_FALSE"])
        );
    }
}
