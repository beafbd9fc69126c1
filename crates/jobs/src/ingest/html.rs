//! HTML: the page's main text, without navigation, scripts, advertising and cookie banners,
//! found by a readability pass (`dom_smoothie`) and written as Markdown; a page where no
//! article is found is read whole by `html2text`. Either way the result is cut at its headings
//! like Markdown.

use dom_smoothie::{Config, Readability, TextMode};

use super::markdown::{self, Section};

/// Lines are not wrapped by the fallback converter: the cleaner joins what needs joining.
const NO_WRAP_WIDTH: usize = 100_000;

/// The sections of an HTML page's main text. The first section, when it has no heading of its
/// own, takes the page's title.
pub(crate) fn html_sections(html: &str) -> Vec<Section> {
    let (title, text) = match readable_markdown(html) {
        Some(article) => article,
        None => (None, fallback_text(html)),
    };
    let mut sections = markdown::sections(&text);
    if let (Some(first), Some(title)) = (sections.first_mut(), title)
        && first.heading.is_none()
    {
        first.heading = Some(title);
    }
    sections
}

/// The page's title and its article as Markdown, when the readability pass finds an article.
fn readable_markdown(html: &str) -> Option<(Option<String>, String)> {
    let config = Config {
        text_mode: TextMode::Markdown,
        ..Config::default()
    };
    let mut readability = Readability::new(html, None, Some(config)).ok()?;
    let article = readability.parse().ok()?;
    let text = article.text_content.to_string();
    if text.trim().is_empty() {
        return None;
    }
    let title = without_site_name(article.title.trim());
    Some(((!title.is_empty()).then(|| title.to_owned()), text))
}

/// A page title without the site's name that pages append or prepend ("The Water Cycle |
/// Study Portal"): the longest part between separators, when the title has them and that part
/// has at least two words; the title as it is otherwise.
fn without_site_name(title: &str) -> &str {
    const SEPARATORS: [&str; 6] = [" | ", " – ", " — ", " - ", " · ", " :: "];
    let Some(separator) = SEPARATORS.iter().find(|s| title.contains(**s)) else {
        return title;
    };
    let longest = title
        .split(separator)
        .map(str::trim)
        .max_by_key(|part| part.chars().count())
        .unwrap_or(title);
    if longest.split_whitespace().count() >= 2 {
        longest
    } else {
        title
    }
}

/// The whole page as text, for pages without a recognisable article: scripts and styles are
/// left out, links keep only their text.
fn fallback_text(html: &str) -> String {
    html2text::config::plain()
        .link_footnotes(false)
        .string_from_read(html.as_bytes(), NO_WRAP_WIDTH)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_page_still_gives_its_text() {
        let sections = html_sections(
            "<html><head><title>Note</title></head><body><p>Photosynthesis makes sugar.</p></body></html>",
        );
        let text: String = sections.iter().map(|s| s.body.as_str()).collect();
        assert!(text.contains("Photosynthesis makes sugar."), "{sections:?}");
    }

    #[test]
    fn the_site_name_is_dropped_from_a_title() {
        assert_eq!(
            without_site_name("The Water Cycle | Study Portal"),
            "The Water Cycle"
        );
        assert_eq!(
            without_site_name("BBC News - Cells divide faster"),
            "Cells divide faster"
        );
        assert_eq!(
            without_site_name("Mitosis – Wikipedia"),
            "Mitosis – Wikipedia"
        );
        assert_eq!(without_site_name("Plain title"), "Plain title");
    }

    #[test]
    fn a_fragment_without_an_article_is_read_whole() {
        let text = fallback_text(
            "<ul><li><a href=\"/a\">Alpha</a></li><li>Beta</li></ul><script>var x = 1;</script>",
        );
        assert!(text.contains("Alpha") && text.contains("Beta"), "{text}");
        assert!(!text.contains("var x"), "{text}");
        assert!(!text.contains("/a"), "{text}");
    }
}
