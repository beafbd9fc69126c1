//! Dates as syllabi write them, found in a line: month names either side of the day
//! (`March 3, 2027`, `Mar. 3`, `3 Mar`, `3rd of March`, `Friday, April 2`), numbers
//! (`03/10/2027`, `10.03.2027`, `2027-03-10`), and ranges of days (`Mar 15-19`, `April 5–9`,
//! `March 29 - April 2`, `15–19 March`).
//!
//! A line's mentions are first gathered as candidates of every form, then chosen so that no
//! two overlap. Which of two overlapping readings of the month names wins (`Lab 2 March 3`:
//! `2 March` or `March 3`?) is settled for the whole document: a number right after a label
//! word (`Lab`, `Week`, `Quiz`, `Chapter`, ...) is never a day, and otherwise the order the
//! document uses in its unambiguous mentions wins (the locale's order on a tie).
//!
//! Numeric dates with slashes are read in one order for the whole document: day first when
//! one of them can only be read that way (`25/03/2027`), month first when one can only be
//! read that way (`03/25/2027`), otherwise in the locale's order (month first for the United
//! States and a few others, and for a bare `en`). Dotted dates (`10.03.2027`) are always day
//! first. A slashed date without a year (`3/10`) counts only where it plainly stands for a
//! date: after a weekday, `due`, `on` or `by`, in parentheses, or as a cell of a table.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::{Captures, Regex};

/// The names of months, English and German, in full and abbreviated (longest first).
const MONTH: &str = "(?:january|february|march|april|may|june|july|august|september|october|\
november|december|januar|februar|märz|maerz|mai|juni|juli|oktober|dezember|jan|feb|mar|apr|\
jun|jul|aug|sept|sep|oct|okt|nov|dec|dez)";

/// The names of weekdays, English and German, in full and abbreviated.
const WEEKDAY: &str = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|\
dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|mon|tues|tue|wed|thurs|thur|thu|fri|sat|\
sun)\.?";

/// What joins the two ends of a range of days.
const THROUGH: &str = r"(?:\s*[-–—]\s*|\s+(?:to|through|thru|until|till|bis)\s+)";

/// The suffix of an ordinal day (`3rd`).
const ORDINAL: &str = "(?:st|nd|rd|th)?";

/// Words after which a number is a label, not a day (`Lab 2 March 3`, `Week 5 Feb 8`).
const LABEL_WORDS: [&str; 34] = [
    "week",
    "wk",
    "lab",
    "hw",
    "homework",
    "assignment",
    "quiz",
    "exam",
    "test",
    "chapter",
    "ch",
    "lecture",
    "unit",
    "part",
    "section",
    "problem",
    "set",
    "project",
    "essay",
    "paper",
    "module",
    "session",
    "class",
    "no",
    "lesson",
    "day",
    "room",
    "rm",
    "topic",
    "tutorial",
    "seminar",
    "sheet",
    "page",
    "pp",
];

/// The order of day and month in a date written with numbers or month names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DayOrder {
    /// `03/10/2027` is March 10; `March 3` reads before `3 March`.
    MonthFirst,
    /// `03/10/2027` is 3 October; `3 March` reads before `March 3`.
    DayFirst,
}

impl DayOrder {
    /// The order of a locale (`en-US`, `en-GB`, `de-DE`): month first for the United States
    /// and the places that write dates its way, and for a bare `en`; day first elsewhere.
    pub(super) fn of_locale(locale: &str) -> Self {
        let mut subtags = locale.split(['-', '_']);
        let language = subtags.next().unwrap_or_default();
        let region = subtags.find(|tag| tag.len() == 2 && tag.chars().all(char::is_alphabetic));
        let month_first = match region {
            Some(region) => [
                "US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "PR", "UM", "VI",
            ]
            .iter()
            .any(|place| place.eq_ignore_ascii_case(region)),
            None => language.eq_ignore_ascii_case("en"),
        };
        if month_first {
            Self::MonthFirst
        } else {
            Self::DayFirst
        }
    }
}

/// A day as written: its month and day, and its year if the text gives one. Nothing says it
/// exists (`Feb 30`) until a year is found for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct WrittenDay {
    /// The month, 1 to 12.
    pub month: u32,
    /// The day of the month, as written.
    pub day: u32,
    /// The year, if written.
    pub year: Option<i32>,
}

