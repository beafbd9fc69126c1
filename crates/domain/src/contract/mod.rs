//! The contract every repository adapter keeps, as test functions over the ports.
//!
//! The same functions run against the in-memory adapters (in this crate's tests) and against
//! PostgreSQL (in `sophie-persistence`'s tests), so the two are proven to behave alike and the
//! API, AI and job crates can test on the in-memory ones. Each function takes a fresh
//! [`Fixture`]: empty storage that no other test sees.
//!
//! [`contract_suite!`](crate::contract_suite) turns every function into a `#[tokio::test]` for
//! a fixture type:
//!
//! ```ignore
//! sophie_domain::contract_suite!(MyFixture::new);
//! ```
//!
//! The functions are grouped by port (`users`, `notes`, ..., `job_queue`), plus `cascades` for
//! what deleting one row does to others; names are unique across groups, as each becomes a test
//! of the same name. [`seed`] builds valid commands and rows, [`expect`] checks errors and reads
//! every page of a list. No test depends on a fixed clock: rows are stamped by each adapter's
//! own clock, expected orders follow creation order (UUIDv7 ids break equal timestamps), and
//! leases expire by passing a later `now` explicitly rather than by waiting.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::missing_panics_doc,
    missing_docs
)]

use std::sync::Arc;

use crate::ports::{JobQueue, Repositories};

pub mod expect;
pub mod seed;

pub mod accounts;
pub mod calendar;
pub mod calendar_sync;
pub mod cascades;
pub mod chats;
pub mod courses;
pub mod documents;
pub mod flashcards;
pub mod generations;
pub mod import_jobs;
pub mod job_queue;
pub mod notes;
pub mod notifications;
pub mod quizzes;
pub mod reviews;
pub mod search;
pub mod sessions;
pub mod study_guides;
pub mod users;
pub mod verifications;

/// Fresh, empty storage for one contract test.
pub trait Fixture: Send + Sync {
    /// Every repository port.
    fn repositories(&self) -> Repositories;
    /// The job queue.
    fn job_queue(&self) -> Arc<dyn JobQueue>;
}

