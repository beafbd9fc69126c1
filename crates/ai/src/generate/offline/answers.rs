//! Answers to a student's question: the sentences of the material that share the most
//! content words with it, quoted as they stand, each followed by its `[n]` marker.
//!
//! A question's content words are its words lower-cased and stemmed, without stop words and
//! without the words that only shape a question ("mean", "stand", "explain"...). A sentence
//! can answer when it holds at least two of them, or all of them when the question has only
//! one. Among those, up to [`MAX_ANSWER_SENTENCES`] are taken: the most words shared first,
//! then the rarest words in the material, then the earliest. When no sentence can answer,
//! the answer is [`NOT_FOUND`], citing nothing.

use std::collections::BTreeSet;

use sophie_domain::ports::AnswerDraft;

use super::cards::{cite, likeness};
use super::sentences::{Material, words};

/// The answer when the material does not hold one.
pub const NOT_FOUND: &str = "I could not find this in your material.";
/// The most sentences an answer quotes.
pub(super) const MAX_ANSWER_SENTENCES: usize = 3;
/// The content words a sentence must share with a question of two or more.
const MIN_SHARED_WORDS: usize = 2;

/// Words that shape a question without saying what it is about, sorted.
#[rustfmt::skip]
const QUESTION_WORDS: &[&str] = &[
    "called", "definition", "difference", "example", "examples", "happen", "happened", "happens",
    "mean", "meaning", "means", "meant", "name", "stand", "stands", "thing", "things",
];

/// The distinct content stems of a question.
pub(super) fn question_stems(question: &str) -> BTreeSet<String> {
    words(question)
        .into_iter()
        .filter(|w| w.is_content() && QUESTION_WORDS.binary_search(&w.lower.as_str()).is_err())
        .map(|w| w.stem)
        .collect()
}

/// The answer to `question` from `material`.
pub(super) fn answer(question: &str, material: &Material) -> AnswerDraft {
    let wanted = question_stems(question);
    let needed = wanted.len().min(MIN_SHARED_WORDS);
    if needed == 0 {
        return not_found();
    }
    #[allow(clippy::cast_precision_loss)] // sentence counts are small
    let total = material.sentences.len() as f64;
    let mut scored: Vec<(usize, f64, usize)> = material
        .sentences
        .iter()
        .enumerate()
        .filter_map(|(index, sentence)| {
            let shared: BTreeSet<&str> = sentence
                .words
                .iter()
                .filter(|w| wanted.contains(&w.stem))
                .map(|w| w.stem.as_str())
                .collect();
            if shared.len() < needed {
                return None;
            }
            let rarity: f64 = shared
                .iter()
                .map(|stem| {
                    #[allow(clippy::cast_precision_loss)]
                    let df = material.document_frequency.get(*stem).copied().unwrap_or(1) as f64;
                    ((total + 1.0) / df).ln()
                })
                .sum();
            Some((shared.len(), rarity, index))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut text = String::new();
    let mut citations = Vec::new();
    for (_, _, index) in scored {
        if citations.len() == MAX_ANSWER_SENTENCES {
            break;
        }
        let sentence = &material.sentences[index];
        if !seen.insert(likeness(&sentence.text)) {
            continue;
        }
        citations.push(cite(sentence));
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&sentence.quote);
        text.push_str(&format!(" [{}]", citations.len()));
    }
    if citations.is_empty() {
        return not_found();
    }
    AnswerDraft { text, citations }
}

fn not_found() -> AnswerDraft {
    AnswerDraft {
        text: NOT_FOUND.to_owned(),
        citations: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sophie_domain::NoteId;
    use sophie_domain::ports::{Passage, PassageOrigin};

    fn material() -> Material {
        let passage = |text: &str| Passage {
            origin: PassageOrigin::Note {
                note_id: NoteId::from_uuid(Default::default()),
            },
            heading: None,
            text: text.to_owned(),
        };
        Material::read(&[
            passage("The Golgi apparatus packages proteins into vesicles. Cells are small."),
            passage("Ribosomes build proteins from amino acids. ATP carries energy in cells."),
        ])
    }

    #[test]
    fn question_words_are_sorted() {
        let mut sorted = QUESTION_WORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, QUESTION_WORDS);
    }

    #[test]
    fn the_best_sentences_answer_with_their_markers() {
        let answer = answer(
            "What does the Golgi apparatus do with proteins?",
            &material(),
        );
        assert!(
            answer
                .text
                .starts_with("The Golgi apparatus packages proteins into vesicles. [1]"),
            "{}",
            answer.text
        );
        assert_eq!(answer.citations[0].passage, 0);
        assert!(answer.citations.len() <= MAX_ANSWER_SENTENCES);
        let one_word = super::answer("What does ATP stand for?", &material());
        assert_eq!(one_word.citations.len(), 1, "{one_word:?}");
        assert_eq!(one_word.citations[0].passage, 1);
    }

    #[test]
    fn a_question_the_material_does_not_cover_is_refused() {
        for question in [
            "How do I bake sourdough bread?",
            "What is it?",
            "",
            "Why proteins volcanoes?",
        ] {
            let answer = answer(question, &material());
            assert_eq!(answer.text, NOT_FOUND, "{question}");
            assert!(answer.citations.is_empty());
        }
    }
}
