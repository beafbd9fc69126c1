//! Times of day as syllabi write them: `11:59 pm`, `2 pm`, `11.59pm`, `14:00`, `noon`,
//! `midnight` (the last minute of the day, as deadlines mean it), and ranges (`10:00-12:00`,
//! `2-4 pm`, `9:30 to 11 a.m.`, `10 am – noon`).
//!
//! A bare number is a time only as the start of a range whose end says am or pm (`2-4 pm`);
//! the start takes the end's half of the day unless that would put it after the end
//! (`11-1 pm` runs from 11:00 to 13:00).

use std::sync::LazyLock;

use chrono::NaiveTime;
use regex::{Captures, Regex};

/// A time of day, or a span of one day, found in a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct FoundTime {
    /// Where it starts in the text (bytes).
    pub start: usize,
    /// Where it ends in the text (bytes).
    pub end: usize,
    /// Its start.
    pub from: NaiveTime,
    /// Its end, for a range that ends after it starts.
    pub until: Option<NaiveTime>,
}

/// The half of the day a time says it is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Half {
    Morning,
    Afternoon,
}

/// One time as written, before ranges are paired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Token {
    start: usize,
    end: usize,
    hour: u32,
    minute: u32,
    /// Whether minutes were written after a colon (`14:00`), which makes a 24-hour time.
    colon: bool,
    half: Option<Half>,
}

impl Token {
    /// Whether it is a time standing alone (`2 pm`, `14:00`, `noon`), not a bare number.
    fn stands_alone(&self) -> bool {
        self.half.is_some() || self.colon
    }

    /// Its time of day, in `half` if it says none itself.
    fn time(&self, half: Option<Half>) -> Option<NaiveTime> {
        let hour = match self.half.or(half) {
            None => self.hour,
            Some(_) if self.hour == 0 || self.hour > 12 => {
                if self.half.is_none() {
                    self.hour
                } else {
                    return None;
                }
            }
            Some(Half::Morning) => self.hour % 12,
            Some(Half::Afternoon) => self.hour % 12 + 12,
        };
        NaiveTime::from_hms_opt(hour, self.minute, 0)
    }
}

/// The compiled patterns of this module.
struct Patterns {
    token: Regex,
    through: Regex,
}

impl Patterns {
    fn compile() -> Option<Self> {
        Some(Self {
            token: Regex::new(
                r"(?i)(?P<word>\bnoon\b|\bmidday\b|\bmidnight\b)|(?P<hour>\d{1,2})(?:(?P<sep>[:.])(?P<minute>\d{2}))?(?:\s*(?P<half>[ap])\.?m\b\.?)?",
            )
            .ok()?,
            through: Regex::new(r"(?i)^\s*(?:-|–|—|to|until|till|bis)\s*$").ok()?,
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

/// The token of one match, if it can be a time where it stands.
fn token(text: &str, captures: &Captures<'_>) -> Option<Token> {
    let whole = captures.get(0)?;
    let (start, end) = (whole.start(), whole.end());
    if let Some(word) = captures.name("word") {
        let (hour, minute) = match word.as_str().to_lowercase().as_str() {
            "midnight" => (23, 59),
            _ => (12, 0),
        };
        return Some(Token {
            start,
            end,
            hour,
            minute,
            colon: true,
            half: None,
        });
    }
    let before = text.get(..start).unwrap_or_default().chars().next_back();
    if before.is_some_and(|c| c.is_alphanumeric() || ".:/,".contains(c)) {
        return None;
    }
    let after = text.get(end..).unwrap_or_default().chars().next();
    if after.is_some_and(|c| c.is_ascii_digit() || c == '%' || c == '/') {
        return None;
    }
    let hour: u32 = captures.name("hour")?.as_str().parse().ok()?;
    let minute: u32 = match captures.name("minute") {
        Some(minute) => minute.as_str().parse().ok()?,
        None => 0,
    };
    let half = captures.name("half").map(|half| {
        if half.as_str().eq_ignore_ascii_case("a") {
            Half::Morning
        } else {
            Half::Afternoon
        }
    });
    let separator = captures.name("sep").map(|sep| sep.as_str());
    // `3.2` (a section) is no time; `11.59 pm` is.
    if separator == Some(".") && half.is_none() {
        return None;
    }
    Some(Token {
        start,
        end,
        hour,
        minute,
        colon: separator == Some(":"),
        half,
    })
}

/// The first time of day in `text`, a range if it is written as one.
pub(super) fn find_time(text: &str) -> Option<FoundTime> {
    let patterns = Patterns::get()?;
    let tokens: Vec<Token> = patterns
        .token
        .captures_iter(text)
        .filter_map(|captures| token(text, &captures))
        .collect();
    for (index, first) in tokens.iter().enumerate() {
        if let Some(second) = tokens.get(index + 1)
            && second.stands_alone()
            && (first.stands_alone() || second.half.is_some())
            && patterns
                .through
                .is_match(text.get(first.end..second.start).unwrap_or_default())
            && let Some(until) = second.time(None)
        {
            let from = match first.half {
                Some(_) => first.time(None),
                None if first.colon && second.half.is_none() => first.time(None),
                None => first
                    .time(second.half)
                    .filter(|from| *from <= until)
                    .or_else(|| first.time(Some(Half::Morning))),
            };
            if let Some(from) = from {
                return Some(FoundTime {
                    start: first.start,
                    end: second.end,
                    from,
                    until: Some(until).filter(|until| *until > from),
                });
            }
        }
        if first.stands_alone()
            && let Some(from) = first.time(None)
        {
            return Some(FoundTime {
                start: first.start,
                end: first.end,
                from,
                until: None,
            });
        }
    }
    None
}
