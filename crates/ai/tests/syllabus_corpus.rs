//! The offline event extractor's precision and recall on a corpus of syllabi written for it
//! (`tests/syllabi/`, described in its README), through the domain's `EventExtractor` port.
//!
//! A found event matches an expected one when:
//!
//! - its start date is the expected one's;
//! - its start time is the expected one's, when the expected one has a time (an all-day
//!   expected item is matched whatever time was found);
//! - its end is the expected one's, when the expected one has an end;
//! - its type is the expected one's;
//! - its title shares at least one significant word with the expected title (lower-cased runs
//!   of three letters or more that are not stop words).
//!
//! Found events are taken in order, each matching the first expected item not yet matched:
//! each expected item is matched at most once. Precision is the share of found events that
//! match, recall the share of expected items matched, both over the whole corpus; both must
//! reach 0.90. Run with `--nocapture` to see them per syllabus, with what was missed and what
//! was found in excess.
//!
//! Besides, every found event must quote a line of its page as it stands, and an expected
//! location must be found on the event that matches it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::Deserialize;
use sophie_ai::RuleExtractor;
use sophie_domain::enums::EventType;
use sophie_domain::ports::{EventExtractor, ExtractionInput, FoundEvent, PageText};

/// Words too common to make two titles the same item's.
const STOP_WORDS: [&str; 30] = [
    "the", "and", "for", "with", "from", "into", "onto", "are", "its", "was", "were", "will",
    "this", "that", "all", "any", "our", "your", "you", "not", "but", "has", "have", "its", "per",
    "via", "before", "after", "than", "out",
];

/// The lowest precision and recall accepted.
const THRESHOLD: f64 = 0.90;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    locale: String,
    reference_date: NaiveDate,
    events: Vec<ExpectedEvent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedEvent {
    title: String,
    #[serde(rename = "type")]
    event_type: EventType,
    start: String,
    end: Option<String>,
    page: u32,
    location: Option<String>,
}

/// A date (`2027-03-03`) or a local date and time (`2027-03-03T23:59`), and whether it had a
/// time.
fn moment(text: &str) -> (NaiveDateTime, bool) {
    if let Ok(date) = text.parse::<NaiveDate>() {
        return (date.and_time(NaiveTime::MIN), false);
    }
    let at = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .unwrap_or_else(|error| panic!("{text}: {error}"));
    (at, true)
}

fn significant_words(title: &str) -> Vec<String> {
    title
        .split(|c: char| !c.is_alphabetic())
        .filter(|word| word.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|word| !STOP_WORDS.contains(&word.as_str()))
        .collect()
}

/// Whether `found` matches `expected` (see the module's documentation).
fn matches(found: &FoundEvent, expected: &ExpectedEvent) -> bool {
    let (start, timed) = moment(&expected.start);
    if found.start.date() != start.date() || (timed && found.start.time() != start.time()) {
        return false;
    }
    if let Some(end) = &expected.end
        && found.end != Some(moment(end).0)
    {
        return false;
    }
    if found.event_type != expected.event_type {
        return false;
    }
    let wanted = significant_words(&expected.title);
    significant_words(&found.title)
        .iter()
        .any(|word| wanted.contains(word))
}

fn corpus() -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/syllabi");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    files.sort();
    files
}

/// The pages of a syllabus: separated by lines holding only a form feed.
fn pages(text: &str) -> Vec<PageText> {
    text.split("\n\u{c}\n")
        .enumerate()
        .map(|(index, page)| PageText {
            page_number: Some(u32::try_from(index).unwrap() + 1),
            text: page.to_owned(),
        })
        .collect()
}

fn describe(event: &FoundEvent) -> String {
    format!(
        "{:?} {} {}{} {:?} (p. {:?})",
        event.event_type,
        event.start,
        event
            .end
            .map(|end| format!("-> {end} "))
            .unwrap_or_default(),
        event.title,
        event.location,
        event.page_number
    )
}

#[tokio::test]
async fn precision_and_recall_on_the_corpus() {
    let files = corpus();
    assert!(files.len() >= 6, "the corpus has {} syllabi", files.len());
    let (mut all_found, mut all_expected, mut all_matched) = (0, 0, 0);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let expected_file = file.with_extension("expected.json");
        let expected: Expected =
            serde_json::from_str(&std::fs::read_to_string(&expected_file).unwrap())
                .unwrap_or_else(|error| panic!("{}: {error}", expected_file.display()));
        let pages = pages(&text);
        let input = ExtractionInput {
            pages: pages.clone(),
            locale: expected.locale.clone(),
            reference_date: expected.reference_date,
        };
        let found = RuleExtractor.extract(input).await.unwrap().events;

        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for event in &found {
            let page = pages
                .iter()
                .find(|page| page.page_number == event.page_number)
                .unwrap_or_else(|| panic!("{name}: no page {:?}", event.page_number));
            assert!(
                page.text.lines().any(|line| line == event.quote),
                "{name}: the quote {:?} is no line of page {:?}",
                event.quote,
                event.page_number
            );
        }

        let mut taken = vec![false; expected.events.len()];
        let mut excess = Vec::new();
        for event in &found {
            let slot = expected
                .events
                .iter()
                .enumerate()
                .position(|(index, wanted)| !taken[index] && matches(event, wanted));
            match slot {
                Some(index) => {
                    taken[index] = true;
                    let wanted = &expected.events[index];
                    assert_eq!(
                        event.page_number,
                        Some(wanted.page),
                        "{name}: page of {}",
                        describe(event)
                    );
                    if let Some(location) = &wanted.location {
                        assert_eq!(
                            event.location.as_ref(),
                            Some(location),
                            "{name}: location of {}",
                            describe(event)
                        );
                    }
                }
                None => excess.push(event),
            }
        }
        let matched = taken.iter().filter(|taken| **taken).count();
        let precision = ratio(matched, found.len());
        let recall = ratio(matched, expected.events.len());
        println!(
            "{name}: {} found, {} expected, {matched} matched: precision {precision:.3}, recall {recall:.3}",
            found.len(),
            expected.events.len()
        );
        for (wanted, taken) in expected.events.iter().zip(&taken) {
            if !taken {
                println!(
                    "  missed: {:?} {} {} {:?}",
                    wanted.event_type,
                    wanted.start,
                    wanted.end.as_deref().unwrap_or(""),
                    wanted.title
                );
            }
        }
        for event in excess {
            println!("  excess: {}", describe(event));
        }
        all_found += found.len();
        all_expected += expected.events.len();
        all_matched += matched;
    }
    let precision = ratio(all_matched, all_found);
    let recall = ratio(all_matched, all_expected);
    println!(
        "overall: {} syllabi, {all_found} found, {all_expected} expected, {all_matched} matched: precision {precision:.3}, recall {recall:.3}",
        files.len()
    );
    assert!(
        all_expected >= 100,
        "the corpus expects {all_expected} items"
    );
    assert!(precision >= THRESHOLD, "precision {precision:.3}");
    assert!(recall >= THRESHOLD, "recall {recall:.3}");
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 1.0;
    }
    part as f64 / whole as f64
}
