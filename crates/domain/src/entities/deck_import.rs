//! Decks brought in from a flashcard package (an Anki `.apkg` or `.colpkg`), keyed by where
//! they came from, so that importing the same package again adds nothing.

use serde::{Deserialize, Serialize};

use super::{FlashcardSet, NewFlashcard, NewReview};
use crate::id::{CourseId, FlashcardSetId};
use crate::values::{Tags, Title};

/// A deck to add to a student's sets: each deck becomes one set, or several when it holds more
/// cards than a set does ([`super::NewFlashcardSet::MAX_CARDS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct KeyedDeck {
    /// Where the deck came from (for an Anki deck, `anki:deck:` and its id): the sets made from
    /// it carry it, and a later import of the same deck adds its new cards to them.
    pub key: String,
    /// The title of its set.
    pub title: Title,
    /// The set's tags.
    pub tags: Tags,
    /// Its cards, in order.
    pub cards: Vec<KeyedCard>,
}

/// A card to import, with its review history.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyedCard {
    /// Where the card came from (for an Anki card, `anki:` with its note's guid and its
    /// number): a card whose key the student already has is not imported again.
    pub key: String,
    /// The card.
    pub card: NewFlashcard,
    /// Its reviews, oldest first, each with the schedule before and after it: the last one's
    /// `after` is the card's schedule. Empty for a card never reviewed.
    pub reviews: Vec<NewReview>,
}

/// A package's decks to add to a student's sets.
#[derive(Clone, Debug, PartialEq)]
pub struct DeckImport {
    /// The course the new sets are filed under; must be the student's.
    pub course_id: Option<CourseId>,
    /// The decks.
    pub decks: Vec<KeyedDeck>,
}

/// What an import of decks added.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecksImported {
    /// The sets that received cards (new ones, and a deck's sets from an earlier import that
    /// gained new cards), as they are now.
    #[serde(rename = "flashcardSets")]
    pub sets: Vec<FlashcardSet>,
    /// Cards added.
    pub cards: u32,
    /// Cards left out because the student already has them (imported before, or repeated in
    /// the package).
    pub unchanged: u32,
    /// Reviews added to the cards' logs.
    pub reviews: u32,
}

/// The layout a package was read in.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PackageFormat {
    /// `collection.anki21b`: zstd-compressed SQLite, Anki 2.1.50 and later.
    #[serde(rename = "anki21b")]
    Anki21b,
    /// `collection.anki21`: Anki's legacy export (schema 11).
    #[serde(rename = "anki21")]
    Anki21,
    /// `collection.anki2`: Anki 2.0, and tools such as genanki.
    #[serde(rename = "anki2")]
    Anki2,
}

/// A note or card of a package left out.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedNote {
    /// The note's guid, with the card's number when only that card is left out.
    pub key: String,
    /// Why.
    pub reason: String,
}

/// A set that an import of decks added cards to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportedSetRef {
    /// The set's id.
    pub id: FlashcardSetId,
    /// Its title when the import ran (the deck's name, numbered past the first part).
    pub title: String,
}

/// What the import of a package came to: what it held, what was added and what was left
/// out. Kept on the import's record ([`super::ImportJob::result`]).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportedDecks {
    /// The package's layout.
    pub format: PackageFormat,
    /// How many decks with cards it holds.
    pub decks: u32,
    /// How many notes it holds.
    pub notes: u32,
    /// Cards added.
    pub cards: u32,
    /// Cards left out because the student already has them (imported before, or repeated in
    /// the package).
    pub unchanged: u32,
    /// Reviews added to the cards' logs.
    pub reviews: u32,
    /// How many media files (images, sounds) it holds: they are not kept, and references to
    /// them are left out of the cards' text.
    pub media_skipped: u32,
    /// The notes or cards left out, with the reason: the first 100 of them.
    pub skipped: Vec<SkippedNote>,
    /// The sets that received cards, in the package's deck order.
    pub flashcard_sets: Vec<ImportedSetRef>,
}
