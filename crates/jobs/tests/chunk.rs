//! `SentenceChunker`: chunks stay within their page and their size, overlap, and end on
//! sentences where the text has them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a failing expectation is the test failing"
)]

use sophie_domain::{Chunker, DocumentFormat, ExtractedPage, TextChunk, TextExtractor};
use sophie_jobs::ingest::{FileExtractor, SentenceChunker};

fn page(number: u32, text: &str) -> ExtractedPage {
    ExtractedPage {
        number,
        heading: None,
        text: text.to_owned(),
    }
}

/// Forty distinct sentences, about 2,600 characters.
fn long_text(topic: &str) -> String {
    (1..=40)
        .map(|n| format!("Sentence {n} about {topic} says that cells grow and then divide in two."))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where each chunk sits in its page's text, as character offsets (start, end).
fn spans(pages: &[ExtractedPage], chunks: &[TextChunk]) -> Vec<(u32, usize, usize)> {
    let mut from = std::collections::HashMap::new();
    chunks
        .iter()
        .map(|chunk| {
            let page = pages
                .iter()
                .find(|p| p.number == chunk.page_number)
                .unwrap();
            let search_from = *from.get(&chunk.page_number).unwrap_or(&0);
            let at = page.text[search_from..]
                .find(&chunk.content)
                .map(|offset| offset + search_from)
                .unwrap_or_else(|| {
                    panic!("chunk not in page {}: {:?}", page.number, chunk.content)
                });
            from.insert(chunk.page_number, at + 1);
            let start = page.text[..at].chars().count();
            (
                chunk.page_number,
                start,
                start + chunk.content.chars().count(),
            )
        })
        .collect()
}

#[test]
fn chunks_stay_within_one_page_and_keep_its_number() {
    let pages = vec![
        page(1, &long_text("mitosis")),
        page(2, ""),
        page(3, "   \n "),
        page(4, &long_text("meiosis")),
        page(5, "A short last page."),
    ];
    let chunks = SentenceChunker::default().chunk(&pages);
    let numbers: std::collections::BTreeSet<u32> = chunks.iter().map(|c| c.page_number).collect();
    assert_eq!(numbers.into_iter().collect::<Vec<_>>(), vec![1, 4, 5]);
    // Every chunk is a piece of its own page's text (spans() fails otherwise).
    let spans = spans(&pages, &chunks);
    assert_eq!(spans.len(), chunks.len());
    assert!(chunks.iter().all(|c| {
        let topic = if c.page_number == 1 {
            "mitosis"
        } else {
            "meiosis"
        };
        c.page_number == 5 || c.content.contains(topic)
    }));
    assert!(
        chunks
            .windows(2)
            .all(|w| w[0].page_number <= w[1].page_number)
    );
}

#[test]
fn chunks_are_bounded_end_on_sentences_and_overlap() {
    let pages = vec![page(7, &long_text("membranes"))];
    let chunker = SentenceChunker::default();
    let chunks = chunker.chunk(&pages);
    assert!(chunks.len() >= 3, "{} chunks", chunks.len());
    for (index, chunk) in chunks.iter().enumerate() {
        let chars = chunk.content.chars().count();
        assert!(chars <= chunker.max_chars(), "{chars} characters");
        if index + 1 < chunks.len() {
            assert!(
                chars >= 600,
                "a {chars}-character chunk where more text fitted"
            );
        }
        assert!(chunk.content.ends_with('.'), "{:?}", chunk.content);
        assert!(chunk.content.starts_with("Sentence"), "{:?}", chunk.content);
    }
    let spans = spans(&pages, &chunks);
    for pair in spans.windows(2) {
        let (_, _, previous_end) = pair[0];
        let (_, next_start, _) = pair[1];
        assert!(next_start < previous_end, "no overlap between {pair:?}");
        assert!(
            previous_end - next_start <= chunker.overlap_chars(),
            "overlap too long in {pair:?}"
        );
    }
    // Together the chunks cover the whole page.
    assert_eq!(spans.first().unwrap().1, 0);
    assert_eq!(spans.last().unwrap().2, pages[0].text.chars().count());
}

#[test]
fn sizes_count_characters_not_bytes() {
    let text = "Él über Größe. ".repeat(200);
    let pages = vec![page(1, &text)];
    let chunker = SentenceChunker::new(120, 20).unwrap();
    let chunks = chunker.chunk(&pages);
    assert!(chunks.len() > 10);
    for chunk in &chunks[..chunks.len() - 1] {
        let chars = chunk.content.chars().count();
        assert!(chars <= 120, "{chars}");
        // Had bytes been counted, multi-byte letters would make these chunks shorter.
        assert!(chars >= 100, "{chars}");
    }
}

#[test]
fn text_without_sentences_is_cut_between_words() {
    let text = "word ".repeat(1_000);
    let chunks = SentenceChunker::default().chunk(&[page(1, &text)]);
    assert!(chunks.len() >= 5);
    assert!(chunks.iter().all(|c| c.content.chars().count() <= 1_000));
    assert!(
        chunks
            .iter()
            .all(|c| c.content.split(' ').all(|w| w == "word"))
    );
}

#[test]
fn impossible_sizes_are_refused() {
    assert!(SentenceChunker::new(0, 0).is_err());
    assert!(SentenceChunker::new(100, 100).is_err());
    assert!(SentenceChunker::new(100, 150).is_err());
    let chunker = SentenceChunker::new(100, 0).unwrap();
    assert_eq!((chunker.max_chars(), chunker.overlap_chars()), (100, 0));
}

#[tokio::test]
async fn a_real_lecture_chunks_page_by_page() {
    let path = format!(
        "{}/../../tests/fixtures/lecture-100.pdf",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = FileExtractor::default()
        .extract(DocumentFormat::Pdf, std::fs::read(path).unwrap())
        .await
        .unwrap();
    let chunks = SentenceChunker::default().chunk(&text.pages);
    let numbers: std::collections::BTreeSet<u32> = chunks.iter().map(|c| c.page_number).collect();
    assert_eq!(numbers.len(), 100);
    spans(&text.pages, &chunks);
    let page_50: Vec<&TextChunk> = chunks.iter().filter(|c| c.page_number == 50).collect();
    assert!(
        page_50[0]
            .content
            .contains("This is page 50 of the benchmark lecture")
    );
}
