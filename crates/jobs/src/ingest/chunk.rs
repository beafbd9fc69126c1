//! Cutting pages into overlapping chunks for retrieval, by characters, on the largest
//! boundary that fits: paragraphs, then lines, sentences, words.

use sophie_domain::{Chunker, ExtractedPage, TextChunk};
use text_splitter::{
    ChunkCapacity, ChunkCapacityError, ChunkConfig, ChunkConfigError, TextSplitter,
};

/// Why a [`SentenceChunker`] cannot be built with the sizes asked for.
#[derive(Debug, thiserror::Error)]
pub enum ChunkSizeError {
    /// The target is below the minimum, or the minimum is zero.
    #[error("invalid chunk size: {0}")]
    Capacity(#[from] ChunkCapacityError),
    /// The overlap is not smaller than the target.
    #[error("invalid chunk overlap: {0}")]
    Overlap(#[from] ChunkConfigError),
    /// A chunk of zero characters was asked for.
    #[error("a chunk must hold at least one character")]
    Empty,
}

/// A [`Chunker`] by characters: chunks of at most `max_chars` characters, filled towards it
/// and cut on the largest semantic boundary that fits (blank lines, line breaks, sentences,
/// then words), each starting with up to `overlap_chars` characters of the one before. A
/// chunk never spans two pages, and a page without text makes no chunk.
#[derive(Debug)]
pub struct SentenceChunker {
    splitter: TextSplitter<text_splitter::Characters>,
    max_chars: usize,
    overlap_chars: usize,
}

impl SentenceChunker {
    /// The default longest chunk: 1,000 characters.
    pub const DEFAULT_MAX_CHARS: usize = 1_000;
    /// The default overlap: 150 characters.
    pub const DEFAULT_OVERLAP_CHARS: usize = 150;

    /// A chunker of at most `max_chars` characters per chunk (it aims at no less than
    /// three quarters of that where the text allows), with `overlap_chars` of overlap.
    ///
    /// # Errors
    ///
    /// [`ChunkSizeError`] when `max_chars` is zero or `overlap_chars` is not below it.
    pub fn new(max_chars: usize, overlap_chars: usize) -> Result<Self, ChunkSizeError> {
        if max_chars == 0 {
            return Err(ChunkSizeError::Empty);
        }
        let desired = (max_chars * 3 / 4).max(1);
        let capacity = ChunkCapacity::new(desired).with_max(max_chars)?;
        let config = ChunkConfig::new(capacity).with_overlap(overlap_chars)?;
        Ok(Self {
            splitter: TextSplitter::new(config),
            max_chars,
            overlap_chars,
        })
    }

    /// The longest chunk, in characters.
    #[must_use]
    pub const fn max_chars(&self) -> usize {
        self.max_chars
    }

    /// The overlap between neighbouring chunks of a page, in characters.
    #[must_use]
    pub const fn overlap_chars(&self) -> usize {
        self.overlap_chars
    }
}

impl Default for SentenceChunker {
    /// 1,000 characters at most, 150 of overlap.
    fn default() -> Self {
        // The default sizes are valid; were they not, chunks would keep the maximum and lose
        // the overlap rather than fail.
        Self::new(Self::DEFAULT_MAX_CHARS, Self::DEFAULT_OVERLAP_CHARS).unwrap_or_else(|_| Self {
            splitter: TextSplitter::new(Self::DEFAULT_MAX_CHARS),
            max_chars: Self::DEFAULT_MAX_CHARS,
            overlap_chars: 0,
        })
    }
}

impl Chunker for SentenceChunker {
    fn chunk(&self, pages: &[ExtractedPage]) -> Vec<TextChunk> {
        pages
            .iter()
            .filter(|page| !page.text.trim().is_empty())
            .flat_map(|page| {
                self.splitter.chunks(&page.text).map(|content| TextChunk {
                    page_number: page.number,
                    content: content.to_owned(),
                })
            })
            .collect()
    }
}
