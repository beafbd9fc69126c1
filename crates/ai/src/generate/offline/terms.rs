//! Key terms of the material: found in sentences of definitional shape
//! ([`super::definitions`]), in bold phrases and in headings; ranked by how representative
//! they are; grouped by kind for distractors.

use std::collections::BTreeMap;

use super::definitions::{
    ARTICLES, Definition, Kind, MAX_TERM_BYTES, MAX_TERM_WORDS, NOT_IN_TERM, NOT_TERM_START, Shape,
    definition_in, lower_at,
};
use super::sentences::{Material, Sentence, words};

/// The most terms kept.
const MAX_TERMS: usize = 200;

/// A key term.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Term {
    /// The stems of its words, which identify it.
    pub key: Vec<String>,
    /// The term as the material writes it.
    pub name: String,
    /// Its definition, if the material gives one.
    pub definition: Option<Definition>,
    /// How many times the material's sentences use it.
    pub frequency: usize,
    /// Whether a heading uses it.
    pub in_heading: bool,
    /// Whether it is set in bold.
    pub bold: bool,
    /// The first sentence that uses it.
    pub first: usize,
    /// The article the material writes before it: the one its definition uses ("A cell is
    /// ...", "The nucleus is ..."), or "the" when the material mostly writes "the" before an
    /// undefined term.
    pub article: Option<String>,
}

impl Term {
    /// How representative the term is: its frequency, with a bonus for headings and bold.
    pub fn score(&self) -> usize {
        self.frequency + 3 * usize::from(self.in_heading) + 2 * usize::from(self.bold)
    }

    /// The term as a question names it: with "the" when the material mostly writes it so.
    pub fn phrase(&self) -> String {
        match self.article.as_deref() {
            Some("a" | "an") => format!("{} {}", indefinite_article(&self.name), self.name),
            Some(article) => format!("{article} {}", self.name),
            None => self.name.clone(),
        }
    }

    /// Whether the term names several things ("ribosomes", "mitochondria").
    pub fn is_plural(&self) -> bool {
        if let Some(Definition {
            shape: Shape::Copula(verb),
            ..
        }) = &self.definition
        {
            return verb == "are" || verb == "were";
        }
        if let Some(kind) = self.kind() {
            return is_plural_word(&kind.word);
        }
        self.name
            .split_whitespace()
            .last()
            .is_some_and(|last| is_plural_word(&last.to_lowercase()))
    }

    /// The kind of the term, if its definition names one.
    pub fn kind(&self) -> Option<&Kind> {
        self.definition.as_ref().and_then(|d| d.kind.as_ref())
    }

    /// The definition as an answer: a sentence of its own ("An organelle that ...").
    pub fn definition_answer(&self) -> Option<String> {
        let definition = self.definition.as_ref()?;
        let text = match definition.shape {
            Shape::Clause => format!("{} {}", self.name, definition.text),
            _ => definition.text.clone(),
        };
        Some(as_sentence(&text))
    }

    /// A question that the definition answers ("What is X?", "What are X?", "What does X
    /// mean?").
    pub fn definition_question(&self) -> String {
        let plural = self.is_plural();
        match self.definition.as_ref().map(|d| &d.shape) {
            Some(Shape::Copula(verb)) => format!("What {verb} {}?", self.phrase()),
            Some(Shape::Verb(_)) if plural => format!("What do {} mean?", self.phrase()),
            Some(Shape::Verb(_)) => format!("What does {} mean?", self.phrase()),
            _ if plural => format!("What are {}?", self.phrase()),
            _ => format!("What is {}?", self.phrase()),
        }
    }

    /// A question that the term answers, from its definition ("Which of these is an
    /// organelle that ...?").
    pub fn which_question(&self) -> Option<String> {
        let definition = self.definition.as_ref()?;
        let text = lower_first(&definition.text);
        Some(match &definition.shape {
            Shape::Copula(verb) | Shape::Verb(verb) => format!("Which of these {verb} {text}?"),
            Shape::Clause => format!("Which of these {text}?"),
            Shape::Description => {
                format!("Which of these matches this description: {text}?")
            }
        })
    }

    /// Whether the definition is a noun phrase that can stand as an option ("What is X?").
    pub fn has_noun_phrase_definition(&self) -> bool {
        self.definition.as_ref().is_some_and(|d| {
            matches!(d.shape, Shape::Copula(_))
                || (d.shape == Shape::Description && d.kind.is_some())
        })
    }
}

/// Plurals that do not end in "s".
#[rustfmt::skip]
const IRREGULAR_PLURALS: &[&str] = &[
    "bacteria", "children", "criteria", "data", "feet", "fungi", "geese", "media", "men", "mice",
    "mitochondria", "nuclei", "people", "phenomena", "teeth", "women",
];

/// Whether a lower-case word is a plural.
fn is_plural_word(word: &str) -> bool {
    IRREGULAR_PLURALS.contains(&word)
        || (word.len() > 3
            && word.ends_with('s')
            && !word.ends_with("ss")
            && !word.ends_with("us")
            && !word.ends_with("is")
            && !word.ends_with("ics"))
}

