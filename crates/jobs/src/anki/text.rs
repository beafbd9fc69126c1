//! A note's card as plain text: which fields the card's template shows on the front and the
//! back, or, for a cloze note, the cloze with its number hidden; each field reduced from HTML
//! to text with line breaks.
//!
//! Templates are not rendered: the fields they name are. A note type is told apart by its kind
//! and its templates, never by its (localised, often renamed) name: Basic shows one field on
//! the front and another on the back; a reversed card shows them the other way round; a
//! type-in card's `{{type:Back}}` is the answer, not part of the question.

use super::collection::{Note, NoteType};

/// Field names a template uses that are not fields of the note.
const SPECIAL: [&str; 8] = [
    "FrontSide",
    "Tags",
    "Type",
    "Deck",
    "Subdeck",
    "Card",
    "CardFlag",
    "CardID",
];

/// A card's sides.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Sides {
    pub(super) question: String,
    pub(super) answer: String,
    pub(super) hint: Option<String>,
    pub(super) explanation: Option<String>,
}

/// The longest field read, in bytes of HTML: a card side holds at most 5,000 characters.
const MAX_FIELD_BYTES: usize = 256 * 1024;
/// The deepest clozes are read inside one another; deeper ones are left as written.
const MAX_CLOZE_NESTING: usize = 8;

/// A note's fields as text (see [`field_text`]), read once for all its cards; the reason when
/// a field is too long to be read.
pub(super) fn note_fields(note: &Note) -> Result<Vec<String>, String> {
    if note
        .fields
        .iter()
        .any(|field| field.len() > MAX_FIELD_BYTES)
    {
        return Err(format!(
            "a field of its note is longer than {} KiB",
            MAX_FIELD_BYTES / 1024
        ));
    }
    Ok(note.fields.iter().map(|field| field_text(field)).collect())
}

/// The card number `ord` of a note of type `kind` with these `fields` (from [`note_fields`]);
/// the reason when it makes no card.
pub(super) fn sides(kind: &NoteType, fields: &[String], ord: u32) -> Result<Sides, String> {
    if kind.cloze {
        cloze_sides(kind, fields, ord)
    } else {
        template_sides(kind, fields, ord)
    }
}

