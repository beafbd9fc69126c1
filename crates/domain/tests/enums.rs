//! The enumerations' exact strings (DATA-MODEL.md), the JSON shape of the entities a client
//! reads, and the typed ids.

use std::collections::HashSet;
use std::str::FromStr;

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use sophie_domain::{
    CardState, Difficulty, DocumentStatus, EventType, Flashcard, FlashcardId, FlashcardSet,
    FlashcardSetId, FlashcardSetWithCards, GenerationKind, ImportSource, JobStatus, MessageType,
    NoteId, NoteSource, Notification, NotificationId, NotificationType, Priority, Question,
    QuestionId, QuestionType, Quiz, QuizId, QuizWithQuestions, ReviewRating, SyncState, UserId,
};
use uuid::Uuid;

/// Checks that `$ty::ALL` is exactly `$expected`, in order, and that every value round-trips
/// through `as_str`, `Display`, `FromStr` and JSON; and that near misses are refused.
macro_rules! check_enum {
    ($ty:ident, [$($text:literal),+ $(,)?]) => {{
        let expected: &[&str] = &[$($text),+];
        let actual: Vec<&str> = $ty::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(actual, expected, "{}::ALL", stringify!($ty));

        for value in $ty::ALL {
            let text = value.as_str();
            assert_eq!(value.to_string(), text);
            assert_eq!($ty::from_str(text).unwrap(), *value);
            let json = serde_json::to_string(value).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<$ty>(&json).unwrap(), *value);
        }

        for bad in [
            String::new(),
            "UNKNOWN".to_owned(),
            expected[0].to_lowercase(),
            format!(" {}", expected[0]),
            format!("{}S", expected[0]),
        ] {
            let error = $ty::from_str(&bad).unwrap_err();
            assert_eq!(error.enum_name, stringify!($ty));
            assert_eq!(error.value, bad);
            assert_eq!(error.expected, expected.join(", "));
            let message = error.to_string();
            assert!(
                message.contains(&format!("expected one of: {}", expected.join(", "))),
                "{message}"
            );
            assert!(message.contains(&format!("{bad:?}")), "{message}");
            assert!(
                serde_json::from_value::<$ty>(Value::String(bad.clone())).is_err(),
                "JSON {bad:?}"
            );
        }
    }};
}

#[test]
fn sync_state() {
    check_enum!(
        SyncState,
        ["IDLE", "SYNCING", "FAILED", "NEEDS_RECONNECTION"]
    );
}

#[test]
fn difficulty() {
    check_enum!(Difficulty, ["EASY", "MEDIUM", "HARD"]);
}

#[test]
fn question_type() {
    check_enum!(
        QuestionType,
        [
            "MULTIPLE_CHOICE",
            "TRUE_FALSE",
            "SHORT_ANSWER",
            "FILL_IN_THE_BLANK"
        ]
    );
}

#[test]
fn message_type() {
    check_enum!(MessageType, ["USER", "ASSISTANT", "SYSTEM"]);
}

#[test]
fn event_type_has_nine_values() {
    check_enum!(
        EventType,
        [
            "ASSIGNMENT",
            "EXAM",
            "QUIZ",
            "LECTURE",
            "LAB",
            "OFFICE_HOURS",
            "STUDY_SESSION",
            "DEADLINE",
            "OTHER",
        ]
    );
    assert_eq!(EventType::ALL.len(), 9);
}

#[test]
fn priority() {
    check_enum!(Priority, ["LOW", "MEDIUM", "HIGH", "URGENT"]);
}

#[test]
fn generation_kind() {
    check_enum!(GenerationKind, ["FLASHCARDS", "QUIZ", "STUDY_GUIDE"]);
}

#[test]
fn import_source() {
    check_enum!(ImportSource, ["FILE", "YOUTUBE", "AUDIO", "URL", "DECK"]);
}

#[test]
fn job_status() {
    check_enum!(
        JobStatus,
        ["PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"]
    );
}

#[test]
fn job_status_is_finished_only_in_end_states() {
    let finished: Vec<JobStatus> = JobStatus::ALL
        .iter()
        .copied()
        .filter(|s| s.is_finished())
        .collect();
    assert_eq!(
        finished,
        [
            JobStatus::Completed,
            JobStatus::Failed,
            JobStatus::Cancelled
        ]
    );
}

