//! Flashcards as a table: the CSV, TSV and pasted text students bring from spreadsheets and
//! Quizlet read into cards, and a set written back out as CSV (RFC 4180).
//!
//! Reading finds the delimiter (comma, semicolon or tab) from the first lines, takes the
//! columns by name when the first row is a header (`question`, `answer`, `hint`,
//! `explanation`, `tags` and their usual other names) and by position otherwise, and keeps
//! every row it can: a row without a question or an answer, or with a text too long for a
//! card, is left out and reported with its line. Whatever concerns the whole file (not UTF-8,
//! no card at all, more cards than a set holds) is an error instead.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::entities::{Flashcard, NewFlashcardSet};
use crate::values::{BoundedText, CardText, InvalidValue, Tags, is_blank};

/// The header [`write`] puts on the first line, and the columns it writes, in order.
pub const HEADER: [&str; 5] = ["question", "answer", "hint", "explanation", "tags"];

/// The most skipped rows [`read`] lists; the rows after them are left out all the same.
pub const MAX_SKIPPED_LISTED: usize = 100;

/// How many lines the delimiter is guessed from.
const SAMPLE_LINES: usize = 20;

/// One card read from a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableCard {
    /// The front.
    pub question: CardText,
    /// The back.
    pub answer: CardText,
    /// A hint, when its cell is not empty.
    pub hint: Option<CardText>,
    /// An explanation, when its cell is not empty.
    pub explanation: Option<CardText>,
}

/// A row of the file that was left out, and why.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRow {
    /// The line of the file the row starts on, counting from 1 (the header too).
    pub line: u32,
    /// Why it was left out, for the student.
    pub reason: String,
}

/// What a table holds: its cards, in the file's order, the tags of every row together, and
/// the rows left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardTable {
    /// The cards, at most [`NewFlashcardSet::MAX_CARDS`].
    pub cards: Vec<TableCard>,
    /// The tags of every row, each once, in the order they first appear.
    pub tags: Tags,
    /// The first [`MAX_SKIPPED_LISTED`] rows left out.
    pub skipped: Vec<SkippedRow>,
}

/// What a column of the table holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Question,
    Answer,
    Hint,
    Explanation,
    Tags,
}

impl Column {
    /// The columns of a file without a header, in order.
    const POSITIONAL: [Self; 5] = [
        Self::Question,
        Self::Answer,
        Self::Hint,
        Self::Explanation,
        Self::Tags,
    ];

    /// The column a header cell names, in any case.
    fn named(cell: &str) -> Option<Self> {
        match cell.trim().to_lowercase().as_str() {
            "question" | "front" | "term" => Some(Self::Question),
            "answer" | "back" | "definition" => Some(Self::Answer),
            "hint" => Some(Self::Hint),
            "explanation" | "extra" | "notes" => Some(Self::Explanation),
            "tags" => Some(Self::Tags),
            _ => None,
        }
    }

    const fn word(self) -> &'static str {
        match self {
            Self::Question => "question",
            Self::Answer => "answer",
            Self::Hint => "hint",
            Self::Explanation => "explanation",
            Self::Tags => "tags",
        }
    }
}

/// Where each column is: its index in a row.
#[derive(Clone, Copy, Debug, Default)]
struct Layout {
    question: Option<usize>,
    answer: Option<usize>,
    hint: Option<usize>,
    explanation: Option<usize>,
    tags: Option<usize>,
}

impl Layout {
    fn slot(&mut self, column: Column) -> &mut Option<usize> {
        match column {
            Column::Question => &mut self.question,
            Column::Answer => &mut self.answer,
            Column::Hint => &mut self.hint,
            Column::Explanation => &mut self.explanation,
            Column::Tags => &mut self.tags,
        }
    }

    /// Columns by position: question, answer, hint, explanation, tags.
    fn positional() -> Self {
        let mut layout = Self::default();
        for (index, column) in Column::POSITIONAL.into_iter().enumerate() {
            *layout.slot(column) = Some(index);
        }
        layout
    }

