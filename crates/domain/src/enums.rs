//! The platform's enumerations, with the exact UPPER_SNAKE values of the schema.
//!
//! Each enum converts to and from its string with [`std::fmt::Display`] / [`std::str::FromStr`]
//! (and `as_str`), and travels in JSON as that same string.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The string is not one of the enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {enum_name} value {value:?}; expected one of: {expected}")]
pub struct UnknownVariant {
    /// The enum's name.
    pub enum_name: &'static str,
    /// The value that was given.
    pub value: String,
    /// The accepted values, comma separated.
    pub expected: String,
}

macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        // Spelled as a rule, not per variant: the OpenAPI derive cannot read a literal passed
        // through a macro, and would document `MultipleChoice` for `MULTIPLE_CHOICE`. A test
        // checks that the rule gives each variant's text.
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The value as stored and sent: UPPER_SNAKE.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownVariant;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(UnknownVariant {
                        enum_name: stringify!($name),
                        value: s.to_owned(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }
    };
}

string_enum!(
    /// How hard a flashcard, question, set or quiz is.
    Difficulty {
        /// Easy.
        Easy => "EASY",
        /// Medium.
        Medium => "MEDIUM",
        /// Hard.
        Hard => "HARD",
    }
);

string_enum!(
    /// The kind of a quiz question, which decides how it is graded.
    QuestionType {
        /// Pick one of several options.
        MultipleChoice => "MULTIPLE_CHOICE",
        /// True or false.
        TrueFalse => "TRUE_FALSE",
        /// A free short answer.
        ShortAnswer => "SHORT_ANSWER",
        /// A word or phrase that fills a blank.
        FillInTheBlank => "FILL_IN_THE_BLANK",
    }
);

string_enum!(
    /// Who wrote a chat message.
    MessageType {
        /// The student.
        User => "USER",
        /// The AI assistant.
        Assistant => "ASSISTANT",
        /// The system (instructions, notices).
        System => "SYSTEM",
    }
);

string_enum!(
    /// The kind of a calendar event.
    EventType {
        /// An assignment due.
        Assignment => "ASSIGNMENT",
        /// An exam.
        Exam => "EXAM",
        /// A quiz in class.
        Quiz => "QUIZ",
        /// A lecture.
        Lecture => "LECTURE",
        /// A lab session.
        Lab => "LAB",
        /// Office hours.
        OfficeHours => "OFFICE_HOURS",
        /// A study session.
        StudySession => "STUDY_SESSION",
        /// A deadline.
        Deadline => "DEADLINE",
        /// Anything else.
        Other => "OTHER",
    }
);

string_enum!(
    /// How urgent a calendar event is.
    Priority {
        /// Low.
        Low => "LOW",
        /// Medium.
        Medium => "MEDIUM",
        /// High.
        High => "HIGH",
        /// Urgent.
        Urgent => "URGENT",
    }
);

string_enum!(
    /// Where an import job takes its material from.
    ImportSource {
        /// An uploaded file.
        File => "FILE",
        /// A YouTube video.
        Youtube => "YOUTUBE",
        /// An audio recording.
        Audio => "AUDIO",
        /// A web page.
        Url => "URL",
        /// A flashcard package (Anki's `.apkg` or `.colpkg`), becoming sets.
        Deck => "DECK",
    }
);

string_enum!(
    /// The state of an import job or a background job.
    JobStatus {
        /// Waiting to run.
        Pending => "PENDING",
        /// Running now.
        Processing => "PROCESSING",
        /// Finished successfully.
        Completed => "COMPLETED",
        /// Gave up after an error.
        Failed => "FAILED",
        /// Cancelled by its owner.
        Cancelled => "CANCELLED",
    }
);

impl JobStatus {
    /// Whether the job has reached an end state and will not run again.
    #[must_use]
    pub const fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

string_enum!(
    /// What a generation job makes.
    GenerationKind {
        /// A flashcard set.
        Flashcards => "FLASHCARDS",
        /// A quiz.
        Quiz => "QUIZ",
        /// A study guide.
        StudyGuide => "STUDY_GUIDE",
    }
);

impl GenerationKind {
    /// The API path of a result of this kind, as a notification links to it.
    #[must_use]
    pub fn result_path(self, id: uuid::Uuid) -> String {
        let collection = match self {
            Self::Flashcards => "flashcard-sets",
            Self::Quiz => "quizzes",
            Self::StudyGuide => "study-guides",
        };
        format!("/api/v1/{collection}/{id}")
    }
}

string_enum!(
    /// Where a note's content came from.
    NoteSource {
        /// Typed by the student.
        Manual => "MANUAL",
        /// Extracted from a file.
        File => "FILE",
        /// Transcribed from a YouTube video.
        Youtube => "YOUTUBE",
        /// Transcribed from audio.
        Audio => "AUDIO",
        /// Taken from a web page.
        Url => "URL",
    }
);

string_enum!(
    /// How far an uploaded document has been processed.
    DocumentStatus {
        /// Uploaded, not processed yet.
        Pending => "PENDING",
        /// Being processed.
        Processing => "PROCESSING",
        /// Processed and searchable.
        Ready => "READY",
        /// Processing failed; see the document's error message.
        Failed => "FAILED",
    }
);

string_enum!(
    /// What a notification is about.
    NotificationType {
        /// An import finished.
        ImportCompleted => "IMPORT_COMPLETED",
        /// An import failed.
        ImportFailed => "IMPORT_FAILED",
        /// AI generation finished.
        GenerationCompleted => "GENERATION_COMPLETED",
        /// AI generation failed.
        GenerationFailed => "GENERATION_FAILED",
        /// A calendar event is coming up.
        EventReminder => "EVENT_REMINDER",
        /// The calendar was synchronised.
        CalendarSync => "CALENDAR_SYNC",
        /// A message from the system.
        System => "SYSTEM",
    }
);

string_enum!(
    /// Where a flashcard stands in spaced repetition (FSRS).
    CardState {
        /// Never reviewed; scheduled like a card at the first learning step.
        New => "NEW",
        /// Being learned: answered at least once, still going through the learning steps.
        Learning => "LEARNING",
        /// Learned: due again after an interval of whole days.
        Review => "REVIEW",
        /// Forgotten after being learned: going through the relearning steps.
        Relearning => "RELEARNING",
    }
);

string_enum!(
    /// Where a student's calendar sync stands.
    SyncState {
        /// Connected; waiting for a calendar to be chosen, or for the next run.
        Idle => "IDLE",
        /// A run has started and not ended.
        Syncing => "SYNCING",
        /// The last run failed (see `lastError`); it is tried again.
        Failed => "FAILED",
        /// Google no longer lets sophie act for the student: connect again.
        NeedsReconnection => "NEEDS_RECONNECTION",
    }
);

string_enum!(
    /// How well a flashcard was recalled at a review.
    ReviewRating {
        /// Not recalled.
        Again => "AGAIN",
        /// Recalled with serious difficulty.
        Hard => "HARD",
        /// Recalled after some hesitation.
        Good => "GOOD",
        /// Recalled at once.
        Easy => "EASY",
    }
);

impl ReviewRating {
    /// The rating as FSRS numbers it: 1 (again) to 4 (easy).
    #[must_use]
    pub const fn value(self) -> u8 {
        match self {
            Self::Again => 1,
            Self::Hard => 2,
            Self::Good => 3,
            Self::Easy => 4,
        }
    }
}
