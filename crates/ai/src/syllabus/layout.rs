//! How a line is shared among its dates: sentences, table cells, clauses, and the pieces of
//! a schedule row.
//!
//! A line laid out as a table (cells separated by `|`, tabs, runs of spaces, or ` -- ` and
//! ` — `) is read as one whole; any other line is cut into sentences first (at `;` and at
//! `.`, `!` or `?` before a capital, abbreviations such as `Mar.` or `Fri.` aside).
//!
//! Where a sentence (or a table row) holds several dates, the text between two of them goes
//! to one or the other at a separator: a table separator or `;` if there is one, else a comma,
//! `and` or `&`. A line that starts with its date (`Feb 3: Quiz 1, Feb 10: Essay 1`) gives
//! each date the text after it (cut at the last separator before the next date); one that
//! names its items first (`Quiz 1 on Feb 3, Essay due Feb 10`) gives each date the text
//! before it (cut at the last separator followed by words).

use chrono::Weekday;

use super::Patterns;
use super::dates::DateMention;
use super::titles::has_letters;

/// Abbreviations whose period ends no sentence.
const ABBREVIATIONS: [&str; 42] = [
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon",
    "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "dr", "prof", "mr", "ms",
    "mrs", "st", "no", "ch", "vs", "pp", "p", "e.g", "i.e", "approx", "etc", "fig", "sec", "a.m",
    "p.m", "ed",
];

/// The byte ranges of the sentences of `line`, none splitting a date; the whole line when it
/// is laid out as a table.
pub(super) fn sentences(
    line: &str,
    mentions: &[DateMention],
    patterns: &Patterns,
) -> Vec<(usize, usize)> {
    if patterns.table.is_match(line) {
        return vec![(0, line.len())];
    }
    let mut ranges = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    for (position, (at, c)) in chars.iter().enumerate() {
        let end = at + c.len_utf8();
        let boundary = match c {
            ';' => true,
            '.' | '!' | '?' => {
                let rest = chars.get(position + 1..).unwrap_or_default();
                let spaced = rest.first().is_some_and(|(_, c)| *c == ' ');
                let capital = rest
                    .iter()
                    .map(|(_, c)| *c)
                    .find(|c| *c != ' ')
                    .is_some_and(char::is_uppercase);
                let word: String = line
                    .get(..*at)
                    .unwrap_or_default()
                    .chars()
                    .rev()
                    .take_while(|c| c.is_alphanumeric() || *c == '.')
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .flat_map(char::to_lowercase)
                    .collect();
                spaced && capital && !ABBREVIATIONS.contains(&word.as_str())
            }
            _ => false,
        };
        let inside_date = mentions.iter().any(|m| m.start < end && *at < m.end);
        if boundary && !inside_date {
            ranges.push((start, end));
            start = end;
        }
    }
    ranges.push((start, line.len()));
    ranges
}

/// Whether the text of a line before its date (`before`) says the date comes first: nothing
/// but punctuation and numbers, or a week's label.
pub(super) fn starts_with_date(before: &str, patterns: &Patterns) -> bool {
    !has_letters(before) || patterns.week.is_match(before)
}

/// Whether the text before a date (`before`) makes it the date of a week in a schedule: a
/// week's label (`Week 5 (`), or a row's number in a table (`5   `, `5 |`).
pub(super) fn is_week(before: &str, patterns: &Patterns) -> bool {
    patterns.week.is_match(before) || patterns.numbered_row.is_match(before)
}

/// Where the text between two dates of one sentence is shared: the position where the second
/// date's text begins.
fn share(
    line: &str,
    first: &DateMention,
    second: &DateMention,
    date_first: bool,
    patterns: &Patterns,
) -> usize {
    let gap = line.get(first.end..second.start).unwrap_or_default();
    for separators in [&patterns.piece, &patterns.clause] {
        let found: Vec<usize> = separators.find_iter(gap).map(|m| m.start()).collect();
        let Some(&last) = found.last() else {
            continue;
        };
        let chosen = if date_first {
            last
        } else {
            found
                .iter()
                .rev()
                .find(|at| has_letters(gap.get(**at..).unwrap_or_default()))
                .copied()
                .unwrap_or(last)
        };
        return first.end + chosen;
    }
    if date_first { second.start } else { first.end }
}

