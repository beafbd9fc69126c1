//! The request bodies and the query string of `/api/v1/flashcard-sets`, with their
//! conversions into domain commands and filters.

use serde::Deserialize;
use sophie_domain::values::{CardText, Color, Description, Tags, Title};
use sophie_domain::{
    CourseId, Difficulty, DocumentId, FlashcardSetFilter, FlashcardSetUpdate, FlashcardUpdate,
    NewFlashcard, NewFlashcardSet, NoteId, SourceLinks, SourceLinksUpdate,
};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::all_valid;
use crate::error::ApiResult;
use crate::patch;
use crate::validate::Fields;

/// `field` under `prefix` (`flashcards[3].question`), or `field` alone without a prefix.
fn field_name(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_owned()
    } else {
        format!("{prefix}.{field}")
    }
}

/// A new flashcard.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateFlashcard {
    /// The front, 1 to 5000 characters.
    #[schema(value_type = CardText, inline)]
    question: String,
    /// The back, 1 to 5000 characters.
    #[schema(value_type = CardText, inline)]
    answer: String,
    /// A hint.
    #[schema(value_type = Option<CardText>, inline)]
    hint: Option<String>,
    /// Why the answer is right.
    #[schema(value_type = Option<CardText>, inline)]
    explanation: Option<String>,
    /// How hard it is; the set's difficulty by default.
    pub(super) difficulty: Option<Difficulty>,
}

impl CreateFlashcard {
    /// Checks the card into `fields`, naming its fields after `prefix`.
    fn check(
        self,
        fields: &mut Fields,
        prefix: &str,
        set_difficulty: Difficulty,
    ) -> Option<NewFlashcard> {
        let question = fields.check(
            &field_name(prefix, "question"),
            CardText::parse(self.question),
        );
        let answer = fields.check(&field_name(prefix, "answer"), CardText::parse(self.answer));
        let hint = fields.check_opt(&field_name(prefix, "hint"), self.hint, CardText::parse);
        let explanation = fields.check_opt(
            &field_name(prefix, "explanation"),
            self.explanation,
            CardText::parse,
        );
        match (question, answer, hint, explanation) {
            (Some(question), Some(answer), Some(hint), Some(explanation)) => Some(NewFlashcard {
                sources: Vec::new(),
                question,
                answer,
                hint,
                explanation,
                difficulty: self.difficulty.unwrap_or(set_difficulty),
            }),
            _ => None,
        }
    }

    pub(super) fn into_domain(self, set_difficulty: Difficulty) -> ApiResult<NewFlashcard> {
        let mut fields = Fields::new();
        let card = self.check(&mut fields, "", set_difficulty);
        Ok(all_valid!(fields, (card) => card))
    }
}

/// A new flashcard set with its cards.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateFlashcardSet {
    /// Its title, 1 to 200 characters.
    #[schema(value_type = Title, inline)]
    title: String,
    /// A description.
    #[schema(value_type = Option<Description>, inline)]
    description: Option<String>,
    /// How hard it is overall.
    difficulty: Difficulty,
    /// Up to 20 tags.
    #[schema(value_type = Option<Tags>, inline)]
    tags: Option<Vec<String>>,
    /// A palette name or hex colour; `blue` by default.
    #[schema(value_type = Option<Color>, inline)]
    color: Option<String>,
    /// The course it is filed under.
    course_id: Option<Uuid>,
    /// The note it was made from.
    note_id: Option<Uuid>,
    /// The document it was made from.
    document_id: Option<Uuid>,
    /// Its cards, at most 500.
    flashcards: Vec<CreateFlashcard>,
}

impl CreateFlashcardSet {
    pub(super) fn into_domain(self) -> ApiResult<NewFlashcardSet> {
        let mut fields = Fields::new();
        let title = fields.check("title", Title::parse(self.title));
        let description = fields.check_opt("description", self.description, Description::parse);
        let tags = fields
            .check_opt("tags", self.tags, Tags::parse)
            .map(Option::unwrap_or_default);
        let color = fields
            .check_opt("color", self.color, Color::parse)
            .map(Option::unwrap_or_default);
        let links = SourceLinks {
            course_id: self.course_id.map(CourseId::from_uuid),
            note_id: self.note_id.map(NoteId::from_uuid),
            document_id: self.document_id.map(DocumentId::from_uuid),
        };
        let difficulty = self.difficulty;
        let flashcards = if self.flashcards.len() > NewFlashcardSet::MAX_CARDS {
            fields.push(
                "flashcards",
                format!("a set holds at most {} cards", NewFlashcardSet::MAX_CARDS),
            );
            None
        } else {
            // Every card is checked, so the client hears of every bad one at once.
            let cards: Vec<Option<NewFlashcard>> = self
                .flashcards
                .into_iter()
                .enumerate()
                .map(|(index, card)| {
                    card.check(&mut fields, &format!("flashcards[{index}]"), difficulty)
                })
                .collect();
            cards.into_iter().collect::<Option<Vec<_>>>()
        };
        Ok(
            all_valid!(fields, (title, description, tags, color, flashcards) => NewFlashcardSet {
                title, description, difficulty, tags, color, links, flashcards,
            }),
        )
    }
}

