//! The title and the place of a dated item, from the text around its date.
//!
//! The title is the item's text with its date, time and place taken out, and with what only
//! joined them to it: filler words at the edges of what remains (`due`, `on`, `at`, `by`,
//! `from`, `will be held`, labels such as `Date:`), leading bullets and list numbers, table
//! separators, punctuation at the ends and brackets left empty or unpaired. The cells of a
//! table row are joined with `: ` (`Week 5: Recursion`).

use std::sync::LazyLock;

use regex::Regex;

/// The longest title kept, in characters.
pub(super) const MAX_TITLE_CHARS: usize = 200;

/// Words and phrases dropped at the end of what is left before a date, time or place.
const TRAILING_FILLERS: [&str; 30] = [
    "is scheduled for",
    "are scheduled for",
    "scheduled for",
    "will take place",
    "will be held",
    "takes place",
    "no later than",
    "is due",
    "are due",
    "will be",
    "is on",
    "due on",
    "due by",
    "due",
    "is",
    "are",
    "on",
    "at",
    "by",
    "from",
    "to",
    "until",
    "till",
    "before",
    "of",
    "the",
    "in",
    "and",
    "or",
    "between",
];

/// Weekday names, dropped at the end of what is left before a date (`due on Monday,` above a
/// date on the next line).
const WEEKDAYS: [&str; 18] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
    "on",
];

/// Words dropped at the start of what is left after a date, time or place.
const LEADING_FILLERS: [&str; 15] = [
    "on", "at", "by", "from", "to", "until", "and", "or", "due", "date", "dates", "time", "when",
    "where", "location",
];

/// Punctuation dropped at the ends of a title and its pieces (brackets are handled apart).
const EDGE_PUNCTUATION: &[char] = &[
    ',', ';', ':', '.', '-', '–', '—', '|', '*', '•', '·', '/', '@', '~', '=', '>', '<', '!', '?',
    '¦', '│', '_', '"', '\'', '‘', '’', '“', '”',
];

/// The compiled patterns of this module.
struct Patterns {
    place: Regex,
    bullet: Regex,
    cell: Regex,
}

