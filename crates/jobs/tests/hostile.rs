//! Arbitrary and damaged bytes, read as every format: each call returns a result, `Ok` or a
//! reason, and never panics out of `extract` (a parser's panic is caught and reported as a
//! damaged file).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a failing expectation is the test failing"
)]

use std::sync::LazyLock;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::Config;
use sophie_domain::rules::file_type::detect;
use sophie_domain::{DocumentFormat, ExtractedText, ExtractionFailure, TextExtractor};
use sophie_jobs::ingest::{ExtractLimits, FileExtractor};

const FORMATS: [DocumentFormat; 6] = [
    DocumentFormat::Pdf,
    DocumentFormat::Docx,
    DocumentFormat::Pptx,
    DocumentFormat::Html,
    DocumentFormat::Markdown,
    DocumentFormat::Text,
];

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .unwrap()
});

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

static LECTURE_PDF: LazyLock<Vec<u8>> = LazyLock::new(|| fixture("lecture.pdf"));
static NOTES_DOCX: LazyLock<Vec<u8>> = LazyLock::new(|| fixture("notes.docx"));
static SLIDES_PPTX: LazyLock<Vec<u8>> = LazyLock::new(|| fixture("slides.pptx"));

/// What every result must look like: pages numbered from 1 without gaps, some text among
/// them (a file without any is `NoText`), nothing past the limits.
fn check(format: DocumentFormat, result: &Result<ExtractedText, ExtractionFailure>) {
    if let Ok(text) = result {
        let numbers: Vec<u32> = text.pages.iter().map(|p| p.number).collect();
        let expected: Vec<u32> = (1..=u32::try_from(numbers.len()).unwrap()).collect();
        assert_eq!(numbers, expected, "{format:?}");
        assert!(
            text.pages.iter().any(|p| !p.text.is_empty()),
            "{format:?}: Ok without text"
        );
        assert!(text.pages.len() <= ExtractLimits::default().max_pages);
    }
}

fn read_as_every_format(bytes: &[u8]) {
    let _ = detect(bytes, Some("upload.bin"));
    let extractor = FileExtractor::new(ExtractLimits {
        timeout: Duration::from_secs(20),
        ..ExtractLimits::default()
    });
    for format in FORMATS {
        let result = RUNTIME.block_on(extractor.extract(format, bytes.to_vec()));
        check(format, &result);
    }
}

/// `original` with up to `edits` bytes overwritten and cut at `keep` (a fraction in 1/1000).
fn damaged(original: &[u8], edits: &[(usize, u8)], keep: usize) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for (at, value) in edits {
        let len = bytes.len();
        bytes[at % len] = *value;
    }
    bytes.truncate(original.len() * keep / 1000);
    bytes
}

fn pdf_tokens() -> impl Strategy<Value = Vec<u8>> {
    let token = prop::sample::select(vec![
        "1 0 obj",
        "endobj",
        "<<",
        ">>",
        "/Type /Page",
        "/Type /Pages",
        "/Kids [",
        "]",
        "/Count 3",
        "/Contents 4 0 R",
        "/Length 99",
        "stream\n",
        "\nendstream",
        "BT",
        "ET",
        "(Hello) Tj",
        "/F1 12 Tf",
        "xref\n0 5\n",
        "0000000000 65535 f \n",
        "trailer",
        "/Root 1 0 R",
        "startxref\n",
        "%%EOF",
        "/Filter /FlateDecode",
        "4 0 R",
        "\n",
        " ",
        "/Encrypt",
        "/ObjStm",
        "/XRef",
        "-1",
        "99999999999",
    ]);
    prop::collection::vec(token, 0..200).prop_map(|tokens| {
        let mut bytes = b"%PDF-1.7\n".to_vec();
        for token in tokens {
            bytes.extend_from_slice(token.as_bytes());
            bytes.push(b' ');
        }
        bytes
    })
}

proptest! {
    #![proptest_config(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        read_as_every_format(&bytes);
    }

    #[test]
    fn arbitrary_bytes_after_a_pdf_header(rest in prop::collection::vec(any::<u8>(), 0..4096)) {
        let mut bytes = b"%PDF-1.4\n".to_vec();
        bytes.extend(rest);
        read_as_every_format(&bytes);
    }

    #[test]
    fn pdf_shaped_nonsense(bytes in pdf_tokens()) {
        read_as_every_format(&bytes);
    }

    #[test]
    fn arbitrary_bytes_after_a_zip_header(rest in prop::collection::vec(any::<u8>(), 0..4096)) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(rest);
        read_as_every_format(&bytes);
    }

    #[test]
    fn damaged_real_documents(
        which in 0..3_usize,
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..16),
        keep in 300..=1000_usize,
    ) {
        let original: &[u8] = match which {
            0 => &LECTURE_PDF,
            1 => &NOTES_DOCX,
            _ => &SLIDES_PPTX,
        };
        read_as_every_format(&damaged(original, &edits, keep));
    }
}
