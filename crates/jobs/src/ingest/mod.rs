//! Reading documents: text out of PDF, DOCX, PPTX, HTML, Markdown and plain text files, page
//! by page, cleaned; and chunks of it for retrieval.
//!
//! [`FileExtractor`] implements the domain's `TextExtractor`. Each file is parsed on a
//! blocking thread (`spawn_blocking`) under a time limit, and a parser that panics is caught,
//! so a hostile file fails its own call only:
//!
//! - a panic becomes `ExtractionFailure::Corrupt`;
//! - a file past the time limit becomes `ExtractionFailure::TimedOut`. A thread cannot be
//!   killed: the parsers check the deadline between pages, slides and archive entries and stop
//!   there, but a parser stuck inside one page keeps its blocking thread busy until it returns.
//!   Tokio's blocking pool grows to serve other files meanwhile.
//!
//! [`SentenceChunker`] implements the domain's `Chunker`.

mod chunk;
mod clean;
mod html;
mod limits;
mod markdown;
mod office;
mod pdf;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use async_trait::async_trait;
use sophie_domain::{
    DocumentFormat, ExtractedPage, ExtractedText, ExtractionFailure, TextExtractor,
};

pub use chunk::{ChunkSizeError, SentenceChunker};
pub use limits::ExtractLimits;

use clean::{Lines, clean_page, strip_running_lines};
use limits::{Budget, too_many_chars, whole_seconds};
use markdown::Section;

/// The [`TextExtractor`] for files: PDF (`pdf_oxide`), DOCX and PPTX (their XML, read from
/// the ZIP package under a decompression limit), HTML (its main text, by readability),
/// Markdown and plain text; under [`ExtractLimits`].
///
/// What a page is:
///
/// - PDF: a PDF page; pages without text are kept, empty; running headers, footers and page
///   numbers that repeat on most pages are removed. An encrypted PDF is read when it opens
///   without a password (an owner password alone restricts copying or printing, which every
///   viewer ignores for reading); one that asks for a password is `Encrypted`;
/// - DOCX: a section under a heading (styles Heading 1-9 or Title, or an outline level), the
///   heading in [`ExtractedPage::heading`]; text before the first heading is a section without
///   one;
/// - PPTX: a slide, its text (title included) then its speaker notes after a blank line, its
///   title as heading;
/// - HTML and Markdown: a section under a heading, as for DOCX; an HTML page's first section
///   takes the page title;
/// - plain text: the whole file, or one page per form feed.
///
/// A DOCX, HTML or Markdown section's text does not repeat its heading.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileExtractor {
    limits: ExtractLimits,
}

impl FileExtractor {
    /// An extractor under `limits`.
    #[must_use]
    pub const fn new(limits: ExtractLimits) -> Self {
        Self { limits }
    }

    /// The limits it applies.
    #[must_use]
    pub const fn limits(&self) -> &ExtractLimits {
        &self.limits
    }
}

#[async_trait]
impl TextExtractor for FileExtractor {
    async fn extract(
        &self,
        format: DocumentFormat,
        bytes: Vec<u8>,
    ) -> Result<ExtractedText, ExtractionFailure> {
        let limits = self.limits;
        run_guarded(format, limits.timeout, move || {
            extract_now(format, bytes, limits)
        })
        .await
    }
}

/// Runs `work` on a blocking thread under `timeout`, a panic in it caught as `Corrupt`. Past
/// the timeout the caller gets `TimedOut` at once; the thread runs on until `work` returns.
async fn run_guarded<F>(
    format: DocumentFormat,
    timeout: Duration,
    work: F,
) -> Result<ExtractedText, ExtractionFailure>
where
    F: FnOnce() -> Result<ExtractedText, ExtractionFailure> + Send + 'static,
{
    let task = tokio::task::spawn_blocking(move || catch_unwind(AssertUnwindSafe(work)));
    match tokio::time::timeout(timeout, task).await {
        Err(_elapsed) => {
            tracing::warn!(?format, "text extraction passed its time limit");
            Err(ExtractionFailure::TimedOut {
                seconds: whole_seconds(timeout),
            })
        }
        Ok(Err(join_error)) => {
            tracing::warn!(?format, %join_error, "text extraction task failed");
            Err(crashed(format))
        }
        Ok(Ok(Err(_panic))) => {
            tracing::warn!(?format, "a document parser panicked");
            Err(crashed(format))
        }
        Ok(Ok(Ok(result))) => result,
    }
}

fn crashed(format: DocumentFormat) -> ExtractionFailure {
    ExtractionFailure::Corrupt {
        format: format_name(format),
        detail: "the reader failed on its contents".to_owned(),
    }
}

/// The format in a student's words, for [`ExtractionFailure::Corrupt`].
const fn format_name(format: DocumentFormat) -> &'static str {
    match format {
        DocumentFormat::Pdf => pdf::PDF,
        DocumentFormat::Docx => office::DOCX,
        DocumentFormat::Pptx => office::PPTX,
        DocumentFormat::Html => "HTML page",
        DocumentFormat::Markdown => "Markdown file",
        DocumentFormat::Text => "text file",
    }
}