/// A date, or a range of days, found in a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct DateMention {
    /// Where it starts in the line (bytes), a weekday before it included.
    pub start: usize,
    /// Where it ends in the line (bytes).
    pub end: usize,
    /// Its (first) day.
    pub first: WrittenDay,
    /// The last day of a range, included.
    pub last: Option<WrittenDay>,
}

/// The written forms of a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// `2027-03-10`.
    Iso,
    /// `03/10/2027`, `3/10`, `3/15-3/19`.
    Slash,
    /// `10.03.2027`, `10.03.`, `12.11.2026 - 19.11.2026`.
    Dotted,
    /// `March 3, 2027`, `Mar 15-19`, `March 29 - April 2`.
    MonthName,
    /// `3 March 2027`, `15–19 March`, `29 March – 2 April`.
    DayName,
}

/// A day as a candidate holds it: numbers whose order may not be known yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RawDay {
    /// Month and day known.
    Known(WrittenDay),
    /// Two numbers, day and month in the document's order (`03/10`), and maybe a year.
    Numeric(u32, u32, Option<i32>),
}

/// A possible date in a line, before the overlapping ones are settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Candidate {
    start: usize,
    end: usize,
    form: Form,
    first: RawDay,
    last: Option<RawDay>,
}

/// The compiled patterns of this module.
struct Patterns {
    iso: Regex,
    slash: Regex,
    dotted: Regex,
    month_day: Regex,
    month_day_range: Regex,
    day_month: Regex,
    day_month_range: Regex,
}

impl Patterns {
    fn compile() -> Option<Self> {
        let year = |name: &str| format!(r"(?:,?\s+(?P<{name}>\d{{4}})\b)?");
        let month_day = format!(
            r"(?i)\b(?:{WEEKDAY},?\s+)?(?P<m1>{MONTH})\.?\s*(?P<d1>\d{{1,2}}){ORDINAL}\b{}(?:\s*\({WEEKDAY}\))?",
            year("y1")
        );
        let month_day_range = format!(
            r"(?i)\b(?:{WEEKDAY},?\s+)?(?P<m1>{MONTH})\.?\s*(?P<d1>\d{{1,2}}){ORDINAL}\b{}{THROUGH}(?:{WEEKDAY},?\s+)?(?:(?P<m2>{MONTH})\.?\s*)?(?P<d2>\d{{1,2}}){ORDINAL}\b{}",
            year("y1"),
            year("y2")
        );
        let day_month = format!(
            r"(?i)\b(?:{WEEKDAY},?\s+(?:the\s+)?)?(?P<d1>\d{{1,2}}){ORDINAL}\.?\s*(?:of\s+)?(?P<m1>{MONTH})\b\.?{}",
            year("y1")
        );
        let day_month_range = format!(
            r"(?i)\b(?:{WEEKDAY},?\s+)?(?P<d1>\d{{1,2}}){ORDINAL}\.?(?:\s*(?P<m1>{MONTH})\b\.?)?{}{THROUGH}(?:{WEEKDAY},?\s+)?(?P<d2>\d{{1,2}}){ORDINAL}\.?\s*(?:of\s+)?(?P<m2>{MONTH})\b\.?{}",
            year("y1"),
            year("y2")
        );
        let slash = format!(
            r"(?i)(?:\b(?P<wd>{WEEKDAY}),?\s+)?\b(?P<a1>\d{{1,2}})/(?P<b1>\d{{1,2}})(?:/(?P<y1>\d{{4}}|\d{{2}}))?(?:\s*[-–]\s*(?P<a2>\d{{1,2}})/(?P<b2>\d{{1,2}})(?:/(?P<y2>\d{{4}}|\d{{2}}))?)?\b"
        );
        Some(Self {
            iso: Regex::new(r"\b(?P<y1>\d{4})-(?P<m1>\d{2})-(?P<d1>\d{2})\b").ok()?,
            slash: Regex::new(&slash).ok()?,
            dotted: Regex::new(
                r"\b(?P<d1>\d{1,2})\.(?P<m1>\d{1,2})\.(?P<y1>\d{4})?(?:\s*[-–—]\s*(?P<d2>\d{1,2})\.(?P<m2>\d{1,2})\.(?P<y2>\d{4})?)?",
            )
            .ok()?,
            month_day: Regex::new(&month_day).ok()?,
            month_day_range: Regex::new(&month_day_range).ok()?,
            day_month: Regex::new(&day_month).ok()?,
            day_month_range: Regex::new(&day_month_range).ok()?,
        })
    }

