//! Typed identifiers: one newtype over [`Uuid`] per entity, so a note id can never be passed
//! where a course id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered identifier (UUIDv7), so ids sort roughly by creation.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID, as read from storage or a request path.
            #[must_use]
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            #[must_use]
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

typed_id!(
    /// Identifies a [`crate::User`].
    UserId
);
typed_id!(
    /// Identifies a [`crate::Session`].
    SessionId
);
typed_id!(
    /// Identifies an [`crate::Account`].
    AccountId
);
typed_id!(
    /// Identifies a [`crate::Verification`].
    VerificationId
);
typed_id!(
    /// Identifies a [`crate::Course`].
    CourseId
);
typed_id!(
    /// Identifies a [`crate::Note`].
    NoteId
);
typed_id!(
    /// Identifies a [`crate::Document`].
    DocumentId
);
typed_id!(
    /// Identifies a [`crate::FlashcardSet`].
    FlashcardSetId
);
typed_id!(
    /// Identifies a [`crate::Flashcard`].
    FlashcardId
);
typed_id!(
    /// Identifies a [`crate::Quiz`].
    QuizId
);
typed_id!(
    /// Identifies a [`crate::Question`].
    QuestionId
);
typed_id!(
    /// Identifies a [`crate::QuizResponse`].
    QuizResponseId
);
typed_id!(
    /// Identifies a [`crate::StudyGuide`].
    StudyGuideId
);
typed_id!(
    /// Identifies a [`crate::ChatSession`].
    ChatSessionId
);
typed_id!(
    /// Identifies a [`crate::ChatMessage`].
    ChatMessageId
);
typed_id!(
    /// Identifies a [`crate::CalendarEvent`].
    CalendarEventId
);
typed_id!(
    /// Identifies a [`crate::CalendarSubscription`].
    CalendarSubscriptionId
);
typed_id!(
    /// Identifies an [`crate::EventExtraction`].
    EventExtractionId
);
typed_id!(
    /// Identifies an [`crate::EventProposal`] within its extraction.
    ProposalId
);
typed_id!(
    /// Identifies an [`crate::ImportJob`].
    ImportJobId
);
typed_id!(
    /// Identifies a [`crate::GenerationJob`].
    GenerationJobId
);
typed_id!(
    /// Identifies a [`crate::ReviewLog`] (one review of a flashcard).
    ReviewId
);
typed_id!(
    /// Identifies a [`crate::Notification`].
    NotificationId
);
typed_id!(
    /// Identifies a [`crate::DocumentChunk`] (a row of the document search index).
    DocumentChunkId
);
typed_id!(
    /// Identifies a [`crate::BackgroundJob`].
    BackgroundJobId
);