/// Reads `bytes` as `format` on the calling thread: parse, clean, check the limits.
fn extract_now(
    format: DocumentFormat,
    bytes: Vec<u8>,
    limits: ExtractLimits,
) -> Result<ExtractedText, ExtractionFailure> {
    let mut budget = Budget::new(limits);
    budget.check_time()?;
    let pages = match format {
        DocumentFormat::Pdf => {
            let mut raw = pdf::pdf_pages(bytes, &mut budget)?;
            strip_running_lines(&mut raw);
            raw.iter()
                .map(|text| (None, clean_page(text, Lines::Wrapped)))
                .collect()
        }
        DocumentFormat::Docx => from_sections(office::docx_sections(&bytes, &mut budget)?),
        DocumentFormat::Pptx => office::pptx_slides(&bytes, &mut budget)?
            .into_iter()
            .map(|slide| (slide.title, clean_page(&slide.text, Lines::AsWritten)))
            .collect(),
        DocumentFormat::Html => {
            check_input_chars(&bytes, &budget)?;
            from_markdown_sections(html::html_sections(&String::from_utf8_lossy(&bytes)))
        }
        DocumentFormat::Markdown => {
            let text = utf8(&bytes, format)?;
            check_input_chars(&bytes, &budget)?;
            from_markdown_sections(markdown::sections(text))
        }
        DocumentFormat::Text => {
            let text = utf8(&bytes, format)?;
            check_input_chars(&bytes, &budget)?;
            let mut pages: Vec<&str> = text.split('\x0c').collect();
            // A form feed closing the last page starts no new one.
            if pages.len() > 1 && pages.last().is_some_and(|page| page.trim().is_empty()) {
                pages.pop();
            }
            pages
                .into_iter()
                .map(|page| (None, clean_page(page, Lines::Wrapped)))
                .collect()
        }
    };
    finish(format, pages, &mut budget)
}

fn utf8(bytes: &[u8], format: DocumentFormat) -> Result<&str, ExtractionFailure> {
    std::str::from_utf8(bytes).map_err(|error| ExtractionFailure::Corrupt {
        format: format_name(format),
        detail: format!("it is not UTF-8 text ({error})"),
    })
}

/// A text, Markdown or HTML file of more than twice `max_chars` characters is refused before
/// it is parsed: its text might still fit once markup is removed, but parsing that much costs
/// more than the limit means to allow.
fn check_input_chars(bytes: &[u8], budget: &Budget) -> Result<(), ExtractionFailure> {
    let max = budget.limits().max_chars;
    // Counting characters of possibly invalid UTF-8: every byte that does not continue a
    // character starts one.
    let chars = bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count();
    if chars > max.saturating_mul(2) {
        Err(too_many_chars(max))
    } else {
        Ok(())
    }
}

fn from_sections(sections: Vec<Section>) -> Vec<(Option<String>, String)> {
    sections
        .into_iter()
        .map(|section| (section.heading, clean_page(&section.body, Lines::AsWritten)))
        .collect()
}

fn from_markdown_sections(sections: Vec<Section>) -> Vec<(Option<String>, String)> {
    sections
        .into_iter()
        .map(|section| {
            let body = markdown::body_text(&section.body);
            (section.heading, clean_page(&body, Lines::AsWritten))
        })
        .collect()
}

/// Numbers the pages and checks them against the page and character limits; a file whose
/// pages hold no text at all has none to give.
fn finish(
    format: DocumentFormat,
    pages: Vec<(Option<String>, String)>,
    budget: &mut Budget,
) -> Result<ExtractedText, ExtractionFailure> {
    let unit = match format {
        DocumentFormat::Pdf | DocumentFormat::Text => "pages",
        DocumentFormat::Pptx => "slides",
        DocumentFormat::Docx | DocumentFormat::Html | DocumentFormat::Markdown => "sections",
    };
    budget.check_pages(pages.len(), unit)?;
    let mut checked = Budget::new(*budget.limits());
    let mut numbered = Vec::with_capacity(pages.len());
    for (index, (heading, text)) in pages.into_iter().enumerate() {
        checked.add_chars(&text)?;
        numbered.push(ExtractedPage {
            number: u32::try_from(index + 1).unwrap_or(u32::MAX),
            heading: heading.filter(|h| !h.trim().is_empty()),
            text,
        });
    }
    if numbered.iter().all(|page| page.text.is_empty()) {
        return Err(ExtractionFailure::NoText);
    }
    Ok(ExtractedText { pages: numbered })
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[tokio::test]
    async fn a_panicking_parser_fails_its_file_as_corrupt() {
        let result = run_guarded(DocumentFormat::Pdf, Duration::from_secs(30), || {
            panic!("a parser bug");
        })
        .await;
        assert!(
            matches!(
                result,
                Err(ExtractionFailure::Corrupt { format: "PDF", .. })
            ),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn a_runaway_parser_times_out_and_the_caller_goes_on() {
        let (release, wait) = mpsc::channel::<()>();
        let result = run_guarded(DocumentFormat::Docx, Duration::from_millis(50), move || {
            // Blocks until the test releases it, long after the time limit.
            let _ = wait.recv();
            Ok(ExtractedText::default())
        })
        .await;
        assert_eq!(result, Err(ExtractionFailure::TimedOut { seconds: 1 }));
        release.send(()).unwrap();
    }

    #[test]
    fn limits_below_a_second_read_as_one() {
        assert_eq!(whole_seconds(Duration::from_millis(50)), 1);
        assert_eq!(whole_seconds(Duration::from_secs(60)), 60);
        assert_eq!(whole_seconds(Duration::ZERO), 0);
    }
}