    fn get() -> Option<&'static Self> {
        static PATTERNS: LazyLock<Option<Patterns>> = LazyLock::new(Patterns::compile);
        PATTERNS.as_ref()
    }
}

/// Whether the patterns compiled (they are constants: the tests check it).
pub(super) fn ready() -> bool {
    Patterns::get().is_some()
}

/// The number of a month's name (`Mar`, `March`, `März`), if it is one.
fn month_number(name: &str) -> Option<u32> {
    let head: String = name
        .chars()
        .filter(|c| c.is_alphabetic())
        .take(3)
        .flat_map(char::to_lowercase)
        .collect();
    let number = match head.as_str() {
        "jan" => 1,
        "feb" => 2,
        "mar" | "mär" | "mae" => 3,
        "apr" => 4,
        "may" | "mai" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" | "okt" => 10,
        "nov" => 11,
        "dec" | "dez" => 12,
        _ => return None,
    };
    Some(number)
}

/// A captured number.
fn number(captures: &Captures<'_>, name: &str) -> Option<u32> {
    captures.name(name)?.as_str().parse().ok()
}

/// A captured year: four digits as they are, two digits in this century.
fn year(captures: &Captures<'_>, name: &str) -> Option<i32> {
    let text = captures.name(name)?.as_str();
    let value: i32 = text.parse().ok()?;
    Some(if text.len() == 2 { 2000 + value } else { value })
}

/// A captured month name, unless it is the word "may" (a verb, lower case).
fn month(captures: &Captures<'_>, name: &str) -> Option<u32> {
    let text = captures.name(name)?.as_str();
    if text == "may" {
        return None;
    }
    month_number(text)
}

/// The character before byte `at` of `line`.
fn char_before(line: &str, at: usize) -> Option<char> {
    line.get(..at)?.chars().next_back()
}

/// The character at byte `at` of `line`, and the one after it.
fn chars_after(line: &str, at: usize) -> (Option<char>, Option<char>) {
    let mut rest = line.get(at..).unwrap_or_default().chars();
    (rest.next(), rest.next())
}

/// Whether the number at byte `at` follows a label word (`Lab 2`, `Week 5`, `No. 3`), not
/// set off from it (`Exam: 3 March` is a date).
fn follows_label(line: &str, at: usize) -> bool {
    let before = line.get(..at).unwrap_or_default().trim_end();
    let before = before.trim_end_matches(['.', '#']).trim_end();
    let word: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .flat_map(char::to_lowercase)
        .collect();
    LABEL_WORDS.contains(&word.as_str())
}

/// Whether a range ending at byte `end` is in fact a day and a time (`Mar 3 - 5 pm`,
/// `March 3 - 10:00`).
fn followed_by_time(line: &str, end: usize) -> bool {
    let rest = line.get(end..).unwrap_or_default();
    let mut digits = rest.chars().skip(1).take(2);
    if (rest.starts_with(':') || rest.starts_with('.'))
        && digits.next().is_some_and(|c| c.is_ascii_digit())
        && digits.next().is_some_and(|c| c.is_ascii_digit())
    {
        return true;
    }
    let rest = rest.trim_start().to_lowercase();
    ["am", "pm", "a.m", "p.m", "uhr", "h "].iter().any(|mark| {
        rest.starts_with(mark)
            && !rest
                .get(mark.len()..)
                .unwrap_or_default()
                .starts_with(char::is_alphabetic)
    })
}

