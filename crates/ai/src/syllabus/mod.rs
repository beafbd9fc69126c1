//! The offline event extractor: dated items (deadlines, exams, quizzes, lectures, breaks)
//! found in a syllabus's text by rules, with no model and no network.
//!
//! The text is read line by line. Every date in a line (module `dates`: month names,
//! numbers, ranges of days) is an item, unless the item's text is a note about the document
//! itself (`Last updated on`, `Published`, `©`). An item's text is the part of its line that
//! belongs to it (module `layout`): its sentence, or its share of a table row or of a
//! sentence holding several dates (`Quiz 1 on Feb 3, Essay due Feb 10`).
//!
//! From its text come the item's time (module `times`: `2 pm`, `10:00-12:00`, `noon`, ...),
//! its place (`Room 204`, `in Hall B`), its kind (module `kinds`, by keywords) and its title
//! (module `titles`: the text without date, time, place and filler).
//!
//! A line that starts with its date is a schedule row (module `items`): each of its pieces
//! (cells, and parts between semicolons) whose words make it a deliverable, an exam, a lab or
//! the like is an item of its own on the row's date (`01/20/2027 | Probability | HW 1 due`
//! gives the class and the homework), and the rest of the row is one more item, its topic. In
//! a week-by-week schedule, the date of a week (`Week 5 (Feb 8) | Recursion`, or a row
//! numbered by its week in a table) is a lecture titled with the week's topic (`Week 5:
//! Recursion`), unless its words say it is something else (`Week 9 (Mar 15-19) | Spring
//! break`); a piece of its row naming a weekday (`Quiz 1 (Fri)`) falls on that day of the
//! week, and one announcing something due on no day of its own is left out.
//!
//! An item whose text leaves no title takes one from the start of a sentence the line before
//! left unfinished (`... is due` / `Friday, October 23 by 5 pm.`), else from the rest of its
//! line, else from another item of its line (`Feb 3 and Feb 5: no class`), else from the line
//! before if it has no date (a heading such as `Midterm Exam` above `Date: March 3`), else
//! its kind's name. An item that goes on with a sentence of the line before, and whose own
//! words name no kind (`the second on October 7`), takes the kind of that sentence's item.
//! Lines right after it labelled `Time:` or `Location:` give it a time and a place it lacks.
//!
//! Years: a date written without one takes it from the term the syllabus names first
//! (`Spring 2027`, `Fall 2026`, `Winter term 2026/27`, `WS 2026/27`: see
//! `dates::term_start`), else the year that puts it nearest to the dates the text writes
//! with a year, else the year that puts it in the twelve months from the start of the month
//! two months before the reference date. A weekday written with a date is not checked: the
//! date wins. Dates that do not exist (`Feb 30`) are skipped.
//!
//! The same item mentioned twice (same kind, start and end, and titles sharing a significant
//! word) is reported once, at its first mention. Lines are read up to their first 2,000
//! characters, and at most 1,000 items are reported. The output depends on the input only.
//!
//! [`ModelExtractor`] (module `model`) finds the same items with a language model instead,
//! following the same conventions.

mod dates;
mod items;
mod kinds;
mod layout;
mod model;
mod times;
mod titles;

use std::sync::LazyLock;

use async_trait::async_trait;
use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;
use sophie_domain::enums::EventType;
use sophie_domain::error::DomainResult;
use sophie_domain::ports::{EventExtractor, ExtractionInput, FoundEvent, FoundEvents, TokenUsage};

use dates::{DateMention, DayOrder, OrderEvidence, YearRule};
use items::{Context, Item};
use titles::has_letters;

pub use model::ModelExtractor;

/// The characters of a line that are read, at most.
pub const MAX_LINE_CHARS: usize = 2_000;

/// The items reported for one text, at most.
pub const MAX_EVENTS: usize = 1_000;

/// The longest line above a dated line that may title its items, in characters.
const MAX_HEADING_CHARS: usize = 120;

/// An [`EventExtractor`] that needs no model: it finds dated items in the text by rules
/// (see [`extract`]). It never fails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleExtractor;

#[async_trait]
impl EventExtractor for RuleExtractor {
    fn name(&self) -> String {
        "offline".to_owned()
    }

    async fn extract(&self, input: ExtractionInput) -> DomainResult<FoundEvents> {
        Ok(FoundEvents {
            events: extract(&input),
            usage: TokenUsage::default(),
        })
    }
}

