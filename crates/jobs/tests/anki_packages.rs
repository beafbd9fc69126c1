//! The Anki reader on packages written by Anki itself and by genanki
//! (`tests/fixtures/anki/`, made by `scripts/anki/fixtures.py`), and on packages that must be
//! refused whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::path::PathBuf;

use sophie_domain::{
    DeckPackages, DomainError, PackageFormat, PackageLimits, ReadCard, ReadPackage, ReviewRating,
};
use sophie_jobs::anki::AnkiPackages;
use zip::write::SimpleFileOptions;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/anki")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn read(bytes: Vec<u8>) -> ReadPackage {
    AnkiPackages
        .read(bytes, PackageLimits::default())
        .await
        .unwrap()
}

async fn refusal(bytes: Vec<u8>, limits: PackageLimits) -> String {
    match AnkiPackages.read(bytes, limits).await {
        Err(DomainError::Validation { field, message }) => {
            assert_eq!(field, "file");
            message
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Every card by `guid:ord`, with its deck's name.
fn cards(package: &ReadPackage) -> BTreeMap<String, (String, ReadCard)> {
    package
        .decks
        .iter()
        .flat_map(|deck| {
            deck.cards
                .iter()
                .map(|card| (card.key.clone(), (deck.name.clone(), card.clone())))
        })
        .collect()
}

/// The content of the collection `scripts/anki/fixtures.py` builds, whatever the layout.
fn assert_the_fixture_collection(package: &ReadPackage) {
    assert_eq!(package.notes, 6);
    assert_eq!(package.media, 2, "dot.png and beep.wav");
    assert!(package.skipped.is_empty(), "{:?}", package.skipped);
    let cards = cards(package);
    let keys: Vec<&str> = cards.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "fx-basic01:0",
            "fx-basic02:0",
            "fx-cloze01:0",
            "fx-cloze01:1",
            "fx-gloss01:0",
            "fx-revrs01:0",
            "fx-revrs01:1",
            "fx-typin01:0"
        ]
    );
    let (deck, basic) = &cards["fx-basic01:0"];
    assert_eq!(deck, "Biology");
    assert_eq!(basic.question, "What is the powerhouse of the cell?");
    assert_eq!(basic.answer, "The mitochondrion\n(plural: mitochondria)");
    assert_eq!(basic.tags, ["biology", "cells"]);

    let (_, html) = &cards["fx-basic02:0"];
    assert_eq!(html.answer, "A <semi-permeable> membrane & more\nline two");

    let (deck, forward) = &cards["fx-revrs01:0"];
    let (_, backward) = &cards["fx-revrs01:1"];
    assert_eq!(deck, "Chemistry");
    assert_eq!(
        (forward.question.as_str(), forward.answer.as_str()),
        ("H2O", "water")
    );
    assert_eq!(
        (backward.question.as_str(), backward.answer.as_str()),
        ("water", "H2O")
    );

    let (_, typed) = &cards["fx-typin01:0"];
    assert_eq!(
        (typed.question.as_str(), typed.answer.as_str()),
        ("Capital of France?", "Paris")
    );

    let (deck, c1) = &cards["fx-cloze01:0"];
    let (_, c2) = &cards["fx-cloze01:1"];
    assert_eq!(deck, "Biology::Cells");
    assert_eq!(c1.question, "The [...] holds the DNA.");
    assert_eq!(c1.answer, "nucleus");
    assert_eq!(c1.explanation.as_deref(), Some("From chapter 2"));
    assert_eq!(c2.question, "The nucleus holds the [genetic material].");
    assert_eq!(
        (c2.answer.as_str(), c2.hint.as_deref()),
        ("DNA", Some("genetic material"))
    );
    assert_eq!(c2.tags, ["biology", "cloze"]);

    let (_, glossary) = &cards["fx-gloss01:0"];
    assert_eq!(glossary.question, "Osmosis");
    assert_eq!(glossary.answer, "Diffusion of water across a membrane");

    let reviews: Vec<ReviewRating> = cards
        .values()
        .flat_map(|(_, card)| card.reviews.iter().map(|r| r.rating))
        .collect();
    assert_eq!(reviews.len(), 7, "the review log's answers");
    for rating in [
        ReviewRating::Again,
        ReviewRating::Hard,
        ReviewRating::Good,
        ReviewRating::Easy,
    ] {
        assert!(reviews.contains(&rating), "{rating:?} is in the log");
    }
    for (_, card) in cards.values() {
        assert!(
            card.reviews
                .windows(2)
                .all(|w| w[0].reviewed_at <= w[1].reviewed_at)
        );
        assert!(card.reviews.iter().all(|r| r.duration_ms == Some(4000)));
    }
}

#[tokio::test]
async fn anki_s_current_package_is_read_from_its_zstd_collection() {
    let package = read(fixture("modern.apkg")).await;
    assert_eq!(package.format, PackageFormat::Anki21b);
    assert_the_fixture_collection(&package);
}

#[tokio::test]
async fn anki_s_legacy_package_is_read_from_collection_anki21() {
    let package = read(fixture("legacy.apkg")).await;
    assert_eq!(package.format, PackageFormat::Anki21);
    assert_the_fixture_collection(&package);
}

#[tokio::test]
async fn a_whole_collection_package_is_read() {
    let package = read(fixture("collection.colpkg")).await;
    assert_eq!(package.format, PackageFormat::Anki21b);
    assert_the_fixture_collection(&package);
}

#[tokio::test]
async fn a_genanki_package_is_read_from_collection_anki2() {
    let package = read(fixture("genanki.apkg")).await;
    assert_eq!(package.format, PackageFormat::Anki2);
    assert_eq!(package.notes, 3);
    assert_eq!(package.media, 0);
    let cards = cards(&package);
    let (deck, sum) = &cards["fx-genan01:0"];
    assert_eq!(deck, "Genanki Deck");
    assert_eq!(
        (sum.question.as_str(), sum.answer.as_str()),
        ("What is 2 + 2?", "4")
    );
    assert_eq!(sum.tags, ["math", "easy"]);
    let (_, paris) = &cards["fx-genan03:0"];
    assert_eq!(paris.question, "[...] is the capital of France");
    assert_eq!(paris.answer, "Paris");
    let (_, france) = &cards["fx-genan03:1"];
    assert_eq!(france.question, "Paris is the capital of [...]");
    assert_eq!(cards.len(), 4);
}

#[test]
fn packages_are_recognised_by_name_or_content() {
    let apkg = fixture("modern.apkg");
    assert!(AnkiPackages.recognizes(&apkg, "deck.apkg"));
    assert!(AnkiPackages.recognizes(&apkg, "download"));
    assert!(AnkiPackages.recognizes(b"PK\x03\x04", "All.COLPKG"));
    assert!(!AnkiPackages.recognizes(b"PK\x03\x04[Content_Types].xml", "cards.xlsx"));
    assert!(!AnkiPackages.recognizes(b"question,answer", "deck.apkg"));
}

/// A zip of `entries` (name, bytes), deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The legacy fixture's collection, to build packages around.
fn legacy_collection() -> Vec<u8> {
    let bytes = fixture("legacy.apkg");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut entry = archive.by_name("collection.anki21").unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut out).unwrap();
    out
}