#[test]
fn note_source() {
    check_enum!(NoteSource, ["MANUAL", "FILE", "YOUTUBE", "AUDIO", "URL"]);
}

#[test]
fn document_status() {
    check_enum!(DocumentStatus, ["PENDING", "PROCESSING", "READY", "FAILED"]);
}

#[test]
fn notification_type() {
    check_enum!(
        NotificationType,
        [
            "IMPORT_COMPLETED",
            "IMPORT_FAILED",
            "GENERATION_COMPLETED",
            "GENERATION_FAILED",
            "EVENT_REMINDER",
            "CALENDAR_SYNC",
            "SYSTEM",
        ]
    );
}

#[test]
fn card_state() {
    check_enum!(CardState, ["NEW", "LEARNING", "REVIEW", "RELEARNING"]);
}

#[test]
fn review_rating() {
    check_enum!(ReviewRating, ["AGAIN", "HARD", "GOOD", "EASY"]);
    let values: Vec<u8> = ReviewRating::ALL.iter().map(|r| r.value()).collect();
    assert_eq!(values, [1, 2, 3, 4]);
}

// ---------------------------------------------------------------- entity JSON

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

fn sample_question() -> Question {
    let at = Utc
        .with_ymd_and_hms(2025, 1, 2, 3, 4, 5)
        .single()
        .unwrap_or_default();
    Question {
        sources: Vec::new(),
        id: QuestionId::new(),
        quiz_id: QuizId::new(),
        question_type: QuestionType::MultipleChoice,
        question: "Capital of France?".to_owned(),
        options: Some(vec!["Paris".to_owned(), "Lyon".to_owned()]),
        correct_answer: "Paris".to_owned(),
        explanation: None,
        hint: Some("Not Lyon".to_owned()),
        difficulty: Difficulty::Easy,
        points: 2,
        created_at: at,
        updated_at: at,
    }
}

#[test]
fn question_json_uses_type_and_camel_case() {
    let question = sample_question();
    let json = serde_json::to_value(&question).unwrap();
    assert_eq!(
        keys(&json),
        [
            "correctAnswer",
            "createdAt",
            "difficulty",
            "explanation",
            "hint",
            "id",
            "options",
            "points",
            "question",
            "quizId",
            "sources",
            "type",
            "updatedAt",
        ]
    );
    assert_eq!(json["type"], "MULTIPLE_CHOICE");
    assert_eq!(json["correctAnswer"], "Paris");
    assert_eq!(json["quizId"], question.quiz_id.to_string());
    assert_eq!(json["id"], question.id.to_string());
    assert_eq!(json["difficulty"], "EASY");
    assert_eq!(json["options"], json!(["Paris", "Lyon"]));
    assert_eq!(json["explanation"], Value::Null);
    assert_eq!(serde_json::from_value::<Question>(json).unwrap(), question);
}

#[test]
fn quiz_with_questions_flattens_the_quiz_beside_its_questions() {
    let question = sample_question();
    let at = question.created_at;
    let quiz = QuizWithQuestions {
        quiz: Quiz {
            id: question.quiz_id,
            user_id: UserId::new(),
            course_id: None,
            note_id: Some(NoteId::new()),
            document_id: None,
            title: "Geography".to_owned(),
            description: None,
            difficulty: Difficulty::Hard,
            time_limit: Some(15),
            total_points: 2,
            created_at: at,
            updated_at: at,
        },
        questions: vec![question],
    };
    let json = serde_json::to_value(&quiz).unwrap();
    assert!(json.get("quiz").is_none());
    assert_eq!(json["id"], quiz.quiz.id.to_string());
    assert_eq!(json["totalPoints"], 2);
    assert_eq!(json["timeLimit"], 15);
    assert_eq!(json["courseId"], Value::Null);
    assert_eq!(json["questions"][0]["type"], "MULTIPLE_CHOICE");
    assert_eq!(
        serde_json::from_value::<QuizWithQuestions>(json).unwrap(),
        quiz
    );
}

