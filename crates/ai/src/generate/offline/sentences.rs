//! Reading the material: its prose cut into sentences, each quoted verbatim from its passage,
//! with its words lower-cased and stemmed; its headings and its bold phrases.
//!
//! Markdown is read line by line: headings (`#` to `######`) are kept apart from the prose,
//! list items and block quotes are blocks of their own, paragraphs run until a blank line,
//! and code blocks, tables and rules are skipped. A block is then cut into sentences after
//! `.`, `!` or `?` when the next word does not start with a lower-case letter and the word
//! is not a common abbreviation (`e.g.`, `Dr.`...).

use std::collections::BTreeMap;

use sophie_domain::ports::Passage;

/// Words that say nothing about what a text is about, sorted (a test checks the order, which
/// [`is_stop_word`]'s binary search needs).
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "among", "an", "and",
    "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between",
    "both", "but", "by", "can", "could", "define", "describe", "did", "do", "does", "doing",
    "down", "during", "each", "either", "explain", "few", "for", "from", "further", "had", "has",
    "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into",
    "is", "it", "its", "itself", "just", "may", "me", "might", "more", "most", "much", "must",
    "my", "neither", "no", "nor", "not", "now", "of", "off", "on", "once", "one", "only", "onto",
    "or", "other", "our", "ours", "out", "over", "own", "per", "please", "same", "shall", "she",
    "should", "so", "some", "such", "tell", "than", "that", "the", "their", "theirs", "them",
    "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until",
    "up", "upon", "us", "very", "via", "was", "we", "were", "what", "when", "where", "whether",
    "which", "while", "who", "whom", "whose", "why", "will", "with", "within", "without", "would",
    "yet", "you", "your", "yours",
];

/// The longest sentence made a card or a question, in bytes.
pub(super) const MAX_DRAFT_SENTENCE_BYTES: usize = 500;
/// How far a link's target is looked for, in characters.
const MAX_LINK_TARGET_CHARS: usize = 2_000;

/// Words ending in a full stop that do not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "al.", "approx.", "cf.", "ch.", "dr.", "e.g.", "etc.", "fig.", "i.e.", "jr.", "mr.", "mrs.",
    "ms.", "no.", "p.", "pp.", "prof.", "sec.", "sr.", "st.", "u.k.", "u.s.", "vol.", "vs.",
];

/// Whether `word` (lower-case) is a stop word.
pub(super) fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// A simple English stemmer, enough to match inflections: plurals (`-s`, `-es`, `-ies`),
/// past tenses and participles (`-ed`, `-ied`, `-ing`, with doubled consonants undone), a
/// possessive `'s` and a final silent `e` (`cause`, `causes`, `caused` and `causing` all
/// become `caus`). Words that are not ASCII are left as they are.
pub(super) fn stem(word: &str) -> String {
    let word = word
        .strip_suffix("'s")
        .or_else(|| word.strip_suffix("’s"))
        .unwrap_or(word);
    if !word.is_ascii() {
        return word.to_owned();
    }
    let mut w = word.to_owned();
    let len = w.len();
    if len > 4 && (w.ends_with("ies") || w.ends_with("ied")) {
        w.truncate(len - 3);
        w.push('y');
        return w;
    }
    if len > 4
        && (w.ends_with("sses")
            || w.ends_with("ches")
            || w.ends_with("shes")
            || w.ends_with("xes")
            || w.ends_with("zes"))
    {
        w.truncate(len - 2);
        return w;
    }
    if len > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is")
    {
        w.truncate(len - 1);
    }
    let len = w.len();
    let mut cut = false;
    if len > 5 && w.ends_with("ing") {
        w.truncate(len - 3);
        cut = true;
    } else if len > 4 && w.ends_with("ed") && !w.ends_with("eed") {
        w.truncate(len - 2);
        cut = true;
    }
    if cut {
        let bytes = w.as_bytes();
        let n = bytes.len();
        if n >= 3
            && bytes[n - 1] == bytes[n - 2]
            && !matches!(
                bytes[n - 1],
                b'l' | b's' | b'z' | b'a' | b'e' | b'i' | b'o' | b'u'
            )
        {
            w.truncate(n - 1);
        }
    }
    if w.len() > 4 && w.ends_with('e') {
        w.truncate(w.len() - 1);
    }
    w
}

