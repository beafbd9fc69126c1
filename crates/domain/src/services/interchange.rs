//! Flashcards in and out: a CSV, TSV or pasted text file made into a set in one step, and a
//! set written out as CSV (see [`crate::rules::card_table`] for the format).

use std::sync::Arc;

use serde::Serialize;

use super::documents::upload_too_large;
use crate::entities::{FlashcardSetWithCards, NewFlashcard, NewFlashcardSet, SourceLinks};
use crate::enums::Difficulty;
use crate::error::{DomainError, DomainResult};
use crate::id::{CourseId, FlashcardSetId, UserId};
use crate::ports::FlashcardRepository;
use crate::rules::card_table::{self, SkippedRow};
use crate::values::{Color, FieldContext, Title};

/// The title of an imported set when neither the student nor the file name gives one.
pub const DEFAULT_TITLE: &str = "Imported cards";

/// The first bytes of a zip archive: an Anki package, or a spreadsheet such as `.xlsx`.
const ZIP_SIGNATURE: &[u8] = b"PK\x03\x04";

/// A set made from a file, with what was left out of it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportedSet {
    /// The new set with its cards, in the file's order.
    #[serde(rename = "flashcardSet")]
    pub set: FlashcardSetWithCards,
    /// How many cards it holds.
    pub imported: u32,
    /// The rows left out, with their line and the reason: the first 100 of them.
    pub skipped: Vec<SkippedRow>,
}

/// Imports flashcard sets from files and exports them as CSV.
#[derive(Clone)]
pub struct InterchangeService {
    flashcards: Arc<dyn FlashcardRepository>,
    upload_limit: u64,
}

impl std::fmt::Debug for InterchangeService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InterchangeService")
            .field("upload_limit", &self.upload_limit)
            .finish_non_exhaustive()
    }
}

impl InterchangeService {
    /// A service storing sets through `flashcards`, taking files up to `upload_limit` bytes
    /// (the limit of document uploads).
    #[must_use]
    pub fn new(flashcards: Arc<dyn FlashcardRepository>, upload_limit: u64) -> Self {
        Self {
            flashcards,
            upload_limit,
        }
    }

    /// The largest file accepted, in bytes.
    #[must_use]
    pub const fn upload_limit(&self) -> u64 {
        self.upload_limit
    }

    /// The error for a file past the limit.
    #[must_use]
    pub fn too_large(&self) -> DomainError {
        upload_too_large(self.upload_limit)
    }

    /// Makes one set of the cards in `bytes` (CSV, TSV or pasted text), atomically: either
    /// the set with every valid row, or nothing. Its title is `title`, else the file name
    /// without its extension, else [`DEFAULT_TITLE`]; its tags are the file's; its cards are
    /// `MEDIUM`, as is the set.
    ///
    /// # Errors
    ///
    /// `TooLarge` past the upload limit; `UnsupportedType` for a zip archive (an Anki package
    /// or a spreadsheet, which cannot be imported yet); `Validation` on `file` when the file is
    /// not UTF-8, holds no card, more cards than a set holds or too many tags (see
    /// [`card_table::read`]); `NotFound` when the course is not the user's.
    pub async fn import_cards(
        &self,
        user: UserId,
        bytes: &[u8],
        file_name: &str,
        course_id: Option<CourseId>,
        title: Option<Title>,
    ) -> DomainResult<ImportedSet> {
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > self.upload_limit {
            return Err(self.too_large());
        }
        if bytes.starts_with(ZIP_SIGNATURE) {
            return Err(DomainError::UnsupportedType {
                field: "file".to_owned(),
                message: packaged(bytes, file_name),
            });
        }
        let table = card_table::read(bytes).field("file")?;
        let title = match title {
            Some(title) => title,
            None => title_of(file_name).field("title")?,
        };
        let difficulty = Difficulty::Medium;
        let new = NewFlashcardSet {
            title,
            description: None,
            difficulty,
            tags: table.tags,
            color: Color::default(),
            links: SourceLinks {
                course_id,
                ..SourceLinks::default()
            },
            flashcards: table
                .cards
                .into_iter()
                .map(|card| NewFlashcard {
                    question: card.question,
                    answer: card.answer,
                    hint: card.hint,
                    explanation: card.explanation,
                    difficulty,
                    sources: Vec::new(),
                })
                .collect(),
        };
        let set = self.flashcards.create_set(user, new).await?;
        Ok(ImportedSet {
            imported: u32::try_from(set.flashcards.len()).unwrap_or(u32::MAX),
            set,
            skipped: table.skipped,
        })
    }

    /// The user's set as CSV (see [`card_table::write`]), with its title.
    ///
    /// # Errors
    ///
    /// `NotFound` when the set is not the user's.
    pub async fn export_csv(
        &self,
        user: UserId,
        set_id: FlashcardSetId,
    ) -> DomainResult<(String, String)> {
        let set = self.flashcards.get_set(user, set_id).await?;
        let csv = card_table::write(&set.flashcards, &set.set.tags);
        Ok((set.set.title, csv))
    }
}

/// What a zip archive probably is, and that it cannot be imported yet.
fn packaged(bytes: &[u8], file_name: &str) -> String {
    let name = file_name.to_lowercase();
    let holds = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    let anki = name.ends_with(".apkg")
        || name.ends_with(".colpkg")
        || holds(b"collection.anki2")
        || holds(b"collection.anki21");
    if anki {
        "the file is an Anki package: Anki packages (.apkg, .colpkg) cannot be imported yet; \
         import the cards as CSV or tab-separated text"
            .to_owned()
    } else {
        "the file is a zip archive (a spreadsheet such as .xlsx or .ods, or an Anki package: \
         .apkg, .colpkg), which cannot be imported yet; save the cards as CSV or \
         tab-separated text"
            .to_owned()
    }
}

/// The title a file name gives: the name without its folders or extension, or
/// [`DEFAULT_TITLE`] when nothing is left.
fn title_of(file_name: &str) -> Result<Title, crate::values::InvalidValue> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let stem: String = stem
        .chars()
        .filter(|c| !c.is_control())
        .take(Title::MAX_CHARS)
        .collect();
    Title::parse(stem).or_else(|_| Title::parse(DEFAULT_TITLE))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn titles_come_from_the_file_name_without_its_extension() {
        assert_eq!(title_of("Biology 101.csv").unwrap().as_str(), "Biology 101");
        assert_eq!(
            title_of("C:\\Users\\ada\\cells.tsv").unwrap().as_str(),
            "cells"
        );
        assert_eq!(title_of("notes.tar.txt").unwrap().as_str(), "notes.tar");
        assert_eq!(title_of("quizlet").unwrap().as_str(), "quizlet");
        assert_eq!(title_of(".csv").unwrap().as_str(), DEFAULT_TITLE);
        assert_eq!(title_of("").unwrap().as_str(), DEFAULT_TITLE);
        assert_eq!(title_of(&"x".repeat(300)).unwrap().chars().count(), 200);
    }

    #[test]
    fn a_zip_is_named_for_what_it_probably_is() {
        let anki = packaged(b"PK\x03\x04....collection.anki21....", "deck.zip");
        assert!(anki.contains("Anki packages (.apkg, .colpkg) cannot be imported yet"));
        assert!(packaged(b"PK\x03\x04", "Deck.APKG").contains("Anki package"));
        let sheet = packaged(b"PK\x03\x04[Content_Types].xml", "cards.xlsx");
        assert!(sheet.contains("zip archive") && sheet.contains(".xlsx"));
    }
}
