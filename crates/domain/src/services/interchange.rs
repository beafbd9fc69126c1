//! Flashcards in and out: a CSV, TSV or pasted text file made into a set in one step, a set
//! written out as CSV (see [`crate::rules::card_table`] for the format) or as an Anki
//! package, and the decks of an Anki package made into sets with their review history (read
//! by a [`DeckPackages`], placed by [`crate::rules::deck_merge`]; the HTTP layer runs it in
//! the background through [`super::imports::ImportService`]).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::documents::upload_too_large;
use super::reviews::ReviewService;
use crate::entities::{
    CardRecord, DeckImport, FlashcardSetWithCards, ImportedDecks, ImportedSetRef, KeyedCard,
    KeyedDeck, NewFlashcard, NewFlashcardSet, NewReview, SourceLinks,
};
use crate::enums::Difficulty;
use crate::error::{DomainError, DomainResult};
use crate::id::{CourseId, FlashcardId, FlashcardSetId, UserId};
use crate::ports::{
    DeckPackages, ExportedCard, FlashcardRepository, PackageExport, PackageFormat, PackageLimits,
    ReadCard, ReadDeck, ReadReview, ReviewRepository, SkippedNote,
};
use crate::rules::card_table::{self, SkippedRow};
use crate::rules::fsrs::{self, Schedule, SchedulerSettings};
use crate::values::{CardText, Color, FieldContext, Tags, Title};

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

/// A package read and its history replayed, ready to add to a student's sets with
/// [`InterchangeService::add_decks`].
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedDecks {
    /// The package's layout.
    pub format: PackageFormat,
    /// How many decks with cards it holds.
    pub decks_read: u32,
    /// How many notes it holds.
    pub notes: u32,
    /// How many media files it holds (not kept).
    pub media: u32,
    /// The notes or cards left out, with the reason.
    pub skipped: Vec<SkippedNote>,
    /// The decks to add, keyed.
    pub decks: Vec<KeyedDeck>,
}

/// The most skipped notes or rows listed back.
const MAX_LISTED: usize = 100;

/// Imports flashcard sets from files and exports them as CSV.
#[derive(Clone)]
pub struct InterchangeService {
    flashcards: Arc<dyn FlashcardRepository>,
    upload_limit: u64,
    packages: Option<Packages>,
}