/// Whether a slashed date without a year plainly stands for a date where it is.
fn slash_in_context(line: &str, start: usize, end: usize, after_weekday: bool) -> bool {
    if after_weekday {
        return true;
    }
    let before = line.get(..start).unwrap_or_default();
    let after = line.get(end..).unwrap_or_default();
    let trimmed = before.trim_end();
    if trimmed.ends_with(['(', '|', '\t', '[']) || before.ends_with("  ") {
        return true;
    }
    let word = trimmed
        .rsplit(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or_default()
        .to_lowercase();
    if ["due", "on", "by", "before", "until"].contains(&word.as_str()) {
        return true;
    }
    after.starts_with("  ") || after.trim_start().starts_with([':', ')', '|', ']', '\t'])
}

/// The candidates of one form in `line`.
fn candidates_of(
    form: Form,
    regex: &Regex,
    line: &str,
    read: impl Fn(&Captures<'_>) -> Option<(RawDay, Option<RawDay>)>,
    out: &mut Vec<Candidate>,
) {
    for captures in regex.captures_iter(line) {
        let Some(whole) = captures.get(0) else {
            continue;
        };
        if let Some((first, last)) = read(&captures) {
            out.push(Candidate {
                start: whole.start(),
                end: whole.end(),
                form,
                first,
                last,
            });
        }
    }
}

/// Every possible date in `line`, overlapping ones included.
pub(super) fn candidates(line: &str) -> Vec<Candidate> {
    let Some(patterns) = Patterns::get() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    candidates_of(
        Form::Iso,
        &patterns.iso,
        line,
        |c| {
            let day = WrittenDay {
                month: number(c, "m1")?,
                day: number(c, "d1")?,
                year: year(c, "y1"),
            };
            Some((RawDay::Known(day), None))
        },
        &mut out,
    );
    candidates_of(
        Form::Slash,
        &patterns.slash,
        line,
        |c| {
            let whole = c.get(0)?;
            let numbers = c.name("a1")?;
            if char_before(line, numbers.start())
                .is_some_and(|ch| ch.is_ascii_digit() || "/.-".contains(ch))
            {
                return None;
            }
            if let (Some(next), after) = chars_after(line, whole.end())
                && (next == '/'
                    || ((next == '.' || next == '-')
                        && after.is_some_and(|ch| ch.is_ascii_digit())))
            {
                return None;
            }
            let first = RawDay::Numeric(number(c, "a1")?, number(c, "b1")?, year(c, "y1"));
            let last = match (number(c, "a2"), number(c, "b2")) {
                (Some(a), Some(b)) => Some(RawDay::Numeric(a, b, year(c, "y2"))),
                _ => None,
            };
            let has_year = c.name("y1").is_some() || c.name("y2").is_some();
            if !has_year
                && !slash_in_context(line, numbers.start(), whole.end(), c.name("wd").is_some())
            {
                return None;
            }
            Some((first, last))
        },
        &mut out,
    );
    candidates_of(
        Form::Dotted,
        &patterns.dotted,
        line,
        |c| {
            let whole = c.get(0)?;
            if char_before(line, whole.start()).is_some_and(|ch| ch.is_ascii_digit() || ch == '.') {
                return None;
            }
            let (next, after) = chars_after(line, whole.end());
            if next.is_some_and(|ch| ch.is_ascii_digit()) {
                return None;
            }
            let (last_month, last_year) = match c.name("m2") {
                Some(month) => (month, c.name("y2")),
                None => (c.name("m1")?, c.name("y1")),
            };
            if last_year.is_some() {
                if next == Some('.') && after.is_some_and(|ch| ch.is_ascii_digit()) {
                    return None;
                }
            } else if last_month.as_str().len() != 2 {
                return None;
            }
            if c.name("y1").is_none() && c.name("m1")?.as_str().len() != 2 {
                return None;
            }
            let first = WrittenDay {
                month: number(c, "m1")?,
                day: number(c, "d1")?,
                year: year(c, "y1"),
            };
            let last = match (number(c, "d2"), number(c, "m2")) {
                (Some(day), Some(month)) => Some(RawDay::Known(WrittenDay {
                    month,
                    day,
                    year: year(c, "y2"),
                })),
                _ => None,
            };
            Some((RawDay::Known(first), last))
        },
        &mut out,
    );
    let single = |c: &Captures<'_>| -> Option<(RawDay, Option<RawDay>)> {
        let day = WrittenDay {
            month: month(c, "m1")?,
            day: number(c, "d1")?,
            year: year(c, "y1"),
        };
        Some((RawDay::Known(day), None))
    };
    candidates_of(Form::MonthName, &patterns.month_day, line, single, &mut out);
    candidates_of(
        Form::MonthName,
        &patterns.month_day_range,
        line,
        |c| {
            if followed_by_time(line, c.get(0)?.end()) {
                return None;
            }
            let first = WrittenDay {
                month: month(c, "m1")?,
                day: number(c, "d1")?,
                year: year(c, "y1"),
            };
            let last = WrittenDay {
                month: match c.name("m2") {
                    Some(_) => month(c, "m2")?,
                    None => first.month,
                },
                day: number(c, "d2")?,
                year: year(c, "y2"),
            };
            Some((RawDay::Known(first), Some(RawDay::Known(last))))
        },
        &mut out,
    );
    candidates_of(
        Form::DayName,
        &patterns.day_month,
        line,
        |c| {
            if follows_label(line, c.name("d1")?.start()) {
                return None;
            }
            single(c)
        },
        &mut out,
    );
    candidates_of(
        Form::DayName,
        &patterns.day_month_range,
        line,
        |c| {
            if follows_label(line, c.name("d1")?.start()) {
                return None;
            }
            let last = WrittenDay {
                month: month(c, "m2")?,
                day: number(c, "d2")?,
                year: year(c, "y2"),
            };
            let first = WrittenDay {
                month: match c.name("m1") {
                    Some(_) => month(c, "m1")?,
                    None => last.month,
                },
                day: number(c, "d1")?,
                year: year(c, "y1"),
            };
            Some((RawDay::Known(first), Some(RawDay::Known(last))))
        },
        &mut out,
    );
    out
}

/// What the candidates of a whole document say about its order of day and month.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct OrderEvidence {
    /// Slashed dates only readable day first (`25/03/2027`).
    day_first_numbers: usize,
    /// Slashed dates only readable month first (`03/25/2027`).
    month_first_numbers: usize,
    /// Month names after the day (`3 March`) overlapping no other reading.
    day_first_names: usize,
    /// Month names before the day (`March 3`) overlapping no other reading.
    month_first_names: usize,
}