    /// The layout a first row names, when it is a header: every cell that is not empty is a
    /// known name, or it names both a question and an answer column (other cells are then
    /// columns to leave out).
    ///
    /// # Errors
    ///
    /// When the header names a column twice, or has no question or no answer column.
    fn from_header(cells: &[&str]) -> Result<Option<Self>, InvalidValue> {
        let named: Vec<Option<Column>> = cells.iter().map(|cell| Column::named(cell)).collect();
        let known = named.iter().flatten().count();
        let all_known = known > 0
            && cells
                .iter()
                .zip(&named)
                .all(|(cell, column)| column.is_some() || cell.trim().is_empty());
        let has = |wanted: Column| named.contains(&Some(wanted));
        let is_header = all_known || (has(Column::Question) && has(Column::Answer));
        if !is_header {
            return Ok(None);
        }
        let mut layout = Self::default();
        for (index, column) in named.into_iter().enumerate() {
            let Some(column) = column else { continue };
            let slot = layout.slot(column);
            if let Some(first) = slot {
                return Err(InvalidValue::new(format!(
                    "the header names the {} column twice (columns {} and {})",
                    column.word(),
                    *first + 1,
                    index + 1
                )));
            }
            *slot = Some(index);
        }
        for (column, names) in [
            (Column::Question, "question, front or term"),
            (Column::Answer, "answer, back or definition"),
        ] {
            if layout.slot(column).is_none() {
                return Err(InvalidValue::new(format!(
                    "the header has no {} column: name one {names}",
                    column.word()
                )));
            }
        }
        Ok(Some(layout))
    }
}

/// Reads the cards of a CSV, TSV or pasted text file.
///
/// The file must be UTF-8 (a byte-order mark is dropped). The delimiter is the one of comma,
/// semicolon and tab the first lines hold outside quotes (a tab in most lines: tab-separated);
/// fields may be quoted as RFC 4180 says (commas, doubled quotes and line breaks inside
/// quotes). A tab-separated file whose quotes do not follow RFC 4180 (a Quizlet export) is
/// read without quoting. A first row whose cells are column names (`question`, `front`,
/// `term`; `answer`, `back`, `definition`; `hint`; `explanation`, `extra`, `notes`; `tags`, in
/// any case) is a header; without one the columns are question, answer, hint, explanation and
/// tags. Blank lines are skipped; a row without a question or an answer, or with a text too
/// long for a card or a bad tag, is left out and listed in [`CardTable::skipped`]. Tags are
/// split on white space and commas.
///
/// # Errors
///
/// When the file is not UTF-8, a quoted field is never closed, the header is ambiguous, no
/// row makes a card, the cards are more than [`NewFlashcardSet::MAX_CARDS`], or the tags
/// together are more than [`Tags::MAX_COUNT`].
pub fn read(bytes: &[u8]) -> Result<CardTable, InvalidValue> {
    let text = utf8(bytes)?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let delimiter = detect_delimiter(text);
    let quoting = match check_quotes(text, delimiter) {
        Quotes::WellFormed => true,
        // A quote inside a field, as Quizlet writes them: tab-separated text is read as is.
        Quotes::Stray | Quotes::Unclosed { .. } if delimiter == b'\t' => false,
        Quotes::Stray => true,
        Quotes::Unclosed { line } => {
            return Err(InvalidValue::new(format!(
                "line {line} opens a quoted field that is never closed: a cell that starts \
                 with a double quote must end with one"
            )));
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .quoting(quoting)
        .from_reader(text.as_bytes());
    let mut rows = Rows::new(delimiter);
    let mut lines = LineCounter::new(text.as_bytes());
    for record in reader.records() {
        let record = record.map_err(|error| {
            InvalidValue::new(format!("the file cannot be read as a table: {error}"))
        })?;
        let start = record.position().map_or(0, csv::Position::byte);
        rows.take(
            &record,
            lines.line_at(usize::try_from(start).unwrap_or(usize::MAX)),
        )?;
    }
    rows.finish()
}

/// The line a record starts on, from its byte offset. (The reader's own line count is one
/// short after each CRLF: the `\n` is read with the next record.)
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    const fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line of the record starting at `start`, which is past any record asked before.
    fn line_at(&mut self, start: usize) -> u32 {
        // A record never starts with a line break: one there ends the record before.
        let start = self
            .bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|&b| b != b'\r' && b != b'\n'))
            .map_or(self.bytes.len(), |skip| start + skip);
        if let Some(between) = self.bytes.get(self.offset..start) {
            self.line += between.iter().filter(|&&b| b == b'\n').count();
            self.offset = start;
        }
        u32::try_from(self.line).unwrap_or(u32::MAX)
    }
}

