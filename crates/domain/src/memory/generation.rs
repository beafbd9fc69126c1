//! Generation jobs and the tokens spent for each student, in memory.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::paging::page_of;
use super::store::{MemoryStore, Tables, owned, owned_mut};
use super::workspace::insert_notification;
use crate::entities::{
    GeneratedResult, GenerationFinish, GenerationJob, GenerationSource, NewGenerationJob,
    NewNotification,
};
use crate::enums::JobStatus;
use crate::error::{DomainError, DomainResult};
use crate::id::{GenerationJobId, UserId};
use crate::pagination::{Page, PageRequest, SortOrder};
use crate::ports::{GenerationRepository, TokenUsage};
use crate::values::{Link, Progress};

const ENTITY: &str = "generation job";

/// The tokens of one user on one day: read, written.
pub(super) type DailyTokens = (u64, u64);

/// Tokens as the job's `integer` columns hold them.
fn tokens(count: u32) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}

impl Tables {
    /// The user's unfinished job, or `None` when it is gone or finished.
    fn unfinished_job(&mut self, user: UserId, id: GenerationJobId) -> Option<&mut GenerationJob> {
        self.generation_jobs
            .get_mut(&id)
            .filter(|job| job.user_id == user && !job.status.is_finished())
    }

    /// Whether the source is the user's.
    fn check_source(&self, user: UserId, source: GenerationSource) -> DomainResult<()> {
        self.check_links(user, source.links())
    }
}

#[async_trait]
impl GenerationRepository for MemoryStore {
    async fn create(&self, user: UserId, new: NewGenerationJob) -> DomainResult<GenerationJob> {
        self.write(|tables, now| {
            tables.check_user(user)?;
            tables.check_source(user, new.source)?;
            let links = new.source.links();
            let job = GenerationJob {
                id: GenerationJobId::new(),
                user_id: user,
                kind: new.kind,
                status: JobStatus::Pending,
                progress: 0,
                course_id: links.course_id,
                note_id: links.note_id,
                document_id: links.document_id,
                settings: new.settings,
                result_id: None,
                error_message: None,
                model: None,
                prompt_tokens: 0,
                completion_tokens: 0,
                completed_at: None,
                created_at: now,
                updated_at: now,
            };
            tables.generation_jobs.insert(job.id, job.clone());
            Ok(job)
        })
    }

    async fn get(&self, user: UserId, id: GenerationJobId) -> DomainResult<GenerationJob> {
        self.with_tables(|tables| owned(&tables.generation_jobs, user, &id, ENTITY).cloned())
    }

    async fn list(&self, user: UserId, page: PageRequest) -> DomainResult<Page<GenerationJob>> {
        self.with_tables(|tables| {
            let rows = tables
                .generation_jobs
                .values()
                .filter(|job| job.user_id == user);
            Ok(page_of(rows, SortOrder::NewestFirst, page, |job| {
                (job.created_at, job.id.as_uuid())
            }))
        })
    }

    async fn advance(
        &self,
        user: UserId,
        id: GenerationJobId,
        progress: Progress,
    ) -> DomainResult<Option<GenerationJob>> {
        self.write(|tables, now| {
            let Some(job) = tables.unfinished_job(user, id) else {
                return Ok(None);
            };
            job.status = JobStatus::Processing;
            job.progress = job.progress.max(progress.get_i32());
            job.updated_at = now;
            Ok(Some(job.clone()))
        })
    }

    async fn finish(
        &self,
        user: UserId,
        id: GenerationJobId,
        finish: GenerationFinish,
    ) -> DomainResult<Option<GenerationJob>> {
        self.write(|tables, now| {
            let Some(job) = tables.unfinished_job(user, id) else {
                return Ok(None);
            };
            let kind = job.kind;
            if finish.result.kind() != kind {
                return Err(DomainError::internal(format!(
                    "a {kind} generation cannot finish with a {}",
                    finish.result.kind()
                )));
            }
            let result_id = match finish.result {
                GeneratedResult::Flashcards(new) => {
                    tables.insert_set(user, new, now)?.set.id.as_uuid()
                }
                GeneratedResult::Quiz(new) => tables.insert_quiz(user, new, now)?.quiz.id.as_uuid(),
                GeneratedResult::StudyGuide(new) => {
                    tables.insert_guide(user, new, now)?.id.as_uuid()
                }
            };
            let link = Link::parse(kind.result_path(result_id))
                .map_err(|e| DomainError::internal(format!("a result link: {}", e.0)))?;
            let notice = NewNotification {
                link: Some(link),
                ..finish.notice
            };
            insert_notification(tables, user, notice, now)?;
            let job = owned_mut(&mut tables.generation_jobs, user, &id, ENTITY)?;
            job.status = JobStatus::Completed;
            job.progress = 100;
            job.result_id = Some(result_id);
            job.model = Some(finish.model);
            job.prompt_tokens = tokens(finish.usage.prompt_tokens);
            job.completion_tokens = tokens(finish.usage.completion_tokens);
            job.error_message = None;
            job.completed_at = Some(now);
            job.updated_at = now;
            Ok(Some(job.clone()))
        })
    }

    async fn fail(
        &self,
        user: UserId,
        id: GenerationJobId,
        reason: String,
        notice: NewNotification,
    ) -> DomainResult<Option<GenerationJob>> {
        self.write(|tables, now| {
            if tables.unfinished_job(user, id).is_none() {
                return Ok(None);
            }
            insert_notification(tables, user, notice, now)?;
            let job = owned_mut(&mut tables.generation_jobs, user, &id, ENTITY)?;
            job.status = JobStatus::Failed;
            job.error_message = Some(reason);
            job.completed_at = Some(now);
            job.updated_at = now;
            Ok(Some(job.clone()))
        })
    }

    async fn delete(&self, user: UserId, id: GenerationJobId) -> DomainResult<()> {
        self.with_tables(|tables| {
            owned(&tables.generation_jobs, user, &id, ENTITY)?;
            tables.generation_jobs.remove(&id);
            Ok(())
        })
    }

    async fn record_usage(
        &self,
        user: UserId,
        day: NaiveDate,
        usage: TokenUsage,
    ) -> DomainResult<()> {
        self.with_tables(|tables| {
            tables.check_user(user)?;
            let entry = tables.token_usage.entry((user, day)).or_default();
            entry.0 += u64::from(usage.prompt_tokens);
            entry.1 += u64::from(usage.completion_tokens);
            Ok(())
        })
    }

    async fn usage_on(&self, user: UserId, day: NaiveDate) -> DomainResult<u64> {
        self.with_tables(|tables| {
            Ok(tables
                .token_usage
                .get(&(user, day))
                .map_or(0, |(read, written)| read + written))
        })
    }

    async fn stranded(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<(UserId, GenerationJobId)>> {
        self.with_tables(|tables| {
            let mut rows: Vec<&GenerationJob> = tables
                .generation_jobs
                .values()
                .filter(|job| {
                    matches!(job.status, JobStatus::Pending | JobStatus::Processing)
                        && job.updated_at < before
                })
                .collect();
            rows.sort_by_key(|job| (job.updated_at, job.id));
            Ok(rows
                .into_iter()
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .map(|job| (job.user_id, job.id))
                .collect())
        })
    }
}