/// Expands to one `#[tokio::test]` per contract function, each on a new fixture made by
/// `$make` (an async fn or closure returning a [`Fixture`]).
#[macro_export]
macro_rules! contract_suite {
    ($make:expr) => {
        $crate::contract_suite!(@each $make;
            // CONTRACT_TESTS_START
            users::users_create_then_get_and_find_by_email,
            users::users_keep_their_default_reminders,
            users::users_keep_their_locale_and_time_zone,
            users::users_email_is_unique_whatever_its_case,
            users::users_create_with_password_links_a_credential_account,
            users::users_create_with_password_is_all_or_nothing,
            users::users_update_changes_only_the_fields_given,
            users::users_missing_user_is_not_found,
            users::users_rows_cannot_belong_to_a_missing_user,
            users::users_delete_frees_the_email,
            sessions::sessions_create_and_find_by_token_hash,
            sessions::sessions_expiry_keeps_microseconds,
            sessions::sessions_token_hash_is_unique,
            sessions::sessions_extend_moves_the_expiry,
            sessions::sessions_delete_ends_one_session,
            sessions::sessions_delete_all_for_user_keeps_the_one_asked,
            sessions::sessions_delete_expired_ends_those_expired_before_now,
            sessions::sessions_of_another_user_are_not_found,
            accounts::accounts_link_and_find_by_provider,
            accounts::accounts_provider_account_is_linked_once,
            accounts::accounts_list_oldest_first,
            accounts::accounts_set_password_replaces_the_hash,
            accounts::accounts_delete_unlinks_only_the_users_own,
            accounts::accounts_two_unlinks_at_once_leave_one,
            accounts::accounts_tokens_are_replaced_for_their_owner_only,
            accounts::users_created_with_a_provider_account_both_or_neither,
            verifications::verifications_valid_ones_newest_first,
            verifications::verifications_delete_one_and_expired_ones,
            courses::courses_create_and_get,
            courses::courses_update_changes_only_the_fields_given,
            courses::courses_list_pages_newest_first,
            courses::courses_of_another_user_are_not_found,
            courses::courses_delete,
            notes::notes_create_and_get,
            notes::notes_update_changes_only_the_fields_given,
            notes::notes_list_pages_newest_first,
            notes::notes_cursor_from_another_users_list_shows_none_of_theirs,
            notes::notes_filter_by_course_tag_and_source,
            notes::notes_of_another_user_are_not_found,
            notes::notes_cannot_be_filed_under_another_users_course,
            notes::notes_delete,
            documents::documents_create_and_get,
            documents::documents_storage_key_is_unique_across_users,
            documents::documents_update_processing_state,
            documents::documents_are_filed_only_under_the_users_courses,
            documents::documents_list_newest_first_by_course_and_status,
            documents::documents_of_another_user_are_not_found,
            documents::documents_delete_returns_the_record,
            documents::documents_stranded_are_unfinished_and_untouched_since,
            flashcards::flashcards_create_set_with_cards_in_order,
            flashcards::flashcards_update_set_changes_only_the_fields_given,
            flashcards::flashcards_add_update_and_delete_cards,
            flashcards::flashcards_cards_are_reached_only_through_their_set,
            flashcards::flashcards_list_sets_newest_first_with_filters,
            flashcards::flashcards_a_set_holds_a_bounded_number_of_cards,
            flashcards::flashcards_set_linked_to_another_users_material_is_not_created,
            flashcards::flashcards_sets_of_another_user_are_not_found,
            flashcards::flashcards_imported_decks_come_in_once_with_their_history,
            flashcards::flashcards_an_imported_deck_larger_than_a_set_fills_numbered_parts,
            flashcards::flashcards_a_student_s_own_export_imported_back_adds_nothing,
            quizzes::quizzes_create_with_questions_totals_their_points,
            quizzes::quizzes_total_follows_every_question_change,
            quizzes::quizzes_update_question_changes_only_the_fields_given,
            quizzes::quizzes_update_changes_only_the_fields_given,
            quizzes::quizzes_questions_are_reached_only_through_their_quiz,
            quizzes::quizzes_list_newest_first_with_filters,
            quizzes::quizzes_hold_a_bounded_number_of_questions,
            quizzes::quizzes_linked_to_another_users_material_are_not_created,
            quizzes::quizzes_responses_are_recorded_and_listed_newest_first,
            quizzes::quizzes_response_scoring_above_the_total_is_refused,
            quizzes::quizzes_of_another_user_are_not_found,
            study_guides::study_guides_create_and_get,
            study_guides::study_guides_update_changes_only_the_fields_given,
            study_guides::study_guides_list_newest_first_with_filters,
            study_guides::study_guides_of_another_user_are_not_found,
            study_guides::study_guides_delete,
            chats::chats_create_and_get_session,
            chats::chats_update_session_renames_and_refiles,
            chats::chats_list_sessions_newest_first_by_course,
            chats::chats_messages_read_oldest_first,
            chats::chats_of_another_user_are_not_found,
            chats::chats_delete_session,
            chats::chats_recent_messages_are_the_last_ones_oldest_first,
            calendar::calendar_create_and_get,
            calendar::calendar_update_changes_only_the_fields_given,
            calendar::calendar_lists_by_start_date_earliest_first,
            calendar::calendar_cursor_from_another_users_list_shows_none_of_theirs,
            calendar::calendar_filter_by_date_range_overlaps,
            calendar::calendar_filter_by_course_and_type,
            calendar::calendar_events_of_another_user_are_not_found,
            calendar::calendar_delete,
            calendar::calendar_keeps_zone_all_day_recurrence_and_reminders,
            calendar::calendar_window_holds_every_repeating_event_with_its_changes,
            calendar::calendar_sequence_rises_with_each_change_of_an_event_or_its_occurrences,
            calendar::calendar_feed_tokens_open_one_feed_and_versions_move,
            calendar::calendar_import_is_idempotent_by_uid_and_all_or_nothing,
            calendar::calendar_subscriptions_keep_their_events_in_step,
            calendar::calendar_extractions_end_once_and_keep_their_proposals,
            calendar::calendar_extractions_are_their_owners_and_go_with_their_source,
            calendar::calendar_events_are_found_by_their_uids,
            calendar_sync::calendar_sync_connect_needs_the_users_own_account_and_keeps_the_calendar,
            calendar_sync::calendar_sync_record_changes_only_the_fields_given,
            calendar_sync::calendar_sync_choosing_another_calendar_starts_over,
            calendar_sync::calendar_sync_backlog_holds_new_and_changed_events_and_deletions,
            calendar_sync::calendar_sync_a_stale_mark_leaves_the_event_out_of_step,
            calendar_sync::calendar_sync_deleting_a_synced_event_records_it_but_a_pulled_deletion_does_not,
            calendar_sync::calendar_sync_linked_finds_by_remote_id_and_by_own_id_never_anothers,
            calendar_sync::calendar_sync_due_waits_longest_first_and_skips_syncs_not_ready,
            calendar_sync::calendar_sync_disconnect_clears_the_events_and_removes_the_sync,
            calendar_sync::calendar_sync_goes_with_its_user_and_with_its_account,
            import_jobs::import_jobs_create_pending,
            import_jobs::import_jobs_update_records_progress,
            import_jobs::import_jobs_a_package_import_keeps_its_result,
            import_jobs::import_jobs_cancel_an_unfinished_import,
            import_jobs::import_jobs_cancel_a_finished_import_is_a_conflict,
            import_jobs::import_jobs_a_document_belongs_to_one_import,
            import_jobs::import_jobs_a_note_belongs_to_one_import,
            import_jobs::import_jobs_list_newest_first_by_status,
            import_jobs::import_jobs_of_another_user_are_not_found,
            import_jobs::import_jobs_delete_keeps_what_the_import_produced,
            import_jobs::import_jobs_advance_only_unfinished_and_never_back,
            reviews::reviews_a_card_is_new_until_reviewed_and_an_undo_gives_back_its_schedule,
            reviews::reviews_due_puts_learning_first_then_by_due_then_new_cards,
            reviews::reviews_tallies_count_by_day_rating_and_state,
            reviews::reviews_settings_start_at_the_defaults_and_change_field_by_field,
            reviews::reviews_go_with_their_card_and_stay_when_it_is_edited,
            reviews::reviews_a_set_s_records_hold_each_reviewed_card_with_its_log,
            generations::generations_create_pending_from_an_owned_source,
            generations::generations_finish_stores_the_result_with_its_sources_once,
            generations::generations_finish_quiz_and_guide_keep_their_sources,
            generations::generations_fail_records_the_reason_and_notifies_once,
            generations::generations_go_with_their_source,
            generations::generations_list_newest_first,
            generations::generations_token_usage_adds_up_per_user_and_day,
            generations::generations_delete_removes_the_record_only,
            generations::generations_stranded_are_unfinished_and_untouched_since,
            notifications::notifications_are_sent_unread,
            notifications::notifications_mark_read_one,
            notifications::notifications_are_sent_once_per_key,
            notifications::notifications_mark_all_read,
            notifications::notifications_list_newest_first_unread_only,
            notifications::notifications_of_another_user_are_not_found,
            notifications::notifications_delete,
            search::search_finds_notes_flashcards_and_chunks,
            search::search_ignores_case_and_matches_parts_of_words,
            search::search_never_shows_another_users_material,
            search::search_wildcards_match_only_literally,
            search::search_returns_at_most_the_limit,
            search::search_replace_chunks_and_list_them_in_order,
            search::search_a_refused_replacement_keeps_the_old_chunks,
            search::search_chunks_of_another_users_document_are_not_found,
            search::search_nearest_chunks_most_similar_first,
            search::search_filters_by_course_document_and_kind,
            search::search_fuses_the_lexical_and_vector_rankings,
            search::search_breaks_fused_ties_by_kind_then_id,
            search::search_compares_only_vectors_of_the_query_model,
            search::search_refuses_embeddings_without_their_model,
            search::search_finds_documents_embedded_by_another_model,
            search::search_finds_notes_by_their_chunks,
            search::search_get_chunks_gives_the_users_chunks_in_the_order_asked,
            job_queue::job_queue_enqueue_and_get,
            job_queue::job_queue_max_attempts_must_be_at_least_one,
            job_queue::job_queue_unique_key_deduplicates_while_unfinished,
            job_queue::job_queue_claims_by_priority_then_run_at,
            job_queue::job_queue_a_claimed_job_is_not_claimed_again,
            job_queue::job_queue_only_the_holder_may_heartbeat_complete_or_fail,
            job_queue::job_queue_a_failure_with_a_retry_time_runs_again,
            job_queue::job_queue_a_job_out_of_attempts_fails_for_good,
            job_queue::job_queue_rescue_puts_back_jobs_whose_lease_ran_out,
            job_queue::job_queue_jobs_of_unknown_kinds_fail_after_their_grace,
            job_queue::job_queue_claim_batch_takes_the_best_runnable_jobs_up_to_the_limit,
            job_queue::job_queue_complete_batch_completes_only_the_jobs_the_worker_holds,
            cascades::cascades_deleting_a_user_deletes_everything_theirs_and_nothing_else,
            cascades::cascades_deleting_a_course_unfiles_its_material,
            cascades::cascades_deleting_a_note_unlinks_what_was_made_from_it,
            cascades::cascades_deleting_a_document_drops_its_chunks_and_unlinks,
            cascades::cascades_deleting_a_set_deletes_its_cards,
            cascades::cascades_deleting_a_quiz_deletes_its_questions_and_attempts,
            cascades::cascades_deleting_a_chat_deletes_its_messages,
            // CONTRACT_TESTS_END
        );
    };
    (@each $make:expr; $($group:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let fixture = ($make)().await;
                $crate::contract::$group::$name(&fixture).await;
            }
        )*
    };
}
