//! A validator of the part of JSON Schema that sophie's schemas use.
//!
//! Keywords read: `type` (a name or a list of names among `object`, `array`, `string`,
//! `integer`, `number`, `boolean`, `null`), `enum`, `const`, `anyOf`, `properties`,
//! `required`, `additionalProperties` (`false`, or a schema for the other properties),
//! `items` (one schema for every item), `minItems`, `maxItems`, `minLength` and `maxLength`
//! (counted in characters). Other keywords are ignored, so a schema that uses them is checked
//! only on the keywords above. `true` as a schema accepts anything, `false` nothing.
//!
//! The first violation found is reported with the path of the value that breaks it, as
//! `$.cards[2].citations[0].passage: expected an integer, found a string`, which is precise
//! enough to be sent back to a model so it can correct its answer.

use serde_json::{Map, Value};

/// Checks `value` against `schema`.
///
/// # Errors
///
/// The first violation, as `path: what is wrong`.
pub(crate) fn validate(schema: &Value, value: &Value) -> Result<(), String> {
    check(schema, value, "$")
}

fn check(schema: &Value, value: &Value, path: &str) -> Result<(), String> {
    let rules = match schema {
        Value::Bool(true) => return Ok(()),
        Value::Bool(false) => return Err(format!("{path}: no value is allowed here")),
        Value::Object(rules) => rules,
        // Not a schema: nothing to check.
        _ => return Ok(()),
    };
    check_type(rules, value, path)?;
    check_values(rules, value, path)?;
    if let Some(alternatives) = rules.get("anyOf").and_then(Value::as_array) {
        check_any_of(alternatives, value, path)?;
    }
    match value {
        Value::String(text) => check_string(rules, text, path),
        Value::Array(items) => check_array(rules, items, path),
        Value::Object(members) => check_object(rules, members, path),
        _ => Ok(()),
    }
}

/// `type`: one name or a list of names.
fn check_type(rules: &Map<String, Value>, value: &Value, path: &str) -> Result<(), String> {
    let names: Vec<&str> = match rules.get("type") {
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        _ => return Ok(()),
    };
    if names.is_empty() || names.iter().any(|name| is_of_type(name, value)) {
        return Ok(());
    }
    let expected: Vec<String> = names.iter().map(|name| with_article(name)).collect();
    Err(format!(
        "{path}: expected {}, found {}",
        expected.join(" or "),
        kind(value)
    ))
}

/// `enum` and `const`.
fn check_values(rules: &Map<String, Value>, value: &Value, path: &str) -> Result<(), String> {
    if let Some(allowed) = rules.get("enum").and_then(Value::as_array)
        && !allowed.iter().any(|candidate| same(candidate, value))
    {
        let listed: Vec<String> = allowed.iter().map(Value::to_string).collect();
        return Err(format!(
            "{path}: {} is not one of {}",
            shown(value),
            listed.join(", ")
        ));
    }
    if let Some(wanted) = rules.get("const")
        && !same(wanted, value)
    {
        return Err(format!("{path}: must be {wanted}, found {}", shown(value)));
    }
    Ok(())
}