/// The patterns of this module and its layout.
struct Patterns {
    /// Lines about the document itself, whose dates are no items.
    metadata: Regex,
    /// A week's label before its date (`Week 5 (`, `Wk. 5:`).
    week: Regex,
    /// A row's number before its date in a table (`5   `, `5 |`).
    numbered_row: Regex,
    /// `due` as a word.
    due: Regex,
    /// A line giving a time or a place under an item (`Time: 10:00-12:00`, `Location: ...`).
    detail: Regex,
    /// Whether a line is laid out as a table.
    table: Regex,
    /// What separates the pieces of a table row: cells and semicolons.
    piece: Regex,
    /// What separates clauses of a sentence (commas, `and`, `&`).
    clause: Regex,
    /// A weekday's name, alone or in parentheses (`(Fri)`, `Friday`).
    weekday: Regex,
    /// Significant words (for telling whether two titles name the same item).
    word: Regex,
}

impl Patterns {
    fn compile() -> Option<Self> {
        Some(Self {
            metadata: Regex::new(
                r"(?i)\b(?:last\s+(?:updated|revised|modified|edited)|(?:updated|revised|modified|published|printed)\s*(?:on\b|:)|copyright|accessed|retrieved)\b|©|^\W*(?:updated|revised|published|version)\b",
            )
            .ok()?,
            week: Regex::new(r"(?i)^[\s\W]*(?:week|wk\.?|woche)\s*#?\d{1,2}\b[\s\W]*$").ok()?,
            numbered_row: Regex::new(r"^\s*\d{1,2}(?:\s{2,}|\t|\s*\|)[\s\W]*$").ok()?,
            due: Regex::new(r"(?i)\bdue\b").ok()?,
            detail: Regex::new(
                r"(?i)^\s*(?:[-*•]\s*)?(?:time|times|location|where|room|place|venue|uhrzeit|ort)\s*:",
            )
            .ok()?,
            table: Regex::new(r"[|\t│¦]|\S\s{2,}\S|\s(?:--|—)\s").ok()?,
            piece: Regex::new(r"\s*(?:[|\t│¦;]|\s{2,}|\s(?:--|—)\s)\s*").ok()?,
            clause: Regex::new(r"(?i),\s|\s(?:and|&)\s").ok()?,
            weekday: Regex::new(
                r"(?i)\b(?P<day>mon|tue|wed|thu|fri|sat|sun)(?:day|s|sday|nesday|rsday|urday|\.)?\b",
            )
            .ok()?,
            word: Regex::new(r"\p{L}{3,}").ok()?,
        })
    }

    fn get() -> Option<&'static Self> {
        static PATTERNS: LazyLock<Option<Patterns>> = LazyLock::new(Patterns::compile);
        PATTERNS.as_ref()
    }
}

/// Words too common to tell two titles apart.
const STOP_WORDS: [&str; 24] = [
    "the", "and", "for", "with", "from", "into", "due", "are", "was", "will", "this", "that",
    "all", "any", "our", "your", "you", "not", "but", "has", "have", "its", "per", "via",
];

/// One line of the text.
struct Line<'a> {
    page: Option<u32>,
    text: &'a str,
}

/// `text` cut to its first [`MAX_LINE_CHARS`] characters.
fn cut(text: &str) -> &str {
    match text.char_indices().nth(MAX_LINE_CHARS) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// What the whole document settles for each of its lines.
struct Document<'a> {
    lines: Vec<Line<'a>>,
    mentions: Vec<Vec<DateMention>>,
    years: YearRule,
}

impl<'a> Document<'a> {
    fn read(input: &'a ExtractionInput, patterns: &Patterns) -> Self {
        let lines: Vec<Line<'a>> = input
            .pages
            .iter()
            .flat_map(|page| {
                page.text.lines().map(|text| Line {
                    page: page.page_number,
                    text: cut(text),
                })
            })
            .collect();
        let candidates: Vec<_> = lines
            .iter()
            .map(|line| dates::candidates(line.text))
            .collect();
        let mut evidence = OrderEvidence::default();
        for line in &candidates {
            evidence.add(line);
        }
        let locale = DayOrder::of_locale(&input.locale);
        let (numeric, names) = (evidence.numeric_order(locale), evidence.name_order(locale));
        let mentions: Vec<Vec<DateMention>> = candidates
            .into_iter()
            .map(|line| dates::choose(line, numeric, names))
            .collect();
        let term = lines.iter().find_map(|line| dates::term_start(line.text));
        let written = lines
            .iter()
            .zip(&mentions)
            .filter(|(line, _)| !patterns.metadata.is_match(line.text))
            .flat_map(|(_, mentions)| mentions)
            .filter_map(|mention| {
                let day = mention.first;
                NaiveDate::from_ymd_opt(day.year?, day.month, day.day)
            })
            .collect();
        let years = YearRule::of_document(term, written, input.reference_date);
        Self {
            lines,
            mentions,
            years,
        }
    }
}

