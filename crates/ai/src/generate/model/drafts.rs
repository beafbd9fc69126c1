//! The model's answers read into drafts, item by item: an item that is malformed for its
//! type is dropped and counted, never failing the rest.
//!
//! An item is dropped when a required text is blank, when it cites nothing, when a citation
//! names a passage that was not given or quotes nothing, when a question's type was not asked
//! for, when its options and answer do not fit its type (checked by the domain's
//! [`QuestionContent`]: a multiple-choice answer must be among 2 to 10 distinct options, a
//! true-or-false answer `true` or `false`), when a fill-in-the-blank has no blank, and when it
//! repeats an earlier item. Quotes are checked against their passages by the domain later.

use std::collections::HashSet;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Number, Value};
use sophie_domain::enums::QuestionType;
use sophie_domain::ports::{
    AnswerDraft, CardDraft, Citation, GuideDraft, GuideSectionDraft, KeyTermDraft, QuestionDraft,
};
use sophie_domain::rules::grading::normalize_answer;
use sophie_domain::values::QuestionContent;

/// Drafts kept from an answer, and how many items were dropped.
#[derive(Debug)]
pub(super) struct Sorted<T> {
    pub kept: T,
    pub dropped: usize,
}

/// A citation as the model writes it.
#[derive(Deserialize)]
struct WireCitation {
    passage: Number,
    quote: String,
}

