//! Every fixture of `tests/fixtures` through type detection and `FileExtractor`, checked for
//! what a student would notice: the right text on the right page, or the right reason why not.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a failing expectation is the test failing"
)]

use std::time::Duration;

use sophie_domain::rules::file_type::detect;
use sophie_domain::{DocumentFormat, ExtractedText, ExtractionFailure, TextExtractor};
use sophie_jobs::ingest::{ExtractLimits, FileExtractor};

const PAGE_SENTENCES: [&str; 4] = [
    "Mitochondria are the powerhouse of the cell and produce most of its ATP.",
    "Ribosomes translate messenger RNA into chains of amino acids.",
    "The Golgi apparatus packages proteins into vesicles for transport.",
    "Lysosomes digest worn-out organelles with hydrolytic enzymes.",
];

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Detects the fixture's type from its bytes, then reads it with the default limits.
async fn read(name: &str) -> Result<ExtractedText, ExtractionFailure> {
    let bytes = fixture(name);
    let format = detect(&bytes, Some(name)).unwrap();
    FileExtractor::default().extract(format, bytes).await
}

fn headings(text: &ExtractedText) -> Vec<Option<&str>> {
    text.pages.iter().map(|p| p.heading.as_deref()).collect()
}

fn all_text(text: &ExtractedText) -> String {
    text.pages
        .iter()
        .map(|p| format!("{}\n{}", p.heading.as_deref().unwrap_or(""), p.text))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn each_pdf_page_holds_its_own_sentence() {
    assert_eq!(
        detect(&fixture("lecture.pdf"), None),
        Ok(DocumentFormat::Pdf)
    );
    let text = read("lecture.pdf").await.unwrap();
    let numbers: Vec<u32> = text.pages.iter().map(|p| p.number).collect();
    assert_eq!(numbers, vec![1, 2, 3, 4]);
    for (index, sentence) in PAGE_SENTENCES.iter().enumerate() {
        let found: Vec<u32> = text
            .pages
            .iter()
            .filter(|page| page.text.contains(sentence))
            .map(|page| page.number)
            .collect();
        assert_eq!(found, vec![u32::try_from(index + 1).unwrap()], "{sentence}");
    }
}

#[tokio::test]
async fn pdf_running_header_and_page_numbers_are_gone() {
    let text = read("lecture.pdf").await.unwrap();
    for page in &text.pages {
        assert!(!page.text.contains("Cell Biology 101"), "{}", page.text);
        assert!(
            !page.text.lines().any(|line| line.starts_with("Page ")),
            "{}",
            page.text
        );
        // The page's own heading stays.
        assert!(!page.text.trim().is_empty());
    }
    assert!(text.pages[2].text.starts_with("Transport"));
}

#[tokio::test]
async fn a_word_hyphenated_across_a_pdf_line_is_joined() {
    let text = read("lecture.pdf").await.unwrap();
    assert!(
        text.pages[1]
            .text
            .contains("carries genetic information from the nucleus"),
        "{}",
        text.pages[1].text
    );
}

#[tokio::test]
async fn wrapped_pdf_lines_are_joined_into_sentences() {
    let text = read("lecture.pdf").await.unwrap();
    assert!(text.pages[2].text.contains(
        "reach the Golgi apparatus in small vesicles, are modified there, and leave it labelled"
    ));
}

#[tokio::test]
async fn docx_sections_follow_its_headings() {
    let text = read("notes.docx").await.unwrap();
    assert_eq!(
        headings(&text),
        vec![
            None,
            Some("Photosynthesis"),
            Some("Light reactions"),
            Some("Calvin cycle"),
            Some("Respiration"),
        ]
    );
    assert_eq!(
        text.pages[0].text,
        "These notes summarise week 3 of Plant Biology."
    );
    assert_eq!(
        text.pages[3].text,
        "The Calvin cycle fixes carbon dioxide into sugars."
    );
    assert!(
        text.pages[2]
            .text
            .contains("Photosystem I reduces NADP+ to NADPH.")
    );
    assert!(
        text.pages[4]
            .text
            .contains("Krebs cycle | mitochondrial matrix"),
        "{}",
        text.pages[4].text
    );
}

#[tokio::test]
async fn each_slide_is_a_page_with_its_notes() {
    let text = read("slides.pptx").await.unwrap();
    assert_eq!(
        headings(&text),
        vec![
            Some("Newton's laws of motion"),
            Some("The second law"),
            Some("The third law"),
        ]
    );
    let second = &text.pages[1].text;
    let body = second
        .find("Force equals mass times acceleration.")
        .unwrap();
    let notes = second
        .find("Work through the example of pushing a shopping cart.")
        .unwrap();
    assert!(body < notes, "{second}");
    assert!(!second.contains("law of inertia"));
    assert!(text.pages[0].text.contains("law of inertia"));
}

#[tokio::test]
async fn html_keeps_the_article_and_drops_the_page_chrome() {
    let text = read("article.html").await.unwrap();
    let everything = all_text(&text);
    for wanted in [
        "The water cycle describes how water moves between the oceans",
        "Condensation forms clouds when rising water vapour cools below its dew point.",
        "Precipitation returns water to the surface",
    ] {
        assert!(
            everything.contains(wanted),
            "{wanted} missing from {everything}"
        );
    }
    for chrome in [
        "cookies",
        "Accept all",
        "Log in",
        "Pricing",
        "Sponsored",
        "textbooks",
        "Related:",
        "ANALYTICS",
        "tracking",
        "All rights reserved",
        "Privacy policy",
    ] {
        assert!(
            !everything.contains(chrome),
            "{chrome} found in {everything}"
        );
    }
    assert_eq!(
        &headings(&text)[1..],
        &[
            Some("Evaporation"),
            Some("Condensation"),
            Some("Precipitation")
        ]
    );
}

#[tokio::test]
async fn markdown_sections_follow_headings_outside_code() {
    let text = read("notes.md").await.unwrap();
    assert_eq!(
        headings(&text),
        vec![
            Some("Thermodynamics"),
            Some("First law"),
            Some("Second law"),
            Some("Third law"),
        ]
    );
    let second = &text.pages[2].text;
    assert!(second.contains("The entropy of an isolated system never decreases."));
    assert!(second.contains("# This comment is code, not a heading."));
    assert!(second.contains("the lecture recording for the derivation"));
    assert!(!second.contains("https://"));
    // A paragraph's wrapped lines read as one.
    assert!(
        text.pages[1]
            .text
            .contains("equals the heat added minus the work done by the system.")
    );
}

#[tokio::test]
async fn a_scan_without_a_text_layer_has_no_text() {
    assert_eq!(read("scanned.pdf").await, Err(ExtractionFailure::NoText));
}

#[tokio::test]
async fn a_password_protected_pdf_is_encrypted() {
    assert_eq!(
        read("encrypted.pdf").await,
        Err(ExtractionFailure::Encrypted)
    );
}

#[tokio::test]
async fn a_pdf_restricted_by_an_owner_password_alone_is_read() {
    let text = read("restricted.pdf").await.unwrap();
    assert_eq!(text.pages.len(), 4);
    assert!(
        text.pages[2].text.contains(PAGE_SENTENCES[2]),
        "{}",
        text.pages[2].text
    );
}

#[tokio::test]
async fn a_truncated_pdf_is_corrupt() {
    let result = read("truncated.pdf").await;
    assert!(
        matches!(
            result,
            Err(ExtractionFailure::Corrupt { format: "PDF", .. })
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn random_bytes_named_pdf_are_refused_by_type_and_by_the_reader() {
    let bytes = fixture("random.pdf");
    assert_eq!(
        detect(&bytes, Some("random.pdf")).unwrap_err().found,
        "binary data"
    );
    let result = FileExtractor::default()
        .extract(DocumentFormat::Pdf, bytes)
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
async fn a_zip_bomb_is_too_large() {
    let bytes = fixture("bomb.docx");
    assert!(bytes.len() < 300 * 1024);
    assert_eq!(detect(&bytes, None), Ok(DocumentFormat::Docx));
    let result = FileExtractor::default()
        .extract(DocumentFormat::Docx, bytes)
        .await;
    assert!(
        matches!(&result, Err(ExtractionFailure::TooLarge(why)) if why.contains("200 MiB")),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_inflation_limit_counts_every_part_read() {
    // notes.docx inflates to about 8 KiB in the parts that are read (styles and document).
    let tight = FileExtractor::new(ExtractLimits {
        max_decompressed_bytes: 4 * 1024,
        ..ExtractLimits::default()
    });
    let result = tight
        .extract(DocumentFormat::Docx, fixture("notes.docx"))
        .await;
    assert!(
        matches!(result, Err(ExtractionFailure::TooLarge(_))),
        "{result:?}"
    );
    let roomy = FileExtractor::new(ExtractLimits {
        max_decompressed_bytes: 64 * 1024,
        ..ExtractLimits::default()
    });
    assert!(
        roomy
            .extract(DocumentFormat::Docx, fixture("notes.docx"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn the_hundred_page_lecture_reads_page_by_page() {
    let text = read("lecture-100.pdf").await.unwrap();
    assert_eq!(text.pages.len(), 100);
    // Every page, in order: a long file is read by two parsers, each taking half.
    for number in 1_u32..=100 {
        let page = &text.pages[usize::try_from(number).unwrap() - 1];
        assert_eq!(page.number, number);
        assert!(
            page.text
                .contains(&format!("This is page {number} of the benchmark lecture")),
            "{}",
            page.text
        );
    }
}

#[tokio::test]
async fn more_pages_than_the_limit_is_too_large() {
    let extractor = FileExtractor::new(ExtractLimits {
        max_pages: 99,
        ..ExtractLimits::default()
    });
    let result = extractor
        .extract(DocumentFormat::Pdf, fixture("lecture-100.pdf"))
        .await;
    assert_eq!(
        result,
        Err(ExtractionFailure::TooLarge("more than 99 pages".to_owned()))
    );
}

#[tokio::test]
async fn more_characters_than_the_limit_is_too_large() {
    for (format, name, limit) in [
        (DocumentFormat::Pdf, "lecture-100.pdf", 10_000),
        (DocumentFormat::Docx, "notes.docx", 100),
        (DocumentFormat::Pptx, "slides.pptx", 100),
        (DocumentFormat::Html, "article.html", 100),
        (DocumentFormat::Markdown, "notes.md", 100),
    ] {
        let extractor = FileExtractor::new(ExtractLimits {
            max_chars: limit,
            ..ExtractLimits::default()
        });
        let result = extractor.extract(format, fixture(name)).await;
        assert_eq!(
            result,
            Err(ExtractionFailure::TooLarge(format!(
                "more than {limit} characters of text"
            ))),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_file_past_the_time_limit_times_out() {
    let extractor = FileExtractor::new(ExtractLimits {
        timeout: Duration::from_nanos(1),
        ..ExtractLimits::default()
    });
    let result = extractor
        .extract(DocumentFormat::Pdf, fixture("lecture-100.pdf"))
        .await;
    assert_eq!(result, Err(ExtractionFailure::TimedOut { seconds: 1 }));
}

#[tokio::test]
async fn plain_text_pages_split_at_form_feeds() {
    let text = FileExtractor::default()
        .extract(
            DocumentFormat::Text,
            b"First page text.\x0c\x0cThird page text.\x0c".to_vec(),
        )
        .await
        .unwrap();
    let pages: Vec<(u32, &str)> = text
        .pages
        .iter()
        .map(|p| (p.number, p.text.as_str()))
        .collect();
    assert_eq!(
        pages,
        vec![(1, "First page text."), (2, ""), (3, "Third page text.")]
    );
}

#[tokio::test]
async fn blank_files_have_no_text() {
    for format in [
        DocumentFormat::Text,
        DocumentFormat::Markdown,
        DocumentFormat::Html,
    ] {
        let result = FileExtractor::default()
            .extract(format, b" \n\t\n".to_vec())
            .await;
        assert_eq!(result, Err(ExtractionFailure::NoText), "{format:?}");
    }
}

#[tokio::test]
async fn text_that_is_not_utf8_is_corrupt() {
    let result = FileExtractor::default()
        .extract(DocumentFormat::Text, b"caf\xE9".to_vec())
        .await;
    assert!(
        matches!(
            result,
            Err(ExtractionFailure::Corrupt {
                format: "text file",
                ..
            })
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_pptx_is_not_a_docx() {
    let result = FileExtractor::default()
        .extract(DocumentFormat::Docx, fixture("slides.pptx"))
        .await;
    assert!(
        matches!(&result, Err(ExtractionFailure::Corrupt { format: "Word document", detail }) if detail.contains("word/document.xml")),
        "{result:?}"
    );
}