/// A word of a sentence's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Word {
    /// Where it starts in the text, in bytes.
    pub start: usize,
    /// Where it ends in the text, in bytes.
    pub end: usize,
    /// The word, lower-cased.
    pub lower: String,
    /// The word, lower-cased and stemmed.
    pub stem: String,
}

impl Word {
    /// Whether it carries meaning (not a stop word, and longer than one letter).
    pub fn is_content(&self) -> bool {
        self.lower.chars().count() > 1 && !is_stop_word(&self.lower)
    }
}

/// The words of `text`: runs of letters and digits, with apostrophes and hyphens inside them.
pub(super) fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut run: Option<usize> = None;
    let is_part = |c: char| c.is_alphanumeric() || matches!(c, '\'' | '’' | '-');
    let push = |start: usize, end: usize, out: &mut Vec<Word>| {
        let slice = &text[start..end];
        let trimmed_start = slice.len()
            - slice
                .trim_start_matches(|c: char| !c.is_alphanumeric())
                .len();
        let core = slice.trim_matches(|c: char| !c.is_alphanumeric());
        if core.is_empty() {
            return;
        }
        let lower = core.to_lowercase();
        let stem = stem(&lower);
        out.push(Word {
            start: start + trimmed_start,
            end: start + trimmed_start + core.len(),
            lower,
            stem,
        });
    };
    for (index, c) in text.char_indices() {
        if is_part(c) {
            if run.is_none() {
                run = Some(index);
            }
        } else if let Some(start) = run.take() {
            push(start, index, &mut out);
        }
    }
    if let Some(start) = run {
        push(start, text.len(), &mut out);
    }
    out
}

/// `text` with every run of white space made one space, and trimmed.
pub(super) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` without Markdown's marks: emphasis (`*`, `**`, `_` and `__` at a word's edge),
/// code spans' backticks, and links and images reduced to their text. White space collapsed.
pub(super) fn clean_markdown(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '!' && chars.get(i + 1) == Some(&'[') {
            i += 1;
            continue;
        }
        if c == '['
            && let Some((inner, next)) = link_at(&chars, i)
        {
            out.extend(inner);
            i = next;
            continue;
        }
        if c == '*' || c == '`' {
            i += 1;
            continue;
        }
        if c == '_' {
            let after_word = i > 0 && chars[i - 1].is_alphanumeric();
            let before_word = chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
            if !(after_word && before_word) {
                i += 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    collapse_whitespace(&out)
}

/// A Markdown link `[text](target)` starting at `open`: its text and the index after it.
fn link_at(chars: &[char], open: usize) -> Option<(&[char], usize)> {
    let close = open
        + 1
        + chars[open + 1..]
            .iter()
            .position(|&c| c == ']' || c == '[')?;
    if chars[close] != ']' || chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = close
        + 2
        + chars[close + 2..]
            .iter()
            .take(MAX_LINK_TARGET_CHARS)
            .position(|&c| c == ')')?;
    Some((&chars[open + 1..close], end + 1))
}

/// A sentence of the material.
#[derive(Clone, Debug)]
pub(super) struct Sentence {
    /// The passage it comes from (its index in the material).
    pub passage: usize,
    /// The sentence exactly as it stands in the passage, white space collapsed (Markdown
    /// marks included): what citations quote.
    pub quote: String,
    /// The sentence without Markdown marks: what drafts show.
    pub text: String,
    /// The heading it stands under: the last Markdown heading above it in its passage, or
    /// else the passage's heading.
    pub heading: Option<String>,
    /// Whether it opens the list item it belongs to.
    pub item_start: bool,
    /// Its words (offsets in `text`).
    pub words: Vec<Word>,
}

impl Sentence {
    /// The ranges of word indices where the words' stems are `key`, in order, not
    /// overlapping.
    pub fn find(&self, key: &[String]) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        if key.is_empty() || key.len() > self.words.len() {
            return found;
        }
        let mut i = 0;
        while i + key.len() <= self.words.len() {
            if self.words[i..i + key.len()]
                .iter()
                .zip(key)
                .all(|(word, stem)| word.stem == *stem)
            {
                found.push((i, i + key.len()));
                i += key.len();
            } else {
                i += 1;
            }
        }
        found
    }

    /// Whether the sentence holds the words of `key`, in a row.
    pub fn contains(&self, key: &[String]) -> bool {
        !self.find(key).is_empty()
    }

    /// The part of `text` that words `from..to` cover.
    pub fn span(&self, from: usize, to: usize) -> &str {
        match (
            self.words.get(from),
            to.checked_sub(1).and_then(|last| self.words.get(last)),
        ) {
            (Some(first), Some(last)) if first.start <= last.end => {
                &self.text[first.start..last.end]
            }
            _ => "",
        }
    }

    /// Whether it is short enough to be made a card or a question (at most
    /// [`MAX_DRAFT_SENTENCE_BYTES`]).
    pub fn fits_a_draft(&self) -> bool {
        self.text.len() <= MAX_DRAFT_SENTENCE_BYTES
    }

    /// Whether it reads as a statement of its own: opening with a capital letter, ending
    /// with a full stop, with no colon (a list's "term: description" is not one), and short
    /// enough to be made a card or a question.
    pub fn is_statement(&self) -> bool {
        self.fits_a_draft()
            && self.text.starts_with(char::is_uppercase)
            && self.text.ends_with('.')
            && !self.text.contains(':')
    }

    /// Whether it is a question.
    pub fn is_question(&self) -> bool {
        self.text
            .trim_end_matches(['"', '\'', '”', '’', ')'])
            .ends_with('?')
    }
}