fn check_any_of(alternatives: &[Value], value: &Value, path: &str) -> Result<(), String> {
    let mut first_error = None;
    for alternative in alternatives {
        match check(alternative, value, path) {
            Ok(()) => return Ok(()),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    match first_error {
        // An empty `anyOf` is not a constraint this validator can honour; it accepts.
        None => Ok(()),
        Some(error) => Err(format!(
            "{path}: matches none of the allowed forms ({error})"
        )),
    }
}

fn check_string(rules: &Map<String, Value>, text: &str, path: &str) -> Result<(), String> {
    let length = text.chars().count();
    if let Some(min) = bound(rules, "minLength")
        && length < min
    {
        return Err(format!(
            "{path}: must be at least {} long, found {length}",
            counted(min, "character")
        ));
    }
    if let Some(max) = bound(rules, "maxLength")
        && length > max
    {
        return Err(format!(
            "{path}: must be at most {} long, found {length}",
            counted(max, "character")
        ));
    }
    Ok(())
}

fn check_array(rules: &Map<String, Value>, items: &[Value], path: &str) -> Result<(), String> {
    if let Some(min) = bound(rules, "minItems")
        && items.len() < min
    {
        return Err(format!(
            "{path}: must have at least {}, found {}",
            counted(min, "item"),
            items.len()
        ));
    }
    if let Some(max) = bound(rules, "maxItems")
        && items.len() > max
    {
        return Err(format!(
            "{path}: must have at most {}, found {}",
            counted(max, "item"),
            items.len()
        ));
    }
    if let Some(item_schema) = rules
        .get("items")
        .filter(|s| s.is_object() || s.is_boolean())
    {
        for (index, item) in items.iter().enumerate() {
            check(item_schema, item, &format!("{path}[{index}]"))?;
        }
    }
    Ok(())
}

fn check_object(
    rules: &Map<String, Value>,
    members: &Map<String, Value>,
    path: &str,
) -> Result<(), String> {
    if let Some(required) = rules.get("required").and_then(Value::as_array)
        && let Some(missing) = required
            .iter()
            .filter_map(Value::as_str)
            .find(|name| !members.contains_key(*name))
    {
        return Err(format!("{path}: the property \"{missing}\" is missing"));
    }
    let properties = rules.get("properties").and_then(Value::as_object);
    for (name, member) in members {
        let member_path = format!("{path}.{name}");
        match properties.and_then(|p| p.get(name)) {
            Some(member_schema) => check(member_schema, member, &member_path)?,
            None => match rules.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    return Err(format!("{path}: the property \"{name}\" is not allowed"));
                }
                Some(other @ Value::Object(_)) => check(other, member, &member_path)?,
                _ => {}
            },
        }
    }
    Ok(())
}

fn is_of_type(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => is_integer(value),
        // An unknown type name cannot be checked: accept.
        _ => true,
    }
}

/// An integer, written with or without a fraction of zero (`3` or `3.0`).
fn is_integer(value: &Value) -> bool {
    match value {
        Value::Number(number) => {
            number.is_i64()
                || number.is_u64()
                || number
                    .as_f64()
                    .is_some_and(|x| x.is_finite() && x.fract() == 0.0)
        }
        _ => false,
    }
}

/// Equality as JSON Schema means it: `1` and `1.0` are the same number.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || matches!((x.as_f64(), y.as_f64()), (Some(x), Some(y)) if x == y)
        }
        _ => a == b,
    }
}