#[tokio::test]
async fn what_is_not_a_package_is_refused_with_the_reason() {
    let limits = PackageLimits::default();
    let message = refusal(b"PK\x03\x04 not really a zip".to_vec(), limits).await;
    assert!(message.contains("not a readable zip archive"), "{message}");

    let message = refusal(zip_of(&[("notes.txt", b"hello")]), limits).await;
    assert!(message.contains("holds no Anki collection"), "{message}");

    let message = refusal(
        zip_of(&[(
            "collection.anki21",
            b"SQLite format 3\0 but then garbage".as_slice(),
        )]),
        limits,
    )
    .await;
    assert!(
        message.contains("damaged or is not an Anki collection"),
        "{message}"
    );
}

#[tokio::test]
async fn a_path_leaving_the_package_refuses_it_whole() {
    let collection = legacy_collection();
    for bad in ["../evil.txt", "/etc/evil", "media/../../evil", "C:\\evil"] {
        let bytes = zip_of(&[("collection.anki21", &collection), (bad, b"x")]);
        let message = refusal(bytes, PackageLimits::default()).await;
        assert!(message.contains("leaves the package"), "{bad}: {message}");
    }
}

#[tokio::test]
async fn a_zip_bomb_is_stopped_while_it_inflates() {
    let zeros = vec![0_u8; 8 * 1024 * 1024];
    let bomb = zip_of(&[("collection.anki21", &zeros)]);
    assert!(
        bomb.len() < 64 * 1024,
        "8 MiB of zeros deflate to {} bytes",
        bomb.len()
    );
    let message = refusal(bomb.clone(), PackageLimits::default()).await;
    assert!(message.contains("times its stored size"), "{message}");

    let small = PackageLimits {
        max_entry_bytes: 1024 * 1024,
        max_ratio: u64::MAX,
        ..PackageLimits::default()
    };
    let message = refusal(bomb.clone(), small).await;
    assert!(
        message.contains("past 1 MiB, the limit for one file"),
        "{message}"
    );

    let total = PackageLimits {
        max_total_bytes: 2 * 1024 * 1024,
        max_ratio: u64::MAX,
        ..PackageLimits::default()
    };
    let message = refusal(bomb, total).await;
    assert!(message.contains("past 2 MiB in all"), "{message}");
}