/// A heading of the material.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Heading {
    /// Its text, without Markdown marks.
    pub text: String,
    /// Its Markdown level (1 for `#`), or `None` for a passage's own heading.
    pub level: Option<usize>,
}

/// The material read: its sentences in order, its headings and bold phrases, and how
/// representative each sentence is.
#[derive(Clone, Debug, Default)]
pub(super) struct Material {
    /// The sentences of three words or more, in the material's order.
    pub sentences: Vec<Sentence>,
    /// The headings, in order (a passage's heading, then those in its text).
    pub headings: Vec<Heading>,
    /// The phrases set in bold (`**...**` or `__...__`), without marks, in order.
    pub bold: Vec<String>,
    /// How representative each sentence is: the sum of how often its content words occur in
    /// the whole material, over the square root of how many it has.
    pub importance: Vec<f64>,
    /// How many sentences hold each content stem.
    pub document_frequency: BTreeMap<String, usize>,
}

impl Material {
    /// Reads `passages`.
    pub fn read(passages: &[Passage]) -> Self {
        let mut material = Self::default();
        for (index, passage) in passages.iter().enumerate() {
            material.read_passage(index, passage);
        }
        material.weigh();
        material
    }

    fn read_passage(&mut self, index: usize, passage: &Passage) {
        let mut heading = passage
            .heading
            .as_deref()
            .map(clean_markdown)
            .filter(|h| !h.is_empty());
        if let Some(text) = &heading {
            self.headings.push(Heading {
                text: text.clone(),
                level: None,
            });
        }
        for block in blocks(&passage.text) {
            match block {
                Block::Heading { text, level } => {
                    if !text.is_empty() {
                        self.headings.push(Heading {
                            text: text.clone(),
                            level: Some(level),
                        });
                        heading = Some(text);
                    }
                }
                Block::Prose {
                    start,
                    end,
                    list_item,
                } => {
                    let raw = &passage.text[start..end];
                    self.bold.extend(bold_phrases(raw));
                    for (number, (from, to)) in sentence_ranges(raw).into_iter().enumerate() {
                        let raw_sentence = &raw[from..to];
                        let text = clean_markdown(raw_sentence);
                        let words = words(&text);
                        if words.len() < 3 {
                            continue;
                        }
                        self.sentences.push(Sentence {
                            passage: index,
                            quote: collapse_whitespace(raw_sentence),
                            text,
                            heading: heading.clone(),
                            item_start: list_item && number == 0,
                            words,
                        });
                    }
                }
            }
        }
    }

    fn weigh(&mut self) {
        let mut frequency: BTreeMap<&str, usize> = BTreeMap::new();
        for sentence in &self.sentences {
            for word in sentence.words.iter().filter(|w| w.is_content()) {
                *frequency.entry(word.stem.as_str()).or_default() += 1;
            }
        }
        let mut document_frequency: BTreeMap<String, usize> = BTreeMap::new();
        self.importance = self
            .sentences
            .iter()
            .map(|sentence| {
                let mut stems: Vec<&str> = sentence
                    .words
                    .iter()
                    .filter(|w| w.is_content())
                    .map(|w| w.stem.as_str())
                    .collect();
                stems.sort_unstable();
                stems.dedup();
                for stem in &stems {
                    *document_frequency.entry((*stem).to_owned()).or_default() += 1;
                }
                let sum: usize = stems
                    .iter()
                    .map(|s| frequency.get(s).copied().unwrap_or(0))
                    .sum();
                #[allow(clippy::cast_precision_loss)] // word counts are small
                let score = sum as f64 / (stems.len().max(1) as f64).sqrt();
                score
            })
            .collect();
        self.document_frequency = document_frequency;
    }

