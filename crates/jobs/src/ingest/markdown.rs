//! Markdown cut into sections at its headings (ATX `#` headings, and one-line setext headings
//! underlined with `=` or `-`), outside fenced code blocks.

/// A part of a document under one heading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Section {
    /// The heading's text, without its markup; `None` for text before the first heading.
    pub(crate) heading: Option<String>,
    /// The text under the heading, up to the next heading, without the heading itself.
    pub(crate) body: String,
}

/// The sections of `markdown`, in order. Text before the first heading is a section without a
/// heading when it is not blank; a heading directly followed by another keeps an empty section.
pub(crate) fn sections(markdown: &str) -> Vec<Section> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut sections = Vec::new();
    let mut current = Section {
        heading: None,
        body: String::new(),
    };
    let mut fence: Option<(char, usize)> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some((marker, len)) = fence {
            if closes_fence(line, marker, len) {
                fence = None;
            }
            push_line(&mut current.body, line);
            i += 1;
            continue;
        }
        if let Some(opened) = opens_fence(line) {
            fence = Some(opened);
            push_line(&mut current.body, line);
            i += 1;
            continue;
        }
        let heading = atx_heading(line).map(|title| (title, 1)).or_else(|| {
            let previous_blank = i == 0 || lines[i - 1].trim().is_empty();
            let underlined = lines
                .get(i + 1)
                .is_some_and(|next| is_setext_underline(next));
            (previous_blank && underlined && is_plain_line(line))
                .then(|| (line.trim().to_owned(), 2))
        });
        match heading {
            Some((title, consumed)) => {
                let finished = std::mem::replace(
                    &mut current,
                    Section {
                        heading: Some(inline_text(&title)),
                        body: String::new(),
                    },
                );
                if finished.heading.is_some() || !finished.body.trim().is_empty() {
                    sections.push(finished);
                }
                i += consumed;
            }
            None => {
                push_line(&mut current.body, line);
                i += 1;
            }
        }
    }
    if current.heading.is_some() || !current.body.trim().is_empty() {
        sections.push(current);
    }
    sections
}

fn push_line(body: &mut String, line: &str) {
    if !body.is_empty() {
        body.push('\n');
    }
    body.push_str(line);
}

/// The title of an ATX heading line: up to three spaces, one to six `#`, a space or the end,
/// and the title, without a closing run of `#`.
fn atx_heading(line: &str) -> Option<String> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let rest = &rest[hashes..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let title = rest.trim();
    let without_closing = title.trim_end_matches('#');
    let title = if without_closing.is_empty() || without_closing.ends_with([' ', '\t']) {
        without_closing.trim_end()
    } else {
        title
    };
    Some(title.to_owned())
}

fn is_setext_underline(line: &str) -> bool {
    let trimmed = line.trim();
    let indent = line.len() - line.trim_start_matches(' ').len();
    indent <= 3
        && !trimmed.is_empty()
        && (trimmed.chars().all(|c| c == '=') || trimmed.chars().all(|c| c == '-'))
}

/// A line that can be a setext heading's text: not blank, not a list item, quote, table row
/// or indented code.
fn is_plain_line(line: &str) -> bool {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let trimmed = line.trim();
    indent <= 3
        && !trimmed.is_empty()
        && !trimmed.starts_with(['-', '*', '+', '>', '|', '<'])
        && !trimmed.split_once(['.', ')']).is_some_and(|(number, _)| {
            !number.is_empty() && number.chars().all(|c| c.is_ascii_digit())
        })
}

/// A line opening a fenced code block: its marker and the fence's length.
fn opens_fence(line: &str) -> Option<(char, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let marker = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = rest.len() - rest.trim_start_matches(marker).len();
    (len >= 3).then_some((marker, len))
}

fn closes_fence(line: &str, marker: char, len: usize) -> bool {
    let trimmed = line.trim();
    trimmed.len() >= len && trimmed.chars().all(|c| c == marker)
}