/// What reads packages, with the students' review settings for their history.
#[derive(Clone)]
struct Packages {
    reader: Arc<dyn DeckPackages>,
    limits: PackageLimits,
    reviews: Arc<dyn ReviewRepository>,
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
            packages: None,
        }
    }

    /// The service reading packages (Anki's `.apkg` and `.colpkg`) with `reader` within
    /// `limits`, replaying their review history with each student's settings from `reviews`.
    #[must_use]
    pub fn with_packages(
        mut self,
        reader: Arc<dyn DeckPackages>,
        limits: PackageLimits,
        reviews: Arc<dyn ReviewRepository>,
    ) -> Self {
        self.packages = Some(Packages {
            reader,
            limits,
            reviews,
        });
        self
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

    /// Whether `bytes` (named `file_name`) is a package that this service reads, to import
    /// with [`Self::import_package`] (in the background: it may be large); `false` for a
    /// table of cards, for [`Self::import_cards`].
    ///
    /// # Errors
    ///
    /// `UnsupportedType` for a zip archive that is not a package this service reads (a
    /// spreadsheet, or any package when no reader is wired in), naming what it probably is.
    pub fn is_package(&self, bytes: &[u8], file_name: &str) -> DomainResult<bool> {
        if !bytes.starts_with(ZIP_SIGNATURE) {
            return Ok(false);
        }
        match &self.packages {
            Some(packages) if packages.reader.recognizes(bytes, file_name) => Ok(true),
            _ => Err(DomainError::UnsupportedType {
                field: "file".to_owned(),
                message: packaged(bytes, file_name),
            }),
        }
    }

    /// Makes one set of the cards in `bytes` (CSV, TSV or pasted text), either with every
    /// valid row or not at all: its title is `title`, else the file name without its
    /// extension, else [`DEFAULT_TITLE`]; its tags are the file's; its cards are `MEDIUM`, as
    /// is the set.
    ///
    /// # Errors
    ///
    /// `TooLarge` past the upload limit; `UnsupportedType` for a zip archive (see
    /// [`Self::is_package`]); `Validation` on `file` when the file is not UTF-8, holds no
    /// card, more cards than a set holds or too many tags (see [`card_table::read`]);
    /// `NotFound` when the course is not the user's.
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

    /// The decks of the package in `bytes` added to the user's sets, with their review
    /// history replayed on the user's scheduler settings without fuzz: [`Self::read_package`]
    /// then [`Self::add_decks`].
    ///
    /// # Errors
    ///
    /// As those two.
    pub async fn import_package(
        &self,
        user: UserId,
        bytes: Vec<u8>,
        course_id: Option<CourseId>,
    ) -> DomainResult<ImportedDecks> {
        let prepared = self.read_package(user, bytes).await?;
        self.add_decks(user, prepared, course_id).await
    }

    /// Reads the package in `bytes` within the configured limits and replays each card's
    /// history on the user's scheduler settings, fuzz off (the same schedule on every
    /// import); writes nothing.
    ///
    /// # Errors
    ///
    /// `TooLarge` past the upload limit; `Validation` on `file` for a package the reader
    /// refuses (not a package, a path leaving it, past a limit, a corrupt collection), naming
    /// the problem; `NotImplemented` when no reader is wired in.
    pub async fn read_package(&self, user: UserId, bytes: Vec<u8>) -> DomainResult<PreparedDecks> {
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > self.upload_limit {
            return Err(self.too_large());
        }
        let packages = self.packages.as_ref().ok_or(DomainError::NotImplemented {
            feature: "Anki packages",
        })?;
        let package = packages.reader.read(bytes, packages.limits).await?;
        let mut scheduler = ReviewService::scheduler(&packages.reviews.settings(user).await?);
        // The history is replayed as it happened: the same schedule on every import.
        scheduler.fuzz = false;
        let mut skipped = package.skipped;
        let decks_read = u32::try_from(package.decks.len()).unwrap_or(u32::MAX);
        let decks = package
            .decks
            .into_iter()
            .filter_map(|deck| keyed_deck(&scheduler, deck, &mut skipped))
            .collect();
        Ok(PreparedDecks {
            format: package.format,
            decks_read,
            notes: package.notes,
            media: package.media,
            skipped,
            decks,
        })
    }

    /// Adds prepared decks to the user's sets, atomically: see
    /// [`FlashcardRepository::import_decks`].
    ///
    /// # Errors
    ///
    /// `NotFound` when the course is not the user's.
    pub async fn add_decks(
        &self,
        user: UserId,
        prepared: PreparedDecks,
        course_id: Option<CourseId>,
    ) -> DomainResult<ImportedDecks> {
        let added = self
            .flashcards
            .import_decks(
                user,
                DeckImport {
                    course_id,
                    decks: prepared.decks,
                },
            )
            .await?;
        let mut skipped = prepared.skipped;
        skipped.truncate(MAX_LISTED);
        Ok(ImportedDecks {
            format: prepared.format,
            decks: prepared.decks_read,
            notes: prepared.notes,
            cards: added.cards,
            unchanged: added.unchanged,
            reviews: added.reviews,
            media_skipped: prepared.media,
            skipped,
            flashcard_sets: added
                .sets
                .into_iter()
                .map(|set| ImportedSetRef {
                    id: set.id,
                    title: set.title,
                })
                .collect(),
        })
    }

    /// The user's set as an Anki package, with its title: a deck named as the set, one note a
    /// card (see [`DeckPackages::write`]), and, when `include_schedule`, each reviewed card's
    /// schedule and review log. `at` dates the package.
    ///
    /// # Errors
    ///
    /// `NotFound` when the set is not the user's; `NotImplemented` when no package writer is
    /// wired in.
    pub async fn export_package(
        &self,
        user: UserId,
        set_id: FlashcardSetId,
        include_schedule: bool,
        at: DateTime<Utc>,
    ) -> DomainResult<(String, Vec<u8>)> {
        let packages = self.packages.as_ref().ok_or(DomainError::NotImplemented {
            feature: "Anki packages",
        })?;
        let set = self.flashcards.get_set(user, set_id).await?;
        let mut records: HashMap<FlashcardId, CardRecord> = if include_schedule {
            packages
                .reviews
                .set_records(user, set_id)
                .await?
                .into_iter()
                .map(|record| (record.card, record))
                .collect()
        } else {
            HashMap::new()
        };
        let cards = set
            .flashcards
            .into_iter()
            .map(|card| ExportedCard {
                history: records
                    .remove(&card.id)
                    .map(|record| (record.schedule, record.reviews)),
                card,
            })
            .collect();
        let title = set.set.title.clone();
        let bytes = packages
            .reader
            .write(PackageExport {
                set: set.set,
                cards,
                at,
            })
            .await?;
        Ok((title, bytes))
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

/// A package's deck as a deck to import, its cards checked and their history replayed; `None`
/// when none of its cards is left.
fn keyed_deck(
    scheduler: &SchedulerSettings,
    deck: ReadDeck,
    skipped: &mut Vec<SkippedNote>,
) -> Option<KeyedDeck> {
    let tags = deck_tags(&deck.cards);
    let cards: Vec<KeyedCard> = deck
        .cards
        .into_iter()
        .filter_map(|card| {
            let key = card.key.clone();
            keyed_card(scheduler, card)
                .map_err(|reason| skipped.push(SkippedNote { key, reason }))
                .ok()
        })
        .collect();
    if cards.is_empty() {
        return None;
    }
    // Deck ids are creation times, the same in every export of a collection; but every
    // collection has Anki's `Default` deck with id 1, so its key also carries its name.
    let key = if deck.id == 1 {
        format!("anki:deck:1:{}", deck.name)
    } else {
        format!("anki:deck:{}", deck.id)
    };
    Some(KeyedDeck {
        key,
        title: deck_title(&deck.name).ok()?,
        tags,
        cards,
    })
}

/// A card's text checked, with its history replayed; the reason when it cannot be a card.
fn keyed_card(scheduler: &SchedulerSettings, card: ReadCard) -> Result<KeyedCard, String> {
    let text = |side: &str, value: String| {
        CardText::parse(value).map_err(|invalid| format!("its {side} {}", invalid.0))
    };
    let optional = |side: &str, value: Option<String>| {
        value
            .filter(|v| !v.trim().is_empty())
            .map(|v| text(side, v))
            .transpose()
    };
    let new = NewFlashcard {
        question: text("question", card.question)?,
        answer: text("answer", card.answer)?,
        hint: optional("hint", card.hint)?,
        explanation: optional("explanation", card.explanation)?,
        difficulty: Difficulty::Medium,
        sources: Vec::new(),
    };
    Ok(KeyedCard {
        key: format!("anki:{}", card.key),
        card: new,
        reviews: replay(scheduler, card.reviews),
    })
}

/// A card's reviews applied in order of time to a card first seen at the first of them, each
/// with the schedule before and after it.
#[must_use]
pub fn replay(scheduler: &SchedulerSettings, mut reviews: Vec<ReadReview>) -> Vec<NewReview> {
    reviews.sort_by_key(|review| review.reviewed_at);
    let Some(first) = reviews.first() else {
        return Vec::new();
    };
    let mut card = Schedule::new(first.reviewed_at);
    reviews
        .into_iter()
        .map(|review| {
            let at: DateTime<Utc> = review.reviewed_at;
            let after = fsrs::review(scheduler, &card, review.rating, at, 0.0);
            let elapsed = card
                .last_review
                .map_or(0, |last| fsrs::elapsed_days(last, at));
            let logged = NewReview {
                rating: review.rating,
                reviewed_at: at,
                elapsed_days: i32::try_from(elapsed).unwrap_or(i32::MAX),
                duration_ms: review.duration_ms,
                before: card.clone(),
                after: after.clone(),
            };
            card = after;
            logged
        })
        .collect()
}

/// A deck's name as a set title, shortened to fit; [`DEFAULT_TITLE`] for a name with no
/// text.
fn deck_title(name: &str) -> Result<Title, crate::values::InvalidValue> {
    let name: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(Title::MAX_CHARS)
        .collect();
    Title::parse(name).or_else(|_| Title::parse(DEFAULT_TITLE))
}

/// A set's tags: its cards' most used tags that are valid, at most [`Tags::MAX_COUNT`].
fn deck_tags(cards: &[ReadCard]) -> Tags {
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    for (order, tag) in cards.iter().flat_map(|card| &card.tags).enumerate() {
        let entry = counts.entry(tag.trim().to_owned()).or_insert((0, order));
        entry.0 += 1;
    }
    let mut tags: Vec<(String, (usize, usize))> = counts
        .into_iter()
        .filter(|(tag, _)| Tags::parse([tag]).is_ok())
        .collect();
    tags.sort_by(|(_, (a, first_a)), (_, (b, first_b))| b.cmp(a).then(first_a.cmp(first_b)));
    Tags::parse(tags.into_iter().take(Tags::MAX_COUNT).map(|(tag, _)| tag)).unwrap_or_default()
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
        "the file is an Anki package, which this server is not set up to read; import the \
         cards as CSV or tab-separated text"
            .to_owned()
    } else {
        "the file is a zip archive but not an Anki package (.apkg, .colpkg): a spreadsheet \
         such as .xlsx or .ods cannot be imported; save the cards as CSV or tab-separated \
         text"
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
        assert!(anki.contains("Anki package, which this server is not set up to read"));
        assert!(packaged(b"PK\x03\x04", "Deck.APKG").contains("Anki package"));
        let sheet = packaged(b"PK\x03\x04[Content_Types].xml", "cards.xlsx");
        assert!(sheet.contains("not an Anki package") && sheet.contains(".xlsx"));
    }
}