/// A standard note's card: the fields its front names ask (those behind a `hint:` filter are
/// the hint), the fields its back adds answer, and those the back shows only when they are
/// filled (`{{#Field}}...{{/Field}}`) explain, when something else answers.
fn template_sides(kind: &NoteType, fields: &[String], ord: u32) -> Result<Sides, String> {
    let Some((front, back)) = kind.templates.get(&ord) else {
        return Err(format!(
            "its note type has no card template {}",
            ord.saturating_add(1)
        ));
    };
    let index = |name: &str| kind.fields.iter().position(|f| f == name);
    let front = references(front, false);
    let mut question = Vec::new();
    let mut hint = Vec::new();
    for reference in &front {
        if let Some(i) = index(&reference.name) {
            let list = if reference.hint {
                &mut hint
            } else {
                &mut question
            };
            if !list.contains(&i) {
                list.push(i);
            }
        }
    }
    let mut answer = Vec::new();
    let mut explanation = Vec::new();
    for reference in references(back, true) {
        let Some(i) = index(&reference.name) else {
            continue;
        };
        if question.contains(&i) || hint.contains(&i) || answer.contains(&i) {
            continue;
        }
        let list = if reference.conditional {
            &mut explanation
        } else {
            &mut answer
        };
        if !list.contains(&i) {
            list.push(i);
        }
    }
    if question.is_empty() {
        // A template naming no field: the first field asks, the others answer.
        question = vec![0];
        answer = (1..fields.len()).collect();
        explanation.clear();
    } else if answer.is_empty() {
        answer = std::mem::take(&mut explanation);
        if answer.is_empty() {
            answer = (0..fields.len())
                .filter(|i| !question.contains(i) && !hint.contains(i))
                .collect();
        }
    }
    let join = |indexes: &[usize]| {
        indexes
            .iter()
            .filter_map(|&i| fields.get(i))
            .filter(|text| !text.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    };
    let sides = Sides {
        question: join(&question),
        answer: join(&answer),
        hint: Some(join(&hint)).filter(|h| !h.is_empty()),
        explanation: Some(join(&explanation)).filter(|e| !e.is_empty()),
    };
    if sides.question.is_empty() {
        return Err("its front is empty".to_owned());
    }
    if sides.answer.is_empty() {
        return Err("its back is empty".to_owned());
    }
    Ok(sides)
}

/// A cloze note's card number `ord`: the text with cloze `ord + 1` hidden (its hint shown in
/// its place), the hidden words as the answer, the other fields as the explanation.
fn cloze_sides(kind: &NoteType, fields: &[String], ord: u32) -> Result<Sides, String> {
    let front = kind
        .templates
        .values()
        .next()
        .map_or("", |(q, _)| q.as_str());
    let text_field = references(front, false)
        .iter()
        .find_map(|reference| {
            let name = reference.name.strip_prefix("cloze:")?;
            kind.fields.iter().position(|f| f == name.trim())
        })
        .unwrap_or(0);
    let text = fields.get(text_field).map_or("", String::as_str);
    let number = ord.saturating_add(1);
    let mut hidden = Vec::new();
    let question = render_cloze(text, number, &mut hidden, 0);
    let Some(first) = hidden.first() else {
        return Err(format!("its text has no cloze c{number}"));
    };
    let hint = first.1.clone();
    let answer = hidden
        .iter()
        .map(|(answer, _)| answer.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let explanation = fields
        .iter()
        .enumerate()
        .filter(|(i, text)| *i != text_field && !text.is_empty())
        .map(|(_, text)| text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    if answer.trim().is_empty() {
        return Err(format!("its cloze c{number} is empty"));
    }
    Ok(Sides {
        question,
        answer,
        hint,
        explanation: Some(explanation).filter(|e| !e.is_empty()),
    })
}

/// `text` with every cloze `number` replaced by `[...]` (or `[hint]`) and every other cloze by
/// its words; the hidden words and hints are pushed to `hidden`. `depth` counts the clozes
/// this text is inside: past [`MAX_CLOZE_NESTING`] the text is left as written.
fn render_cloze(
    text: &str,
    number: u32,
    hidden: &mut Vec<(String, Option<String>)>,
    depth: usize,
) -> String {
    if depth > MAX_CLOZE_NESTING {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{c") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let Some((n, body)) = after[..digits]
            .parse::<u32>()
            .ok()
            .zip(after[digits..].strip_prefix("::"))
        else {
            out.push_str("{{c");
            rest = after;
            continue;
        };
        let Some(end) = closing(body) else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &body[..end];
        let (words, hint) = split_hint(inner);
        let words = render_cloze(words, number, hidden, depth + 1);
        if n == number {
            let hint = hint
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_owned);
            out.push('[');
            out.push_str(hint.as_deref().unwrap_or("..."));
            out.push(']');
            hidden.push((words, hint));
        } else {
            out.push_str(&words);
        }
        rest = &body[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Where the `}}` closing a cloze's body is, clozes nested inside it skipped.
fn closing(body: &str) -> Option<usize> {
    let bytes = body.as_bytes();
    let mut depth = 0_usize;
    let mut i = 0;
    while i + 1 < bytes.len() {
        match &bytes[i..i + 2] {
            b"{{" => {
                depth += 1;
                i += 2;
            }
            b"}}" if depth == 0 => return Some(i),
            b"}}" => {
                depth -= 1;
                i += 2;
            }
            _ => i += 1,
        }
    }
    None
}

/// A cloze's body split into its words and its hint (after the last `::` outside nested
/// clozes).
fn split_hint(inner: &str) -> (&str, Option<&str>) {
    let bytes = inner.as_bytes();
    let mut depth = 0_usize;
    let mut split = None;
    let mut i = 0;
    while i + 1 < bytes.len() {
        match &bytes[i..i + 2] {
            b"{{" => {
                depth += 1;
                i += 2;
            }
            b"}}" => {
                depth = depth.saturating_sub(1);
                i += 2;
            }
            b"::" if depth == 0 => {
                split = Some(i);
                i += 2;
            }
            _ => i += 1,
        }
    }
    match split {
        Some(at) => (&inner[..at], Some(&inner[at + 2..])),
        None => (inner, None),
    }
}

/// A field a template names.
struct Reference {
    /// The field's name (`cloze:Text` for a cloze field).
    name: String,
    /// Inside a section shown only when a field is filled (or empty).
    conditional: bool,
    /// Behind a `hint:` filter: shown on request.
    hint: bool,
}

/// The fields a template names, in order: `{{Front}}`, `{{text:Front}}` and the like, not
/// section markers (`{{#Front}}`, `{{/Front}}`, `{{^Front}}`), comments or special names. A
/// type-in box (`{{type:Back}}`) counts only when `type_in` (on the back). `cloze:` is kept as a
/// prefix, for the cloze field.
fn references(template: &str, type_in: bool) -> Vec<Reference> {
    let mut names = Vec::new();
    let mut sections = 0_usize;
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            break;
        };
        let tag = after[..end].trim();
        rest = &after[end + 2..];
        if tag.starts_with(['#', '^']) {
            sections += 1;
            continue;
        }
        if tag.starts_with('/') {
            sections = sections.saturating_sub(1);
            continue;
        }
        if tag.starts_with('!') {
            continue;
        }
        let hint = tag.starts_with("hint:");
        let name = if let Some(field) = tag.strip_prefix("cloze:") {
            format!("cloze:{}", field.trim())
        } else {
            if tag.starts_with("type:") && !type_in {
                continue;
            }
            tag.rsplit(':').next().unwrap_or(tag).trim().to_owned()
        };
        if !SPECIAL.contains(&name.as_str()) {
            names.push(Reference {
                name,
                conditional: sections > 0,
                hint,
            });
        }
    }
    names
}

/// No line of a field is wrapped.
const NO_WRAP_WIDTH: usize = 100_000;

/// A field's HTML as plain text: tags removed (scripts and styles with their content),
/// entities decoded after the tags are gone, `<br>` and blocks as line breaks, sound
/// references (`[sound:...]`) left out, blank lines collapsed.
pub(super) fn field_text(html: &str) -> String {
    let html = without_sounds(html);
    let text = if html.contains(['<', '&']) {
        html2text::config::plain_no_decorate()
            .link_footnotes(false)
            .string_from_read(html.as_bytes(), NO_WRAP_WIDTH)
            .unwrap_or_else(|_| html.clone())
    } else {
        html
    };
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() && lines.last().is_none_or(|last| last.trim().is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|last| last.trim().is_empty()) {
        lines.pop();
    }
    lines.join("\n").trim().to_owned()
}

/// `html` without Anki's `[sound:file]` references.
fn without_sounds(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("[sound:") {
        out.push_str(&rest[..start]);
        match rest[start..].find(']') {
            Some(end) => rest = &rest[start + end + 1..],
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashMap;

    use super::*;

    fn kind(cloze: bool, fields: &[&str], templates: &[(&str, &str)]) -> NoteType {
        NoteType {
            cloze,
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            templates: templates
                .iter()
                .enumerate()
                .map(|(i, (q, a))| {
                    (
                        u32::try_from(i).unwrap(),
                        ((*q).to_owned(), (*a).to_owned()),
                    )
                })
                .collect::<HashMap<_, _>>(),
        }
    }

    fn note(fields: &[&str]) -> Vec<String> {
        note_fields(&Note {
            guid: "g".to_owned(),
            type_id: 1,
            tags: Vec::new(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        })
        .unwrap()
    }

    const BACK: &str = "{{FrontSide}}<hr id=answer>{{Back}}";

    #[test]
    fn basic_reversed_and_type_in_cards_take_their_sides_from_the_templates() {
        let reversed = kind(
            false,
            &["Front", "Back"],
            &[
                ("{{Front}}", BACK),
                ("{{Back}}", "{{FrontSide}}<hr id=answer>{{Front}}"),
            ],
        );
        let water = note(&["H2O", "water"]);
        let forward = sides(&reversed, &water, 0).unwrap();
        assert_eq!(
            (forward.question.as_str(), forward.answer.as_str()),
            ("H2O", "water")
        );
        let backward = sides(&reversed, &water, 1).unwrap();
        assert_eq!(
            (backward.question.as_str(), backward.answer.as_str()),
            ("water", "H2O")
        );

        let typed = kind(
            false,
            &["Front", "Back"],
            &[(
                "{{Front}}\n\n{{type:Back}}",
                "{{Front}}\n\n<hr id=answer>\n\n{{type:Back}}",
            )],
        );
        let card = sides(&typed, &note(&["Capital of France?", "Paris"]), 0).unwrap();
        assert_eq!(
            (card.question.as_str(), card.answer.as_str()),
            ("Capital of France?", "Paris")
        );
    }

    #[test]
    fn a_custom_type_answers_with_every_field_its_back_adds() {
        let glossary = kind(
            false,
            &["Term", "Definition", "Example"],
            &[("{{Term}}", "{{FrontSide}}<hr>{{Definition}}<br>{{Example}}")],
        );
        let osmosis = note(&["Osmosis", "Water through a membrane", "Raisins"]);
        let card = sides(&glossary, &osmosis, 0).unwrap();
        assert_eq!(card.question, "Osmosis");
        assert_eq!(card.answer, "Water through a membrane\nRaisins");
        assert_eq!(card.explanation, None);

        let optional = kind(
            false,
            &["Term", "Definition", "Example"],
            &[(
                "{{Term}}",
                "{{FrontSide}}<hr>{{Definition}}<br>{{#Example}}{{Example}}{{/Example}}",
            )],
        );
        let card = sides(&optional, &osmosis, 0).unwrap();
        assert_eq!(card.answer, "Water through a membrane");
        assert_eq!(card.explanation.as_deref(), Some("Raisins"));
    }

    #[test]
    fn a_card_with_an_empty_side_is_refused_with_the_reason() {
        let basic = kind(false, &["Front", "Back"], &[("{{Front}}", BACK)]);
        assert_eq!(
            sides(&basic, &note(&["", "x"]), 0).unwrap_err(),
            "its front is empty"
        );
        assert_eq!(
            sides(&basic, &note(&["x", "<br>"]), 0).unwrap_err(),
            "its back is empty"
        );
    }

    #[test]
    fn each_cloze_number_hides_its_own_words_and_shows_the_others() {
        let cloze = kind(
            true,
            &["Text", "Back Extra"],
            &[("{{cloze:Text}}", "{{cloze:Text}}<br>{{Back Extra}}")],
        );
        let text = note(&[
            "The {{c1::nucleus}} holds the {{c2::DNA::genetic material}}.",
            "From chapter 2",
        ]);
        let first = sides(&cloze, &text, 0).unwrap();
        assert_eq!(first.question, "The [...] holds the DNA.");
        assert_eq!(first.answer, "nucleus");
        assert_eq!(first.hint, None);
        assert_eq!(first.explanation.as_deref(), Some("From chapter 2"));
        let second = sides(&cloze, &text, 1).unwrap();
        assert_eq!(second.question, "The nucleus holds the [genetic material].");
        assert_eq!(second.answer, "DNA");
        assert_eq!(second.hint.as_deref(), Some("genetic material"));
        assert_eq!(
            sides(&cloze, &text, 2).unwrap_err(),
            "its text has no cloze c3"
        );
    }

    #[test]
    fn repeated_and_nested_clozes_are_read() {
        let mut hidden = Vec::new();
        let text =
            "{{c1::Paris}} is in {{c2::France}}; {{c1::Paris}} on the {{c2::{{c1::Seine}} river}}";
        assert_eq!(
            render_cloze(text, 1, &mut hidden, 0),
            "[...] is in France; [...] on the [...] river"
        );
        assert_eq!(hidden.len(), 3);
        let mut hidden = Vec::new();
        assert_eq!(
            render_cloze(text, 2, &mut hidden, 0),
            "Paris is in [...]; Paris on the [...]"
        );
        assert_eq!(hidden[1].0, "Seine river");
        let mut hidden = Vec::new();
        assert_eq!(render_cloze("{{c1::open", 1, &mut hidden, 0), "{{c1::open");
        assert!(hidden.is_empty());
    }

    #[test]
    fn hostile_notes_are_bounded() {
        // Clozes nested past the limit are left as written, without recursing further.
        let deep = format!("{}x{}", "{{c1::".repeat(20_000), "}}".repeat(20_000));
        let mut hidden = Vec::new();
        let text = render_cloze(&deep, 1, &mut hidden, 0);
        assert!(text.starts_with('['), "{}", &text[..20]);
        assert!(hidden.len() <= MAX_CLOZE_NESTING + 1);
        // A card number past the templates, or past u32, makes no card and no panic.
        let basic = kind(false, &["Front", "Back"], &[("{{Front}}", BACK)]);
        assert!(sides(&basic, &note(&["a", "b"]), 7).is_err());
        let cloze = kind(true, &["Text"], &[("{{cloze:Text}}", "{{cloze:Text}}")]);
        assert!(sides(&cloze, &note(&["{{c1::a}}"]), u32::MAX).is_err());
        // A field too long to be a card is refused before it is parsed.
        let huge = Note {
            guid: "g".to_owned(),
            type_id: 1,
            tags: Vec::new(),
            fields: vec!["<b>x</b>".repeat(40_000)],
        };
        assert!(
            note_fields(&huge)
                .unwrap_err()
                .contains("longer than 256 KiB")
        );
    }

    #[test]
    fn html_becomes_safe_text_with_line_breaks() {
        assert_eq!(
            field_text("What is the <b>powerhouse</b> of the cell?"),
            "What is the powerhouse of the cell?"
        );
        assert_eq!(
            field_text("The mitochondrion<br>(plural: mitochondria)"),
            "The mitochondrion\n(plural: mitochondria)"
        );
        let text = field_text(
            "A &lt;semi-permeable&gt; membrane &amp; more<script>alert(1)</script>\
             <style>p{}</style><div>line two</div>",
        );
        assert_eq!(text, "A <semi-permeable> membrane & more\nline two");
        assert_eq!(
            field_text("Osmosis [sound:beep.wav]<img src=\"dot.png\">"),
            "Osmosis"
        );
        assert_eq!(field_text("plain text, no markup"), "plain text, no markup");
    }
}