/// Inline Markdown as plain text: links and images as their text, emphasis and code marks
/// dropped, escaped characters unescaped.
pub(crate) fn inline_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if chars.get(i + 1).is_some_and(char::is_ascii_punctuation) => {
                out.push(chars[i + 1]);
                i += 2;
            }
            '!' if chars.get(i + 1) == Some(&'[') => {
                // An image: keep its alternative text.
                match link_at(&chars, i + 1) {
                    Some((label, end)) => {
                        out.push_str(&label);
                        i = end;
                    }
                    None => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            '[' => match link_at(&chars, i) {
                Some((label, end)) => {
                    out.push_str(&inline_text(&label));
                    i = end;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            },
            '*' if is_emphasis_star(&chars, i) => i += 1,
            '`' => i += 1,
            '_' if is_emphasis_underscore(&chars, i) => i += 1,
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// `[label](target)` starting at `open`: the label and the index after the closing `)`.
fn link_at(chars: &[char], open: usize) -> Option<(String, usize)> {
    let mut depth = 0_usize;
    let mut close = None;
    for (j, c) in chars.iter().enumerate().skip(open) {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(j);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    if chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = chars[close + 2..].iter().position(|c| *c == ')')? + close + 2;
    Some((chars[open + 1..close].iter().collect(), end + 1))
}

/// A star with white space (or nothing) on both sides is text (`2 * 3`, a `* ` bullet);
/// other stars mark emphasis.
fn is_emphasis_star(chars: &[char], i: usize) -> bool {
    let before = i.checked_sub(1).and_then(|j| chars.get(j));
    let after = chars.get(i + 1);
    !(before.is_none_or(|c| c.is_whitespace()) && after.is_none_or(|c| c.is_whitespace()))
}

/// An underscore at a word's edge marks emphasis; one inside a word (`snake_case`) is text.
fn is_emphasis_underscore(chars: &[char], i: usize) -> bool {
    let before = i.checked_sub(1).and_then(|j| chars.get(j));
    let after = chars.get(i + 1);
    !(before.is_some_and(|c| c.is_alphanumeric()) && after.is_some_and(|c| c.is_alphanumeric()))
}

/// A whole Markdown body as plain text for reading: inline markup removed, the lines of a
/// paragraph (or list item) joined as Markdown reads them, fences and thematic breaks dropped,
/// code kept line by line. Block markers (`- `, `> `, `1. `) stay, as they read naturally.
pub(crate) fn body_text(body: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    // Whether the last line written is paragraph text that a following line continues.
    let mut open = false;
    for line in body.lines() {
        if let Some((marker, len)) = fence {
            if closes_fence(line, marker, len) {
                fence = None;
            } else {
                out.push(line.to_owned());
            }
            continue;
        }
        if let Some(opened) = opens_fence(line) {
            fence = Some(opened);
            open = false;
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || is_thematic_break(trimmed) {
            out.push(String::new());
            open = false;
            continue;
        }
        let indented_code = !open && (line.starts_with("    ") || line.starts_with('\t'));
        if indented_code {
            out.push(line.to_owned());
            continue;
        }
        let text = inline_text(trimmed);
        match out.last_mut() {
            Some(last) if open && !starts_block(trimmed) => {
                last.push(' ');
                last.push_str(&text);
            }
            _ => out.push(text),
        }
        open = !trimmed.starts_with(['|', '<']);
    }
    out.join("\n")
}

/// Whether a line starts a block of its own rather than continuing a paragraph: a list item,
/// quote, table row, heading or HTML block.
fn starts_block(trimmed: &str) -> bool {
    if trimmed.starts_with(['>', '|', '#', '<']) {
        return true;
    }
    if ["- ", "* ", "+ "]
        .iter()
        .any(|marker| trimmed.starts_with(marker))
    {
        return true;
    }
    let digits = trimmed.len()
        - trimmed
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    (1..=9).contains(&digits)
        && (trimmed[digits..].starts_with(". ") || trimmed[digits..].starts_with(") "))
}

fn is_thematic_break(trimmed: &str) -> bool {
    let compact: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= 3
        && ['-', '*', '_']
            .iter()
            .any(|marker| compact.chars().all(|c| c == *marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headings(markdown: &str) -> Vec<Option<String>> {
        sections(markdown).into_iter().map(|s| s.heading).collect()
    }

    #[test]
    fn sections_follow_atx_headings() {
        let found = sections(
            "Intro text.\n\n# Cells\nCells are small.\n## Membranes ##\nThey wrap cells.\n",
        );
        assert_eq!(
            found,
            vec![
                Section {
                    heading: None,
                    body: "Intro text.\n".to_owned()
                },
                Section {
                    heading: Some("Cells".to_owned()),
                    body: "Cells are small.".to_owned()
                },
                Section {
                    heading: Some("Membranes".to_owned()),
                    body: "They wrap cells.".to_owned()
                },
            ]
        );
    }

    #[test]
    fn headings_in_code_fences_are_code() {
        assert_eq!(
            headings("# Shell\n```sh\n# a comment\n```\n# Next\n"),
            vec![Some("Shell".to_owned()), Some("Next".to_owned())]
        );
    }

    #[test]
    fn setext_headings_count_and_thematic_breaks_do_not() {
        assert_eq!(
            headings("Title\n=====\ntext\n\n---\n\nSub\n---\nmore"),
            vec![Some("Title".to_owned()), Some("Sub".to_owned())]
        );
        assert_eq!(headings("- item\n---\n"), vec![None]);
    }

    #[test]
    fn hashes_without_a_space_are_text() {
        assert_eq!(headings("#hashtag\n####### seven"), vec![None]);
    }

    #[test]
    fn blank_preamble_makes_no_section() {
        assert_eq!(headings("\n\n# Only\ntext"), vec![Some("Only".to_owned())]);
    }

    #[test]
    fn inline_markup_is_removed() {
        assert_eq!(
            inline_text(
                "**Bold** and _em_ with `code`, a [link](http://x.y/z) and ![a chart](c.png); snake_case \\*star\\*"
            ),
            "Bold and em with code, a link and a chart; snake_case *star*"
        );
        assert_eq!(inline_text("[not a link] (x)"), "[not a link] (x)");
        assert_eq!(inline_text("unclosed [bracket"), "unclosed [bracket");
    }

    #[test]
    fn lone_stars_are_text() {
        assert_eq!(inline_text("* item with 2 * 3"), "* item with 2 * 3");
    }

    #[test]
    fn body_text_drops_fences_and_rules() {
        assert_eq!(
            body_text("a\n```\ncode\n```\n***\n- [b](u)"),
            "a\ncode\n\n- b"
        );
    }

    #[test]
    fn paragraph_lines_join_and_blocks_stay_apart() {
        let body = "Energy is kept.\nIt changes form.\n\n- first item\n  continues here\n- second\n\
                    1. numbered\n> quoted\n| a | b |\n| c | d |\n\n    indented code\n    more code";
        assert_eq!(
            body_text(body),
            "Energy is kept. It changes form.\n\n- first item continues here\n- second\n\
             1. numbered\n> quoted\n| a | b |\n| c | d |\n\n    indented code\n    more code"
        );
    }
}
