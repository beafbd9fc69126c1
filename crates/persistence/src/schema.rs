// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "card_state"))]
    pub struct CardState;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "difficulty"))]
    pub struct Difficulty;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "document_status"))]
    pub struct DocumentStatus;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "event_type"))]
    pub struct EventType;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "generation_kind"))]
    pub struct GenerationKind;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "import_source"))]
    pub struct ImportSource;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "job_status"))]
    pub struct JobStatus;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "message_type"))]
    pub struct MessageType;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "note_source"))]
    pub struct NoteSource;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "notification_type"))]
    pub struct NotificationType;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "priority"))]
    pub struct Priority;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "question_type"))]
    pub struct QuestionType;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "review_rating"))]
    pub struct ReviewRating;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "tsvector", schema = "pg_catalog"))]
    pub struct Tsvector;

    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "varbit", schema = "pg_catalog"))]
    pub struct Varbit;
}

diesel::table! {
    accounts (id) {
        id -> Uuid,
        account_id -> Text,
        provider_id -> Text,
        user_id -> Uuid,
        access_token -> Nullable<Text>,
        refresh_token -> Nullable<Text>,
        id_token -> Nullable<Text>,
        access_token_expires_at -> Nullable<Timestamptz>,
        refresh_token_expires_at -> Nullable<Timestamptz>,
        scope -> Nullable<Text>,
        password -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::JobStatus;

    background_jobs (id) {
        id -> Uuid,
        kind -> Text,
        payload -> Jsonb,
        status -> JobStatus,
        priority -> Int4,
        attempts -> Int4,
        max_attempts -> Int4,
        run_at -> Timestamptz,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        unique_key -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    calendar_event_exceptions (event_id, original_start) {
        event_id -> Uuid,
        original_start -> Timestamptz,
        cancelled -> Bool,
        start_date -> Timestamptz,
        end_date -> Nullable<Timestamptz>,
        title -> Nullable<Text>,
        location -> Nullable<Text>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::EventType;
    use super::sql_types::Priority;

    calendar_events (id) {
        id -> Uuid,
        title -> Text,
        description -> Nullable<Text>,
        start_date -> Timestamptz,
        end_date -> Nullable<Timestamptz>,
        event_type -> EventType,
        location -> Nullable<Text>,
        priority -> Nullable<Priority>,
        color -> Text,
        google_event_id -> Nullable<Text>,
        google_calendar_id -> Nullable<Text>,
        course_id -> Nullable<Uuid>,
        document_id -> Nullable<Uuid>,
        user_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        time_zone -> Text,
        all_day -> Bool,
        recurrence -> Array<Nullable<Text>>,
        reminders -> Array<Nullable<Int4>>,
        sequence -> Int4,
        ical_uid -> Nullable<Text>,
        subscription_id -> Nullable<Uuid>,
        google_synced_sequence -> Nullable<Int4>,
    }
}

diesel::table! {
    calendar_feed_versions (user_id, scope) {
        user_id -> Uuid,
        scope -> Uuid,
        etag -> Text,
        modified_at -> Timestamptz,
    }
}

diesel::table! {
    calendar_feeds (user_id) {
        user_id -> Uuid,
        token_hash -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    calendar_subscriptions (id) {
        id -> Uuid,
        user_id -> Uuid,
        url -> Text,
        course_id -> Nullable<Uuid>,
        time_zone -> Text,
        event_count -> Int4,
        refreshed_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    calendar_sync_deletions (user_id, calendar_id, remote_id) {
        user_id -> Uuid,
        calendar_id -> Text,
        remote_id -> Text,
        deleted_at -> Timestamptz,
    }
}

diesel::table! {
    calendar_syncs (user_id) {
        user_id -> Uuid,
        account_id -> Uuid,
        calendar_id -> Nullable<Text>,
        sync_token -> Nullable<Text>,
        state -> Text,
        last_error -> Nullable<Text>,
        last_attempt_at -> Nullable<Timestamptz>,
        last_synced_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::MessageType;

    chat_messages (id) {
        id -> Uuid,
        content -> Text,
        message_type -> MessageType,
        references -> Nullable<Jsonb>,
        chat_session_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    chat_sessions (id) {
        id -> Uuid,
        title -> Text,
        course_id -> Nullable<Uuid>,
        user_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    courses (id) {
        id -> Uuid,
        name -> Text,
        code -> Nullable<Text>,
        description -> Nullable<Text>,
        color -> Text,
        term -> Nullable<Text>,
        instructor -> Nullable<Text>,
        user_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;
    use super::sql_types::Varbit;

    document_search_index (id) {
        id -> Uuid,
        document_id -> Nullable<Uuid>,
        content -> Text,
        page_number -> Nullable<Int4>,
        chunk_index -> Int4,
        embedding -> Nullable<Bytea>,
        content_tsv -> Nullable<Tsvector>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        user_id -> Uuid,
        embedding_model -> Nullable<Text>,
        embedding_bits -> Nullable<Varbit>,
        note_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::DocumentStatus;

    documents (id) {
        id -> Uuid,
        title -> Text,
        file_name -> Text,
        mime_type -> Text,
        file_size -> Int8,
        storage_key -> Text,
        checksum_sha256 -> Text,
        status -> DocumentStatus,
        page_count -> Nullable<Int4>,
        error_message -> Nullable<Text>,
        course_id -> Nullable<Uuid>,
        user_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        summary -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::JobStatus;

    event_extractions (id) {
        id -> Uuid,
        status -> JobStatus,
        progress -> Int4,
        time_zone -> Text,
        locale -> Text,
        proposals -> Jsonb,
        error_message -> Nullable<Text>,
        model -> Nullable<Text>,
        completed_at -> Nullable<Timestamptz>,
        user_id -> Uuid,
        document_id -> Nullable<Uuid>,
        note_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::ReviewRating;
    use super::sql_types::CardState;

    flashcard_reviews (id) {
        id -> Uuid,
        flashcard_id -> Uuid,
        user_id -> Uuid,
        rating -> ReviewRating,
        state_before -> CardState,
        reviewed_at -> Timestamptz,
        elapsed_days -> Int4,
        duration_ms -> Nullable<Int4>,
        step_before -> Nullable<Int4>,
        stability_before -> Nullable<Float8>,
        difficulty_before -> Nullable<Float8>,
        due_before -> Timestamptz,
        last_review_before -> Nullable<Timestamptz>,
        reps_before -> Int4,
        lapses_before -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::CardState;

    flashcard_schedules (flashcard_id) {
        flashcard_id -> Uuid,
        user_id -> Uuid,
        state -> CardState,
        step -> Nullable<Int4>,
        stability -> Nullable<Float8>,
        difficulty -> Nullable<Float8>,
        due -> Timestamptz,
        last_review -> Nullable<Timestamptz>,
        reps -> Int4,
        lapses -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Difficulty;

    flashcard_sets (id) {
        id -> Uuid,
        title -> Text,
        description -> Nullable<Text>,
        difficulty -> Difficulty,
        tags -> Array<Nullable<Text>>,
        color -> Text,
        user_id -> Uuid,
        course_id -> Nullable<Uuid>,
        note_id -> Nullable<Uuid>,
        document_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        external_key -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Difficulty;

    flashcards (id) {
        id -> Uuid,
        question -> Text,
        answer -> Text,
        hint -> Nullable<Text>,
        explanation -> Nullable<Text>,
        difficulty -> Difficulty,
        flashcard_set_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        sources -> Jsonb,
        external_key -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::GenerationKind;
    use super::sql_types::JobStatus;

    generation_jobs (id) {
        id -> Uuid,
        kind -> GenerationKind,
        status -> JobStatus,
        progress -> Int4,
        options -> Jsonb,
        error_message -> Nullable<Text>,
        model -> Nullable<Text>,
        prompt_tokens -> Int4,
        completion_tokens -> Int4,
        completed_at -> Nullable<Timestamptz>,
        user_id -> Uuid,
        course_id -> Nullable<Uuid>,
        note_id -> Nullable<Uuid>,
        document_id -> Nullable<Uuid>,
        flashcard_set_id -> Nullable<Uuid>,
        quiz_id -> Nullable<Uuid>,
        study_guide_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::ImportSource;
    use super::sql_types::JobStatus;

    import_jobs (id) {
        id -> Uuid,
        source -> ImportSource,
        source_url -> Nullable<Text>,
        title -> Nullable<Text>,
        status -> JobStatus,
        progress -> Int4,
        error_message -> Nullable<Text>,
        completed_at -> Nullable<Timestamptz>,
        user_id -> Uuid,
        note_id -> Nullable<Uuid>,
        document_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        result -> Nullable<Jsonb>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::NoteSource;
    use super::sql_types::Tsvector;

    notes (id) {
        id -> Uuid,
        title -> Text,
        content -> Text,
        transcription -> Nullable<Text>,
        summary -> Nullable<Text>,
        source -> NoteSource,
        source_url -> Nullable<Text>,
        duration_seconds -> Nullable<Int4>,
        tags -> Array<Nullable<Text>>,
        course_id -> Nullable<Uuid>,
        user_id -> Uuid,
        content_tsv -> Nullable<Tsvector>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::NotificationType;

    notifications (id) {
        id -> Uuid,
        #[sql_name = "type"]
        type_ -> NotificationType,
        title -> Text,
        message -> Text,
        read -> Bool,
        link -> Nullable<Text>,
        user_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        dedup_key -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::QuestionType;
    use super::sql_types::Difficulty;

    questions (id) {
        id -> Uuid,
        #[sql_name = "type"]
        type_ -> QuestionType,
        question -> Text,
        options -> Nullable<Jsonb>,
        correct_answer -> Text,
        explanation -> Nullable<Text>,
        hint -> Nullable<Text>,
        difficulty -> Difficulty,
        points -> Int4,
        quiz_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        sources -> Jsonb,
    }
}

diesel::table! {
    quiz_responses (id) {
        id -> Uuid,
        quiz_id -> Uuid,
        user_id -> Uuid,
        answers -> Jsonb,
        score -> Int4,
        total_points -> Int4,
        time_spent_seconds -> Nullable<Int4>,
        started_at -> Nullable<Timestamptz>,
        completed_at -> Timestamptz,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Difficulty;

    quizzes (id) {
        id -> Uuid,
        title -> Text,
        description -> Nullable<Text>,
        difficulty -> Difficulty,
        time_limit -> Nullable<Int4>,
        total_points -> Int4,
        user_id -> Uuid,
        course_id -> Nullable<Uuid>,
        note_id -> Nullable<Uuid>,
        document_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    review_settings (user_id) {
        user_id -> Uuid,
        desired_retention -> Float8,
        new_cards_per_day -> Int4,
        fuzz -> Bool,
        parameters -> Nullable<Array<Nullable<Float8>>>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    search_index_versions (user_id) {
        user_id -> Uuid,
        version -> Int8,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        expires_at -> Timestamptz,
        token -> Text,
        ip_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        user_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    study_guides (id) {
        id -> Uuid,
        title -> Text,
        content -> Text,
        note_id -> Nullable<Uuid>,
        course_id -> Nullable<Uuid>,
        document_id -> Nullable<Uuid>,
        user_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        sources -> Jsonb,
    }
}

diesel::table! {
    token_usage (user_id, day) {
        user_id -> Uuid,
        day -> Date,
        prompt_tokens -> Int8,
        completion_tokens -> Int8,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        name -> Text,
        email -> Text,
        email_verified -> Bool,
        image -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        default_reminders -> Nullable<Array<Nullable<Int4>>>,
        locale -> Nullable<Text>,
        time_zone -> Nullable<Text>,
    }
}

diesel::table! {
    verifications (id) {
        id -> Uuid,
        identifier -> Text,
        value -> Text,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(accounts -> users (user_id));
diesel::joinable!(calendar_event_exceptions -> calendar_events (event_id));
diesel::joinable!(calendar_events -> calendar_subscriptions (subscription_id));
diesel::joinable!(calendar_events -> courses (course_id));
diesel::joinable!(calendar_events -> documents (document_id));
diesel::joinable!(calendar_events -> users (user_id));
diesel::joinable!(calendar_feed_versions -> users (user_id));
diesel::joinable!(calendar_feeds -> users (user_id));
diesel::joinable!(calendar_subscriptions -> courses (course_id));
diesel::joinable!(calendar_subscriptions -> users (user_id));
diesel::joinable!(calendar_sync_deletions -> users (user_id));
diesel::joinable!(calendar_syncs -> accounts (account_id));
diesel::joinable!(calendar_syncs -> users (user_id));
diesel::joinable!(chat_messages -> chat_sessions (chat_session_id));
diesel::joinable!(chat_sessions -> courses (course_id));
diesel::joinable!(chat_sessions -> users (user_id));
diesel::joinable!(courses -> users (user_id));
diesel::joinable!(document_search_index -> documents (document_id));
diesel::joinable!(document_search_index -> notes (note_id));
diesel::joinable!(document_search_index -> users (user_id));
diesel::joinable!(documents -> courses (course_id));
diesel::joinable!(documents -> users (user_id));
diesel::joinable!(event_extractions -> documents (document_id));
diesel::joinable!(event_extractions -> notes (note_id));
diesel::joinable!(event_extractions -> users (user_id));
diesel::joinable!(flashcard_reviews -> flashcards (flashcard_id));
diesel::joinable!(flashcard_reviews -> users (user_id));
diesel::joinable!(flashcard_schedules -> flashcards (flashcard_id));
diesel::joinable!(flashcard_schedules -> users (user_id));
diesel::joinable!(flashcard_sets -> courses (course_id));
diesel::joinable!(flashcard_sets -> documents (document_id));
diesel::joinable!(flashcard_sets -> notes (note_id));
diesel::joinable!(flashcard_sets -> users (user_id));
diesel::joinable!(flashcards -> flashcard_sets (flashcard_set_id));
diesel::joinable!(generation_jobs -> courses (course_id));
diesel::joinable!(generation_jobs -> documents (document_id));
diesel::joinable!(generation_jobs -> flashcard_sets (flashcard_set_id));
diesel::joinable!(generation_jobs -> notes (note_id));
diesel::joinable!(generation_jobs -> quizzes (quiz_id));
diesel::joinable!(generation_jobs -> study_guides (study_guide_id));
diesel::joinable!(generation_jobs -> users (user_id));
diesel::joinable!(import_jobs -> documents (document_id));
diesel::joinable!(import_jobs -> notes (note_id));
diesel::joinable!(import_jobs -> users (user_id));
diesel::joinable!(notes -> courses (course_id));
diesel::joinable!(notes -> users (user_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(questions -> quizzes (quiz_id));
diesel::joinable!(quiz_responses -> quizzes (quiz_id));
diesel::joinable!(quiz_responses -> users (user_id));
diesel::joinable!(quizzes -> courses (course_id));
diesel::joinable!(quizzes -> documents (document_id));
diesel::joinable!(quizzes -> notes (note_id));
diesel::joinable!(quizzes -> users (user_id));
diesel::joinable!(review_settings -> users (user_id));
diesel::joinable!(search_index_versions -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(study_guides -> courses (course_id));
diesel::joinable!(study_guides -> documents (document_id));
diesel::joinable!(study_guides -> notes (note_id));
diesel::joinable!(study_guides -> users (user_id));
diesel::joinable!(token_usage -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    background_jobs,
    calendar_event_exceptions,
    calendar_events,
    calendar_feed_versions,
    calendar_feeds,
    calendar_subscriptions,
    calendar_sync_deletions,
    calendar_syncs,
    chat_messages,
    chat_sessions,
    courses,
    document_search_index,
    documents,
    event_extractions,
    flashcard_reviews,
    flashcard_schedules,
    flashcard_sets,
    flashcards,
    generation_jobs,
    import_jobs,
    notes,
    notifications,
    questions,
    quiz_responses,
    quizzes,
    review_settings,
    search_index_versions,
    sessions,
    study_guides,
    token_usage,
    users,
    verifications,
);
