//! Cleaning extracted text: white space collapsed, words hyphenated across line ends joined,
//! lines a layout wrapped joined back into paragraphs, and the headers and footers that repeat
//! on most pages of a document removed.

use std::collections::{HashMap, HashSet};

/// How many non-empty lines at the top and at the bottom of a page may be a running header or
/// footer.
const RUNNING_ZONE: usize = 3;

/// Longer lines are text, not a running header or footer.
const MAX_RUNNING_LEN: usize = 120;

/// Below this longest line length (characters) a page is not unwrapped: its lines are
/// probably a slide's bullets or a table's cells, not wrapped prose.
const MIN_WRAP_WIDTH: usize = 40;

/// How the lines of a page relate to its paragraphs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lines {
    /// A layout wrapped the text (PDF, plain text): a line that fills the width continues on
    /// the next one.
    Wrapped,
    /// Each line is a paragraph or a line the author meant (DOCX, slides, Markdown, HTML).
    AsWritten,
}

/// The page's text, cleaned: unusual spaces, soft hyphens and control characters removed,
/// ligatures spelt out, runs of spaces collapsed, words hyphenated across a line end joined
/// (`infor-` / `mation`), wrapped lines joined (for [`Lines::Wrapped`]), and runs of blank
/// lines kept as one paragraph break.
pub(crate) fn clean_page(text: &str, lines: Lines) -> String {
    let normalised = normalise_chars(text);
    let mut out: Vec<String> = normalised.split('\n').map(collapse_spaces).collect();
    let mut rows: Vec<bool> = normalised.split('\n').map(is_table_row).collect();
    join_hyphenated(&mut out, &mut rows);
    if lines == Lines::Wrapped {
        out = unwrap_lines(out, &rows);
    }
    let mut text = String::with_capacity(normalised.len());
    let mut blank_run = false;
    for line in out {
        if line.is_empty() {
            blank_run = !text.is_empty();
            continue;
        }
        if !text.is_empty() {
            text.push_str(if blank_run { "\n\n" } else { "\n" });
        }
        blank_run = false;
        text.push_str(&line);
    }
    text
}

/// Removes, from each page, the lines that repeat at the top or at the bottom of most pages:
/// running headers, footers and page numbers (`Page 3` and `Page 4` count as the same line).
/// Needs at least two pages with text.
pub(crate) fn strip_running_lines(pages: &mut [String]) {
    let zones: Vec<(Vec<String>, Vec<String>)> = pages
        .iter()
        .map(|page| {
            let lines: Vec<&str> = page
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect();
            let top = lines
                .iter()
                .take(RUNNING_ZONE)
                .map(|l| line_key(l))
                .collect();
            let bottom = lines
                .iter()
                .rev()
                .take(RUNNING_ZONE)
                .map(|l| line_key(l))
                .collect();
            (top, bottom)
        })
        .collect();
    let with_text = zones.iter().filter(|(top, _)| !top.is_empty()).count();
    if with_text < 2 {
        return;
    }
    let repeated = |keys: &mut dyn Iterator<Item = &Vec<String>>| -> HashSet<String> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for page in keys {
            let unique: HashSet<&str> = page.iter().map(String::as_str).collect();
            for key in unique {
                *counts.entry(key).or_default() += 1;
            }
        }
        counts
            .into_iter()
            .filter(|(key, count)| {
                *count >= 2 && *count * 2 > with_text && key.chars().count() <= MAX_RUNNING_LEN
            })
            .map(|(key, _)| key.to_owned())
            .collect()
    };
    let top = repeated(&mut zones.iter().map(|(top, _)| top));
    let bottom = repeated(&mut zones.iter().map(|(_, bottom)| bottom));
    if top.is_empty() && bottom.is_empty() {
        return;
    }
    for page in pages.iter_mut() {
        let lines: Vec<&str> = page.lines().collect();
        let non_empty: Vec<usize> = (0..lines.len())
            .filter(|&i| !lines[i].trim().is_empty())
            .collect();
        let mut drop = HashSet::new();
        for &i in non_empty.iter().take(RUNNING_ZONE) {
            if top.contains(&line_key(lines[i].trim())) {
                drop.insert(i);
            }
        }
        for &i in non_empty.iter().rev().take(RUNNING_ZONE) {
            if bottom.contains(&line_key(lines[i].trim())) {
                drop.insert(i);
            }
        }
        if !drop.is_empty() {
            *page = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| !drop.contains(i))
                .map(|(_, line)| *line)
                .collect::<Vec<_>>()
                .join("\n");
        }
    }
}