/// A non-negative integer bound such as `minItems`.
fn bound(rules: &Map<String, Value>, keyword: &str) -> Option<usize> {
    rules
        .get(keyword)
        .and_then(Value::as_u64)
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// `count` and `noun`, plural unless `count` is 1.
fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn with_article(type_name: &str) -> String {
    match type_name {
        "null" => "null".to_owned(),
        "array" | "integer" | "object" => format!("an {type_name}"),
        other => format!("a {other}"),
    }
}

/// What kind of value `value` is, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) if is_integer(value) => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short rendering of `value` for messages.
fn shown(value: &Value) -> String {
    const MAX_CHARS: usize = 60;
    let text = value.to_string();
    if text.chars().count() <= MAX_CHARS {
        text
    } else {
        let mut short: String = text.chars().take(MAX_CHARS).collect();
        short.push_str("...");
        short
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn card_schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "cards": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 2,
                    "items": {
                        "type": "object",
                        "properties": {
                            "front": {"type": "string", "minLength": 1, "maxLength": 10},
                            "hint": {"type": ["string", "null"]},
                            "level": {"type": "string", "enum": ["EASY", "HARD"]},
                            "passage": {"type": "integer"},
                            "score": {"type": "number"},
                            "done": {"type": "boolean"}
                        },
                        "required": ["front", "hint"],
                        "additionalProperties": false
                    }
                }
            },
            "required": ["cards"],
            "additionalProperties": false
        })
    }

    fn error(value: &Value) -> String {
        match validate(&card_schema(), value) {
            Ok(()) => String::from("valid"),
            Err(error) => error,
        }
    }

    #[test]
    fn valid_values_pass() {
        let value = json!({"cards": [
            {"front": "Cell", "hint": null, "level": "EASY", "passage": 0, "score": 0.5, "done": true},
            {"front": "Ribosome", "hint": "small", "passage": 2.0, "score": 3}
        ]});
        assert_eq!(error(&value), "valid");
    }

    #[test]
    fn each_keyword_reports_its_path() {
        let cases = [
            (json!([]), "$: expected an object, found an array"),
            (json!({}), "$: the property \"cards\" is missing"),
            (
                json!({"cards": []}),
                "$.cards: must have at least 1 item, found 0",
            ),
            (
                json!({"cards": [{"front": "a", "hint": null}], "extra": 1}),
                "$: the property \"extra\" is not allowed",
            ),
            (
                json!({"cards": [{"front": "a", "hint": null}, {"front": "b", "hint": null}, {"front": "c", "hint": null}]}),
                "$.cards: must have at most 2 items, found 3",
            ),
            (
                json!({"cards": [{"front": "", "hint": null}]}),
                "$.cards[0].front: must be at least 1 character long, found 0",
            ),
            (
                json!({"cards": [{"front": "ééééééééééé", "hint": null}]}),
                "$.cards[0].front: must be at most 10 characters long, found 11",
            ),
            (
                json!({"cards": [{"front": "a", "hint": 3}]}),
                "$.cards[0].hint: expected a string or null, found an integer",
            ),
            (
                json!({"cards": [{"front": "a", "hint": null, "level": "MEDIUM"}]}),
                "$.cards[0].level: \"MEDIUM\" is not one of \"EASY\", \"HARD\"",
            ),
            (
                json!({"cards": [{"front": "a", "hint": null, "passage": "0"}]}),
                "$.cards[0].passage: expected an integer, found a string",
            ),
            (
                json!({"cards": [{"front": "a", "hint": null, "passage": 1.5}]}),
                "$.cards[0].passage: expected an integer, found a number",
            ),
            (
                json!({"cards": [{"front": "a", "hint": null, "score": "high"}]}),
                "$.cards[0].score: expected a number, found a string",
            ),
            (
                json!({"cards": [{"front": "a", "hint": null, "done": "yes"}]}),
                "$.cards[0].done: expected a boolean, found a string",
            ),
            (
                json!({"cards": [{"front": "a"}]}),
                "$.cards[0]: the property \"hint\" is missing",
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(error(&value), expected, "{value}");
        }
    }

    #[test]
    fn boolean_schemas_and_open_objects() {
        assert!(validate(&json!(true), &json!({"anything": [1]})).is_ok());
        assert!(validate(&json!(false), &json!(1)).is_err());
        let open = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        assert!(validate(&open, &json!({"a": "x", "b": 2})).is_ok());
        let typed_extras = json!({"type": "object", "additionalProperties": {"type": "integer"}});
        assert!(validate(&typed_extras, &json!({"a": 1})).is_ok());
        assert_eq!(
            validate(&typed_extras, &json!({"a": "1"})),
            Err("$.a: expected an integer, found a string".to_owned())
        );
    }

    #[test]
    fn any_of_and_const() {
        let schema = json!({"anyOf": [{"type": "null"}, {"const": 3}]});
        assert!(validate(&schema, &json!(null)).is_ok());
        assert!(validate(&schema, &json!(3.0)).is_ok());
        let error = validate(&schema, &json!(4)).unwrap_err();
        assert!(error.starts_with("$: matches none"), "{error}");
    }

    #[test]
    fn unknown_keywords_and_types_are_ignored() {
        let schema = json!({"type": "string", "pattern": "^a$", "format": "email"});
        assert!(validate(&schema, &json!("b")).is_ok());
        assert!(validate(&json!({"type": "decimal"}), &json!("b")).is_ok());
    }
}
