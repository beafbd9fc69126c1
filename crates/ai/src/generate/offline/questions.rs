//! Quiz questions: multiple choice with distractors of the same kind, true/false statements
//! (false ones made by swapping a term for another of its kind), fill-in-the-blank from
//! definitions and short answers ("Define X.").
//!
//! Difficulty decides which terms come first and how the types are mixed: easy questions are
//! about the most frequent terms, with two true/false statements in every round of types;
//! hard ones about the least frequent terms, with more distractors and two short answers in
//! every round.

use std::collections::{BTreeSet, VecDeque};

use sophie_domain::enums::{Difficulty, QuestionType};
use sophie_domain::ports::{GenerationOptions, QuestionDraft};
use sophie_domain::values::QuestionContent;

use super::cards::{blank, cite, likeness};
use super::sentences::{Material, Sentence, words};
use super::terms::{Term, capitalise, distractors, holds, indefinite_article, term_in};

/// Every question type, in the order an empty choice of types stands for.
const ALL_TYPES: [QuestionType; 4] = [
    QuestionType::MultipleChoice,
    QuestionType::TrueFalse,
    QuestionType::FillInTheBlank,
    QuestionType::ShortAnswer,
];

/// The fewest words of a sentence made a true/false statement or a blank.
const MIN_STATEMENT_WORDS: usize = 5;

/// The order in which question types take turns at `difficulty`.
fn rotation(difficulty: Difficulty) -> &'static [QuestionType] {
    use QuestionType::{FillInTheBlank, MultipleChoice, ShortAnswer, TrueFalse};
    match difficulty {
        Difficulty::Easy => &[
            TrueFalse,
            MultipleChoice,
            TrueFalse,
            FillInTheBlank,
            ShortAnswer,
        ],
        Difficulty::Medium => &[MultipleChoice, TrueFalse, FillInTheBlank, ShortAnswer],
        Difficulty::Hard => &[
            ShortAnswer,
            MultipleChoice,
            FillInTheBlank,
            ShortAnswer,
            TrueFalse,
        ],
    }
}

/// How many wrong options a multiple-choice question has at `difficulty`, when the material
/// has that many.
const fn distractor_count(difficulty: Difficulty) -> usize {
    match difficulty {
        Difficulty::Easy | Difficulty::Medium => 3,
        Difficulty::Hard => 5,
    }
}

/// The stems of `text`'s words.
fn stems(text: &str) -> Vec<String> {
    words(text).into_iter().map(|w| w.stem).collect()
}

/// A position for the correct option among `count`, from the question's letters: the same
/// question always puts it at the same place, and different questions at different places.
fn answer_position(question: &str, count: usize) -> usize {
    let sum = question
        .bytes()
        .fold(0_usize, |sum, byte| sum.wrapping_add(usize::from(byte)));
    sum % count.max(1)
}

/// A question not yet chosen, and the term it is about.
struct Candidate {
    term: Option<usize>,
    draft: QuestionDraft,
    /// The same question in another form, taken every other time (multiple choice: "What is
    /// X?" beside "Which of these is ...?").
    alternative: Option<QuestionDraft>,
}