impl OrderEvidence {
    /// Adds the evidence of one line's candidates.
    pub(super) fn add(&mut self, candidates: &[Candidate]) {
        for candidate in candidates {
            match candidate.form {
                Form::Slash => {
                    for day in [Some(candidate.first), candidate.last]
                        .into_iter()
                        .flatten()
                    {
                        if let RawDay::Numeric(a, b, _) = day {
                            if a > 12 && b <= 12 {
                                self.day_first_numbers += 1;
                            } else if b > 12 && a <= 12 {
                                self.month_first_numbers += 1;
                            }
                        }
                    }
                }
                Form::MonthName | Form::DayName => {
                    let contested = candidates.iter().any(|other| {
                        other.form != candidate.form
                            && matches!(other.form, Form::MonthName | Form::DayName)
                            && other.start < candidate.end
                            && candidate.start < other.end
                    });
                    if !contested {
                        if candidate.form == Form::DayName {
                            self.day_first_names += 1;
                        } else {
                            self.month_first_names += 1;
                        }
                    }
                }
                Form::Iso | Form::Dotted => {}
            }
        }
    }

    /// The order of slashed dates: the text's if it settles it, else the locale's.
    pub(super) fn numeric_order(&self, locale: DayOrder) -> DayOrder {
        match (self.day_first_numbers > 0, self.month_first_numbers > 0) {
            (true, false) => DayOrder::DayFirst,
            (false, true) => DayOrder::MonthFirst,
            _ => locale,
        }
    }

    /// The order that wins between two readings of a month name: the text's majority, else
    /// the locale's.
    pub(super) fn name_order(&self, locale: DayOrder) -> DayOrder {
        match self.day_first_names.cmp(&self.month_first_names) {
            std::cmp::Ordering::Greater => DayOrder::DayFirst,
            std::cmp::Ordering::Less => DayOrder::MonthFirst,
            std::cmp::Ordering::Equal => locale,
        }
    }
}

/// The mentions of a line chosen from its candidates: numeric forms first, then the winning
/// order of month names, then the other; at each step the earliest and then the longest
/// candidate that overlaps no chosen one.
pub(super) fn choose(
    mut candidates: Vec<Candidate>,
    numeric: DayOrder,
    names: DayOrder,
) -> Vec<DateMention> {
    let rank = |form: Form| match (form, names) {
        (Form::Iso | Form::Slash | Form::Dotted, _) => 0,
        (Form::MonthName, DayOrder::MonthFirst) | (Form::DayName, DayOrder::DayFirst) => 1,
        (Form::MonthName | Form::DayName, _) => 2,
    };
    candidates.sort_by_key(|c| (rank(c.form), c.start, std::cmp::Reverse(c.end)));
    let mut chosen: Vec<Candidate> = Vec::new();
    for candidate in candidates {
        if chosen
            .iter()
            .all(|kept| kept.end <= candidate.start || candidate.end <= kept.start)
        {
            chosen.push(candidate);
        }
    }
    chosen.sort_by_key(|c| c.start);
    let known = |day: RawDay| match day {
        RawDay::Known(day) => day,
        RawDay::Numeric(a, b, year) => match numeric {
            DayOrder::MonthFirst => WrittenDay {
                month: a,
                day: b,
                year,
            },
            DayOrder::DayFirst => WrittenDay {
                month: b,
                day: a,
                year,
            },
        },
    };
    chosen
        .into_iter()
        .map(|c| DateMention {
            start: c.start,
            end: c.end,
            first: known(c.first),
            last: c.last.map(known),
        })
        .collect()
}

