//! The items of one line: for each date, what its text says (title, kind, time, place), the
//! pieces of a schedule row that are items of their own, and the titles borrowed by dates
//! whose text leaves none.

use chrono::Weekday;
use sophie_domain::enums::EventType;

use super::Patterns;
use super::dates::DateMention;
use super::kinds;
use super::layout;
use super::times::{self, FoundTime};
use super::titles::{self, FoundPlace, has_letters, has_word};

/// What an item's text says.
pub(super) struct Reading {
    /// Its title, empty if the text leaves none.
    pub title: String,
    /// Its kind.
    pub kind: EventType,
    /// Its time of day.
    pub time: Option<FoundTime>,
    /// Its place.
    pub place: Option<FoundPlace>,
    /// The text its kind was read from (without date, time and place).
    pub words: String,
}

/// An item of a line, before its date is resolved.
pub(super) struct Item<'a> {
    /// Its date.
    pub mention: &'a DateMention,
    /// What its text says.
    pub reading: Reading,
    /// The weekday it falls on in the week of its date (`Quiz 1 (Fri)` in a week's row).
    pub weekday: Option<Weekday>,
}

/// What the lines before a line say about it.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Context<'a> {
    /// The start of a sentence the previous line left unfinished.
    pub unfinished: Option<&'a str>,
    /// The kind of the last item of that unfinished sentence.
    pub carried: Option<EventType>,
    /// The previous line, if it had no date (a heading such as `Midterm Exam`).
    pub heading: Option<&'a str>,
    /// Lines right below giving a time or a place (`Time: 10:00-12:00`).
    pub details: &'a [&'a str],
}

/// A text with byte ranges blanked out (replaced by as many spaces).
fn blanked(text: &str, ranges: &[(usize, usize)]) -> String {
    text.char_indices()
        .flat_map(|(at, c)| {
            let hidden = ranges.iter().any(|(start, end)| *start <= at && at < *end);
            let width = if hidden { c.len_utf8() } else { 0 };
            let shown = if hidden { None } else { Some(c) };
            std::iter::repeat_n(' ', width).chain(shown)
        })
        .collect()
}

/// Reads `line[start..end]`, without the dates in it and the byte ranges `left_out` (of the
/// line); `week` when its date is the date of a week in a schedule.
fn read(
    line: &str,
    (start, end): (usize, usize),
    mentions: &[DateMention],
    left_out: &[(usize, usize)],
    week: bool,
) -> Reading {
    let segment = line.get(start..end).unwrap_or_default();
    let mut removed: Vec<(usize, usize)> = mentions
        .iter()
        .map(|m| (m.start, m.end))
        .chain(left_out.iter().copied())
        .filter(|(s, e)| *s < end && start < *e)
        .map(|(s, e)| (s.saturating_sub(start), e.min(end) - start))
        .collect();
    let time = times::find_time(&blanked(segment, &removed));
    if let Some(time) = time {
        removed.push((time.start, time.end));
    }
    let place = titles::find_place(&blanked(segment, &removed));
    if let Some(place) = &place {
        removed.push((place.start, place.end));
    }
    let words = blanked(segment, &removed);
    let line_start = !has_letters(line.get(..start).unwrap_or_default());
    Reading {
        title: titles::title(segment, &removed, line_start),
        kind: kinds::classify(&words, week),
        time,
        place,
        words,
    }
}

/// Whether a kind makes a piece of a schedule row an item of its own (a deliverable, an
/// exam, a lab...), rather than part of the row's topic.
fn stands_alone(kind: EventType) -> bool {
    !matches!(kind, EventType::Lecture | EventType::Other)
}

/// The items of a schedule row whose date `mention` comes first, in `segment`: one for each
/// piece standing alone (on the weekday it names, in a week's row; a week's piece announcing
/// something due on no day of its own is left out), and one for the rest, the row's topic.
/// None when no piece stands alone.
fn row_items<'a>(
    line: &str,
    segment: (usize, usize),
    mention: &'a DateMention,
    mentions: &[DateMention],
    week: bool,
    patterns: &Patterns,
) -> Option<Vec<Item<'a>>> {
    let pieces = layout::pieces(line, mention.end, segment.1, patterns);
    let alone: Vec<((usize, usize), EventType)> = pieces
        .iter()
        .map(|piece| (*piece, read(line, *piece, mentions, &[], false).kind))
        .filter(|(_, kind)| stands_alone(*kind))
        .collect();
    if alone.is_empty() {
        return None;
    }
    let label = (
        segment.0,
        alone.first().map_or(segment.1, |((start, _), _)| *start),
    );
    let row = read(line, label, mentions, &[], week);
    let mut items = Vec::new();
    for (piece, _) in &alone {
        let text = line.get(piece.0..piece.1).unwrap_or_default();
        let weekday = if week {
            layout::weekday(text, patterns)
        } else {
            None
        };
        if week && weekday.is_none() && patterns.due.is_match(text) {
            continue;
        }
        let mut reading = read(line, *piece, mentions, &[], false);
        if reading.time.is_none() {
            reading.time = row.time;
        }
        if reading.place.is_none() {
            reading.place.clone_from(&row.place);
        }
        items.push(Item {
            mention,
            reading,
            weekday,
        });
    }
    let left_out: Vec<(usize, usize)> = alone.iter().map(|(piece, _)| *piece).collect();
    // A topic needs a word: `Ch. 4` beside `Quiz 3` is no item.
    let topic = pieces.iter().any(|piece| {
        !left_out.contains(piece) && has_word(line.get(piece.0..piece.1).unwrap_or_default())
    });
    if topic {
        let reading = read(line, segment, mentions, &left_out, week);
        items.insert(
            0,
            Item {
                mention,
                reading,
                weekday: None,
            },
        );
    }
    Some(items)
}