    /// How representative sentence `index` is (0 when out of range).
    pub fn importance_of(&self, index: usize) -> f64 {
        self.importance.get(index).copied().unwrap_or(0.0)
    }
}

/// A block of a passage's text.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Block {
    /// A Markdown heading.
    Heading { text: String, level: usize },
    /// Prose: bytes `start..end` of the text (lines separated only by white space).
    Prose {
        start: usize,
        end: usize,
        list_item: bool,
    },
}

/// The blocks of a passage's text, in order.
fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<(usize, usize, bool)> = None;
    let mut in_code = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim();
        let indent = content.len() - content.trim_start().len();
        let start = line_start + indent;
        let end = start + trimmed.len();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            flush(&mut out, &mut current);
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('|') || is_rule(trimmed) {
            flush(&mut out, &mut current);
            continue;
        }
        if let Some((level, heading)) = heading_of(trimmed) {
            flush(&mut out, &mut current);
            out.push(Block::Heading {
                text: clean_markdown(heading),
                level,
            });
            continue;
        }
        if let Some(marker) = list_marker(trimmed) {
            flush(&mut out, &mut current);
            let after = &trimmed[marker..];
            let skipped = after.len() - after.trim_start().len();
            current = Some((start + marker + skipped, end, true));
            continue;
        }
        if let Some(quoted) = trimmed.strip_prefix('>') {
            flush(&mut out, &mut current);
            let skipped = quoted.len() - quoted.trim_start().len();
            current = Some((start + 1 + skipped, end, false));
            flush(&mut out, &mut current);
            continue;
        }
        match &mut current {
            Some((_, block_end, _)) => *block_end = end,
            None => current = Some((start, end, false)),
        }
    }
    flush(&mut out, &mut current);
    out
}

fn flush(out: &mut Vec<Block>, current: &mut Option<(usize, usize, bool)>) {
    if let Some((start, end, list_item)) = current.take()
        && start < end
    {
        out.push(Block::Prose {
            start,
            end,
            list_item,
        });
    }
}

/// A thematic break (`---`, `***`, `___`).
fn is_rule(line: &str) -> bool {
    let mut marks = line.chars().filter(|c| !c.is_whitespace());
    let Some(first) = marks.next() else {
        return false;
    };
    let mut count = 1;
    matches!(first, '-' | '*' | '_')
        && marks.all(|c| {
            count += 1;
            c == first
        })
        && count >= 3
}

