//! The text of a structured answer, read while the model is still writing its JSON.
//!
//! An answer comes as `{"answer": "...", "citations": [...]}`. To show the student the answer
//! as it is written, the string value of `"answer"` is decoded from the JSON as it streams in
//! (escapes included) and passed on piece by piece. Whatever else the JSON holds is read, and
//! checked against the schema, once it is whole.

/// Decodes the string value of one key from JSON text given piece by piece.
#[derive(Debug)]
pub(super) struct FieldText {
    /// `"key"`, quoted as it stands in the JSON.
    key: String,
    /// The JSON so far.
    raw: String,
    /// Where reading goes on in `raw`.
    at: usize,
    state: State,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Looking for the key, its colon and the opening quote of its value.
    Seeking,
    /// Inside the value.
    Value,
    /// The value has ended.
    Done,
}

impl FieldText {
    /// A reader of the value of `key`.
    pub(super) fn new(key: &str) -> Self {
        Self {
            key: format!("\"{key}\""),
            raw: String::new(),
            at: 0,
            state: State::Seeking,
        }
    }

    /// Reads `piece`; returns the value's characters that it completes (empty when none).
    pub(super) fn push(&mut self, piece: &str) -> String {
        self.raw.push_str(piece);
        let mut out = String::new();
        loop {
            match self.state {
                State::Done => break,
                State::Seeking => {
                    if !self.seek() {
                        break;
                    }
                }
                State::Value => {
                    if !self.value(&mut out) {
                        break;
                    }
                }
            }
        }
        out
    }

    /// Moves past the key and the opening quote of its value; false when more JSON is
    /// needed.
    fn seek(&mut self) -> bool {
        let Some(found) = self.raw[self.at..].find(&self.key) else {
            // Keep what could be the start of the key.
            self.at = self.raw.len().saturating_sub(self.key.len());
            while !self.raw.is_char_boundary(self.at) {
                self.at -= 1;
            }
            return false;
        };
        let after_key = self.at + found + self.key.len();
        let rest = &self.raw[after_key..];
        let trimmed = rest.trim_start();
        let Some(colon) = trimmed.chars().next() else {
            self.at += found;
            return false;
        };
        if colon != ':' {
            self.at = after_key;
            return true;
        }
        let value = trimmed[1..].trim_start();
        match value.chars().next() {
            None => {
                self.at += found;
                false
            }
            Some('"') => {
                self.at = self.raw.len() - value.len() + 1;
                self.state = State::Value;
                true
            }
            Some(_) => {
                self.at = after_key;
                true
            }
        }
    }

    /// Decodes the value's characters into `out`; false when more JSON is needed.
    fn value(&mut self, out: &mut String) -> bool {
        while let Some(c) = self.raw[self.at..].chars().next() {
            match c {
                '"' => {
                    self.state = State::Done;
                    return true;
                }
                '\\' => match escaped(&self.raw[self.at..]) {
                    Some((decoded, used)) => {
                        out.push_str(&decoded);
                        self.at += used;
                    }
                    None => return false,
                },
                c => {
                    out.push(c);
                    self.at += c.len_utf8();
                }
            }
        }
        false
    }
}

/// The character(s) of the escape that `text` starts with and its length; `None` when it is
/// not whole yet. An escape that is not valid JSON stands for itself.
fn escaped(text: &str) -> Option<(String, usize)> {
    let kind = text.chars().nth(1)?;
    let simple = match kind {
        '"' => '"',
        '\\' => '\\',
        '/' => '/',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'u' => return unicode(text),
        other => return Some((other.to_string(), 1 + other.len_utf8())),
    };
    Some((simple.to_string(), 2))
}

/// A `\uXXXX` escape, with the low half of a surrogate pair after it.
fn unicode(text: &str) -> Option<(String, usize)> {
    // `None`: more text is needed; `Some(None)`: not four hex digits.
    let unit = |at: usize| -> Option<Option<u16>> {
        if text.len() < at + 4 {
            return None;
        }
        Some(
            text.get(at..at + 4)
                .and_then(|hex| u16::from_str_radix(hex, 16).ok()),
        )
    };
    let Some(high) = unit(2)? else {
        return Some((String::new(), 2));
    };
    if (0xD800..0xDC00).contains(&high) {
        if text.len() < 12 {
            return None;
        }
        if text.get(6..8) == Some("\\u")
            && let Some(Some(low)) = unit(8)
            && (0xDC00..0xE000).contains(&low)
        {
            let decoded: String = char::decode_utf16([high, low])
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            return Some((decoded, 12));
        }
    }
    let decoded: String = char::decode_utf16([high])
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Some((decoded, 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value read with the JSON cut into pieces at every character boundary.
    fn read_in_two(json: &str) -> Vec<String> {
        let mut results = Vec::new();
        for (cut, _) in json.char_indices().skip(1) {
            let mut reader = FieldText::new("answer");
            let mut value = reader.push(&json[..cut]);
            value.push_str(&reader.push(&json[cut..]));
            results.push(value);
        }
        results
    }

    #[test]
    fn the_value_is_decoded_however_the_json_is_cut() {
        let text = "ATP \"energy\" [1],\nmade in mitochondria \u{e9}t\u{e9} \u{1F9EC}.";
        let json = serde_json::json!({"answer": text, "citations": [{"passage": 0, "quote": "x"}]})
            .to_string();
        for value in read_in_two(&json) {
            assert_eq!(value, text);
        }
        // Escaped non-ASCII, a surrogate pair among them, and white space around the colon.
        let escaped = r#"{ "answer" :  "caf\u00e9 \ud83e\uddec \/ done", "citations": []}"#;
        for value in read_in_two(escaped) {
            assert_eq!(value, "caf\u{e9} \u{1F9EC} / done");
        }
    }

    #[test]
    fn other_keys_and_values_are_not_taken_for_the_field() {
        let json = r#"{"citations": [{"quote": "the \"answer\" word"}], "context": "answer", "answer": "the answer"}"#;
        for value in read_in_two(json) {
            assert_eq!(value, "the answer");
        }
        let mut reader = FieldText::new("answer");
        assert_eq!(reader.push(r#"{"citations": []}"#), "");
    }

    #[test]
    fn a_broken_escape_stands_for_nothing_and_reading_goes_on() {
        for json in [
            r#"{"answer": "a\u00\u00e9 b"}"#,
            r#"{"answer": "a\uééééé b"}"#,
        ] {
            for value in read_in_two(json) {
                assert!(value.ends_with(" b"), "{json}: {value:?}");
            }
        }
    }
}