/// The rows of a table as they are read.
struct Rows {
    delimiter: u8,
    layout: Option<Layout>,
    cards: Vec<TableCard>,
    found: usize,
    tags: Vec<String>,
    seen_tags: HashSet<String>,
    skipped: Vec<SkippedRow>,
    skipped_count: usize,
}

impl Rows {
    fn new(delimiter: u8) -> Self {
        Self {
            delimiter,
            layout: None,
            cards: Vec::new(),
            found: 0,
            tags: Vec::new(),
            seen_tags: HashSet::new(),
            skipped: Vec::new(),
            skipped_count: 0,
        }
    }

    /// Takes one record: the header, a card, a blank row, or a row to leave out.
    fn take(&mut self, record: &csv::StringRecord, line: u32) -> Result<(), InvalidValue> {
        let cells: Vec<&str> = record.iter().collect();
        if cells.iter().all(|cell| cell.chars().all(is_blank)) {
            return Ok(());
        }
        let layout = match self.layout {
            Some(layout) => layout,
            None => {
                let header = Layout::from_header(&cells)?;
                self.layout = Some(header.unwrap_or_else(Layout::positional));
                if header.is_some() {
                    return Ok(());
                }
                Layout::positional()
            }
        };
        match self.card(&cells, layout) {
            Ok((card, tags)) => {
                self.found += 1;
                if self.cards.len() < NewFlashcardSet::MAX_CARDS {
                    self.cards.push(card);
                }
                for tag in tags {
                    if self.seen_tags.insert(tag.to_lowercase()) {
                        self.tags.push(tag);
                    }
                }
            }
            Err(reason) => {
                self.skipped_count += 1;
                if self.skipped.len() < MAX_SKIPPED_LISTED {
                    self.skipped.push(SkippedRow { line, reason });
                }
            }
        }
        Ok(())
    }

    /// The card of a row and its tags, or why the row is left out.
    fn card(&self, cells: &[&str], layout: Layout) -> Result<(TableCard, Vec<String>), String> {
        let cell = |index: Option<usize>| -> &str {
            index.and_then(|i| cells.get(i).copied()).unwrap_or("")
        };
        let empty = |text: &str| text.chars().all(is_blank);
        let question = cell(layout.question);
        let answer = cell(layout.answer);
        if cells.len() == 1 && layout.answer.is_some_and(|index| index > 0) {
            return Err(format!(
                "no answer: the row has a single cell (cells are separated by {})",
                delimiter_name(self.delimiter)
            ));
        }
        match (empty(question), empty(answer)) {
            (true, true) => return Err("the question and the answer are empty".to_owned()),
            (true, false) => return Err("the question is empty".to_owned()),
            (false, true) => return Err("the answer is empty".to_owned()),
            (false, false) => {}
        }
        let text = |column: Column, value: &str| {
            CardText::parse(value)
                .map_err(|InvalidValue(message)| format!("the {} {message}", column.word()))
        };
        let optional = |column: Column, value: &str| {
            if empty(value) {
                Ok(None)
            } else {
                text(column, value).map(Some)
            }
        };
        let card = TableCard {
            question: text(Column::Question, question)?,
            answer: text(Column::Answer, answer)?,
            hint: optional(Column::Hint, cell(layout.hint))?,
            explanation: optional(Column::Explanation, cell(layout.explanation))?,
        };
        let mut tags = Vec::new();
        for tag in cell(layout.tags)
            .split(|c: char| c == ',' || is_blank(c))
            .filter(|tag| !tag.is_empty())
        {
            let tag = BoundedText::<{ Tags::MAX_CHARS }>::parse(tag).map_err(
                |InvalidValue(message)| format!("the tag {:?} {message}", shortened(tag)),
            )?;
            tags.push(tag.into_inner());
        }
        Ok((card, tags))
    }