/// The dated items of `input`, in the order of the text (see the module's documentation).
pub fn extract(input: &ExtractionInput) -> Vec<FoundEvent> {
    let Some(patterns) = Patterns::get() else {
        return Vec::new();
    };
    if !(dates::ready() && times::ready() && kinds::ready() && titles::ready()) {
        return Vec::new();
    }
    let document = Document::read(input, patterns);
    let mut events: Vec<FoundEvent> = Vec::new();
    let mut previous: Option<(&str, &[DateMention], Option<EventType>)> = None;
    for (index, line) in document.lines.iter().enumerate() {
        let mentions = document.mentions.get(index).map_or(&[][..], Vec::as_slice);
        if line.text.trim().is_empty() {
            continue;
        }
        if mentions.is_empty() {
            previous = Some((line.text, mentions, None));
            continue;
        }
        let details = details_below(&document, index, patterns);
        let mut context = Context {
            details: &details,
            ..Context::default()
        };
        if let Some((text, before, kind)) = previous {
            if layout::continues(text, line.text, patterns) {
                context.unfinished = Some(layout::last_sentence(text, before, patterns))
                    .filter(|sentence| has_letters(sentence));
                // A sentence going on in small letters or with a date (`the second on
                // October 7`) carries the kind of its dated start over.
                let goes_on = line.text.trim_start().starts_with(char::is_lowercase)
                    || mentions.first().is_some_and(|m| {
                        !has_letters(line.text.get(..m.start).unwrap_or_default())
                    });
                if goes_on && layout::ends_with_dated_sentence(text, before, patterns) {
                    context.carried = kind;
                }
            }
            if before.is_empty() && text.chars().count() <= MAX_HEADING_CHARS {
                context.heading = Some(text);
            }
        }
        let mut last_kind = None;
        for item in items::line_items(line.text, mentions, &context, patterns) {
            let metadata = patterns.metadata.is_match(&item.reading.words);
            last_kind = Some(item.reading.kind);
            let Some(event) = event(line, item, &document.years).filter(|_| !metadata) else {
                continue;
            };
            if let Some(same) = events
                .iter_mut()
                .find(|kept| same_item(kept, &event, patterns))
            {
                if same.location.is_none() {
                    same.location = event.location;
                }
                continue;
            }
            events.push(event);
            if events.len() >= MAX_EVENTS {
                return events;
            }
        }
        previous = Some((line.text, mentions, last_kind));
    }
    events
}

/// The lines right below line `index` that give a time or a place (`Time: 10:00-12:00`,
/// `Location: Room 204`) and no date.
fn details_below<'a>(document: &Document<'a>, index: usize, patterns: &Patterns) -> Vec<&'a str> {
    document
        .lines
        .iter()
        .zip(&document.mentions)
        .skip(index + 1)
        .filter(|(line, _)| !line.text.trim().is_empty())
        .take(3)
        .take_while(|(line, mentions)| mentions.is_empty() && patterns.detail.is_match(line.text))
        .map(|(line, _)| line.text)
        .collect()
}

/// Whether two items are the same one mentioned twice.
fn same_item(kept: &FoundEvent, new: &FoundEvent, patterns: &Patterns) -> bool {
    if kept.event_type != new.event_type || kept.start != new.start || kept.end != new.end {
        return false;
    }
    let words = |title: &str| -> Vec<String> {
        patterns
            .word
            .find_iter(title)
            .map(|word| word.as_str().to_lowercase())
            .filter(|word| !STOP_WORDS.contains(&word.as_str()))
            .collect()
    };
    let kept_words = words(&kept.title);
    words(&new.title)
        .iter()
        .any(|word| kept_words.contains(word))
}

/// The event of an item of `line`, if its date exists.
fn event(line: &Line<'_>, item: Item<'_>, years: &YearRule) -> Option<FoundEvent> {
    let (mut day, mut last) = years.days(item.mention)?;
    if let Some(weekday) = item.weekday {
        let ahead = (7 + weekday.num_days_from_monday() - day.weekday().num_days_from_monday()) % 7;
        day = day.checked_add_days(Days::new(u64::from(ahead)))?;
        last = None;
    }
    let reading = item.reading;
    let at = |date: NaiveDate, time: NaiveTime| NaiveDateTime::new(date, time);
    let start = at(day, reading.time.map_or(NaiveTime::MIN, |time| time.from));
    let end = match last {
        Some(after) => Some(at(after, NaiveTime::MIN)),
        None => reading
            .time
            .and_then(|time| time.until)
            .map(|until| at(day, until)),
    };
    let title = if reading.title.is_empty() {
        kinds::kind_name(reading.kind).to_owned()
    } else {
        reading.title
    };
    Some(FoundEvent {
        title,
        event_type: reading.kind,
        start,
        end,
        all_day: reading.time.is_none(),
        location: reading.place.map(|place| place.name),
        page_number: line.page,
        quote: line.text.to_owned(),
    })
}

#[cfg(test)]
mod tests;