/// "an" before a vowel, "a" otherwise.
pub(super) fn indefinite_article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// `text` with its first letter upper-case and a full stop at its end.
pub(super) fn as_sentence(text: &str) -> String {
    let mut out = capitalise(text.trim());
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// `text` with its first letter upper-case.
pub(super) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `text` with its first letter lower-case, unless its first word is a name or an acronym
/// (another of its letters is upper-case).
pub(super) fn lower_first(text: &str) -> String {
    let first_word = text.split_whitespace().next().unwrap_or_default();
    if first_word.chars().skip(1).any(char::is_uppercase) {
        return text.to_owned();
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Whether `haystack` holds `needle` as a run of consecutive items.
pub(super) fn holds(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty()
        && needle.len() <= haystack.len()
        && haystack.windows(needle.len()).any(|w| w == needle)
}

/// A term under construction.
#[derive(Default)]
struct Candidate {
    name: String,
    definition: Option<Definition>,
    /// The article before the term in its defining sentence.
    article: Option<String>,
    bold: bool,
    from_heading: bool,
}

/// Numbering and labels dropped from the front of a heading before it is read as a term.
const HEADING_LABELS: &[&str] = &["chapter", "lesson", "part", "section", "unit"];

/// The key terms of `material`, most representative first: defined terms first, then by
/// [`Term::score`], then by first use.
pub(super) fn find_terms(material: &Material) -> Vec<Term> {
    let mut candidates: BTreeMap<Vec<String>, Candidate> = BTreeMap::new();
    for (index, sentence) in material.sentences.iter().enumerate() {
        let Some(found) = definition_in(sentence) else {
            continue;
        };
        let key: Vec<String> = sentence.words[found.from..found.to]
            .iter()
            .map(|w| w.stem.clone())
            .collect();
        let candidate = candidates.entry(key).or_default();
        if candidate.definition.is_none() {
            candidate.name = trim_quotes(sentence.span(found.from, found.to));
            candidate.article = found
                .from
                .checked_sub(1)
                .map(|before| lower_at(sentence, before))
                .filter(|word| ARTICLES.contains(word))
                .map(str::to_owned);
            candidate.definition = Some(Definition {
                sentence: index,
                text: found.text,
                shape: found.shape,
                kind: found.kind,
            });
        }
    }
    for phrase in &material.bold {
        if let Some((key, name)) = phrase_term(phrase, false) {
            let candidate = candidates.entry(key).or_default();
            candidate.bold = true;
            if candidate.name.is_empty() {
                candidate.name = name;
            }
        }
    }
    for heading in &material.headings {
        if let Some((key, name)) = phrase_term(&heading.text, true) {
            let candidate = candidates.entry(key).or_default();
            if candidate.name.is_empty() {
                candidate.name = name;
                candidate.from_heading = true;
            }
        }
    }
    let heading_stems: Vec<Vec<String>> = material
        .headings
        .iter()
        .map(|h| words(&h.text).into_iter().map(|w| w.stem).collect())
        .collect();
    let mut terms: Vec<Term> = Vec::new();
    for (key, candidate) in candidates {
        let mut frequency = 0;
        let mut first = usize::MAX;
        let mut lower_uses = 0_usize;
        let mut upper_uses = 0_usize;
        let mut with_article = 0_usize;
        for (index, sentence) in material.sentences.iter().enumerate() {
            let found = sentence.find(&key);
            if found.is_empty() {
                continue;
            }
            frequency += found.len();
            first = first.min(index);
            for (from, to) in found {
                if from == 0 {
                    continue;
                }
                if sentence.words[from - 1].lower == "the" {
                    with_article += 1;
                }
                match sentence.span(from, to).chars().next() {
                    Some(c) if c.is_lowercase() => lower_uses += 1,
                    Some(c) if c.is_uppercase() => upper_uses += 1,
                    _ => {}
                }
            }
        }
        let needed = if candidate.from_heading && candidate.definition.is_none() && !candidate.bold
        {
            2
        } else {
            1
        };
        if frequency < needed || candidate.name.is_empty() {
            continue;
        }
        // Upper-case at the start of a sentence says nothing: the term's uses elsewhere
        // decide, and a term used only there is taken for a common noun unless each of its
        // words is capitalised ("Triple Alliance").
        let name = if lower_uses > upper_uses
            || (upper_uses == 0 && !every_word_capitalised(&candidate.name))
        {
            lower_first(&candidate.name)
        } else {
            candidate.name
        };
        let article = if candidate.definition.is_some() {
            candidate.article
        } else {
            (with_article * 2 > frequency).then(|| "the".to_owned())
        };
        let in_heading = heading_stems.iter().any(|h| holds(h, &key));
        terms.push(Term {
            key,
            name,
            definition: candidate.definition,
            frequency,
            in_heading,
            bold: candidate.bold,
            first,
            article,
        });
    }
    terms.sort_by(|a, b| {
        b.definition
            .is_some()
            .cmp(&a.definition.is_some())
            .then_with(|| b.score().cmp(&a.score()))
            .then_with(|| a.first.cmp(&b.first))
            .then_with(|| a.key.cmp(&b.key))
    });
    terms.truncate(MAX_TERMS);
    terms
}

/// Whether every word of a name of two words or more is capitalised.
fn every_word_capitalised(name: &str) -> bool {
    let words: Vec<&str> = name.split_whitespace().collect();
    words.len() >= 2 && words.iter().all(|w| w.starts_with(char::is_uppercase))
}

/// A bold phrase or heading read as a term: its key and name.
fn phrase_term(phrase: &str, heading: bool) -> Option<(Vec<String>, String)> {
    let all = words(phrase);
    let mut start = 0;
    if heading {
        while start < all.len()
            && (all[start]
                .lower
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.')
                || HEADING_LABELS.contains(&all[start].lower.as_str()))
        {
            start += 1;
        }
    }
    if start < all.len() && ARTICLES.contains(&all[start].lower.as_str()) {
        start += 1;
    }
    let words = all.get(start..)?;
    let most = if heading { 3 } else { MAX_TERM_WORDS };
    if words.is_empty()
        || words.len() > most
        || NOT_TERM_START.contains(&words[0].lower.as_str())
        || words
            .iter()
            .any(|w| NOT_IN_TERM.contains(&w.lower.as_str()))
        || words.iter().all(|w| !w.is_content())
    {
        return None;
    }
    let name = phrase.get(words[0].start..words[words.len() - 1].end)?;
    if name.len() > MAX_TERM_BYTES {
        return None;
    }
    let key = words.iter().map(|w| w.stem.clone()).collect();
    Some((key, name.to_owned()))
}

/// `text` without quotation marks around it.
fn trim_quotes(text: &str) -> String {
    text.trim_matches(|c: char| matches!(c, '"' | '\'' | '“' | '”' | '‘' | '’'))
        .to_owned()
}

/// Whether `sentence` uses `terms[index]` inside a longer term that holds it ("events" in
/// "independent events").
pub(super) fn shadowed(sentence: &Sentence, terms: &[Term], index: usize) -> bool {
    let Some(term) = terms.get(index) else {
        return false;
    };
    terms.iter().enumerate().any(|(other_index, other)| {
        other_index != index
            && other.key.len() > term.key.len()
            && holds(&other.key, &term.key)
            && sentence.contains(&other.key)
    })
}

/// The best-ranked term `sentence` uses on its own (not inside a longer term).
pub(super) fn term_in(sentence: &Sentence, terms: &[Term]) -> Option<usize> {
    (0..terms.len())
        .find(|&index| sentence.contains(&terms[index].key) && !shadowed(sentence, terms, index))
}

/// Whether two terms overlap: one's words hold the other's.
pub(super) fn overlap(a: &Term, b: &Term) -> bool {
    holds(&a.key, &b.key) || holds(&b.key, &a.key)
}

/// Up to `wanted` other terms to stand beside `terms[target]` as wrong answers, best first:
/// terms of the same kind, then defined terms phrased alike, then other defined terms, then
/// the rest, each in rank order. None overlaps the target or another, and none is in
/// `avoid` (the stems of the question's text).
pub(super) fn distractors(
    terms: &[Term],
    target: usize,
    wanted: usize,
    avoid: &[String],
) -> Vec<usize> {
    let Some(term) = terms.get(target) else {
        return Vec::new();
    };
    let tier = |other: &Term| -> usize {
        match (term.kind(), other.kind()) {
            (Some(a), Some(b)) if a.stem == b.stem => return 0,
            _ => {}
        }
        match (&term.definition, &other.definition) {
            (Some(a), Some(b)) if a.shape == b.shape => 1,
            (_, Some(_)) => 2,
            _ => 3,
        }
    };
    let mut ranked: Vec<(usize, usize)> = terms
        .iter()
        .enumerate()
        .filter(|&(index, other)| {
            index != target && !overlap(term, other) && !holds(avoid, &other.key)
        })
        .map(|(index, other)| (tier(other), index))
        .collect();
    ranked.sort_unstable();
    let mut chosen: Vec<usize> = Vec::new();
    for (_, index) in ranked {
        if chosen.len() == wanted {
            break;
        }
        let other = &terms[index];
        let clash = chosen.iter().any(|&c| {
            overlap(&terms[c], other) || terms[c].name.to_lowercase() == other.name.to_lowercase()
        });
        if !clash && other.name.to_lowercase() != term.name.to_lowercase() {
            chosen.push(index);
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn terms_are_ranked_defined_first_then_by_use() {
        let material = material(
            "# Cells\n\nA **cell** is the smallest unit of life that can live on its own. The \
             nucleus is an organelle that holds the DNA. Ribosomes are organelles that build \
             proteins. The nucleus controls the cell. The nucleus divides before the cell \
             does. Each cell has a membrane. A cell grows.",
        );
        let terms = find_terms(&material);
        let names: Vec<&str> = terms.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(&names[..3], ["cell", "nucleus", "ribosomes"], "{names:?}");
        assert!(terms[0].in_heading && terms[0].bold);
        let distractors = distractors(&terms, 1, 3, &[]);
        assert_eq!(terms[distractors[0]].name, "ribosomes");
    }
}
