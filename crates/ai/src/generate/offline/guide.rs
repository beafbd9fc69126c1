//! The study guide: a title, the extractive summary, a section of key sentences for each
//! heading of the material, the key terms with their definitions, and practice questions.

use std::collections::BTreeSet;

use sophie_domain::ports::{
    GenerationOptions, GuideDraft, GuideSectionDraft, KeyTermDraft, Passage,
};
use sophie_domain::rules::summary::extractive_summary;

use super::cards::cite;
use super::questions::quiz;
use super::sentences::Material;
use super::terms::{Term, capitalise};

/// The title of a guide whose material has no heading and no term.
pub(super) const UNTITLED: &str = "Study guide";
/// The heading of a section of sentences that stand under no heading.
pub(super) const NO_HEADING: &str = "Overview";
/// The most key sentences of a section.
const MAX_SECTION_SENTENCES: usize = 5;
/// The most key terms of a guide.
const MAX_KEY_TERMS: usize = 15;
/// Practice questions when the options ask for none.
const DEFAULT_PRACTICE: u32 = 5;
/// The most practice questions.
const MAX_PRACTICE: u32 = 10;

/// The extractive summary of the passages' text (empty when they have no sentence of three
/// words or more).
pub(super) fn summary_of(passages: &[Passage]) -> String {
    let text = passages
        .iter()
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    extractive_summary(&text).unwrap_or_default()
}

/// The guide's title: the material's first level-1 heading, or its first heading, or its
/// most representative term, or [`UNTITLED`].
fn title(material: &Material, terms: &[Term]) -> String {
    material
        .headings
        .iter()
        .find(|h| h.level == Some(1))
        .or_else(|| material.headings.first())
        .map(|h| h.text.clone())
        .or_else(|| terms.first().map(|t| capitalise(&t.name)))
        .unwrap_or_else(|| UNTITLED.to_owned())
}

/// One section for each run of consecutive sentences under the same heading, in the
/// material's order: its most representative sentences (a third of them, 1 to 5) as Markdown
/// bullets, in order, each cited.
fn sections(material: &Material) -> Vec<GuideSectionDraft> {
    let mut groups: Vec<(Option<&str>, Vec<usize>)> = Vec::new();
    for (index, sentence) in material.sentences.iter().enumerate() {
        let heading = sentence.heading.as_deref();
        match groups.last_mut() {
            Some((last, members)) if *last == heading => members.push(index),
            _ => groups.push((heading, vec![index])),
        }
    }
    groups
        .into_iter()
        .map(|(heading, members)| {
            let keep = members.len().div_ceil(3).clamp(1, MAX_SECTION_SENTENCES);
            let mut ranked = members;
            ranked.sort_by(|&a, &b| {
                material
                    .importance_of(b)
                    .total_cmp(&material.importance_of(a))
                    .then(a.cmp(&b))
            });
            ranked.truncate(keep);
            ranked.sort_unstable();
            let mut body = String::new();
            let mut citations = Vec::new();
            let mut quoted: BTreeSet<(usize, &str)> = BTreeSet::new();
            for index in ranked {
                let sentence = &material.sentences[index];
                body.push_str("- ");
                body.push_str(&sentence.text);
                body.push('\n');
                if quoted.insert((sentence.passage, sentence.quote.as_str())) {
                    citations.push(cite(sentence));
                }
            }
            GuideSectionDraft {
                heading: heading.unwrap_or(NO_HEADING).to_owned(),
                body,
                citations,
            }
        })
        .collect()
}

/// The defined terms, most representative first.
fn key_terms(material: &Material, terms: &[Term]) -> Vec<KeyTermDraft> {
    terms
        .iter()
        .filter_map(|term| {
            let definition = term.definition.as_ref()?;
            let sentence = material.sentences.get(definition.sentence)?;
            Some(KeyTermDraft {
                term: capitalise(&term.name),
                definition: term.definition_answer()?,
                citations: vec![cite(sentence)],
            })
        })
        .take(MAX_KEY_TERMS)
        .collect()
}

/// The study guide of `passages`, with `options.count` practice questions (5 when it is 0,
/// at most 10) of `options.question_types` at `options.difficulty`.
pub(super) fn study_guide(
    passages: &[Passage],
    material: &Material,
    terms: &[Term],
    options: &GenerationOptions,
) -> GuideDraft {
    let practice_options = GenerationOptions {
        count: if options.count == 0 {
            DEFAULT_PRACTICE
        } else {
            options.count.min(MAX_PRACTICE)
        },
        ..options.clone()
    };
    GuideDraft {
        title: title(material, terms),
        summary: summary_of(passages),
        sections: sections(material),
        key_terms: key_terms(material, terms),
        practice: quiz(material, terms, &practice_options),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::offline::terms::find_terms;
    use sophie_domain::NoteId;
    use sophie_domain::enums::Difficulty;
    use sophie_domain::ports::PassageOrigin;

    fn passage(heading: Option<&str>, text: &str) -> Passage {
        Passage {
            origin: PassageOrigin::Note {
                note_id: NoteId::from_uuid(Default::default()),
            },
            heading: heading.map(str::to_owned),
            text: text.to_owned(),
        }
    }

    #[test]
    fn consecutive_passages_under_one_heading_make_one_section() {
        let passages = [
            passage(
                Some("Organelles"),
                "The nucleus is an organelle that holds the DNA. It sits in the middle.",
            ),
            passage(
                Some("Organelles"),
                "Ribosomes are organelles that build proteins. They are tiny.",
            ),
            passage(
                Some("Division"),
                "Mitosis is the process by which a cell divides in two.",
            ),
        ];
        let material = Material::read(&passages);
        let terms = find_terms(&material);
        let options = GenerationOptions {
            count: 0,
            difficulty: Difficulty::Medium,
            question_types: Vec::new(),
        };
        let guide = study_guide(&passages, &material, &terms, &options);
        assert_eq!(guide.title, "Organelles");
        let headings: Vec<&str> = guide.sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(headings, ["Organelles", "Division"]);
        assert!(guide.sections[0].body.starts_with("- "), "{guide:#?}");
        assert!(guide.sections.iter().all(|s| !s.citations.is_empty()));
        assert_eq!(guide.key_terms.len(), 3);
        assert!(!guide.practice.is_empty() && guide.practice.len() <= 5);
        assert!(!guide.summary.is_empty());
    }

    #[test]
    fn nothing_to_read_gives_an_empty_guide() {
        let material = Material::read(&[]);
        let options = GenerationOptions {
            count: 5,
            difficulty: Difficulty::Easy,
            question_types: Vec::new(),
        };
        let guide = study_guide(&[], &material, &[], &options);
        assert_eq!(guide.title, UNTITLED);
        assert!(guide.summary.is_empty() && guide.sections.is_empty() && guide.practice.is_empty());
    }
}
