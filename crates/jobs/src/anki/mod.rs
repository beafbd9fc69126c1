//! Anki packages (`.apkg`, `.colpkg`) read into decks of plain-text cards with their review
//! history, and sets written as packages ([`export`]): the [`DeckPackages`] sophie uses.
//!
//! A package is a zip archive holding a collection (SQLite) and its media. Every package
//! current Anki writes also holds a dummy `collection.anki2` asking to update Anki, so the
//! newest layout present is read: `collection.anki21b` (zstd-compressed, schema 18), then
//! `collection.anki21` (Anki's legacy export, schema 11), then `collection.anki2` (Anki 2.0,
//! genanki).
//!
//! Nothing in a package is trusted: every entry's path is checked before anything is read
//! ([`archive`]), entries are inflated under limits counted while inflating, the collection
//! is written to a temporary file of its own and opened read-only ([`collection`]), the
//! media map must name files the package holds, and a package past the limit of notes is
//! refused. Media files are counted, not kept.

mod archive;
mod collection;
mod export;
mod proto;
mod text;

use std::collections::HashMap;
use std::io::Write as _;

use async_trait::async_trait;
use prost::Message as _;
use sophie_domain::{
    DeckPackages, DomainError, DomainResult, PackageExport, PackageFormat, PackageLimits, ReadCard,
    ReadDeck, ReadPackage, SkippedNote,
};

use archive::Archive;
use collection::Collection;

/// The first bytes of a zstd frame.
const ZSTD_MAGIC: &[u8] = &[0x28, 0xB5, 0x2F, 0xFD];

/// Why a package is refused, in the student's words.
#[derive(Debug)]
pub(crate) struct Refused(String);

impl Refused {
    fn new(reason: impl Into<String>) -> Self {
        Self(reason.into())
    }
}

/// Reads Anki packages.
#[derive(Clone, Copy, Debug, Default)]
pub struct AnkiPackages;

#[async_trait]
impl DeckPackages for AnkiPackages {
    fn recognizes(&self, bytes: &[u8], file_name: &str) -> bool {
        let name = file_name.to_lowercase();
        bytes.starts_with(b"PK\x03\x04")
            && (name.ends_with(".apkg")
                || name.ends_with(".colpkg")
                || memchr_window(bytes, b"collection.anki2"))
    }

    async fn read(&self, bytes: Vec<u8>, limits: PackageLimits) -> DomainResult<ReadPackage> {
        tokio::task::spawn_blocking(move || read_package(&bytes, limits))
            .await
            .map_err(|e| DomainError::internal(format!("reading a package stopped: {e}")))?
    }

    async fn write(&self, export: PackageExport) -> DomainResult<Vec<u8>> {
        tokio::task::spawn_blocking(move || export::write(&export))
            .await
            .map_err(|e| DomainError::internal(format!("writing a package stopped: {e}")))?
    }
}