    fn finish(self) -> Result<CardTable, InvalidValue> {
        if self.found == 0 {
            let why = match self.skipped.first() {
                None => "each line needs a question and an answer, separated by a comma, a \
                         semicolon or a tab"
                    .to_owned(),
                Some(first) => format!(
                    "every row was left out ({} of them; line {}: {})",
                    self.skipped_count, first.line, first.reason
                ),
            };
            return Err(InvalidValue::new(format!("the file holds no card: {why}")));
        }
        if self.found > NewFlashcardSet::MAX_CARDS {
            return Err(InvalidValue::new(format!(
                "the file holds {} cards and a set holds at most {}: split it into several files",
                self.found,
                NewFlashcardSet::MAX_CARDS
            )));
        }
        if self.tags.len() > Tags::MAX_COUNT {
            return Err(InvalidValue::new(format!(
                "the rows carry {} different tags and a set carries at most {}",
                self.tags.len(),
                Tags::MAX_COUNT
            )));
        }
        let tags = Tags::parse(&self.tags)?;
        Ok(CardTable {
            cards: self.cards,
            tags,
            skipped: self.skipped,
        })
    }
}

/// The first characters of `text`, for a message.
fn shortened(text: &str) -> String {
    const SHOWN: usize = 30;
    if text.chars().count() > SHOWN {
        let mut short: String = text.chars().take(SHOWN).collect();
        short.push('…');
        short
    } else {
        text.to_owned()
    }
}

const fn delimiter_name(delimiter: u8) -> &'static str {
    match delimiter {
        b'\t' => "tabs",
        b';' => "semicolons",
        _ => "commas",
    }
}

/// The text of `bytes`, or an error naming UTF-8 and where the first byte that is not.
fn utf8(bytes: &[u8]) -> Result<&str, InvalidValue> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(InvalidValue::new(
            "the file is UTF-16 text, not UTF-8: save it as UTF-8",
        ));
    }
    std::str::from_utf8(bytes).map_err(|error| {
        let at = error.valid_up_to();
        let line = bytes
            .get(..at)
            .map_or(0, |before| before.iter().filter(|&&b| b == b'\n').count())
            + 1;
        let byte = bytes.get(at).copied().unwrap_or_default();
        InvalidValue::new(format!(
            "the file is not UTF-8 text: save it as UTF-8 (line {line} holds the byte \
             0x{byte:02X}, which is not UTF-8: the file may be Latin-1 or Windows-1252)"
        ))
    })
}

/// How the delimiters appear on one line of the sample, outside quotes.
#[derive(Clone, Copy, Debug, Default)]
struct LineCounts {
    tabs: usize,
    commas: usize,
    semicolons: usize,
}

/// The delimiter of `text`: tab when most of its first lines hold one outside quotes, else
/// whichever of comma and semicolon appears on more lines (then: the same number of times on
/// each line, then more often; semicolon on a tie, as commas are common in text); comma when
/// nothing tells.
fn detect_delimiter(text: &str) -> u8 {
    let lines = sample(text);
    let present = |count: fn(&LineCounts) -> usize| lines.iter().filter(|l| count(l) > 0).count();
    let tabs = present(|l| l.tabs);
    if tabs > 0 && tabs * 2 > lines.len() {
        return b'\t';
    }
    let score = |count: fn(&LineCounts) -> usize| {
        let on = lines.iter().map(count).filter(|&n| n > 0);
        let first = on.clone().next();
        let steady = first.is_some_and(|first| on.clone().all(|n| n == first));
        (
            present(count),
            steady,
            lines.iter().map(count).sum::<usize>(),
        )
    };
    let commas = score(|l| l.commas);
    let semicolons = score(|l| l.semicolons);
    if commas.0 == 0 && semicolons.0 == 0 && tabs > 0 {
        b'\t'
    } else if semicolons.0 > 0 && semicolons >= commas {
        b';'
    } else {
        b','
    }
}

/// The delimiters on the first [`SAMPLE_LINES`] lines that are not blank, outside quotes (a
/// quote opens a field at the start of a line or after any of the three delimiters).
fn sample(text: &str) -> Vec<LineCounts> {
    let mut lines = Vec::new();
    let mut current = LineCounts::default();
    let mut shows = false;
    let mut at_field_start = true;
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                } else {
                    in_quotes = false;
                }
            }
            continue;
        }
        match c {
            '\n' => {
                if shows {
                    lines.push(current);
                    if lines.len() == SAMPLE_LINES {
                        break;
                    }
                }
                current = LineCounts::default();
                shows = false;
                at_field_start = true;
            }
            '\t' | ',' | ';' => {
                match c {
                    '\t' => current.tabs += 1,
                    ',' => current.commas += 1,
                    _ => current.semicolons += 1,
                }
                at_field_start = true;
            }
            '"' if at_field_start => {
                in_quotes = true;
                shows = true;
                at_field_start = false;
            }
            c => {
                shows |= !is_blank(c);
                at_field_start = false;
            }
        }
    }
    if shows && lines.len() < SAMPLE_LINES {
        lines.push(current);
    }
    lines
}

