//! Grounding: whether a quote stands in a passage, verbatim, and supports what it is cited
//! for; and when two generated items are the same item.
//!
//! A quote matches its passage when the passage holds the same characters with white space
//! collapsed (a model or a line break may join or split lines); the stored quote is then the
//! passage's own text, so what a student reads as a source is always exactly in it.

use std::collections::BTreeSet;

/// Words too common to show that a quote is about an item.
const STOP_WORDS: &[&str] = &[
    "about", "after", "also", "among", "and", "are", "because", "been", "before", "being",
    "between", "both", "but", "can", "could", "does", "during", "each", "for", "from", "had",
    "has", "have", "into", "its", "many", "more", "most", "not", "only", "other", "over", "some",
    "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
    "those", "through", "under", "very", "was", "were", "what", "when", "where", "which", "while",
    "who", "why", "will", "with", "would", "your", "true", "false", "called", "known",
];

/// The passage's own text that `quote` quotes, white space aside; `None` when the passage
/// does not hold it or the quote has no word in it.
#[must_use]
pub fn locate<'a>(passage: &'a str, quote: &str) -> Option<&'a str> {
    let wanted: Vec<char> = collapse(quote.trim()).chars().collect();
    if !wanted.iter().any(|c| c.is_alphanumeric()) {
        return None;
    }
    // The passage collapsed, with each collapsed character's byte range in the original.
    let mut chars: Vec<char> = Vec::with_capacity(passage.len());
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(passage.len());
    let mut in_space = false;
    for (at, c) in passage.char_indices() {
        let end = at + c.len_utf8();
        if c.is_whitespace() {
            if in_space {
                if let Some(last) = spans.last_mut() {
                    last.1 = end;
                }
                continue;
            }
            in_space = true;
            chars.push(' ');
        } else {
            in_space = false;
            chars.push(c);
        }
        spans.push((at, end));
    }
    let start = find(&chars, &wanted)?;
    let first = spans.get(start)?.0;
    let last = spans.get(start + wanted.len() - 1)?;
    // A trailing collapsed space spans the whole run; the quote ends before it.
    let end = if chars.get(start + wanted.len() - 1) == Some(&' ') {
        last.0
    } else {
        last.1
    };
    passage.get(first..end)
}

/// Whether `quote` supports `claim`: it shares a content word (not a common word, three
/// letters or more, compared without case) with the claim.
#[must_use]
pub fn supports(quote: &str, claim: &str) -> bool {
    let quoted = content_words(quote);
    content_words(claim)
        .iter()
        .any(|word| quoted.contains(word))
}

/// The key two items share when they ask the same thing: the letters and digits of the text,
/// lower-cased, words single-spaced.
#[must_use]
pub fn same_item_key(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of `text` worth searching for: not common words, three letters or more,
/// lower-cased, each once, longest first.
#[must_use]
pub fn keywords(text: &str) -> Vec<String> {
    let mut words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|word| {
            !STOP_WORDS.contains(&word.as_str()) && !QUESTION_WORDS.contains(&word.as_str())
        })
        .collect();
    words.sort_by(|a, b| {
        b.chars()
            .count()
            .cmp(&a.chars().count())
            .then_with(|| a.cmp(b))
    });
    words.dedup();
    words
}

/// Words of a question that say how it asks, not what about.
const QUESTION_WORDS: &[&str] = &[
    "how", "does", "did", "explain", "describe", "tell", "mean", "means",
];

/// The content words of `text`, lower-cased, with a plural's `s` dropped.
fn content_words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|word| !STOP_WORDS.contains(&word.as_str()))
        .map(|word| match word.strip_suffix('s') {
            Some(stem) if stem.chars().count() >= 3 => stem.to_owned(),
            _ => word,
        })
        .collect()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn find(haystack: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSAGE: &str =
        "Mitochondria are the\n  powerhouse of the cell.  They make ATP\tfrom glucose.";

    #[test]
    fn a_quote_is_found_across_line_breaks_and_given_as_the_passage_has_it() {
        assert_eq!(
            locate(PASSAGE, "the powerhouse of the cell"),
            Some("the\n  powerhouse of the cell")
        );
        assert_eq!(
            locate(PASSAGE, "  They make ATP from glucose. "),
            Some("They make ATP\tfrom glucose.")
        );
        assert_eq!(locate(PASSAGE, PASSAGE), Some(PASSAGE));
    }

    #[test]
    fn words_not_in_the_passage_or_no_words_are_not_found() {
        assert_eq!(locate(PASSAGE, "the powerhouse of the nucleus"), None);
        assert_eq!(
            locate(PASSAGE, "mitochondria are the"),
            None,
            "case matters"
        );
        assert_eq!(locate(PASSAGE, " . "), None);
        assert_eq!(locate(PASSAGE, ""), None);
        assert_eq!(locate("short", "a much longer quote"), None);
    }

    #[test]
    fn a_quote_supports_a_claim_sharing_a_content_word() {
        assert!(supports(
            "They make ATP from glucose.",
            "What do mitochondria make? ATP"
        ));
        assert!(supports(
            "Cells divide by mitosis",
            "How does a cell divide?"
        ));
        assert!(!supports(
            "They make ATP from glucose.",
            "Who wrote the treaty of Versailles?"
        ));
        assert!(
            !supports("the and of", "the and of"),
            "common words alone support nothing"
        );
    }

    #[test]
    fn items_asking_the_same_thing_share_a_key() {
        assert_eq!(same_item_key("What is  ATP?"), same_item_key("what is ATP"));
        assert_ne!(same_item_key("What is ATP?"), same_item_key("What is ADP?"));
    }
}