/// Whether `needle` occurs in `haystack`.
fn memchr_window(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// The package in `bytes`, read within `limits`.
fn read_package(bytes: &[u8], limits: PackageLimits) -> DomainResult<ReadPackage> {
    let refused = |Refused(reason)| DomainError::validation("file", reason);
    let mut archive = Archive::open(bytes, limits).map_err(refused)?;
    let (format, entry) = [
        (PackageFormat::Anki21b, "collection.anki21b"),
        (PackageFormat::Anki21, "collection.anki21"),
        (PackageFormat::Anki2, "collection.anki2"),
    ]
    .into_iter()
    .find(|(_, name)| archive.has(name))
    .ok_or_else(|| {
        DomainError::validation(
            "file",
            "the zip archive holds no Anki collection (collection.anki21b, collection.anki21 \
             or collection.anki2)",
        )
    })?;
    let media = media_count(&mut archive).map_err(refused)?;
    let mut file = tempfile::NamedTempFile::new()
        .map_err(|e| DomainError::internal(format!("no temporary file for a package: {e}")))?;
    archive
        .copy(entry, format == PackageFormat::Anki21b, file.as_file_mut())
        .map_err(refused)?;
    file.as_file_mut()
        .flush()
        .map_err(|e| DomainError::internal(format!("writing a package's collection: {e}")))?;
    let collection = collection::read(file.path(), limits.max_notes).map_err(refused)?;
    decks_of(format, collection, media, limits.max_total_bytes).map_err(refused)
}

/// How many media files the package's media map names, each checked to be a file of the
/// package with a plain name. A package without a map has none.
fn media_count(archive: &mut Archive<'_>) -> Result<u32, Refused> {
    if !archive.has("media") {
        return Ok(0);
    }
    let raw = archive.read("media")?;
    // (zip entry, file name) pairs.
    let files: Vec<(String, String)> = if raw.starts_with(ZSTD_MAGIC) {
        let decoded = archive.read_zstd("media")?;
        let map = proto::MediaEntries::decode(decoded.as_slice())
            .map_err(|e| Refused::new(format!("the package's media map is damaged: {e}")))?;
        map.entries
            .into_iter()
            .enumerate()
            .map(|(index, entry)| {
                let zip_name = entry
                    .legacy_zip_filename
                    .map_or_else(|| index.to_string(), |n| n.to_string());
                (zip_name, entry.name)
            })
            .collect()
    } else {
        let map: HashMap<String, String> = serde_json::from_slice(&raw)
            .map_err(|e| Refused::new(format!("the package's media map is damaged: {e}")))?;
        map.into_iter().collect()
    };
    for (zip_name, name) in &files {
        let plain =
            !name.is_empty() && !name.contains(['/', '\\', '\0']) && name != ".." && name != ".";
        if !plain || !archive.has(zip_name) {
            return Err(Refused::new(format!(
                "the package's media map names `{}`, which is not a file of the package; \
                 nothing was imported",
                name.chars().take(200).collect::<String>()
            )));
        }
    }
    Ok(u32::try_from(files.len()).unwrap_or(u32::MAX))
}

/// The collection's cards as decks, in the order their decks' first cards were added;
/// refused when the cards' text passes `max_text_bytes` in all.
fn decks_of(
    format: PackageFormat,
    mut collection: Collection,
    media: u32,
    max_text_bytes: u64,
) -> Result<ReadPackage, Refused> {
    let mut decks: Vec<ReadDeck> = Vec::new();
    let mut positions: HashMap<i64, usize> = HashMap::new();
    let mut skipped = Vec::new();
    let mut fields: HashMap<i64, Result<Vec<String>, String>> = HashMap::new();
    let mut text_bytes: u64 = 0;
    for card in &collection.cards {
        let Some(note) = collection.notes.get(&card.note) else {
            continue;
        };
        let key = format!("{}:{}", note.guid, card.ord);
        let Some(kind) = collection.note_types.get(&note.type_id) else {
            skipped.push(SkippedNote {
                key,
                reason: "its note type is missing from the package".to_owned(),
            });
            continue;
        };
        let texts = fields
            .entry(card.note)
            .or_insert_with(|| text::note_fields(note));
        let sides = match texts
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|texts| text::sides(kind, texts, card.ord))
        {
            Ok(sides) => sides,
            Err(reason) => {
                skipped.push(SkippedNote { key, reason });
                continue;
            }
        };
        let size = [
            Some(&sides.question),
            Some(&sides.answer),
            sides.hint.as_ref(),
            sides.explanation.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(String::len)
        .sum::<usize>();
        text_bytes += u64::try_from(size).unwrap_or(u64::MAX);
        if text_bytes > max_text_bytes {
            return Err(Refused::new(format!(
                "the package's cards hold more than {} MiB of text, the limit; nothing was \
                 imported",
                max_text_bytes / (1024 * 1024)
            )));
        }
        let position = *positions.entry(card.deck).or_insert_with(|| {
            decks.push(ReadDeck {
                id: card.deck,
                name: collection
                    .decks
                    .get(&card.deck)
                    .cloned()
                    .unwrap_or_else(|| "Default".to_owned()),
                cards: Vec::new(),
            });
            decks.len() - 1
        });
        decks[position].cards.push(ReadCard {
            key,
            question: sides.question,
            answer: sides.answer,
            hint: sides.hint,
            explanation: sides.explanation,
            tags: note.tags.clone(),
            reviews: collection.reviews.remove(&card.id).unwrap_or_default(),
        });
    }
    Ok(ReadPackage {
        format,
        decks,
        notes: u32::try_from(collection.notes.len()).unwrap_or(u32::MAX),
        media,
        skipped,
    })
}