/// Whether the quotes of a text follow RFC 4180 for a delimiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quotes {
    /// Every field that starts with a quote ends with one, right before a delimiter or a line
    /// break.
    WellFormed,
    /// A quoted field is followed by more text before the delimiter.
    Stray,
    /// A quoted field opened on this line is never closed.
    Unclosed { line: usize },
}

fn check_quotes(text: &str, delimiter: u8) -> Quotes {
    let bytes = text.as_bytes();
    let mut found = Quotes::WellFormed;
    let mut line = 1;
    let mut at_field_start = true;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        if b == b'"' && at_field_start {
            let opened = line;
            loop {
                match bytes.get(i) {
                    None => return Quotes::Unclosed { line: opened },
                    Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\n') => {
                        line += 1;
                        i += 1;
                    }
                    Some(_) => i += 1,
                }
            }
            match bytes.get(i) {
                None | Some(b'\r' | b'\n') => {}
                Some(&next) if next == delimiter => {}
                Some(_) => found = Quotes::Stray,
            }
            at_field_start = false;
            continue;
        }
        match b {
            b'\n' => {
                line += 1;
                at_field_start = true;
            }
            b'\r' => at_field_start = true,
            b if b == delimiter => at_field_start = true,
            _ => at_field_start = false,
        }
    }
    found
}

/// Writes a set's cards as CSV: the header [`HEADER`], then one row a card with its question,
/// answer, hint, explanation and the set's tags separated by spaces; fields quoted when they
/// hold a comma, a quote, a line break or a tab (quotes doubled), lines ended by CRLF, as
/// RFC 4180 says. A tag holding a space or a comma is read back as several tags.
#[must_use]
pub fn write(cards: &[Flashcard], tags: &[String]) -> String {
    let tags = tags.join(" ");
    let mut out = String::new();
    write_row(&mut out, HEADER);
    for card in cards {
        write_row(
            &mut out,
            [
                card.question.as_str(),
                card.answer.as_str(),
                card.hint.as_deref().unwrap_or(""),
                card.explanation.as_deref().unwrap_or(""),
                tags.as_str(),
            ],
        );
    }
    out
}

