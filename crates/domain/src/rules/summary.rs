//! The offline summary of a note: its most representative sentences, in their order.

use std::collections::{BTreeMap, BTreeSet};

/// The most sentences a summary takes.
pub const SUMMARY_SENTENCES: usize = 3;
/// The longest summary, in characters.
pub const SUMMARY_CHARS: usize = 700;

/// Common English words that say nothing about what a text is about.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "because",
    "been", "but", "by", "can", "could", "did", "do", "does", "for", "from", "had", "has", "have",
    "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just", "like", "more",
    "most", "my", "no", "not", "now", "of", "on", "one", "or", "our", "out", "she", "so", "some",
    "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those",
    "to", "up", "us", "very", "was", "we", "were", "what", "when", "which", "who", "will", "with",
    "would", "you", "your",
];

/// An extractive summary of `text` (Markdown or a transcript): the sentences whose words are
/// the text's most frequent content words, at most [`SUMMARY_SENTENCES`] and
/// [`SUMMARY_CHARS`] characters, in the order they appear. Deterministic: ties go to the
/// earlier sentence. `None` when the text has no sentence of three words or more.
#[must_use]
pub fn extractive_summary(text: &str) -> Option<String> {
    let sentences = sentences(text);
    if sentences.is_empty() {
        return None;
    }
    let mut frequency: BTreeMap<String, usize> = BTreeMap::new();
    for sentence in &sentences {
        for word in content_words(sentence) {
            *frequency.entry(word).or_default() += 1;
        }
    }
    let mut scored: Vec<(f64, usize)> = sentences
        .iter()
        .enumerate()
        .map(|(index, sentence)| {
            let words: BTreeSet<String> = content_words(sentence).collect();
            let sum: usize = words
                .iter()
                .map(|w| frequency.get(w).copied().unwrap_or(0))
                .sum();
            // Longer sentences hold more words; dividing by a root keeps them from always
            // winning while still preferring substance over fragments.
            #[allow(clippy::cast_precision_loss)] // word counts are small
            let score = sum as f64 / (words.len().max(1) as f64).sqrt();
            (score, index)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut chosen: Vec<usize> = Vec::new();
    let mut length = 0;
    for (_, index) in scored {
        let chars = sentences[index].chars().count();
        if chosen.len() == SUMMARY_SENTENCES {
            break;
        }
        if length + chars + 1 > SUMMARY_CHARS {
            continue;
        }
        length += chars + 1;
        chosen.push(index);
    }
    if chosen.is_empty() {
        // Every sentence is longer than a summary: the first, cut at a word.
        let first = &sentences[0];
        let mut cut: String = first.chars().take(SUMMARY_CHARS - 1).collect();
        if let Some(space) = cut.rfind(' ') {
            cut.truncate(space);
        }
        cut.push('…');
        return Some(cut);
    }
    chosen.sort_unstable();
    Some(
        chosen
            .into_iter()
            .map(|i| sentences[i].as_str())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The text's sentences of three words or more, Markdown marks and timestamps left out.
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        // Headings, code fences, tables and rules are not prose.
        if line.starts_with('#') || line.starts_with("```") || line.starts_with('|') {
            continue;
        }
        let line = line.trim_start_matches(['-', '*', '>', '+', ' ']);
        let mut sentence = String::new();
        for word in line.split_whitespace() {
            if !sentence.is_empty() {
                sentence.push(' ');
            }
            sentence.push_str(word);
            if word.ends_with(['.', '!', '?']) && !is_abbreviation(word) {
                push_sentence(&mut out, &std::mem::take(&mut sentence));
            }
        }
        push_sentence(&mut out, &sentence);
    }
    out
}

fn push_sentence(out: &mut Vec<String>, sentence: &str) {
    let sentence = sentence.trim().to_owned();
    if sentence.split_whitespace().count() >= 3 {
        out.push(sentence);
    }
}

fn is_abbreviation(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "e.g."
            | "i.e."
            | "etc."
            | "vs."
            | "dr."
            | "mr."
            | "mrs."
            | "ms."
            | "prof."
            | "fig."
            | "no."
    )
}

fn content_words(sentence: &str) -> impl Iterator<Item = String> + '_ {
    sentence
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() > 2 && !STOP_WORDS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_keeps_the_sentences_about_the_main_subject() {
        let text = "# Photosynthesis\n\nPhotosynthesis turns light into chemical energy in plants. \
                    The weather was nice that day. Chlorophyll absorbs light for photosynthesis \
                    in the leaves of plants. Lunch was at noon. Plants store the chemical energy \
                    of photosynthesis as sugar.";
        let summary = extractive_summary(text).unwrap_or_default();
        assert!(summary.contains("Photosynthesis turns light"), "{summary}");
        assert!(summary.contains("Chlorophyll absorbs light"), "{summary}");
        assert!(!summary.contains("weather"), "{summary}");
        assert!(!summary.contains("Lunch"), "{summary}");
        assert!(!summary.contains('#'), "{summary}");
        // In the text's order.
        assert!(summary.find("Photosynthesis turns") < summary.find("Chlorophyll"));
    }

    #[test]
    fn a_summary_is_short() {
        let text = "Cells divide by mitosis into two daughter cells. ".repeat(50);
        let summary = extractive_summary(&text).unwrap_or_default();
        assert!(summary.chars().count() <= SUMMARY_CHARS, "{summary}");
        assert!(summary.matches("Cells divide").count() <= SUMMARY_SENTENCES);
    }

    #[test]
    fn abbreviations_do_not_end_sentences() {
        let s = sentences("Enzymes, e.g. amylase, speed reactions up. They are proteins too.");
        assert_eq!(s.len(), 2, "{s:?}");
    }

    #[test]
    fn nothing_to_summarise_gives_none() {
        assert_eq!(extractive_summary(""), None);
        assert_eq!(extractive_summary("# Title\n\nOk."), None);
    }

    #[test]
    fn one_very_long_sentence_is_cut_at_a_word() {
        let text = format!("{} end.", "word ".repeat(400));
        let summary = extractive_summary(&text).unwrap_or_default();
        assert!(summary.ends_with('…'));
        assert!(summary.chars().count() <= SUMMARY_CHARS);
    }
}