/// At most `options.count` quiz questions of `options.question_types` (every type when it is
/// empty), the types taking turns, no two alike.
pub(super) fn quiz(
    material: &Material,
    terms: &[Term],
    options: &GenerationOptions,
) -> Vec<QuestionDraft> {
    let count = usize::try_from(options.count).unwrap_or(usize::MAX);
    if count == 0 {
        return Vec::new();
    }
    let wanted: Vec<QuestionType> = if options.question_types.is_empty() {
        ALL_TYPES.to_vec()
    } else {
        options.question_types.clone()
    };
    let turns: Vec<QuestionType> = rotation(options.difficulty)
        .iter()
        .copied()
        .filter(|t| wanted.contains(t))
        .collect();
    let order = term_order(terms, options.difficulty);
    let mut pools: Vec<(QuestionType, VecDeque<Candidate>)> = ALL_TYPES
        .iter()
        .filter(|t| turns.contains(t))
        .map(|&t| {
            let pool = match t {
                QuestionType::MultipleChoice => {
                    multiple_choice(material, terms, &order, options.difficulty)
                }
                QuestionType::TrueFalse => true_false(material, terms, &order),
                QuestionType::FillInTheBlank => fill_in_the_blank(material, terms, &order),
                QuestionType::ShortAnswer => short_answer(material, terms, &order),
            };
            (t, pool.into())
        })
        .collect();
    let mut questions: Vec<QuestionDraft> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut used_terms: BTreeSet<usize> = BTreeSet::new();
    let mut taken_types: Vec<QuestionType> = Vec::new();
    'rounds: loop {
        let mut progress = false;
        for turn in &turns {
            if questions.len() >= count {
                break 'rounds;
            }
            let Some((_, pool)) = pools.iter_mut().find(|(t, _)| t == turn) else {
                continue;
            };
            let taken = taken_types.iter().filter(|t| *t == turn).count();
            while let Some(candidate) = take(pool, &used_terms) {
                let draft = match candidate.alternative {
                    Some(alternative) if taken % 2 == 1 && is_valid(&alternative) => alternative,
                    _ => candidate.draft,
                };
                let key = likeness(&draft.question);
                if seen.contains(&key) || !is_valid(&draft) {
                    continue;
                }
                seen.insert(key);
                if let Some(term) = candidate.term {
                    used_terms.insert(term);
                }
                taken_types.push(*turn);
                questions.push(draft);
                progress = true;
                break;
            }
        }
        if !progress {
            break;
        }
    }
    questions
}

/// The next candidate of a pool, preferring one about a term no question is about yet.
fn take(pool: &mut VecDeque<Candidate>, used_terms: &BTreeSet<usize>) -> Option<Candidate> {
    let fresh = pool
        .iter()
        .position(|c| c.term.is_none_or(|t| !used_terms.contains(&t)))
        .unwrap_or(0);
    pool.remove(fresh)
}

/// Whether the domain accepts the question's type, options and answer.
fn is_valid(draft: &QuestionDraft) -> bool {
    let options = (!draft.options.is_empty()).then(|| draft.options.clone());
    !draft.citations.is_empty()
        && !draft.question.trim().is_empty()
        && QuestionContent::new(draft.question_type, options, draft.correct_answer.clone()).is_ok()
}

/// The defined terms in the order questions take them at `difficulty`: the most frequent
/// first when easy, the rank order at medium, the least frequent first when hard.
fn term_order(terms: &[Term], difficulty: Difficulty) -> Vec<usize> {
    let mut order: Vec<usize> = (0..terms.len())
        .filter(|&i| terms[i].definition.is_some())
        .collect();
    match difficulty {
        Difficulty::Easy => {
            order.sort_by(|&a, &b| terms[b].frequency.cmp(&terms[a].frequency).then(a.cmp(&b)));
        }
        Difficulty::Medium => {}
        Difficulty::Hard => {
            order.sort_by(|&a, &b| terms[a].frequency.cmp(&terms[b].frequency).then(a.cmp(&b)));
        }
    }
    order
}

/// The sentence that defines `term`.
fn defining<'m>(material: &'m Material, term: &Term) -> Option<&'m Sentence> {
    material.sentences.get(term.definition.as_ref()?.sentence)
}

