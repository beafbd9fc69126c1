//! Where the cards of imported decks go, given what the student already has: the rule both
//! storage adapters apply inside their import transaction, so they agree.
//!
//! - A card whose key the student already has (imported before), or that came earlier in the
//!   same package, is left out and counted as unchanged.
//! - A deck's remaining cards first fill the sets made from that deck by an earlier import,
//!   oldest first, up to [`NewFlashcardSet::MAX_CARDS`]; the rest go to new sets of at most
//!   that many cards. The first set of a deck carries the deck's title; each further part is
//!   titled `Title (2)`, `Title (3)`, ...
//! - A deck with no card left makes no set.
//! - A card sophie itself exported (its note's guid is the card's id, see
//!   [`exported_card`]) counts as known while the student still has that card, so importing
//!   one's own export back adds nothing either.

use std::collections::HashSet;

use crate::entities::{KeyedCard, KeyedDeck, NewFlashcardSet};
use crate::id::{FlashcardId, FlashcardSetId};
use crate::values::{Tags, Title};

/// A set an earlier import made from a deck.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeckSet {
    /// The set.
    pub id: FlashcardSetId,
    /// The deck's key.
    pub key: String,
    /// How many cards it holds now.
    pub cards: usize,
}

/// Where a group of cards goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A set the student has.
    Existing(FlashcardSetId),
    /// A new set.
    New {
        /// The deck's key, for the set.
        key: String,
        /// Its title.
        title: Title,
        /// Its tags.
        tags: Tags,
    },
}

/// Cards bound for one set.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    /// The set.
    pub target: Target,
    /// The cards, in the package's order.
    pub cards: Vec<KeyedCard>,
}

/// What an import adds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MergePlan {
    /// The cards to add, set by set.
    pub placements: Vec<Placement>,
    /// The cards left out as already there.
    pub unchanged: u32,
}

/// The card sophie exported as the note of an imported card's key (`anki:<card id>:0`, the
/// id as 32 hexadecimal digits), if it is one.
#[must_use]
pub fn exported_card(key: &str) -> Option<FlashcardId> {
    let guid = key.strip_prefix("anki:")?.strip_suffix(":0")?;
    if guid.len() != 32 || !guid.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    uuid::Uuid::parse_str(guid).ok().map(FlashcardId::from)
}

/// Places `decks`' cards, given the card keys the student has (`known`) and the sets earlier
/// imports made (`sets`, oldest first).
#[must_use]
pub fn plan(decks: Vec<KeyedDeck>, known: &HashSet<String>, sets: &[DeckSet]) -> MergePlan {
    let mut seen: HashSet<String> = HashSet::new();
    let mut plan = MergePlan::default();
    for deck in decks {
        let mut cards = Vec::new();
        for card in deck.cards {
            if known.contains(&card.key) || !seen.insert(card.key.clone()) {
                plan.unchanged += 1;
            } else {
                cards.push(card);
            }
        }
        let mut cards = cards.into_iter().peekable();
        let earlier: Vec<&DeckSet> = sets.iter().filter(|set| set.key == deck.key).collect();
        for set in &earlier {
            let room = NewFlashcardSet::MAX_CARDS.saturating_sub(set.cards);
            let taken: Vec<KeyedCard> = cards.by_ref().take(room).collect();
            if !taken.is_empty() {
                plan.placements.push(Placement {
                    target: Target::Existing(set.id),
                    cards: taken,
                });
            }
        }
        let mut part = earlier.len();
        while cards.peek().is_some() {
            part += 1;
            plan.placements.push(Placement {
                target: Target::New {
                    key: deck.key.clone(),
                    title: part_title(&deck.title, part),
                    tags: deck.tags.clone(),
                },
                cards: cards.by_ref().take(NewFlashcardSet::MAX_CARDS).collect(),
            });
        }
    }
    plan
}