/// How the year of a date written without one is found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum YearRule {
    /// The year that puts the date in the twelve months starting on this day.
    Window(NaiveDate),
    /// The year that puts the date nearest one of these (sorted) dates, written with years
    /// in the text.
    Nearest(Vec<NaiveDate>),
}

impl YearRule {
    /// The rule of a document: from its term if it names one; else from the dates it writes
    /// with a year; else the twelve months from the start of the month two months before
    /// the reference date (uploaded on 10 January: November to October; on 1 September: July
    /// to June, so a January date of a fall syllabus falls in the next year).
    pub(super) fn of_document(
        term: Option<NaiveDate>,
        mut written: Vec<NaiveDate>,
        reference: NaiveDate,
    ) -> Self {
        if let Some(start) = term {
            return Self::Window(start);
        }
        if !written.is_empty() {
            written.sort_unstable();
            written.dedup();
            return Self::Nearest(written);
        }
        let months_back = reference.month0() as i32 - 2;
        let (year, month0) = if months_back < 0 {
            (reference.year() - 1, months_back + 12)
        } else {
            (reference.year(), months_back)
        };
        let start = NaiveDate::from_ymd_opt(year, month0 as u32 + 1, 1).unwrap_or(reference);
        Self::Window(start)
    }

    /// The date of `day`, if it exists (`Feb 30` does not).
    pub(super) fn date(&self, day: WrittenDay) -> Option<NaiveDate> {
        if let Some(year) = day.year {
            return NaiveDate::from_ymd_opt(year, day.month, day.day);
        }
        match self {
            Self::Window(start) => {
                let year = if (day.month, day.day) >= (start.month(), start.day()) {
                    start.year()
                } else {
                    start.year() + 1
                };
                NaiveDate::from_ymd_opt(year, day.month, day.day)
            }
            Self::Nearest(dates) => {
                let distance = |date: NaiveDate| {
                    let at = dates.partition_point(|written| *written < date);
                    [at.checked_sub(1), Some(at)]
                        .into_iter()
                        .flatten()
                        .filter_map(|index| dates.get(index))
                        .map(|written| (date - *written).num_days().abs())
                        .min()
                        .unwrap_or(i64::MAX)
                };
                let mut years: Vec<i32> = dates.iter().map(Datelike::year).collect();
                years.dedup();
                years
                    .iter()
                    .flat_map(|year| [year - 1, *year, year + 1])
                    .filter_map(|year| NaiveDate::from_ymd_opt(year, day.month, day.day))
                    .min_by_key(|date| (distance(*date), *date))
            }
        }
    }

    /// The first and the day after the last day of a mention (the end exclusive, for a
    /// range), if they exist and the range runs forward by a year at most.
    pub(super) fn days(&self, mention: &DateMention) -> Option<(NaiveDate, Option<NaiveDate>)> {
        let Some(last) = mention.last else {
            return Some((self.date(mention.first)?, None));
        };
        let first = mention.first;
        let order = |day: WrittenDay| (day.month, day.day);
        let (start, last) = match (first.year, last.year) {
            (None, Some(year)) => {
                let first_year = if order(first) <= order(last) {
                    year
                } else {
                    year - 1
                };
                let start = NaiveDate::from_ymd_opt(first_year, first.month, first.day);
                (start, NaiveDate::from_ymd_opt(year, last.month, last.day))
            }
            (Some(_), Some(_)) => (self.date(first), self.date(last)),
            (_, None) => {
                let start = self.date(first);
                let last = start.and_then(|start| {
                    let year = if order(last) >= order(first) {
                        start.year()
                    } else {
                        start.year() + 1
                    };
                    NaiveDate::from_ymd_opt(year, last.month, last.day)
                });
                (start, last)
            }
        };
        let start = start?;
        let end = last.and_then(|last| last.succ_opt()).filter(|end| {
            let days = (*end - start).num_days();
            (2..=366).contains(&days)
        });
        Some((start, end))
    }
}