/// Multiple-choice questions in two forms, which take turns: "Which of these is
/// <definition>?" with terms as options, and "What is X?" with definitions as options.
fn multiple_choice(
    material: &Material,
    terms: &[Term],
    order: &[usize],
    difficulty: Difficulty,
) -> Vec<Candidate> {
    let wanted = distractor_count(difficulty);
    let mut out = Vec::new();
    for &index in order {
        let term = &terms[index];
        let Some(sentence) = defining(material, term) else {
            continue;
        };
        let draft =
            |(question, options, correct_answer): (String, Vec<String>, String)| QuestionDraft {
                question_type: QuestionType::MultipleChoice,
                question,
                options,
                correct_answer,
                explanation: Some(sentence.text.clone()),
                citations: vec![cite(sentence)],
            };
        let by_definition = term_options(terms, index, wanted).map(draft);
        let by_term = definition_options(terms, index, wanted).map(draft);
        let (first, alternative) = match (by_definition, by_term) {
            (Some(first), alternative) => (first, alternative),
            (None, Some(first)) => (first, None),
            (None, None) => continue,
        };
        out.push(Candidate {
            term: Some(index),
            draft: first,
            alternative,
        });
    }
    out
}

/// `options` with `correct` put at the question's place among them.
fn place(question: &str, mut options: Vec<String>, correct: String) -> Vec<String> {
    let at = answer_position(question, options.len() + 1);
    options.insert(at.min(options.len()), correct);
    options
}

/// "Which of these is <definition>?": the term among others of its kind.
fn term_options(
    terms: &[Term],
    index: usize,
    wanted: usize,
) -> Option<(String, Vec<String>, String)> {
    let term = &terms[index];
    let question = term.which_question()?;
    let avoid = stems(&question);
    if holds(&avoid, &term.key) {
        return None;
    }
    let others: Vec<String> = distractors(terms, index, wanted, &avoid)
        .into_iter()
        .map(|i| capitalise(&terms[i].name))
        .collect();
    if others.is_empty() {
        return None;
    }
    let correct = capitalise(&term.name);
    let options = place(&question, others, correct.clone());
    Some((question, options, correct))
}

/// "What is X?": its definition among those of other terms of its kind.
fn definition_options(
    terms: &[Term],
    index: usize,
    wanted: usize,
) -> Option<(String, Vec<String>, String)> {
    let term = &terms[index];
    if !term.has_noun_phrase_definition() {
        return None;
    }
    let correct = term.definition_answer()?;
    let question = term.definition_question();
    let mut seen: BTreeSet<String> = BTreeSet::from([likeness(&correct)]);
    let mut others = Vec::new();
    for other in distractors(terms, index, terms.len(), &[]) {
        if others.len() == wanted {
            break;
        }
        let other = &terms[other];
        if !other.has_noun_phrase_definition() {
            continue;
        }
        let Some(text) = other.definition_answer() else {
            continue;
        };
        // An option naming the term would give the answer away, or be a second right one.
        if holds(&stems(&text), &term.key) || !seen.insert(likeness(&text)) {
            continue;
        }
        others.push(text);
    }
    if others.is_empty() {
        return None;
    }
    let options = place(&question, others, correct.clone());
    Some((question, options, correct))
}

/// The sentences questions are made from, with the term each is about: the defining
/// sentences of `order`, then the other sentences that use a key term, most representative
/// first.
fn statement_sources(material: &Material, terms: &[Term], order: &[usize]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut used: BTreeSet<usize> = BTreeSet::new();
    for &index in order {
        if let Some(definition) = &terms[index].definition
            && used.insert(definition.sentence)
        {
            out.push((definition.sentence, index));
        }
    }
    let mut rest: Vec<usize> = (0..material.sentences.len())
        .filter(|i| !used.contains(i))
        .collect();
    rest.sort_by(|&a, &b| {
        material
            .importance_of(b)
            .total_cmp(&material.importance_of(a))
            .then(a.cmp(&b))
    });
    for sentence_index in rest {
        if let Some(term) = term_in(&material.sentences[sentence_index], terms) {
            out.push((sentence_index, term));
        }
    }
    out
}

/// Whether a sentence reads as a statement of its own: a full sentence of five words or more.
fn is_statement(sentence: &Sentence) -> bool {
    sentence.words.len() >= MIN_STATEMENT_WORDS && sentence.is_statement()
}