#[derive(Deserialize)]
struct WireCard {
    front: String,
    back: String,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    citations: Vec<WireCitation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireQuestion {
    question_type: QuestionType,
    question: String,
    #[serde(default)]
    options: Vec<String>,
    correct_answer: String,
    #[serde(default)]
    explanation: Option<String>,
    #[serde(default)]
    citations: Vec<WireCitation>,
}

#[derive(Deserialize)]
struct WireSection {
    heading: String,
    body: String,
    #[serde(default)]
    citations: Vec<WireCitation>,
}

#[derive(Deserialize)]
struct WireKeyTerm {
    term: String,
    definition: String,
    #[serde(default)]
    citations: Vec<WireCitation>,
}

/// The items of the list `key` of `answer`, each as it stands.
fn items(answer: &Value, key: &str) -> Vec<Value> {
    answer
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// A text property of `answer`, trimmed (empty when missing).
fn text(answer: &Value, key: &str) -> String {
    answer
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default()
        .to_owned()
}

/// `item` read as `T`, or `None` when it has not the shape of one.
fn read<T: DeserializeOwned>(item: Value) -> Option<T> {
    serde_json::from_value(item).ok()
}

/// A trimmed text, `None` when blank.
fn filled(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// A passage number: a non-negative integer, written with or without a zero fraction.
fn passage_index(number: &Number) -> Option<usize> {
    if let Some(n) = number.as_u64() {
        return usize::try_from(n).ok();
    }
    let x = number.as_f64()?;
    (x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x < 1e15).then_some(x as usize)
}

/// One citation, `None` when it names a passage that was not given or quotes nothing.
fn citation(wire: &WireCitation, passages: usize) -> Option<Citation> {
    let passage = passage_index(&wire.passage).filter(|&p| p < passages)?;
    Some(Citation {
        passage,
        quote: filled(&wire.quote)?,
    })
}

/// An item's citations, `None` when there are none or one of them is malformed; repeated ones
/// are kept once.
fn citations(wire: &[WireCitation], passages: usize) -> Option<Vec<Citation>> {
    if wire.is_empty() {
        return None;
    }
    let mut kept: Vec<Citation> = Vec::with_capacity(wire.len());
    for item in wire {
        let citation = citation(item, passages)?;
        if !kept.contains(&citation) {
            kept.push(citation);
        }
    }
    Some(kept)
}

/// Keeps the first `count` items whose key is new; counts the repeats as dropped.
fn distinct<T>(
    drafts: Vec<T>,
    key: impl Fn(&T) -> String,
    count: usize,
    dropped: &mut usize,
) -> Vec<T> {
    let mut seen = HashSet::new();
    let mut kept = Vec::with_capacity(drafts.len().min(count));
    for draft in drafts {
        if !seen.insert(key(&draft)) {
            *dropped += 1;
        } else if kept.len() < count {
            kept.push(draft);
        }
    }
    kept
}

fn card(item: Value, passages: usize) -> Option<CardDraft> {
    let wire: WireCard = read(item)?;
    Some(CardDraft {
        front: filled(&wire.front)?,
        back: filled(&wire.back)?,
        hint: wire.hint.as_deref().and_then(filled),
        citations: citations(&wire.citations, passages)?,
    })
}

/// The cards of `{"cards": [...]}`: at most `count`, no two with the same front.
pub(super) fn cards(answer: &Value, passages: usize, count: usize) -> Sorted<Vec<CardDraft>> {
    let all = items(answer, "cards");
    let total = all.len();
    let parsed: Vec<CardDraft> = all
        .into_iter()
        .filter_map(|item| card(item, passages))
        .collect();
    let mut dropped = total - parsed.len();
    let kept = distinct(parsed, |c| normalize_answer(&c.front), count, &mut dropped);
    Sorted { kept, dropped }
}

/// Every run of three or more underscores written as `____`; `None` when there is none.
fn with_blank(question: &str) -> Option<String> {
    let mut out = String::with_capacity(question.len());
    let mut run = 0;
    let mut found = false;
    for c in question.chars().chain(std::iter::once('\0')) {
        if c == '_' {
            run += 1;
            continue;
        }
        if run >= 3 {
            out.push_str("____");
            found = true;
        } else {
            out.extend(std::iter::repeat_n('_', run));
        }
        run = 0;
        if c != '\0' {
            out.push(c);
        }
    }
    found.then_some(out)
}

fn question(item: Value, passages: usize, allowed: &[QuestionType]) -> Option<QuestionDraft> {
    let wire: WireQuestion = read(item)?;
    if !allowed.contains(&wire.question_type) {
        return None;
    }
    let mut question = filled(&wire.question)?;
    if wire.question_type == QuestionType::FillInTheBlank {
        question = with_blank(&question)?;
    }
    // Only a multiple-choice question has options; those a model adds to another type are
    // left out rather than costing the question.
    let options = if wire.question_type == QuestionType::MultipleChoice {
        wire.options
    } else {
        Vec::new()
    };
    let content =
        QuestionContent::new(wire.question_type, Some(options), wire.correct_answer).ok()?;
    let (question_type, options, correct_answer) = content.into_parts();
    Some(QuestionDraft {
        question_type,
        question,
        options: options.unwrap_or_default(),
        correct_answer,
        explanation: wire.explanation.as_deref().and_then(filled),
        citations: citations(&wire.citations, passages)?,
    })
}

/// Questions from `items`: at most `count`, of the `allowed` types, no two alike.
fn question_list(
    all: Vec<Value>,
    passages: usize,
    allowed: &[QuestionType],
    count: usize,
) -> Sorted<Vec<QuestionDraft>> {
    let total = all.len();
    let parsed: Vec<QuestionDraft> = all
        .into_iter()
        .filter_map(|item| question(item, passages, allowed))
        .collect();
    let mut dropped = total - parsed.len();
    let kept = distinct(
        parsed,
        |q| normalize_answer(&q.question),
        count,
        &mut dropped,
    );
    Sorted { kept, dropped }
}

/// The questions of `{"questions": [...]}`.
pub(super) fn questions(
    answer: &Value,
    passages: usize,
    allowed: &[QuestionType],
    count: usize,
) -> Sorted<Vec<QuestionDraft>> {
    question_list(items(answer, "questions"), passages, allowed, count)
}

/// The guide of `{title, summary, sections, keyTerms, practice}`, with at most `count`
/// practice questions. A blank title becomes "Study guide".
pub(super) fn guide(
    answer: &Value,
    passages: usize,
    allowed: &[QuestionType],
    count: usize,
) -> Sorted<GuideDraft> {
    let mut dropped = 0;

    let all_sections = items(answer, "sections");
    let total = all_sections.len();
    let sections: Vec<GuideSectionDraft> = all_sections
        .into_iter()
        .filter_map(|item| {
            let wire: WireSection = read(item)?;
            Some(GuideSectionDraft {
                heading: filled(&wire.heading)?,
                body: filled(&wire.body)?,
                citations: citations(&wire.citations, passages)?,
            })
        })
        .collect();
    dropped += total - sections.len();

    let all_terms = items(answer, "keyTerms");
    let total = all_terms.len();
    let terms: Vec<KeyTermDraft> = all_terms
        .into_iter()
        .filter_map(|item| {
            let wire: WireKeyTerm = read(item)?;
            Some(KeyTermDraft {
                term: filled(&wire.term)?,
                definition: filled(&wire.definition)?,
                citations: citations(&wire.citations, passages)?,
            })
        })
        .collect();
    dropped += total - terms.len();
    let key_terms = distinct(
        terms,
        |t| normalize_answer(&t.term),
        usize::MAX,
        &mut dropped,
    );

    let practice = question_list(items(answer, "practice"), passages, allowed, count);
    dropped += practice.dropped;

    let title = filled(&text(answer, "title")).unwrap_or_else(|| "Study guide".to_owned());
    Sorted {
        kept: GuideDraft {
            title,
            summary: text(answer, "summary"),
            sections,
            key_terms,
            practice: practice.kept,
        },
        dropped,
    }
}

/// The answer of `{answer, citations}`, `None` when its text is blank. Malformed citations are
/// dropped and the text's inline markers renumbered to match: `[n]` of a dropped citation, or
/// of none, is removed.
pub(super) fn answer(answer: &Value, passages: usize) -> Option<Sorted<AnswerDraft>> {
    let text = filled(&text(answer, "answer"))?;
    let mut kept: Vec<Citation> = Vec::new();
    // The new 0-based position of each citation as written, `None` for a dropped one.
    let mut positions: Vec<Option<usize>> = Vec::new();
    for item in items(answer, "citations") {
        let citation = read::<WireCitation>(item).and_then(|wire| citation(&wire, passages));
        positions.push(citation.map(|citation| {
            kept.push(citation);
            kept.len() - 1
        }));
    }
    let dropped = positions.iter().filter(|p| p.is_none()).count();
    let text = if dropped == 0 {
        text
    } else {
        renumbered(&text, &positions)
    };
    Some(Sorted {
        kept: AnswerDraft {
            text,
            citations: kept,
        },
        dropped,
    })
}

/// `text` with each marker `[n]` (n from 1, at most three digits) pointing to
/// `positions[n - 1] + 1`, or removed, with the space before it, when that is `None` or n is
/// out of range.
fn renumbered(text: &str, positions: &[Option<usize>]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let digits = after
            .find(|c: char| !c.is_ascii_digit())
            .filter(|&end| (1..=3).contains(&end) && after[end..].starts_with(']'));
        let Some(end) = digits else {
            out.push('[');
            rest = after;
            continue;
        };
        let target = after[..end]
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| positions.get(i).copied().flatten());
        match target {
            Some(position) => out.push_str(&format!("[{}]", position + 1)),
            None => {
                let trimmed = out.trim_end_matches([' ', '\t']).len();
                out.truncate(trimmed);
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cite(passage: usize) -> Value {
        json!([{"passage": passage, "quote": "a quote"}])
    }

    #[test]
    fn cards_with_bad_citations_or_blank_sides_are_dropped() {
        let answer = json!({"cards": [
            {"front": "Q1", "back": "A1", "hint": "  ", "citations": cite(0)},
            {"front": "Q2", "back": "A2", "hint": null, "citations": cite(99)},
            {"front": "Q3", "back": "A3", "hint": null, "citations": []},
            {"front": "  ", "back": "A4", "hint": null, "citations": cite(1)},
            {"front": "q1 ", "back": "again", "hint": null, "citations": cite(1)},
            {"front": "Q5", "back": "A5", "hint": "h", "citations": [{"passage": 1.0, "quote": " x "}]},
            {"front": "Q6", "back": "A6", "hint": null, "citations": [{"passage": "1", "quote": "x"}]},
            {"front": "Q7", "back": "A7", "hint": null, "citations": [{"passage": 1, "quote": " "}]},
            "not a card"
        ]});
        let sorted = cards(&answer, 2, 10);
        let fronts: Vec<&str> = sorted.kept.iter().map(|c| c.front.as_str()).collect();
        assert_eq!(fronts, ["Q1", "Q5"]);
        assert_eq!(sorted.kept[0].hint, None);
        assert_eq!(sorted.kept[1].citations[0].quote, "x");
        assert_eq!(sorted.dropped, 7);
    }

    #[test]
    fn cards_are_capped_at_the_count() {
        let answer = json!({"cards": [
            {"front": "Q1", "back": "A", "hint": null, "citations": cite(0)},
            {"front": "Q2", "back": "A", "hint": null, "citations": cite(0)},
            {"front": "Q3", "back": "A", "hint": null, "citations": cite(0)}
        ]});
        let sorted = cards(&answer, 1, 2);
        assert_eq!(sorted.kept.len(), 2);
        assert_eq!(sorted.dropped, 0);
    }

    fn q(kind: &str, question: &str, options: &[&str], answer: &str) -> Value {
        json!({
            "questionType": kind, "question": question, "options": options,
            "correctAnswer": answer, "explanation": null, "citations": cite(0)
        })
    }

    #[test]
    fn questions_are_checked_for_their_type() {
        let answer = json!({"questions": [
            q("MULTIPLE_CHOICE", "Which?", &["a", "b", "c"], "B"),
            q("MULTIPLE_CHOICE", "Which not?", &["a", "b"], "z"),
            q("MULTIPLE_CHOICE", "Only one?", &["a"], "a"),
            q("TRUE_FALSE", "Is it?", &["True", "False"], "True"),
            q("TRUE_FALSE", "Maybe?", &[], "maybe"),
            q("FILL_IN_THE_BLANK", "Cells ______ divide.", &[], "do"),
            q("FILL_IN_THE_BLANK", "No blank here.", &[], "x"),
            q("SHORT_ANSWER", "Why?", &["stray"], "Because."),
            q("ESSAY", "Discuss.", &[], "x")
        ]});
        let sorted = questions(&answer, 1, QuestionType::ALL, 10);
        let kept: Vec<(&str, &[String], &str)> = sorted
            .kept
            .iter()
            .map(|q| {
                (
                    q.question.as_str(),
                    q.options.as_slice(),
                    q.correct_answer.as_str(),
                )
            })
            .collect();
        let abc = ["a".to_owned(), "b".to_owned(), "c".to_owned()];
        assert_eq!(
            kept,
            [
                ("Which?", &abc[..], "b"),
                ("Is it?", &[][..], "true"),
                ("Cells ____ divide.", &[][..], "do"),
                ("Why?", &[][..], "Because."),
            ]
        );
        assert_eq!(sorted.dropped, 5);

        let only_true_false = questions(&answer, 1, &[QuestionType::TrueFalse], 10);
        assert_eq!(only_true_false.kept.len(), 1);
    }

    #[test]
    fn blanks_are_written_one_way() {
        assert_eq!(
            with_blank("a ___ b _____"),
            Some("a ____ b ____".to_owned())
        );
        assert_eq!(with_blank("snake_case __"), None);
        assert_eq!(with_blank("end___"), Some("end____".to_owned()));
    }

    #[test]
    fn guides_keep_their_good_parts() {
        let answer = json!({
            "title": " ",
            "summary": "All about cells.",
            "sections": [
                {"heading": "Cells", "body": "They divide.", "citations": cite(0)},
                {"heading": "Ghost", "body": "Nothing.", "citations": cite(5)}
            ],
            "keyTerms": [
                {"term": "Cell", "definition": "A unit.", "citations": cite(0)},
                {"term": "cell", "definition": "Again.", "citations": cite(0)}
            ],
            "practice": [q("TRUE_FALSE", "Cells divide?", &[], "true")]
        });
        let sorted = guide(&answer, 1, QuestionType::ALL, 5);
        assert_eq!(sorted.kept.title, "Study guide");
        assert_eq!(sorted.kept.summary, "All about cells.");
        assert_eq!(sorted.kept.sections.len(), 1);
        assert_eq!(sorted.kept.key_terms.len(), 1);
        assert_eq!(sorted.kept.practice.len(), 1);
        assert_eq!(sorted.dropped, 2);
    }

    #[test]
    fn answers_renumber_their_markers_when_a_citation_is_dropped() {
        let answer_json = json!({
            "answer": "Cells divide [1]. Atoms bond [2]. Stars shine [3][4]. See a[0] and [12a].",
            "citations": [
                {"passage": 0, "quote": "Cells divide"},
                {"passage": 9, "quote": "nowhere"},
                {"passage": 1, "quote": "Stars shine"}
            ]
        });
        let sorted = answer(&answer_json, 2).unwrap();
        assert_eq!(
            sorted.kept.text,
            "Cells divide [1]. Atoms bond. Stars shine [2]. See a and [12a]."
        );
        assert_eq!(sorted.kept.citations.len(), 2);
        assert_eq!(sorted.kept.citations[1].passage, 1);
        assert_eq!(sorted.dropped, 1);
        assert!(answer(&json!({"answer": " ", "citations": []}), 1).is_none());
    }
}