/// Whether a kind says little of an item (it may take a kind from elsewhere).
fn generic(kind: EventType) -> bool {
    matches!(kind, EventType::Other | EventType::Deadline)
}

/// The items of one line, in order.
pub(super) fn line_items<'a>(
    line: &str,
    mentions: &'a [DateMention],
    context: &Context<'_>,
    patterns: &Patterns,
) -> Vec<Item<'a>> {
    let ranges = layout::segments(line, mentions, patterns);
    let first_sentence_end = layout::sentences(line, mentions, patterns)
        .first()
        .map_or(line.len(), |(_, end)| *end);
    let mut items: Vec<Item<'a>> = Vec::new();
    // Whether each item's title was its own, and whether its text starts the line.
    let mut own_title: Vec<bool> = Vec::new();
    let mut at_line_start: Vec<bool> = Vec::new();
    for (index, mention) in mentions.iter().enumerate() {
        let range = ranges.get(index).copied().unwrap_or((0, line.len()));
        let before = line.get(range.0..mention.start).unwrap_or_default();
        let week = layout::is_week(before, patterns);
        let starts_line = !has_letters(line.get(..mention.start).unwrap_or_default())
            || (week && !has_letters(line.get(..range.0).unwrap_or_default()));
        if layout::starts_with_date(before, patterns)
            && let Some(row) = row_items(line, range, mention, mentions, week, patterns)
        {
            for item in row {
                own_title.push(!item.reading.title.is_empty());
                at_line_start.push(starts_line);
                items.push(item);
            }
            continue;
        }
        let mut reading = read(line, range, mentions, &[], week);
        if reading.title.is_empty() && mentions.len() == 1 && range != (0, line.len()) {
            let whole = read(line, (0, line.len()), mentions, &[], week);
            if !whole.title.is_empty() && context.unfinished.is_none() {
                reading = Reading {
                    time: reading.time.or(whole.time),
                    place: reading.place.or(whole.place),
                    ..whole
                };
            }
        }
        own_title.push(!reading.title.is_empty());
        at_line_start.push(starts_line);
        items.push(Item {
            mention,
            reading,
            weekday: None,
        });
    }

    let titled: Option<(String, EventType)> = items
        .iter()
        .find(|item| !item.reading.title.is_empty())
        .map(|item| (item.reading.title.clone(), item.reading.kind));
    let mut shared_time: Option<FoundTime> = None;
    for (index, item) in items.iter_mut().enumerate() {
        let reading = &mut item.reading;
        if let Some(kind) = context.carried
            && reading.kind == EventType::Other
            && item.mention.start < first_sentence_end
        {
            reading.kind = kind;
        }
        if !reading.title.is_empty() {
            continue;
        }
        let starts_line = at_line_start.get(index).copied().unwrap_or(false);
        let unfinished = context.unfinished.filter(|_| starts_line);
        let borrowed = unfinished
            .map(|text| (titles::title(text, &[], true), kinds::classify(text, false)))
            .filter(|(title, _)| !title.is_empty())
            .or_else(|| titled.clone())
            .or_else(|| {
                context
                    .heading
                    .map(|text| (titles::title(text, &[], true), kinds::classify(text, false)))
            });
        if let Some((title, kind)) = borrowed {
            reading.title = title;
            if generic(reading.kind) {
                reading.kind = kind;
            }
            if reading.time.is_some() {
                shared_time = reading.time;
            }
        }
    }
    for (item, own) in items.iter_mut().zip(own_title) {
        let reading = &mut item.reading;
        if reading.time.is_none() && own {
            reading.time = shared_time;
        }
        for detail in context.details {
            if reading.time.is_none() {
                reading.time = times::find_time(detail);
            }
            if reading.place.is_none() {
                reading.place = titles::find_place(detail);
            }
        }
    }
    items
}