/// Changes to a flashcard set (not its cards): fields left out stay; `null` clears a nullable
/// one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateFlashcardSet {
    #[schema(value_type = Option<Title>, inline)]
    title: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Description>, inline)]
    description: Option<Option<String>>,
    difficulty: Option<Difficulty>,
    #[schema(value_type = Option<Tags>, inline)]
    tags: Option<Vec<String>>,
    #[schema(value_type = Option<Color>, inline)]
    color: Option<String>,
    /// `null` unfiles the set.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Uuid>)]
    course_id: Option<Option<Uuid>>,
    /// `null` unlinks the note.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Uuid>)]
    note_id: Option<Option<Uuid>>,
    /// `null` unlinks the document.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Uuid>)]
    document_id: Option<Option<Uuid>>,
}

impl UpdateFlashcardSet {
    pub(super) fn into_domain(self) -> ApiResult<FlashcardSetUpdate> {
        let mut fields = Fields::new();
        let title = fields.check_opt("title", self.title, Title::parse);
        let description = fields.check_patch("description", self.description, Description::parse);
        let tags = fields.check_opt("tags", self.tags, Tags::parse);
        let color = fields.check_opt("color", self.color, Color::parse);
        let links = SourceLinksUpdate {
            course_id: self.course_id.map(|id| id.map(CourseId::from_uuid)),
            note_id: self.note_id.map(|id| id.map(NoteId::from_uuid)),
            document_id: self.document_id.map(|id| id.map(DocumentId::from_uuid)),
        };
        let difficulty = self.difficulty;
        Ok(
            all_valid!(fields, (title, description, tags, color) => FlashcardSetUpdate {
                title, description, difficulty, tags, color, links,
            }),
        )
    }
}

/// Changes to a flashcard: fields left out stay; `null` clears a nullable one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateFlashcard {
    #[schema(value_type = Option<CardText>, inline)]
    question: Option<String>,
    #[schema(value_type = Option<CardText>, inline)]
    answer: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<CardText>, inline)]
    hint: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<CardText>, inline)]
    explanation: Option<Option<String>>,
    difficulty: Option<Difficulty>,
}

impl UpdateFlashcard {
    pub(super) fn into_domain(self) -> ApiResult<FlashcardUpdate> {
        let mut fields = Fields::new();
        let question = fields.check_opt("question", self.question, CardText::parse);
        let answer = fields.check_opt("answer", self.answer, CardText::parse);
        let hint = fields.check_patch("hint", self.hint, CardText::parse);
        let explanation = fields.check_patch("explanation", self.explanation, CardText::parse);
        let difficulty = self.difficulty;
        Ok(
            all_valid!(fields, (question, answer, hint, explanation) => FlashcardUpdate {
                question, answer, hint, explanation, difficulty,
            }),
        )
    }
}

/// Narrows the list of flashcard sets; filters combine with AND.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct FlashcardSetQuery {
    /// Only sets filed under this course.
    course_id: Option<Uuid>,
    /// Only sets made from this note.
    note_id: Option<Uuid>,
    /// Only sets made from this document.
    document_id: Option<Uuid>,
    /// Only sets carrying this tag.
    tag: Option<String>,
    /// Only sets of this difficulty.
    difficulty: Option<Difficulty>,
}

impl FlashcardSetQuery {
    pub(super) fn into_domain(self) -> FlashcardSetFilter {
        FlashcardSetFilter {
            course_id: self.course_id.map(CourseId::from_uuid),
            note_id: self.note_id.map(NoteId::from_uuid),
            document_id: self.document_id.map(DocumentId::from_uuid),
            tag: self.tag,
            difficulty: self.difficulty,
        }
    }
}

/// A file of flashcards to import, as `multipart/form-data`.
// Deserialize only for its serde attributes, which the schema reads: camelCase part names and
// no other parts (`additionalProperties: false`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(title = "ImportFlashcards")]
#[allow(dead_code)] // Only describes the form for the OpenAPI document.
pub(crate) struct ImportCardsForm {
    /// The cards, as UTF-8 text: CSV (comma or semicolon, quoted as RFC 4180 says),
    /// tab-separated text (a Quizlet export) or text pasted from a spreadsheet. One card a
    /// row: question, answer, then optional hint, explanation and tags; or columns named by a
    /// header row (`question`/`front`/`term`, `answer`/`back`/`definition`, `hint`,
    /// `explanation`/`extra`/`notes`, `tags`). At most 500 cards and the server's upload limit
    /// (`UPLOAD_LIMIT_BYTES`, 50 MiB by default).
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
    /// A title, 1 to 200 characters; the file name without its extension by default. Leave
    /// the part out for none.
    #[schema(value_type = Title, inline, required = false)]
    title: String,
    /// The course to file the set under; the student's own. Leave the part out for none.
    #[schema(value_type = String, format = Uuid, required = false)]
    course_id: String,
}

/// The format of an exported flashcard set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ExportFormat {
    /// CSV as RFC 4180 says, UTF-8, with the header `question,answer,hint,explanation,tags`.
    #[default]
    Csv,
    /// An Anki package, which Anki imports as a deck.
    Apkg,
}

/// How to export a flashcard set.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportQuery {
    /// The format; `csv` by default.
    pub(super) format: Option<ExportFormat>,
    /// With `apkg`: each reviewed card's schedule and review log too, as Anki's own card
    /// state; `false` by default (every card new).
    pub(super) include_schedule: Option<bool>,
}