impl Patterns {
    fn compile() -> Option<Self> {
        Some(Self {
            place: Regex::new(
                r"(?:\b(?:[Ii]n|[Aa]t)\s+(?:the\s+)?)?(?P<place>\b(?:Room|ROOM|room|Rm\.?|Raum|Lecture Hall|Lecture Theatre|Hall|Auditorium|Building|Bldg\.?|Hörsaal|HS)\s+[A-Z]?\.?\d[\w.\-/]*|\bHall\s+[A-Z]\b|\b(?:[A-Z][a-z]+\s+){1,2}(?:Hall|Auditorium|Building|Center|Centre|Library|Gym|Gymnasium|Theatre|Theater|Arena|Pavilion)\b(?:,?\s+(?:[Rr]oom\s+)?[A-Z]?\d[\w\-]*)?)",
            )
            .ok()?,
            bullet: Regex::new(r"^\s*(?:[-*•·◦▪►–—>+]+|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)])\s+").ok()?,
            cell: Regex::new(r"\s*(?:[|\t│¦]|\s{2,})\s*").ok()?,
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

/// A place found in a text: where its mention stands (an `in` or `at` before it included)
/// and its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct FoundPlace {
    /// Where the mention starts (bytes).
    pub start: usize,
    /// Where it ends (bytes).
    pub end: usize,
    /// The place (`Room 204`, `Hall B`, `Kane Hall 130`).
    pub name: String,
}

/// The first room, hall or building named in `text`.
pub(super) fn find_place(text: &str) -> Option<FoundPlace> {
    let patterns = Patterns::get()?;
    let captures = patterns.place.captures(text)?;
    let whole = captures.get(0)?;
    let place = captures.name("place")?;
    let name = place.as_str().trim_end_matches(['.', '-', '/', ',']);
    let end = place.start() + name.len();
    Some(FoundPlace {
        start: whole.start(),
        end: end.max(whole.start()),
        name: name.to_owned(),
    })
}

/// Whether `text` has a letter.
pub(super) fn has_letters(text: &str) -> bool {
    text.chars().any(char::is_alphabetic)
}

/// Whether `text` has a word of three letters or more.
pub(super) fn has_word(text: &str) -> bool {
    text.split(|c: char| !c.is_alphabetic())
        .any(|word| word.chars().count() >= 3)
}

/// `text` without the filler words at its ends.
fn without_fillers(text: &str) -> String {
    let mut piece = text.trim_matches(|c: char| c.is_whitespace() || EDGE_PUNCTUATION.contains(&c));
    loop {
        let before = piece;
        let lower = piece.to_lowercase();
        if lower.len() == piece.len() {
            for filler in TRAILING_FILLERS.iter().chain(&WEEKDAYS) {
                if lower == *filler {
                    piece = "";
                    break;
                }
                if lower.ends_with(filler)
                    && lower[..lower.len() - filler.len()].ends_with(char::is_whitespace)
                {
                    let rest = &piece[..piece.len() - filler.len()];
                    // `HW 3 due` keeps its `due`: `HW 3` alone says too little.
                    if filler.contains("due") && !has_word(rest) {
                        continue;
                    }
                    piece = rest;
                    break;
                }
            }
            let lower = piece.to_lowercase();
            for filler in LEADING_FILLERS {
                if lower == filler {
                    piece = "";
                    break;
                }
                if lower.starts_with(filler)
                    && lower[filler.len()..]
                        .starts_with(|c: char| c.is_whitespace() || c == ':' || c == ',')
                {
                    piece = &piece[filler.len()..];
                    break;
                }
            }
        }
        piece = piece.trim_matches(|c: char| c.is_whitespace() || EDGE_PUNCTUATION.contains(&c));
        if piece == before {
            return piece.to_owned();
        }
    }
}

/// `text` without brackets that pair with nothing or hold nothing.
fn balanced(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut keep = vec![true; chars.len()];
    let mut open: Vec<usize> = Vec::new();
    for (index, c) in chars.iter().enumerate() {
        match c {
            '(' | '[' => open.push(index),
            ')' | ']' => match open.pop() {
                Some(start) if chars[start + 1..index].iter().any(|c| c.is_alphanumeric()) => {}
                Some(start) => {
                    for slot in keep.iter_mut().take(index + 1).skip(start) {
                        *slot = false;
                    }
                }
                None => keep[index] = false,
            },
            _ => {}
        }
    }
    for index in open {
        keep[index] = false;
    }
    chars
        .into_iter()
        .zip(keep)
        .filter_map(|(c, keep)| keep.then_some(c))
        .collect()
}

/// The title of an item whose text is `segment`, once the byte ranges `removed` (its date,
/// time and place) are taken out; `line_start` when the segment starts its line (where a
/// bullet may stand). Empty when nothing is left.
pub(super) fn title(segment: &str, removed: &[(usize, usize)], line_start: bool) -> String {
    let Some(patterns) = Patterns::get() else {
        return String::new();
    };
    const MARK: char = '\u{1}';
    let mut marked = String::with_capacity(segment.len());
    for (index, c) in segment.char_indices() {
        let inside = removed
            .iter()
            .any(|(start, end)| *start <= index && index < *end);
        if !inside {
            marked.push(c);
        } else if !marked.ends_with(MARK) {
            marked.push(MARK);
        }
    }
    let mut text = marked.as_str();
    if line_start && let Some(bullet) = patterns.bullet.find(text) {
        text = &text[bullet.end()..];
    }
    let cells: Vec<String> = patterns
        .cell
        .split(text)
        .map(|cell| {
            cell.split(MARK)
                .map(without_fillers)
                .filter(|piece| !piece.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .map(|cell| without_fillers(&balanced(&cell)))
        .filter(|cell| has_letters(cell))
        .collect();
    let joined = cells.join(": ");
    let words: Vec<&str> = joined.split_whitespace().collect();
    let title = without_fillers(&balanced(&words.join(" ")));
    match title.char_indices().nth(MAX_TITLE_CHARS) {
        Some((cut, _)) => title[..cut].trim_end().to_owned(),
        None => title,
    }
}