/// The terms a syllabus names for itself.
struct TermPatterns {
    season: Regex,
    german: Regex,
    semester: Regex,
    academic_year: Regex,
}

impl TermPatterns {
    fn compile() -> Option<Self> {
        Some(Self {
            season: Regex::new(
                r"(?i)\b(?P<season>spring|summer|fall|autumn|winter|michaelmas|hilary|trinity|lent|easter)(?:\s+(?:term|semester|quarter|session|trimester))?,?\s+(?P<y1>\d{4})(?:\s*[/–-]\s*(?P<y2>\d{4}|\d{2}))?\b",
            )
            .ok()?,
            german: Regex::new(
                r"(?i)\b(?P<season>wintersemester|sommersemester|wise|sose|ws|ss)\s*(?P<y1>\d{4}|\d{2})(?:\s*/\s*(?P<y2>\d{4}|\d{2}))?\b",
            )
            .ok()?,
            semester: Regex::new(r"(?i)\b(?:semester|term)\s+[123],?\s+(?P<y1>\d{4})\b").ok()?,
            academic_year: Regex::new(
                r"(?i)\b(?:academic year|school year|session|a\.?y\.?)\s*:?\s*(?P<y1>\d{4})\s*[/–-]\s*(?P<y2>\d{4}|\d{2})\b",
            )
            .ok()?,
        })
    }

    fn get() -> Option<&'static Self> {
        static PATTERNS: LazyLock<Option<TermPatterns>> = LazyLock::new(TermPatterns::compile);
        PATTERNS.as_ref()
    }
}

/// Whether `second` (two or four digits) is the year after `first`.
fn next_year(first: i32, second: &str) -> bool {
    let Ok(value) = second.parse::<i32>() else {
        return false;
    };
    if second.len() == 2 {
        value == (first + 1) % 100
    } else {
        value == first + 1
    }
}

/// The first day of the twelve months a term's dates fall in, if `line` names a term:
///
/// - spring, Hilary, Lent, Easter and Trinity terms of Y: from 1 September of Y-1;
/// - summer terms, `SS`/`Sommersemester` and numbered semesters of Y: from 1 January of Y;
/// - fall, autumn and Michaelmas terms of Y: from 1 June of Y (January dates fall in Y+1);
/// - winter terms of two years (`Winter term 2026/27`, `WS 2026/27`, `WS 2026`): from 1 June
///   of the first; an English winter term of one year (`Winter 2027`): from 1 September of
///   the year before;
/// - an academic year (`Academic year 2026/27`): from 1 August of the first.
pub(super) fn term_start(line: &str) -> Option<NaiveDate> {
    let patterns = TermPatterns::get()?;
    let day = |year: i32, month: u32| NaiveDate::from_ymd_opt(year, month, 1);
    let mut found: Vec<(usize, Option<NaiveDate>)> = Vec::new();
    if let Some(c) = patterns.season.captures(line) {
        let year: i32 = c.name("y1")?.as_str().parse().ok()?;
        let two_years = c
            .name("y2")
            .is_some_and(|second| next_year(year, second.as_str()));
        let season = c.name("season")?.as_str().to_lowercase();
        let start = match season.as_str() {
            "fall" | "autumn" | "michaelmas" => day(year, 6),
            "summer" => day(year, 1),
            "winter" if two_years => day(year, 6),
            _ => day(year - 1, 9),
        };
        found.push((c.get(0)?.start(), start));
    }
    if let Some(c) = patterns.german.captures(line) {
        let text = c.name("y1")?.as_str();
        let value: i32 = text.parse().ok()?;
        let year = if text.len() == 2 { 2000 + value } else { value };
        let season = c.name("season")?.as_str().to_lowercase();
        let start = if season.starts_with('w') {
            day(year, 6)
        } else {
            day(year, 1)
        };
        found.push((c.get(0)?.start(), start));
    }
    if let Some(c) = patterns.semester.captures(line) {
        let year: i32 = c.name("y1")?.as_str().parse().ok()?;
        found.push((c.get(0)?.start(), day(year, 1)));
    }
    if let Some(c) = patterns.academic_year.captures(line) {
        let year: i32 = c.name("y1")?.as_str().parse().ok()?;
        if c.name("y2")
            .is_some_and(|second| next_year(year, second.as_str()))
        {
            found.push((c.get(0)?.start(), day(year, 8)));
        }
    }
    found.into_iter().min_by_key(|(at, _)| *at)?.1
}
