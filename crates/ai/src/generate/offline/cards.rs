//! Flashcards: a term and its definition ("What is X?" / the definition), and cloze deletions
//! of key terms in the material's most representative sentences ("____ packages proteins into
//! vesicles." / "The Golgi apparatus").

use std::collections::BTreeSet;

use sophie_domain::ports::{CardDraft, Citation};

use super::sentences::{Material, Sentence};
use super::terms::{Term, shadowed};

/// The blank of a cloze or a fill-in-the-blank question.
pub(super) const BLANK: &str = "____";

/// The fewest words of a sentence made a cloze.
const MIN_CLOZE_WORDS: usize = 5;
/// The most words of a sentence made a cloze.
const MAX_CLOZE_WORDS: usize = 40;

/// The citation of a sentence: its passage and its words as they stand there.
pub(super) fn cite(sentence: &Sentence) -> Citation {
    Citation {
        passage: sentence.passage,
        quote: sentence.quote.clone(),
    }
}

/// What makes two drafts alike: their letters and digits, lower-cased, words one space apart.
pub(super) fn likeness(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `sentence` with every use of the term `key` blanked, and the first use as written (with
/// the article before it when `with_article` and the term follows an article that opens the
/// sentence). `None` when the sentence does not use the term, or when the term would be
/// more than half of it.
pub(super) fn blank(
    sentence: &Sentence,
    key: &[String],
    with_article: bool,
) -> Option<(String, String)> {
    let found = sentence.find(key);
    let &(first_from, _) = found.first()?;
    let blanked_words: usize = found.iter().map(|(from, to)| to - from).sum();
    if blanked_words * 2 > sentence.words.len() {
        return None;
    }
    let text = &sentence.text;
    let mut out = String::with_capacity(text.len());
    let mut answer = String::new();
    let mut cursor = 0;
    for (number, &(from, to)) in found.iter().enumerate() {
        let mut start = sentence.words.get(from)?.start;
        let end = sentence.words.get(to.checked_sub(1)?)?.end;
        if number == 0
            && with_article
            && first_from == 1
            && matches!(sentence.words[0].lower.as_str(), "the" | "a" | "an")
        {
            start = sentence.words[0].start;
        }
        if number == 0 {
            answer = text.get(start..end)?.to_owned();
        }
        out.push_str(text.get(cursor..start)?);
        out.push_str(BLANK);
        cursor = end;
    }
    out.push_str(text.get(cursor..)?);
    Some((out, answer))
}

/// The most representative sentence that uses `terms[term_index]` and could be a cloze: a
/// statement of 5 to 40 words, not its defining sentence, not in `used`, not using the
/// term inside a longer one or in the possessive.
pub(super) fn cloze_sentence(
    material: &Material,
    terms: &[Term],
    term_index: usize,
    used: &BTreeSet<usize>,
) -> Option<usize> {
    let term = terms.get(term_index)?;
    let defining = term.definition.as_ref().map(|d| d.sentence);
    material
        .sentences
        .iter()
        .enumerate()
        .filter(|&(index, sentence)| {
            Some(index) != defining
                && !used.contains(&index)
                && (MIN_CLOZE_WORDS..=MAX_CLOZE_WORDS).contains(&sentence.words.len())
                && sentence.is_statement()
                && sentence.contains(&term.key)
                && !is_possessive(sentence, &term.key)
                && !shadowed(sentence, terms, term_index)
        })
        .max_by(|a, b| {
            material
                .importance_of(a.0)
                .total_cmp(&material.importance_of(b.0))
                .then_with(|| b.0.cmp(&a.0))
        })
        .map(|(index, _)| index)
}

/// Whether `sentence` uses the term `key` in the possessive ("the cell's DNA").
fn is_possessive(sentence: &Sentence, key: &[String]) -> bool {
    sentence.find(key).iter().any(|&(_, to)| {
        sentence
            .words
            .get(to - 1)
            .is_some_and(|w| w.lower.ends_with("'s") || w.lower.ends_with("’s"))
    })
}

/// A hint for a cloze on `term`: its first letter, and its kind when known.
fn cloze_hint(term: &Term) -> Option<String> {
    let letter = term.name.chars().next()?.to_uppercase().collect::<String>();
    Some(match term.kind() {
        Some(kind) => format!("Starts with “{letter}” ({})", kind.word),
        None => format!("Starts with “{letter}”"),
    })
}

/// At most `count` flashcards from `material`, most important first: the definition cards
/// and clozes of the terms in rank order, interleaved (term 1's definition, term 2's
/// definition, term 1's cloze, term 3's definition, term 2's cloze, ...). No two cards share
/// a front or a back (ignoring case, spaces and punctuation).
pub(super) fn flashcards(material: &Material, terms: &[Term], count: usize) -> Vec<CardDraft> {
    let mut candidates: Vec<(usize, CardDraft)> = Vec::new();
    let mut used_sentences: BTreeSet<usize> = BTreeSet::new();
    for (rank, term) in terms.iter().enumerate() {
        if let (Some(definition), Some(back)) = (&term.definition, term.definition_answer())
            && let Some(sentence) = material.sentences.get(definition.sentence)
        {
            candidates.push((
                2 * rank,
                CardDraft {
                    front: term.definition_question(),
                    back,
                    hint: None,
                    citations: vec![cite(sentence)],
                },
            ));
        }
        let Some(index) = cloze_sentence(material, terms, rank, &used_sentences) else {
            continue;
        };
        let sentence = &material.sentences[index];
        // "The Golgi apparatus" is blanked whole where the material names the term with
        // "the"; "The alliance system" keeps its article.
        let with_article = term.article.as_deref() == Some("the");
        if let Some((front, back)) = blank(sentence, &term.key, with_article) {
            used_sentences.insert(index);
            candidates.push((
                2 * rank + 3,
                CardDraft {
                    front,
                    back,
                    hint: cloze_hint(term),
                    citations: vec![cite(sentence)],
                },
            ));
        }
    }
    // A stable sort keeps the rank order among equal priorities.
    candidates.sort_by_key(|(priority, _)| *priority);
    let mut fronts: BTreeSet<String> = BTreeSet::new();
    let mut backs: BTreeSet<String> = BTreeSet::new();
    let mut cards = Vec::new();
    for (_, card) in candidates {
        if cards.len() >= count {
            break;
        }
        let front = likeness(&card.front);
        let back = likeness(&card.back);
        if front.is_empty() || back.is_empty() || fronts.contains(&front) || backs.contains(&back) {
            continue;
        }
        fronts.insert(front);
        backs.insert(back);
        cards.push(card);
    }
    cards
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::offline::terms::find_terms;
    use sophie_domain::NoteId;
    use sophie_domain::ports::{Passage, PassageOrigin};

    fn material(text: &str) -> Material {
        Material::read(&[Passage {
            origin: PassageOrigin::Note {
                note_id: NoteId::from_uuid(Default::default()),
            },
            heading: None,
            text: text.to_owned(),
        }])
    }

    #[test]
    fn a_cloze_blanks_the_term_with_its_opening_article() {
        let material = material("The Golgi apparatus packages proteins into vesicles.");
        let key = vec!["golgi".to_owned(), "apparatus".to_owned()];
        let (front, back) = blank(&material.sentences[0], &key, true).unwrap();
        assert_eq!(front, "____ packages proteins into vesicles.");
        assert_eq!(back, "The Golgi apparatus");
        let (front, back) = blank(&material.sentences[0], &key, false).unwrap();
        assert_eq!(front, "The ____ packages proteins into vesicles.");
        assert_eq!(back, "Golgi apparatus");
    }

    #[test]
    fn every_use_of_the_term_is_blanked() {
        let material = material("Cells divide, and each cell then grows.");
        let (front, back) = blank(&material.sentences[0], &["cell".to_owned()], false).unwrap();
        assert_eq!(front, "____ divide, and each ____ then grows.");
        assert_eq!(back, "Cells");
    }

    #[test]
    fn cards_are_unique_and_capped() {
        let material = material(
            "The nucleus is an organelle that holds the DNA. Ribosomes are organelles that \
             build proteins. The nucleus controls what the cell does each day. Ribosomes read \
             the messages that the nucleus sends out.",
        );
        let terms = find_terms(&material);
        let cards = flashcards(&material, &terms, 20);
        assert!(cards.len() >= 3, "{cards:#?}");
        assert_eq!(cards[0].front, "What is the nucleus?");
        assert_eq!(cards[0].back, "An organelle that holds the DNA.");
        let fronts: BTreeSet<String> = cards.iter().map(|c| likeness(&c.front)).collect();
        let backs: BTreeSet<String> = cards.iter().map(|c| likeness(&c.back)).collect();
        assert_eq!(fronts.len(), cards.len());
        assert_eq!(backs.len(), cards.len());
        assert_eq!(flashcards(&material, &terms, 2).len(), 2);
        assert!(flashcards(&material, &terms, 0).is_empty());
    }
}