/// An ATX heading: its level and text.
fn heading_of(line: &str) -> Option<(usize, &str)> {
    let level = line.chars().take_while(|&c| c == '#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &line[level..];
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    Some((level, rest.trim().trim_end_matches('#').trim()))
}

/// The length of a list item's marker (`- `, `* `, `+ `, `1. `, `1) `), if the line has one.
fn list_marker(line: &str) -> Option<usize> {
    let mut chars = line.char_indices();
    let (_, first) = chars.next()?;
    if matches!(first, '-' | '*' | '+') {
        return line[1..].starts_with(char::is_whitespace).then_some(1);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    let rest = &line[digits..];
    let mut rest_chars = rest.chars();
    match (rest_chars.next(), rest_chars.next()) {
        (Some('.' | ')'), Some(c)) if c.is_whitespace() => Some(digits + 1),
        _ => None,
    }
}

/// The phrases of `block` set in bold, without their marks.
fn bold_phrases(block: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marks in ["**", "__"] {
        let mut rest = block;
        while let Some(open) = rest.find(marks) {
            let after = &rest[open + 2..];
            let Some(close) = after.find(marks) else {
                break;
            };
            let phrase = clean_markdown(&after[..close]);
            if !phrase.is_empty() {
                out.push(phrase);
            }
            rest = &after[close + 2..];
        }
    }
    out
}

/// The byte ranges of the sentences of a block of prose.
fn sentence_ranges(block: &str) -> Vec<(usize, usize)> {
    let tokens = tokens(block);
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (position, &(from, to)) in tokens.iter().enumerate() {
        if start.is_none() {
            start = Some(from);
        }
        let word = &block[from..to];
        let next = tokens.get(position + 1).map(|&(f, t)| &block[f..t]);
        if ends_sentence(word, next)
            && let Some(s) = start.take()
        {
            out.push((s, to));
        }
    }
    if let (Some(s), Some(&(_, to))) = (start, tokens.last()) {
        out.push((s, to));
    }
    out
}

/// The byte ranges of the white-space-separated tokens of `text`.
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (index, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s, index));
            }
        } else if start.is_none() {
            start = Some(index);
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// Whether a sentence ends after `word`, `next` being the word after it.
fn ends_sentence(word: &str, next: Option<&str>) -> bool {
    let core = word.trim_end_matches(['"', '\'', '”', '’', ')', ']', '*', '_']);
    if !core.ends_with(['.', '!', '?']) {
        return false;
    }
    let lower = core
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    if ABBREVIATIONS.contains(&lower.as_str()) {
        return false;
    }
    match next.and_then(|n| n.chars().find(|c| c.is_alphanumeric())) {
        Some(c) => !c.is_lowercase(),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sophie_domain::ports::PassageOrigin;

    fn passage(text: &str) -> Passage {
        Passage {
            origin: PassageOrigin::Note {
                note_id: sophie_domain::NoteId::from_uuid(Default::default()),
            },
            heading: Some("Cells".to_owned()),
            text: text.to_owned(),
        }
    }

    #[test]
    fn stop_words_are_sorted() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, STOP_WORDS);
    }

    #[test]
    fn inflections_share_a_stem() {
        for group in [
            &["cause", "causes", "caused", "causing"][..],
            &["study", "studies", "studied"],
            &["process", "processes"],
            &["box", "boxes"],
            &["stop", "stopped", "stopping"],
            &["fall", "falling"],
            &["alliance", "alliances"],
            &["cell", "cells", "cell's"],
        ] {
            let stems: Vec<String> = group.iter().map(|w| stem(w)).collect();
            assert!(
                stems.iter().all(|s| *s == stems[0]),
                "{group:?} → {stems:?}"
            );
        }
        assert_eq!(stem("apparatus"), "apparatus");
        assert_eq!(stem("analysis"), "analysis");
        assert_eq!(stem("mitochondria"), "mitochondria");
    }

    #[test]
    fn markdown_marks_are_dropped_from_the_text_not_from_the_quote() {
        let material = Material::read(&[passage(
            "## Organelles\n\nThe **Golgi apparatus** packages proteins\n  into vesicles. See \
             [the atlas](https://example.com) for e.g. pictures of it.\n\n- Ribosomes make \
             proteins.\n- Short\n\n```\nignored code line here.\n```\n| a | b |\n",
        )]);
        let quotes: Vec<&str> = material
            .sentences
            .iter()
            .map(|s| s.quote.as_str())
            .collect();
        assert_eq!(
            quotes,
            [
                "The **Golgi apparatus** packages proteins into vesicles.",
                "See [the atlas](https://example.com) for e.g. pictures of it.",
                "Ribosomes make proteins.",
            ]
        );
        assert_eq!(
            material.sentences[0].text,
            "The Golgi apparatus packages proteins into vesicles."
        );
        assert_eq!(
            material.sentences[1].text,
            "See the atlas for e.g. pictures of it."
        );
        assert!(material.sentences[2].item_start);
        assert_eq!(material.sentences[0].heading.as_deref(), Some("Organelles"));
        assert_eq!(material.bold, ["Golgi apparatus"]);
        assert_eq!(
            material.headings,
            [
                Heading {
                    text: "Cells".into(),
                    level: None
                },
                Heading {
                    text: "Organelles".into(),
                    level: Some(2)
                },
            ]
        );
    }

    #[test]
    fn sentences_end_where_the_next_word_starts_a_new_one() {
        let ranges = sentence_ranges(
            "World War I began in 1914. It ended in 1918. Dr. Smith was 2.5 m tall!",
        );
        assert_eq!(ranges.len(), 3, "{ranges:?}");
    }

    #[test]
    fn key_words_are_found_by_their_stems() {
        let material = Material::read(&[passage("Cells divide when the cell grows large.")]);
        let sentence = &material.sentences[0];
        assert_eq!(sentence.find(&["cell".to_owned()]), [(0, 1), (4, 5)]);
        assert_eq!(sentence.span(0, 1), "Cells");
        assert!(!sentence.contains(&["tissue".to_owned()]));
    }
}