/// `sentence` with every use of `term` replaced by `other` (with the article before it made
/// to fit: "an organelle" for "a chromosome").
fn swapped(sentence: &Sentence, term: &Term, other: &Term) -> Option<String> {
    let found = sentence.find(&term.key);
    if found.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(sentence.text.len());
    let mut cursor = 0;
    for (from, to) in found {
        let mut start = sentence.words.get(from)?.start;
        let end = sentence.words.get(to.checked_sub(1)?)?.end;
        let before = from.checked_sub(1).and_then(|i| sentence.words.get(i));
        let replacement = match before.map(|w| w.lower.as_str()) {
            Some("a" | "an") => {
                let article = before.map_or(0, |w| w.start);
                let capital = sentence
                    .text
                    .get(article..)
                    .is_some_and(|rest| rest.starts_with(char::is_uppercase));
                start = article;
                let phrase = if other.is_plural() {
                    other.name.clone()
                } else {
                    format!("{} {}", indefinite_article(&other.name), other.name)
                };
                if capital { capitalise(&phrase) } else { phrase }
            }
            Some("the") => other.name.clone(),
            _ => other.phrase(),
        };
        out.push_str(sentence.text.get(cursor..start)?);
        if start == 0 {
            out.push_str(&capitalise(&replacement));
        } else {
            out.push_str(&replacement);
        }
        cursor = end;
    }
    out.push_str(sentence.text.get(cursor..)?);
    Some(out)
}

/// True/false statements: sentences of the material as they stand (true), and every other
/// one with its term swapped for another of the same kind (false).
fn true_false(material: &Material, terms: &[Term], order: &[usize]) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (sentence_index, index) in statement_sources(material, terms, order) {
        let sentence = &material.sentences[sentence_index];
        if !is_statement(sentence) {
            continue;
        }
        let term = &terms[index];
        let sentence_stems: Vec<String> = sentence.words.iter().map(|w| w.stem.clone()).collect();
        let false_one = if out.len() % 2 == 1 {
            distractors(terms, index, 1, &sentence_stems)
                .first()
                .and_then(|&other| swapped(sentence, term, &terms[other]))
        } else {
            None
        };
        let (statement, answer) = match false_one {
            Some(statement) => (statement, "false"),
            None => (sentence.text.clone(), "true"),
        };
        out.push(Candidate {
            term: Some(index),
            draft: QuestionDraft {
                question_type: QuestionType::TrueFalse,
                question: statement,
                options: Vec::new(),
                correct_answer: answer.to_owned(),
                explanation: Some(sentence.text.clone()),
                citations: vec![cite(sentence)],
            },
            alternative: None,
        });
    }
    out
}

/// Fill-in-the-blank questions: defining sentences with their term blanked, then other
/// sentences that use a key term.
fn fill_in_the_blank(material: &Material, terms: &[Term], order: &[usize]) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (sentence_index, index) in statement_sources(material, terms, order) {
        let sentence = &material.sentences[sentence_index];
        if sentence.words.len() < MIN_STATEMENT_WORDS
            || sentence.is_question()
            || !sentence.fits_a_draft()
        {
            continue;
        }
        let Some((question, answer)) = blank(sentence, &terms[index].key, false) else {
            continue;
        };
        out.push(Candidate {
            term: Some(index),
            draft: QuestionDraft {
                question_type: QuestionType::FillInTheBlank,
                question,
                options: Vec::new(),
                correct_answer: answer,
                explanation: Some(sentence.text.clone()),
                citations: vec![cite(sentence)],
            },
            alternative: None,
        });
    }
    out
}