/// The title of a deck's `part`th set: the deck's own for the first, then `Title (n)`, the
/// title shortened to fit.
fn part_title(title: &Title, part: usize) -> Title {
    if part <= 1 {
        return title.clone();
    }
    let suffix = format!(" ({part})");
    let room = Title::MAX_CHARS.saturating_sub(suffix.chars().count());
    let base: String = title.as_str().chars().take(room).collect();
    Title::parse(format!("{}{suffix}", base.trim_end())).unwrap_or_else(|_| title.clone())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;
    use crate::entities::NewFlashcard;
    use crate::enums::Difficulty;
    use crate::values::CardText;

    fn card(key: &str) -> KeyedCard {
        KeyedCard {
            key: key.to_owned(),
            card: NewFlashcard {
                question: CardText::parse(format!("q {key}")).unwrap(),
                answer: CardText::parse("a").unwrap(),
                hint: None,
                explanation: None,
                difficulty: Difficulty::Medium,
                sources: Vec::new(),
            },
            reviews: Vec::new(),
        }
    }

    fn deck(key: &str, title: &str, cards: usize) -> KeyedDeck {
        KeyedDeck {
            key: key.to_owned(),
            title: Title::parse(title).unwrap(),
            tags: Tags::default(),
            cards: (0..cards).map(|i| card(&format!("{key}/{i}"))).collect(),
        }
    }

    fn keys(placement: &Placement) -> Vec<&str> {
        placement.cards.iter().map(|c| c.key.as_str()).collect()
    }

    #[test]
    fn a_new_deck_becomes_one_new_set() {
        let plan = plan(vec![deck("d", "Biology", 2)], &HashSet::new(), &[]);
        assert_eq!(plan.unchanged, 0);
        assert_eq!(plan.placements.len(), 1);
        let Target::New { key, title, .. } = &plan.placements[0].target else {
            panic!("expected a new set");
        };
        assert_eq!((key.as_str(), title.as_str()), ("d", "Biology"));
        assert_eq!(keys(&plan.placements[0]), ["d/0", "d/1"]);
    }

    #[test]
    fn known_and_repeated_cards_are_left_out_and_counted() {
        let mut twice = deck("d", "Biology", 2);
        twice.cards.push(card("d/0"));
        let known = HashSet::from(["d/1".to_owned()]);
        let plan = plan(vec![twice], &known, &[]);
        assert_eq!(plan.unchanged, 2);
        assert_eq!(keys(&plan.placements[0]), ["d/0"]);
    }

    #[test]
    fn a_deck_already_imported_whole_makes_nothing() {
        let deck = deck("d", "Biology", 3);
        let known: HashSet<String> = deck.cards.iter().map(|c| c.key.clone()).collect();
        let existing = [DeckSet {
            id: FlashcardSetId::new(),
            key: "d".to_owned(),
            cards: 3,
        }];
        let plan = plan(vec![deck], &known, &existing);
        assert!(plan.placements.is_empty());
        assert_eq!(plan.unchanged, 3);
    }

    #[test]
    fn new_cards_of_a_known_deck_fill_its_set_then_a_numbered_part() {
        let full = NewFlashcardSet::MAX_CARDS - 1;
        let existing = [DeckSet {
            id: FlashcardSetId::new(),
            key: "d".to_owned(),
            cards: full,
        }];
        let plan = plan(vec![deck("d", "Spanish", 3)], &HashSet::new(), &existing);
        assert_eq!(plan.placements.len(), 2);
        assert_eq!(plan.placements[0].target, Target::Existing(existing[0].id));
        assert_eq!(keys(&plan.placements[0]), ["d/0"]);
        let Target::New { title, .. } = &plan.placements[1].target else {
            panic!("expected a new part");
        };
        assert_eq!(title.as_str(), "Spanish (2)");
        assert_eq!(keys(&plan.placements[1]), ["d/1", "d/2"]);
    }

    #[test]
    fn a_deck_larger_than_a_set_is_split_into_numbered_parts() {
        let size = NewFlashcardSet::MAX_CARDS * 2 + 1;
        let plan = plan(vec![deck("d", "Kanji", size)], &HashSet::new(), &[]);
        let parts: Vec<(String, usize)> = plan
            .placements
            .iter()
            .map(|p| match &p.target {
                Target::New { title, .. } => (title.as_str().to_owned(), p.cards.len()),
                Target::Existing(_) => panic!("no set existed"),
            })
            .collect();
        let max = NewFlashcardSet::MAX_CARDS;
        assert_eq!(
            parts,
            [
                ("Kanji".to_owned(), max),
                ("Kanji (2)".to_owned(), max),
                ("Kanji (3)".to_owned(), 1)
            ]
        );
    }

    #[test]
    fn sophie_s_own_exported_notes_are_told_from_others() {
        let id = FlashcardId::new();
        let key = format!("anki:{}:0", id.as_uuid().simple());
        assert_eq!(exported_card(&key), Some(id));
        assert_eq!(
            exported_card(&format!("anki:{}:1", id.as_uuid().simple())),
            None
        );
        assert_eq!(exported_card("anki:fx-basic01:0"), None);
        assert_eq!(exported_card(&format!("{}:0", id.as_uuid().simple())), None);
    }

    #[test]
    fn a_part_title_stays_within_the_limit() {
        let long = Title::parse("x".repeat(Title::MAX_CHARS)).unwrap();
        let title = part_title(&long, 12);
        assert_eq!(title.as_str().chars().count(), Title::MAX_CHARS);
        assert!(title.as_str().ends_with("x (12)"));
    }
}