/// A line as running headers compare: lower case, spaces collapsed, each run of digits as `#`
/// (so page numbers match).
fn line_key(line: &str) -> String {
    let mut key = String::with_capacity(line.len());
    let mut in_digits = false;
    for c in collapse_spaces(line).chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                key.push('#');
            }
            in_digits = true;
        } else {
            in_digits = false;
            key.extend(c.to_lowercase());
        }
    }
    key
}

/// Line ends as `\n`, form feeds as paragraph breaks, unusual spaces as spaces; soft hyphens,
/// zero-width characters and other control characters dropped; Latin ligatures spelt out.
fn normalise_chars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' => out.push('\n'),
            '\x0c' => out.push_str("\n\n"),
            '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => {}
            '\u{fb00}' => out.push_str("ff"),
            '\u{fb01}' => out.push_str("fi"),
            '\u{fb02}' => out.push_str("fl"),
            '\u{fb03}' => out.push_str("ffi"),
            '\u{fb04}' => out.push_str("ffl"),
            '\u{fb05}' | '\u{fb06}' => out.push_str("st"),
            '\u{2028}' => out.push('\n'),
            '\u{2029}' => out.push_str("\n\n"),
            c if c.is_whitespace() => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The line trimmed, with each run of spaces as one space.
fn collapse_spaces(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Joins a word split by a hyphen at a line end: a line ending in a letter and `-`, followed
/// by a line starting with a lower-case letter, loses the hyphen and takes the next line on.
fn join_hyphenated(lines: &mut Vec<String>, rows: &mut Vec<bool>) {
    let mut i = 0;
    while i + 1 < lines.len() {
        let ends_split = {
            let mut tail = lines[i].chars().rev();
            tail.next() == Some('-') && tail.next().is_some_and(char::is_alphabetic)
        };
        let continues = lines[i + 1].chars().next().is_some_and(char::is_lowercase);
        if ends_split && continues {
            let next = lines.remove(i + 1);
            let row = rows.remove(i + 1);
            rows[i] |= row;
            lines[i].pop();
            lines[i].push_str(&next);
        } else {
            i += 1;
        }
    }
}

/// Whether a line is a row of a table drawn with `|` between its cells.
fn is_table_row(line: &str) -> bool {
    line.matches('|').count() >= 2
}

/// Joins lines a layout wrapped: a line at least 70 % as long as the page's longest continues
/// on the next line, unless that starts a list item; so does any line followed by one that
/// starts in lower case. Short lines (headings, last lines of paragraphs) stay lines, and so
/// do the rows of a table (`rows[i]` for line `i`), which a schedule's lines often are.
fn unwrap_lines(lines: Vec<String>, rows: &[bool]) -> Vec<String> {
    let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    if width < MIN_WRAP_WIDTH {
        return lines;
    }
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut open = false;
    // Whether the line before is a table's row, which takes no line on.
    let mut after_row = false;
    for (index, line) in lines.into_iter().enumerate() {
        let row = rows.get(index).copied().unwrap_or(false);
        if line.is_empty() || row {
            out.push(line);
            open = false;
            after_row = row;
            continue;
        }
        let starts_lower = line.chars().next().is_some_and(char::is_lowercase);
        let joins = open && (starts_lower || !starts_list_item(&line));
        let full = line.chars().count() * 10 >= width * 7;
        let takes = !after_row;
        after_row = false;
        match out.last_mut() {
            Some(last) if takes && (joins || (starts_lower && !last.is_empty())) => {
                last.push(' ');
                last.push_str(&line);
            }
            _ => out.push(line),
        }
        open = full;
    }
    out
}

/// Whether a line starts with a bullet or a list number (`•`, `-`, `*`, `1.`, `a)`).
fn starts_list_item(line: &str) -> bool {
    let mut chars = line.chars();
    match chars.next() {
        Some('•' | '◦' | '▪' | '‣' | '–' | '—' | '-' | '*' | '+' | '·' | '\u{f0b7}') => {
            true
        }
        Some(c) if c.is_ascii_alphanumeric() => {
            let rest: String = line.chars().take(4).collect();
            let marker = rest.trim_start_matches(|c: char| c.is_ascii_digit());
            let marker = if marker.len() == rest.len() {
                &rest[c.len_utf8()..]
            } else {
                marker
            };
            marker.starts_with(". ") || marker.starts_with(") ")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_hyphenated_across_lines_is_joined() {
        assert_eq!(
            clean_page("genetic infor-\nmation from the nucleus", Lines::AsWritten),
            "genetic information from the nucleus"
        );
    }

    #[test]
    fn hyphens_that_are_no_line_break_split_stay() {
        assert_eq!(
            clean_page("a well-known fact\nX-\nRay", Lines::AsWritten),
            "a well-known fact\nX-\nRay"
        );
        assert_eq!(clean_page("pages 3-\n4", Lines::AsWritten), "pages 3-\n4");
    }

    #[test]
    fn white_space_collapses_and_paragraph_breaks_stay() {
        let text =
            "  Cells\u{a0}\u{a0}divide\t by  mitosis. \r\n\r\n\r\n\n Then\u{ad}they grow.\x07 ";
        assert_eq!(
            clean_page(text, Lines::AsWritten),
            "Cells divide by mitosis.\n\nThenthey grow."
        );
    }

    #[test]
    fn ligatures_are_spelt_out() {
        assert_eq!(
            clean_page("e\u{fb03}cient \u{fb01}sh", Lines::AsWritten),
            "efficient fish"
        );
    }

    #[test]
    fn wrapped_lines_join_into_paragraphs_and_short_lines_stay() {
        let text = "Energy\n\
                    Mitochondria are the powerhouse of the cell and produce most of\n\
                    its ATP. They have two membranes: a smooth outer membrane and a\n\
                    folded inner one.\n\
                    Summary\n\
                    • first point of the summary list\n\
                    • second point";
        assert_eq!(
            clean_page(text, Lines::Wrapped),
            "Energy\n\
             Mitochondria are the powerhouse of the cell and produce most of its ATP. They have \
             two membranes: a smooth outer membrane and a folded inner one.\n\
             Summary\n\
             • first point of the summary list\n\
             • second point"
        );
    }

    #[test]
    fn the_rows_of_a_table_stay_lines() {
        let text = "Course schedule for the spring term of this course, subject to change\n\
                    Week 1 (Jan 11) | Introduction, Java review, the course's tools | Ch. 1-2 |\n\
                    Week 2 (Jan 18) | Analysis of algorithms | Ch. 4 | HW 1 due Jan 22\n\
                    Week 3 (Jan 25) | Arrays and linked lists, with a longer topic |\n\
                    prose under the table, which goes on";
        let cleaned = clean_page(text, Lines::Wrapped);
        assert_eq!(
            cleaned.lines().collect::<Vec<_>>(),
            [
                "Course schedule for the spring term of this course, subject to change",
                "Week 1 (Jan 11) | Introduction, Java review, the course's tools | Ch. 1-2 |",
                "Week 2 (Jan 18) | Analysis of algorithms | Ch. 4 | HW 1 due Jan 22",
                "Week 3 (Jan 25) | Arrays and linked lists, with a longer topic |",
                "prose under the table, which goes on",
            ]
        );
    }

    #[test]
    fn lines_as_written_are_not_joined() {
        let text = "Mitochondria are the powerhouse of the cell and produce most of\nits ATP.";
        assert_eq!(clean_page(text, Lines::AsWritten), text);
    }

    #[test]
    fn running_headers_footers_and_page_numbers_are_removed() {
        let topics = ["Cells", "Mitosis", "Meiosis", "Replication"];
        let bodies = [
            "Cells divide.",
            "Mitosis has phases.",
            "Meiosis halves.",
            "DNA copies.",
        ];
        let mut pages: Vec<String> = (0..4)
            .map(|i| {
                format!(
                    "Biology 101 – Lecture 4\n{}\n{}\nPage {}",
                    topics[i],
                    bodies[i],
                    i + 1
                )
            })
            .collect();
        pages[0] = "Title page\nCells divide.\n1".to_owned();
        strip_running_lines(&mut pages);
        assert_eq!(pages[0], "Title page\nCells divide.\n1");
        for (i, page) in pages.iter().enumerate().skip(1) {
            assert_eq!(page, &format!("{}\n{}", topics[i], bodies[i]));
        }
    }

    #[test]
    fn lines_that_repeat_on_few_pages_stay() {
        let mut pages = vec![
            "Intro\nshared line".to_owned(),
            "Methods\nother".to_owned(),
            "Results\nshared line".to_owned(),
            "Discussion\nmore".to_owned(),
            "Conclusion\nend".to_owned(),
        ];
        let before = pages.clone();
        strip_running_lines(&mut pages);
        assert_eq!(pages, before);
    }

    #[test]
    fn a_single_page_keeps_its_lines() {
        let mut pages = vec!["Header\nBody\nPage 1".to_owned()];
        strip_running_lines(&mut pages);
        assert_eq!(pages, vec!["Header\nBody\nPage 1".to_owned()]);
    }

    #[test]
    fn list_markers() {
        assert!(starts_list_item("1. first"));
        assert!(starts_list_item("12) twelfth"));
        assert!(starts_list_item("a) option"));
        assert!(starts_list_item("• bullet"));
        assert!(!starts_list_item("In 1990 the"));
        assert!(!starts_list_item("Apple"));
    }
}