/// Short answers: "Define X." with the definition as the model answer.
fn short_answer(material: &Material, terms: &[Term], order: &[usize]) -> Vec<Candidate> {
    let mut out = Vec::new();
    for &index in order {
        let term = &terms[index];
        let (Some(sentence), Some(answer)) = (defining(material, term), term.definition_answer())
        else {
            continue;
        };
        out.push(Candidate {
            term: Some(index),
            draft: QuestionDraft {
                question_type: QuestionType::ShortAnswer,
                question: format!("Define {}.", term.phrase()),
                options: Vec::new(),
                correct_answer: answer,
                explanation: Some(sentence.text.clone()),
                citations: vec![cite(sentence)],
            },
            alternative: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::offline::terms::find_terms;
    use sophie_domain::NoteId;
    use sophie_domain::ports::{Passage, PassageOrigin};

    const CELLS: &str = "The nucleus is an organelle that holds the DNA. Ribosomes are organelles \
        that build proteins. Lysosomes are organelles that digest worn-out parts of the cell. \
        The Golgi apparatus is an organelle that packages proteins into vesicles. The nucleus \
        controls what the cell does. Ribosomes read the messages that the nucleus sends out.";

    fn material(text: &str) -> Material {
        Material::read(&[Passage {
            origin: PassageOrigin::Note {
                note_id: NoteId::from_uuid(Default::default()),
            },
            heading: None,
            text: text.to_owned(),
        }])
    }

    fn options(count: u32, difficulty: Difficulty, types: &[QuestionType]) -> GenerationOptions {
        GenerationOptions {
            count,
            difficulty,
            question_types: types.to_vec(),
        }
    }

    #[test]
    fn multiple_choice_offers_terms_of_the_same_kind() {
        let material = material(CELLS);
        let terms = find_terms(&material);
        let questions = quiz(
            &material,
            &terms,
            &options(4, Difficulty::Medium, &[QuestionType::MultipleChoice]),
        );
        assert_eq!(questions.len(), 4, "{questions:#?}");
        let first = &questions[0];
        assert_eq!(
            first.question,
            "Which of these is an organelle that holds the DNA?"
        );
        assert_eq!(first.correct_answer, "Nucleus");
        assert_eq!(first.options.len(), 4);
        for option in ["Ribosomes", "Lysosomes", "Golgi apparatus"] {
            assert!(first.options.contains(&option.to_owned()), "{first:#?}");
        }
        let positions: BTreeSet<usize> = questions
            .iter()
            .filter_map(|q| q.options.iter().position(|o| *o == q.correct_answer))
            .collect();
        assert!(
            positions.len() > 1,
            "the right option is always at {positions:?}"
        );
    }

    #[test]
    fn false_statements_swap_a_term_for_another_of_its_kind() {
        let material = material(CELLS);
        let terms = find_terms(&material);
        let questions = quiz(
            &material,
            &terms,
            &options(10, Difficulty::Medium, &[QuestionType::TrueFalse]),
        );
        let falses: Vec<&QuestionDraft> = questions
            .iter()
            .filter(|q| q.correct_answer == "false")
            .collect();
        let trues = questions.len() - falses.len();
        assert!(
            !falses.is_empty() && trues >= falses.len(),
            "{questions:#?}"
        );
        for question in falses {
            let original = question.explanation.as_deref().unwrap_or_default();
            assert_ne!(question.question, original);
            assert!(
                !material
                    .sentences
                    .iter()
                    .any(|s| s.text == question.question)
            );
        }
    }

    #[test]
    fn types_take_turns_and_difficulty_changes_the_mix() {
        let material = material(CELLS);
        let terms = find_terms(&material);
        let medium = quiz(&material, &terms, &options(4, Difficulty::Medium, &[]));
        let types: Vec<QuestionType> = medium.iter().map(|q| q.question_type).collect();
        assert_eq!(types, rotation(Difficulty::Medium));
        let hard = quiz(&material, &terms, &options(5, Difficulty::Hard, &[]));
        assert_eq!(hard[0].question_type, QuestionType::ShortAnswer);
        assert_eq!(
            hard.iter()
                .filter(|q| q.question_type == QuestionType::ShortAnswer)
                .count(),
            2
        );
        let easy = quiz(&material, &terms, &options(5, Difficulty::Easy, &[]));
        assert_eq!(
            easy.iter()
                .filter(|q| q.question_type == QuestionType::TrueFalse)
                .count(),
            2
        );
    }
}