#[tokio::test]
async fn a_media_map_naming_a_file_outside_the_package_refuses_it() {
    let collection = legacy_collection();
    let outside = zip_of(&[
        ("collection.anki21", &collection),
        ("media", br#"{"0": "../../etc/passwd"}"#),
        ("0", b"x"),
    ]);
    let message = refusal(outside, PackageLimits::default()).await;
    assert!(message.contains("not a file of the package"), "{message}");

    let missing = zip_of(&[
        ("collection.anki21", &collection),
        ("media", br#"{"7": "a.png"}"#),
    ]);
    let message = refusal(missing, PackageLimits::default()).await;
    assert!(
        message.contains("`a.png`, which is not a file of the package"),
        "{message}"
    );
}

#[tokio::test]
async fn a_package_with_more_notes_than_allowed_is_refused() {
    let limits = PackageLimits {
        max_notes: 5,
        ..PackageLimits::default()
    };
    let message = refusal(fixture("modern.apkg"), limits).await;
    assert!(message.contains("6 notes, more than the 5"), "{message}");
}

/// The legacy fixture's collection changed by `sql`, packaged again.
fn doctored(sql: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("collection.anki21");
    std::fs::write(&path, legacy_collection()).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(sql).unwrap();
    conn.close().unwrap();
    zip_of(&[("collection.anki21", &std::fs::read(&path).unwrap())])
}

#[tokio::test]
async fn a_collection_that_could_compute_without_end_is_refused() {
    let limits = PackageLimits::default();
    let view = doctored(
        "ALTER TABLE notes RENAME TO real_notes; \
         CREATE VIEW notes AS SELECT * FROM real_notes;",
    );
    let message = refusal(view, limits).await;
    assert!(message.contains("holds a view"), "{message}");

    let trigger = doctored("CREATE TRIGGER t AFTER INSERT ON notes BEGIN SELECT 1; END;");
    let message = refusal(trigger, limits).await;
    assert!(message.contains("holds a trigger"), "{message}");

    let guid = doctored(
        "UPDATE notes SET guid = printf('%.200c', 'x') WHERE rowid = (SELECT min(rowid) FROM notes);",
    );
    let message = refusal(guid, limits).await;
    assert!(message.contains("is not an Anki guid"), "{message}");

    // Answers dated before Anki existed or in the future are left out, not refused.
    let dated = doctored("UPDATE revlog SET id = -id;");
    let package = read(dated).await;
    let reviews: usize = package
        .decks
        .iter()
        .flat_map(|deck| &deck.cards)
        .map(|card| card.reviews.len())
        .sum();
    assert_eq!(reviews, 0);
}