#[test]
fn notification_json_uses_type() {
    let at = Utc
        .with_ymd_and_hms(2025, 6, 1, 12, 0, 0)
        .single()
        .unwrap_or_default();
    let notification = Notification {
        id: NotificationId::new(),
        user_id: UserId::new(),
        notification_type: NotificationType::ImportCompleted,
        title: "Import done".to_owned(),
        message: "Your lecture is ready".to_owned(),
        read: false,
        link: Some("/notes/1".to_owned()),
        created_at: at,
        updated_at: at,
    };
    let json = serde_json::to_value(&notification).unwrap();
    assert_eq!(
        keys(&json),
        [
            "createdAt",
            "id",
            "link",
            "message",
            "read",
            "title",
            "type",
            "updatedAt",
            "userId",
        ]
    );
    assert_eq!(json["type"], "IMPORT_COMPLETED");
    assert_eq!(json["createdAt"], "2025-06-01T12:00:00Z");
    assert_eq!(
        serde_json::from_value::<Notification>(json).unwrap(),
        notification
    );
}

#[test]
fn flashcard_set_with_cards_flattens_the_set_beside_its_cards() {
    let at = Utc
        .with_ymd_and_hms(2025, 2, 3, 4, 5, 6)
        .single()
        .unwrap_or_default();
    let set_id = FlashcardSetId::new();
    let set = FlashcardSetWithCards {
        set: FlashcardSet {
            id: set_id,
            user_id: UserId::new(),
            course_id: None,
            note_id: None,
            document_id: None,
            title: "Organelles".to_owned(),
            description: Some("Cell parts".to_owned()),
            difficulty: Difficulty::Medium,
            tags: vec!["biology".to_owned()],
            color: "#1e90ff".to_owned(),
            created_at: at,
            updated_at: at,
        },
        flashcards: vec![Flashcard {
            sources: Vec::new(),
            id: FlashcardId::new(),
            flashcard_set_id: set_id,
            question: "Powerhouse of the cell?".to_owned(),
            answer: "Mitochondria".to_owned(),
            hint: None,
            explanation: None,
            difficulty: Difficulty::Easy,
            created_at: at,
            updated_at: at,
        }],
    };
    let json = serde_json::to_value(&set).unwrap();
    assert_eq!(
        keys(&json),
        [
            "color",
            "courseId",
            "createdAt",
            "description",
            "difficulty",
            "documentId",
            "flashcards",
            "id",
            "noteId",
            "tags",
            "title",
            "updatedAt",
            "userId",
        ]
    );
    assert_eq!(json["id"], set_id.to_string());
    assert_eq!(json["tags"], json!(["biology"]));
    assert_eq!(json["flashcards"][0]["flashcardSetId"], set_id.to_string());
    assert_eq!(json["flashcards"][0]["answer"], "Mitochondria");
    assert_eq!(
        serde_json::from_value::<FlashcardSetWithCards>(json).unwrap(),
        set
    );
}

// ---------------------------------------------------------------- typed ids

#[test]
fn new_ids_are_version_7_and_sort_by_creation() {
    let ids: Vec<NoteId> = (0..1_000).map(|_| NoteId::new()).collect();
    for id in &ids {
        assert_eq!(id.as_uuid().get_version_num(), 7);
    }
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "not strictly increasing"
    );
    let distinct: HashSet<NoteId> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len());
    assert_eq!(QuizId::default().as_uuid().get_version_num(), 7);
}

#[test]
fn ids_round_trip_through_strings() {
    let id = QuestionId::new();
    let text = id.to_string();
    assert_eq!(text.len(), 36);
    assert_eq!(QuestionId::from_str(&text).unwrap(), id);
    assert_eq!(
        QuestionId::from_str(&text.to_uppercase()).unwrap(),
        id,
        "upper-case UUIDs parse too"
    );
    assert!(QuestionId::from_str("not-a-uuid").is_err());
    assert!(QuestionId::from_str("").is_err());

    let uuid = Uuid::from_u128(42);
    let wrapped = UserId::from_uuid(uuid);
    assert_eq!(wrapped.as_uuid(), uuid);
    assert_eq!(Uuid::from(wrapped), uuid);
    assert_eq!(UserId::from(uuid), wrapped);
}

#[test]
fn ids_travel_in_json_as_bare_strings() {
    let id = NotificationId::new();
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, format!("\"{id}\""));
    assert_eq!(serde_json::from_str::<NotificationId>(&json).unwrap(), id);
    assert!(serde_json::from_str::<NotificationId>("\"nope\"").is_err());
    assert!(serde_json::from_str::<NotificationId>(&format!("{{\"0\":\"{id}\"}}")).is_err());
}
