//! The port for flashcard packages of other apps: Anki's `.apkg` and `.colpkg`, read and
//! written.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::entities::{Flashcard, FlashcardSet, ReviewLog};
pub use crate::entities::{PackageFormat, SkippedNote};
use crate::enums::ReviewRating;
use crate::error::DomainResult;
use crate::rules::fsrs::Schedule;

/// How much a package may unpack to: a package past any limit is refused whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PackageLimits {
    /// The largest one file in the package may inflate to, in bytes.
    pub max_entry_bytes: u64,
    /// The most all the files read from it may inflate to together, in bytes.
    pub max_total_bytes: u64,
    /// The most a file may inflate to per byte stored (a zip bomb's tell).
    pub max_ratio: u64,
    /// The most notes it may hold.
    pub max_notes: u32,
}

impl Default for PackageLimits {
    /// 256 MiB a file and 512 MiB in all, 200 to 1 at most, 50,000 notes.
    fn default() -> Self {
        Self {
            max_entry_bytes: 256 * 1024 * 1024,
            max_total_bytes: 512 * 1024 * 1024,
            max_ratio: 200,
            max_notes: 50_000,
        }
    }
}

/// A package's content, as cards.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadPackage {
    /// Its layout.
    pub format: PackageFormat,
    /// Its decks that hold cards.
    pub decks: Vec<ReadDeck>,
    /// How many notes it holds.
    pub notes: u32,
    /// How many media files (images, sounds) it holds: they are not kept.
    pub media: u32,
    /// The notes or cards left out, with the reason.
    pub skipped: Vec<SkippedNote>,
}

/// A deck with its cards.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadDeck {
    /// The deck's id in the package (stable across exports of the same collection).
    pub id: i64,
    /// Its full name, nested levels separated by `::` (`Biology::Cells`).
    pub name: String,
    /// Its cards, in the order they were added.
    pub cards: Vec<ReadCard>,
}

/// A card as plain text.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadCard {
    /// The card's note's guid and the card's number within the note (`guid:ord`).
    pub key: String,
    /// The front.
    pub question: String,
    /// The back.
    pub answer: String,
    /// A hint (a cloze's).
    pub hint: Option<String>,
    /// More on the back (a cloze note's other fields).
    pub explanation: Option<String>,
    /// The note's tags.
    pub tags: Vec<String>,
    /// Its answers, oldest first.
    pub reviews: Vec<ReadReview>,
}

/// One answer from the package's review log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadReview {
    /// The rating.
    pub rating: ReviewRating,
    /// When.
    pub reviewed_at: DateTime<Utc>,
    /// How long the answer took.
    pub duration_ms: Option<u32>,
}

/// A set to write as a package.
#[derive(Clone, Debug, PartialEq)]
pub struct PackageExport {
    /// The set: its title names the deck, its tags go on every note.
    pub set: FlashcardSet,
    /// Its cards, in order.
    pub cards: Vec<ExportedCard>,
    /// When the package is written.
    pub at: DateTime<Utc>,
}

/// A card to write, with its schedule and review log when they are asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportedCard {
    /// The card.
    pub card: Flashcard,
    /// Its schedule and its reviews, oldest first; `None` to write it as a new card.
    pub history: Option<(Schedule, Vec<ReviewLog>)>,
}

/// Reads and writes flashcard packages.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait DeckPackages: Send + Sync {
    /// Whether `bytes` look like a package this reader reads (checked before [`Self::read`]).
    fn recognizes(&self, bytes: &[u8], file_name: &str) -> bool;

    /// The decks and cards of the package in `bytes`, within `limits`.
    ///
    /// # Errors
    ///
    /// `Validation` on `file` naming the problem: not a zip archive, a path that leaves the
    /// package, a file past a limit, no collection or one that is not Anki's, a media map that
    /// names files the package does not hold, more notes than allowed.
    async fn read(&self, bytes: Vec<u8>, limits: PackageLimits) -> DomainResult<ReadPackage>;

    /// `export` as a package: one deck named as the set, one note a card, each note's guid
    /// stable for its card (so importing a newer package updates the notes it imported
    /// before), with each card's schedule and review log when it has them.
    ///
    /// # Errors
    ///
    /// `Internal` when the package cannot be written.
    async fn write(&self, export: PackageExport) -> DomainResult<Vec<u8>>;
}