fn write_row<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (index, field) in fields.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        // A tab is quoted too, so tabs in the cards never make the file look tab-separated.
        if field.contains([',', '"', '\r', '\n', '\t']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use chrono::Utc;

    use super::*;
    use crate::enums::Difficulty;
    use crate::id::{FlashcardId, FlashcardSetId};

    /// The cards of `text` as (question, answer, hint, explanation).
    fn cards(table: &CardTable) -> Vec<(&str, &str, Option<&str>, Option<&str>)> {
        table
            .cards
            .iter()
            .map(|c| {
                (
                    c.question.as_str(),
                    c.answer.as_str(),
                    c.hint.as_deref(),
                    c.explanation.as_deref(),
                )
            })
            .collect()
    }

    fn pairs(table: &CardTable) -> Vec<(&str, &str)> {
        cards(table)
            .into_iter()
            .map(|(q, a, _, _)| (q, a))
            .collect()
    }

    fn error(bytes: &[u8]) -> String {
        read(bytes).expect_err("refused").0
    }

    #[test]
    fn the_delimiter_is_found_among_comma_semicolon_and_tab() {
        let comma = read(b"2 + 2?,4\nCapital of France?,Paris\n").unwrap();
        assert_eq!(
            pairs(&comma),
            [("2 + 2?", "4"), ("Capital of France?", "Paris")]
        );
        let semicolon = read("Poids ?;1,5 kg\nCapitale ?;Paris, en France\n".as_bytes()).unwrap();
        assert_eq!(
            pairs(&semicolon),
            [("Poids ?", "1,5 kg"), ("Capitale ?", "Paris, en France")]
        );
        let tab = read(b"Mitochondria\tMakes ATP, mostly\nRibosome\tMakes proteins; reads mRNA\n")
            .unwrap();
        assert_eq!(
            pairs(&tab),
            [
                ("Mitochondria", "Makes ATP, mostly"),
                ("Ribosome", "Makes proteins; reads mRNA")
            ]
        );
        assert_eq!(detect_delimiter("a;b, c\nd;e\n"), b';');
        assert_eq!(detect_delimiter("q;a, b, c\nr;d, e\n"), b';', "steady wins");
        assert_eq!(
            detect_delimiter("\"a,b;c\";d\n"),
            b';',
            "quoted cells do not count"
        );
        assert_eq!(detect_delimiter("one line only\n"), b',');
    }

    #[test]
    fn a_header_names_the_columns_in_any_order_and_case() {
        let table = read(
            b"Tags,Back,Front,Notes,Hint\n\
              bio cells,The nucleus,Where is DNA kept?,Most of it,N...\n",
        )
        .unwrap();
        assert_eq!(
            cards(&table),
            [(
                "Where is DNA kept?",
                "The nucleus",
                Some("N..."),
                Some("Most of it")
            )]
        );
        assert_eq!(table.tags.as_slice(), ["bio", "cells"]);
        let terms =
            read(b"term;definition;source\nosmosis;water through a membrane;p. 4\n").unwrap();
        assert_eq!(
            pairs(&terms),
            [("osmosis", "water through a membrane")],
            "an unknown column of a header is left out"
        );
    }

    #[test]
    fn without_a_header_columns_are_taken_by_position() {
        let table = read(b"Q1,A1,H1,E1,t1 t2\nQ2,A2\n").unwrap();
        assert_eq!(
            cards(&table),
            [
                ("Q1", "A1", Some("H1"), Some("E1")),
                ("Q2", "A2", None, None)
            ]
        );
        assert_eq!(table.tags.as_slice(), ["t1", "t2"]);
        assert!(table.skipped.is_empty());
    }

    #[test]
    fn a_header_must_name_each_column_once_and_both_sides() {
        assert!(error(b"front,back,answer\nq,a,b\n").contains("answer column twice"));
        assert!(error(b"question,hint\nq,h\n").contains("no answer column"));
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        let table = read("\u{FEFF}question,answer\nQ,A\n".as_bytes()).unwrap();
        assert_eq!(pairs(&table), [("Q", "A")], "the header is still a header");
    }

    #[test]
    fn quoted_fields_hold_delimiters_quotes_and_line_breaks() {
        let table = read(
            b"question,answer,explanation\r\n\
              \"Name three organelles, please\",\"Nucleus, ribosome\r\nand \"\"mitochondria\"\"\",\r\n\
              \"Said \"\"hi\"\"?\",yes,\"a, b\"\r\n",
        )
        .unwrap();
        assert_eq!(
            cards(&table),
            [
                (
                    "Name three organelles, please",
                    "Nucleus, ribosome\r\nand \"mitochondria\"",
                    None,
                    None
                ),
                ("Said \"hi\"?", "yes", None, Some("a, b")),
            ]
        );
    }

    #[test]
    fn a_quizlet_export_is_read_as_it_is() {
        let quizlet = "\"Hamlet\" author\tShakespeare\n\
                       5\" floppy disk\tA disk, 5.25 inches wide\n\
                       Élan vital\tBergson's \"vital force\"\n";
        let table = read(quizlet.as_bytes()).unwrap();
        assert_eq!(
            pairs(&table),
            [
                ("\"Hamlet\" author", "Shakespeare"),
                ("5\" floppy disk", "A disk, 5.25 inches wide"),
                ("Élan vital", "Bergson's \"vital force\""),
            ]
        );
        let spreadsheet = read(b"q\t\"two\nlines\"\nr\tone\n").unwrap();
        assert_eq!(
            pairs(&spreadsheet),
            [("q", "two\nlines"), ("r", "one")],
            "a quoted TSV from a spreadsheet keeps its quoting"
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_refused_naming_utf8() {
        let latin1 = b"question,answer\nCaf\xE9?,coffee\n";
        let message = error(latin1);
        assert!(
            message.starts_with("the file is not UTF-8 text: save it as UTF-8"),
            "{message}"
        );
        assert!(
            message.contains("line 2") && message.contains("0xE9"),
            "{message}"
        );
        assert!(error(b"\xFF\xFEq\x00").contains("UTF-16"));
    }

    #[test]
    fn blank_lines_are_skipped_and_bad_rows_listed_with_their_line() {
        let long = "x".repeat(CardText::MAX_CHARS + 1);
        let text = format!(
            "question,answer,hint,explanation,tags\n\
             \n\
             Q1,A1\n\
             ,A2\n\
             Q3,\n\
             ,,,\n\
             Q4,{long}\n\
             \"Q5\non two lines\",A5\n\
             Q6,A6,,,{}\n\
             Q7,A7\n",
            "t".repeat(Tags::MAX_CHARS + 1)
        );
        let table = read(text.as_bytes()).unwrap();
        assert_eq!(
            pairs(&table),
            [("Q1", "A1"), ("Q5\non two lines", "A5"), ("Q7", "A7")]
        );
        let skipped: Vec<(u32, &str)> = table
            .skipped
            .iter()
            .map(|s| (s.line, s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [
                (4, "the question is empty"),
                (5, "the answer is empty"),
                (7, "the answer must be at most 5000 characters"),
                (
                    10,
                    "the tag \"tttttttttttttttttttttttttttttt…\" must be at most 50 characters"
                ),
            ]
        );
        let crlf = read(b"q,a\r\n\r\nQ,\"two\r\nlines\"\r\n,A\r\n").unwrap();
        assert_eq!(crlf.skipped[0].line, 5, "CRLF lines are counted as lines");
        let single = read(b"Q,A\njust a line\n").unwrap();
        assert_eq!(single.skipped[0].line, 2);
        assert!(single.skipped[0].reason.contains("single cell"));
    }

    #[test]
    fn files_without_cards_or_with_too_many_are_refused() {
        assert!(error(b"").starts_with("the file holds no card"));
        let message = error(b"question,answer\n,A\n");
        assert!(
            message.contains("line 2: the question is empty"),
            "{message}"
        );
        let many: String = (0..=NewFlashcardSet::MAX_CARDS)
            .map(|i| format!("Q{i},A{i}\n"))
            .collect();
        let message = error(many.as_bytes());
        assert!(
            message.contains("501 cards") && message.contains("at most 500"),
            "{message}"
        );
        let tags: String = (0..=Tags::MAX_COUNT)
            .map(|i| format!("Q{i},A{i},,,tag{i}\n"))
            .collect();
        assert!(error(tags.as_bytes()).contains("21 different tags"));
        assert!(error(b"q,\"never closed\nr,s\n").contains("line 1 opens a quoted field"));
    }

    #[test]
    fn tags_are_split_on_white_space_and_commas_and_kept_once() {
        let table =
            read(b"question;answer;tags\nQ1;A1;\"bio, cells\"\nQ2;A2;Cells  exam\n").unwrap();
        assert_eq!(table.tags.as_slice(), ["bio", "cells", "exam"]);
    }

    fn card(
        question: &str,
        answer: &str,
        hint: Option<&str>,
        explanation: Option<&str>,
    ) -> Flashcard {
        Flashcard {
            id: FlashcardId::new(),
            flashcard_set_id: FlashcardSetId::new(),
            question: question.to_owned(),
            answer: answer.to_owned(),
            hint: hint.map(str::to_owned),
            explanation: explanation.map(str::to_owned),
            difficulty: Difficulty::Medium,
            sources: Vec::new(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_set_is_written_as_rfc_4180_csv_and_read_back_the_same() {
        let set = [
            card("2 + 2?", "4", None, None),
            card(
                "Name three organelles, please",
                "Nucleus\nand \"mitochondria\"",
                Some("N..."),
                Some("They live in cells; all of them"),
            ),
            card("Café?", "Coffee", None, Some("French")),
        ];
        let tags = vec!["biology".to_owned(), "Exam-1".to_owned()];
        let csv = write(&set, &tags);
        assert_eq!(
            csv,
            "question,answer,hint,explanation,tags\r\n\
             2 + 2?,4,,,biology Exam-1\r\n\
             \"Name three organelles, please\",\"Nucleus\nand \"\"mitochondria\"\"\",N...,\
             They live in cells; all of them,biology Exam-1\r\n\
             Café?,Coffee,,French,biology Exam-1\r\n"
        );
        let table = read(csv.as_bytes()).unwrap();
        let expected: Vec<_> = set
            .iter()
            .map(|c| {
                (
                    c.question.as_str(),
                    c.answer.as_str(),
                    c.hint.as_deref(),
                    c.explanation.as_deref(),
                )
            })
            .collect();
        assert_eq!(cards(&table), expected);
        assert_eq!(table.tags.as_slice(), tags);
        assert!(table.skipped.is_empty());
    }
}