/// The byte range of the text of each mention of a line.
pub(super) fn segments(
    line: &str,
    mentions: &[DateMention],
    patterns: &Patterns,
) -> Vec<(usize, usize)> {
    let mut out = vec![(0, line.len()); mentions.len()];
    for (start, end) in sentences(line, mentions, patterns) {
        let inside: Vec<usize> = (0..mentions.len())
            .filter(|i| {
                mentions
                    .get(*i)
                    .is_some_and(|m| start <= m.start && m.start < end)
            })
            .collect();
        let Some(first) = inside.first().and_then(|i| mentions.get(*i)) else {
            continue;
        };
        let date_first =
            starts_with_date(line.get(start..first.start).unwrap_or_default(), patterns);
        let mut from = start;
        for pair in inside.windows(2) {
            let (Some(a), Some(b)) = (mentions.get(pair[0]), mentions.get(pair[1])) else {
                continue;
            };
            let at = share(line, a, b, date_first, patterns);
            if let Some(slot) = out.get_mut(pair[0]) {
                *slot = (from, at);
            }
            from = at;
        }
        if let Some(&last) = inside.last()
            && let Some(slot) = out.get_mut(last)
        {
            *slot = (from, end.max(mentions.get(last).map_or(end, |m| m.end)));
        }
    }
    out
}

/// The pieces of the text of a schedule row after its date, `line[from..to]`: its cells, and
/// the parts of a cell between semicolons; those with letters only.
pub(super) fn pieces(
    line: &str,
    from: usize,
    to: usize,
    patterns: &Patterns,
) -> Vec<(usize, usize)> {
    let text = line.get(from..to).unwrap_or_default();
    let mut out = Vec::new();
    let mut start = 0;
    for separator in patterns.piece.find_iter(text) {
        out.push((from + start, from + separator.start()));
        start = separator.end();
    }
    out.push((from + start, to));
    out.retain(|(start, end)| has_letters(line.get(*start..*end).unwrap_or_default()));
    out
}

/// The weekday a piece of a week's row names (`Quiz 1 (Fri)`), if it names one.
pub(super) fn weekday(text: &str, patterns: &Patterns) -> Option<Weekday> {
    let name = patterns
        .weekday
        .captures(text)?
        .name("day")?
        .as_str()
        .to_lowercase();
    let weekday = match name.get(..3)? {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    };
    Some(weekday)
}

/// Whether the last date of `line` is in its last sentence (whose kind goes on in the next
/// line if the sentence does).
pub(super) fn ends_with_dated_sentence(
    line: &str,
    mentions: &[DateMention],
    patterns: &Patterns,
) -> bool {
    let start = sentences(line, mentions, patterns)
        .last()
        .map_or(0, |(start, _)| *start);
    mentions.last().is_some_and(|m| m.start >= start)
}

/// The text of `line` after its last sentence boundary and its last date: what a sentence
/// wrapped onto the next line started with.
pub(super) fn last_sentence<'a>(
    line: &'a str,
    mentions: &[DateMention],
    patterns: &Patterns,
) -> &'a str {
    let start = sentences(line, mentions, patterns)
        .last()
        .map_or(0, |(start, _)| *start)
        .max(mentions.last().map_or(0, |m| m.end));
    line.get(start..).unwrap_or_default()
}

/// Whether `next` goes on with a sentence `line` left unfinished: prose (neither line a
/// table row or a list item) whose first line ends without a period, colon or the like.
pub(super) fn continues(line: &str, next: &str, patterns: &Patterns) -> bool {
    let prose = |text: &str| {
        !patterns.table.is_match(text)
            && !text
                .trim_start()
                .starts_with(['-', '*', '•', '·', '◦', '▪', '►', '–', '—', '+'])
    };
    prose(line)
        && prose(next)
        && line
            .trim_end()
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == ',' || c == '(')
}
