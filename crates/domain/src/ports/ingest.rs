//! Ports of document ingestion: reading text out of a file, and cutting it into chunks for
//! retrieval.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// A kind of file sophie can read, as found from its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DocumentFormat {
    /// PDF.
    Pdf,
    /// Word (Office Open XML).
    Docx,
    /// PowerPoint (Office Open XML).
    Pptx,
    /// HTML.
    Html,
    /// Markdown.
    Markdown,
    /// Plain text.
    Text,
}

impl DocumentFormat {
    /// Its media type.
    #[must_use]
    pub const fn mime_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            Self::Html => "text/html",
            Self::Markdown => "text/markdown",
            Self::Text => "text/plain",
        }
    }

    /// The format with this media type, as [`DocumentFormat::mime_type`] writes it.
    #[must_use]
    pub fn from_mime_type(mime: &str) -> Option<Self> {
        [
            Self::Pdf,
            Self::Docx,
            Self::Pptx,
            Self::Html,
            Self::Markdown,
            Self::Text,
        ]
        .into_iter()
        .find(|format| format.mime_type() == mime)
    }

    /// Its usual file name extension, without the dot.
    #[must_use]
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Pptx => "pptx",
            Self::Html => "html",
            Self::Markdown => "md",
            Self::Text => "txt",
        }
    }
}

/// One page of extracted text: a PDF page, a slide with its speaker notes, or a section of a
/// DOCX, HTML or Markdown file under one heading.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractedPage {
    /// 1-based: the page, slide or section number.
    pub number: u32,
    /// The section's heading, where the format has headings.
    pub heading: Option<String>,
    /// The page's text, cleaned: lines joined across hyphenation, repeated headers and footers
    /// removed, white space collapsed.
    pub text: String,
}

/// The text of a file, page by page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractedText {
    /// The pages in order; pages without text are kept, empty, so numbers stay true.
    pub pages: Vec<ExtractedPage>,
}

/// Why a file's text could not be read. Each says, in a student's words, what went wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExtractionFailure {
    /// The file is password-protected.
    #[error("the file is encrypted or password-protected; upload a copy without a password")]
    Encrypted,
    /// The file holds no text, only images (a scan with no text layer).
    #[error("the file has no text layer (it may be a scan); upload a version with selectable text")]
    NoText,
    /// The file is damaged or not what its type says.
    #[error("the file is damaged or not a valid {format}: {detail}")]
    Corrupt {
        /// The format it claimed to be, in a student's words (`PDF`).
        format: &'static str,
        /// What the parser found.
        detail: String,
    },
    /// Reading it would pass a limit (pages, characters, decompressed bytes).
    #[error("the file is too large to process: {0}")]
    TooLarge(String),
    /// Reading it took longer than the time limit.
    #[error("reading the file took longer than {seconds} s; it may be damaged or too complex")]
    TimedOut {
        /// The limit.
        seconds: u64,
    },
}

/// Reads the text out of a file, page by page, under the adapter's time and size limits. A
/// parser that panics or runs away fails this file only.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait TextExtractor: Send + Sync {
    /// The text of `bytes`, read as `format`.
    ///
    /// # Errors
    ///
    /// An [`ExtractionFailure`] saying why the text could not be read.
    async fn extract(
        &self,
        format: DocumentFormat,
        bytes: Vec<u8>,
    ) -> Result<ExtractedText, ExtractionFailure>;
}

/// A piece of a document's text, sized for retrieval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextChunk {
    /// The page (slide, section) it comes from.
    pub page_number: u32,
    /// Its text.
    pub content: String,
}

/// Cuts pages of text into overlapping chunks for retrieval, on sentence boundaries where
/// possible; a chunk never spans two pages.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait Chunker: Send + Sync {
    /// The chunks of `pages`, in order.
    fn chunk(&self, pages: &[ExtractedPage]) -> Vec<TextChunk>;
}
