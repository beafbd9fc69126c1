//! Generation: flashcard sets, quizzes and study guides made from a student's own notes and
//! documents, in the background, every item traceable to the words it rests on.
//!
//! [`GenerationService::start`] checks the request (the source is the student's, the options
//! fit, the daily token budget is not spent), records the job `PENDING` and enqueues a
//! [`RunGeneration`]; [`GenerationService::run`] is that job. The run gathers the material
//! (a document's chunks, a note cut at its paragraphs, or all of a course's), asks the
//! generator for drafts, and keeps only the drafts whose every quote stands verbatim in the
//! passage it cites and supports the item; duplicates and malformed items are dropped. The
//! result, the job's completion and the student's notification are written at once
//! ([`GenerationRepository::finish`]), so a run repeated after a crash makes nothing twice.
//!
//! Every generation is `PENDING` or `PROCESSING` only while a [`RunGeneration`] exists to
//! finish it: one left without (the process died between recording the job and enqueueing
//! its run, or while its last attempt was being given up) is found by
//! [`GenerationService::requeue_stranded`], which the worker runs periodically.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::budget::TokenBudget;
use crate::entities::{
    Document, GeneratedResult, GenerationFinish, GenerationJob, GenerationSettings,
    GenerationSource, NewFlashcard, NewFlashcardSet, NewGenerationJob, NewNotification,
    NewQuestion, NewQuiz, NewStudyGuide, Note, SourceQuote,
};
use crate::entities::{DocumentFilter, NoteFilter};
use crate::enums::{DocumentStatus, GenerationKind, NotificationType, QuestionType};
use crate::error::{DomainError, DomainResult};
use crate::id::UserId;
use crate::jobs::{Job, RunGeneration};
use crate::pagination::PageRequest;
use crate::ports::{
    CardDraft, Citation, Clock, CourseRepository, DocumentRepository, GenerationOptions,
    GenerationRepository, GuideDraft, JobQueue, NoteRepository, Passage, PassageOrigin,
    QuestionDraft, SearchIndex, StudyGenerator,
};
use crate::rules::grounding::{locate, same_item_key, supports};
use crate::rules::passages;
use crate::values::{
    CardText, Color, Description, Markdown, MessageText, Points, Progress, QuestionContent, Tags,
    Title,
};

/// The stages of a generation, as its progress.
mod stage {
    /// The worker took it.
    pub(super) const STARTED: i64 = 5;
    /// The material is gathered.
    pub(super) const GATHERED: i64 = 20;
    /// The generator answered.
    pub(super) const DRAFTED: i64 = 80;
}

/// The most characters of material one generation reads: beyond it, passages are taken
/// evenly across the material.
pub const DEFAULT_MATERIAL_CHARS: usize = 400_000;

/// The longest passage a note or chunk is cut into, in bytes (UTF-8: at most as many
/// characters).
const PASSAGE_BYTES: usize = 1_500;

/// The most documents and notes a course's generation reads.
const COURSE_SOURCES: u32 = 100;

/// How long a generation may stay `PENDING` or `PROCESSING` without change before it counts
/// as stranded. A run still queued or under way when it is requeued is not doubled (its
/// job's unique key), so this only spares needless passes.
pub const STRANDED_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

/// The most stranded generations one pass requeues.
const STRANDED_BATCH: u32 = 500;

/// The ports and settings [`GenerationService`] works with.
#[derive(Clone)]
pub struct GenerationPorts {
    /// Generation jobs, results and token usage.
    pub generations: Arc<dyn GenerationRepository>,
    /// Notes to generate from.
    pub notes: Arc<dyn NoteRepository>,
    /// Documents to generate from.
    pub documents: Arc<dyn DocumentRepository>,
    /// Courses to generate from.
    pub courses: Arc<dyn CourseRepository>,
    /// Documents' chunks.
    pub search: Arc<dyn SearchIndex>,
    /// Where generation jobs go.
    pub queue: Arc<dyn JobQueue>,
    /// Makes the drafts.
    pub generator: Arc<dyn StudyGenerator>,
    /// Today, for the token budget.
    pub clock: Arc<dyn Clock>,
}

/// How much a generation may read and spend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenerationLimits {
    /// The most characters of material given to the generator.
    pub material_chars: usize,
    /// The tokens a student may spend per UTC day (`None`: no limit).
    pub daily_tokens: Option<u64>,
}

impl Default for GenerationLimits {
    fn default() -> Self {
        Self {
            material_chars: DEFAULT_MATERIAL_CHARS,
            daily_tokens: None,
        }
    }
}

/// What a run of a generation came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GenerationOutcome {
    /// `COMPLETED`: this many items (cards, questions, guide sections) were stored.
    Completed {
        /// The stored items.
        items: usize,
        /// Drafts dropped: ungrounded, duplicated or malformed.
        dropped: usize,
    },
    /// `FAILED`, for this reason.
    Failed(String),
    /// Nothing to do: gone or already finished.
    Skipped,
}

/// The drafts that passed the checks, and how many did not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked<T> {
    /// The items kept.
    pub kept: Vec<T>,
    /// Drafts whose quote was not in the passage cited or did not support the item.
    pub ungrounded: usize,
    /// Drafts asking what a kept item already asks.
    pub duplicates: usize,
    /// Drafts that do not make a valid item (an empty side, an answer not among the options).
    pub malformed: usize,
}

impl<T> Checked<T> {
    fn new() -> Self {
        Self {
            kept: Vec::new(),
            ungrounded: 0,
            duplicates: 0,
            malformed: 0,
        }
    }

    /// Every draft dropped.
    #[must_use]
    pub const fn dropped(&self) -> usize {
        self.ungrounded + self.duplicates + self.malformed
    }
}

/// Generation of flashcard sets, quizzes and study guides.
pub struct GenerationService {
    ports: GenerationPorts,
    limits: GenerationLimits,
    budget: TokenBudget,
}

impl GenerationService {
    /// The service over `ports`, within `limits`.
    #[must_use]
    pub fn new(ports: GenerationPorts, limits: GenerationLimits) -> Self {
        let budget = TokenBudget::new(
            ports.generations.clone(),
            ports.clock.clone(),
            limits.daily_tokens,
        );
        Self {
            ports,
            limits,
            budget,
        }
    }

    /// Starts a generation of `kind` from `source`, answering the pending job. Should the
    /// process stop between recording the job and enqueueing its run, the job is left to
    /// [`GenerationService::requeue_stranded`].
    ///
    /// # Errors
    ///
    /// `Validation` on options that do not fit (`count` 1 to 50, a `title`, question `types`
    /// on a quiz only); `NotFound` when the source is not the student's; `RateLimited` when
    /// the student's tokens of the day are spent; `Unavailable` when the job cannot be
    /// queued (the record is then removed).
    pub async fn start(
        &self,
        user: UserId,
        kind: GenerationKind,
        source: GenerationSource,
        settings: GenerationSettings,
    ) -> DomainResult<GenerationJob> {
        check_settings(kind, &settings)?;
        if let GenerationSource::Document(id) = source {
            let document = self.ports.documents.get(user, id).await?;
            if document.status != DocumentStatus::Ready {
                return Err(DomainError::conflict(
                    "documentId",
                    format!(
                        "the document is {}: generate from it once it is processed (READY)",
                        document.status
                    ),
                ));
            }
        }
        self.budget.check(user).await?;
        let job = self
            .ports
            .generations
            .create(
                user,
                NewGenerationJob {
                    kind,
                    source,
                    settings,
                },
            )
            .await?;
        let run = RunGeneration {
            user_id: user,
            generation_job_id: job.id,
        };
        let enqueued = match run.to_new_job() {
            Ok(new) => self.ports.queue.enqueue(new).await.map(|_| ()),
            Err(error) => Err(error),
        };
        if let Err(error) = enqueued {
            let _ = self.ports.generations.delete(user, job.id).await;
            return Err(error);
        }
        Ok(job)
    }

    /// Enqueues a [`RunGeneration`] again for every generation left `PENDING` or `PROCESSING`
    /// without change for [`STRANDED_AFTER`] (at most 500 per pass); returns how many. A
    /// generation whose run is still queued or under way gets no second one (the job's unique
    /// key), and a run of a generation already finished does nothing.
    ///
    /// # Errors
    ///
    /// When the storage or the queue fails.
    pub async fn requeue_stranded(&self) -> DomainResult<u64> {
        let before = self.ports.clock.now() - STRANDED_AFTER;
        let stranded = self
            .ports
            .generations
            .stranded(before, STRANDED_BATCH)
            .await?;
        let mut count = 0_u64;
        for (user, id) in stranded {
            let run = RunGeneration {
                user_id: user,
                generation_job_id: id,
            };
            self.ports.queue.enqueue(run.to_new_job()?).await?;
            count += 1;
        }
        Ok(count)
    }

    /// Runs the generation: gathers, drafts, checks and stores, then notifies.
    ///
    /// # Errors
    ///
    /// What is worth retrying: storage or the model unavailable, a model that keeps
    /// answering malformed drafts. A source without usable material fails the job instead.
    pub async fn run(&self, job: &RunGeneration) -> DomainResult<GenerationOutcome> {
        let user = job.user_id;
        let Some(generation) = self
            .ports
            .generations
            .advance(user, job.generation_job_id, progress(stage::STARTED))
            .await?
        else {
            return Ok(GenerationOutcome::Skipped);
        };
        let Some(source) = generation.source() else {
            return Ok(GenerationOutcome::Skipped);
        };
        // Checked again here: several generations may have been started before the first
        // spent anything.
        if let Err(DomainError::RateLimited { .. }) = self.budget.check(user).await {
            return self
                .fail(
                    &generation,
                    "the model tokens of today are spent; try again after midnight (UTC)"
                        .to_owned(),
                )
                .await;
        }
        let material = match self.material(user, source).await? {
            Ok(material) => material,
            Err(reason) => return self.fail(&generation, reason).await,
        };
        if self
            .ports
            .generations
            .advance(user, generation.id, progress(stage::GATHERED))
            .await?
            .is_none()
        {
            return Ok(GenerationOutcome::Skipped);
        }
        let options = GenerationOptions {
            count: generation.settings.count,
            difficulty: generation.settings.difficulty,
            question_types: generation.settings.question_types.clone(),
        };
        let passages = material.passages.clone();
        let generator = &self.ports.generator;
        // Each kind drafts, then keeps what passes the checks: `None` when nothing does.
        let (drafted, model, usage) = match generation.kind {
            GenerationKind::Flashcards => {
                let made = generator.flashcards(passages, options).await?;
                let checked =
                    check_cards(&material.passages, made.draft, generation.settings.count);
                let (items, dropped) = (checked.kept.len(), checked.dropped());
                let drafted = if checked.kept.is_empty() {
                    None
                } else {
                    let set = flashcard_set(
                        &generation,
                        &material.title,
                        source,
                        checked.kept,
                        &made.model,
                    )?;
                    Some((GeneratedResult::Flashcards(set), items, dropped))
                };
                (drafted, made.model, made.usage)
            }
            GenerationKind::Quiz => {
                let made = generator.quiz(passages, options).await?;
                let checked = check_questions(
                    &material.passages,
                    made.draft,
                    &generation.settings.question_types,
                    generation.settings.count,
                );
                let (items, dropped) = (checked.kept.len(), checked.dropped());
                let drafted = if checked.kept.is_empty() {
                    None
                } else {
                    let quiz = quiz(
                        &generation,
                        &material.title,
                        source,
                        checked.kept,
                        &made.model,
                    )?;
                    Some((GeneratedResult::Quiz(quiz), items, dropped))
                };
                (drafted, made.model, made.usage)
            }
            GenerationKind::StudyGuide => {
                let made = generator.study_guide(passages, options).await?;
                let drafted = study_guide(&generation, &material, source, made.draft)?.map(
                    |(guide, items, dropped)| (GeneratedResult::StudyGuide(guide), items, dropped),
                );
                (drafted, made.model, made.usage)
            }
        };
        self.budget.record(user, usage).await;
        let Some((result, items, dropped)) = drafted else {
            return self
                .fail(
                    &generation,
                    nothing_made(kind_noun(generation.kind), &material.title),
                )
                .await;
        };
        if self
            .ports
            .generations
            .advance(user, generation.id, progress(stage::DRAFTED))
            .await?
            .is_none()
        {
            return Ok(GenerationOutcome::Skipped);
        }
        let notice = notice(
            NotificationType::GenerationCompleted,
            &format!("{} ready", capitalized(kind_noun(generation.kind))),
            &format!(
                "{items} {} made from \u{201c}{}\u{201d}.",
                item_noun(generation.kind, items),
                material.title
            ),
        )?;
        let finished = self
            .ports
            .generations
            .finish(
                user,
                generation.id,
                GenerationFinish {
                    result,
                    model,
                    usage,
                    notice,
                },
            )
            .await?;
        Ok(match finished {
            Some(_) => GenerationOutcome::Completed { items, dropped },
            None => GenerationOutcome::Skipped,
        })
    }

    /// Fails the generation after its last attempt, with a reason the student can act on.
    ///
    /// # Errors
    ///
    /// When storage fails.
    pub async fn give_up(&self, job: &RunGeneration, error: &DomainError) -> DomainResult<()> {
        let generation = match self
            .ports
            .generations
            .get(job.user_id, job.generation_job_id)
            .await
        {
            Ok(generation) => generation,
            Err(DomainError::NotFound { .. }) => return Ok(()),
            Err(error) => return Err(error),
        };
        let reason = match error {
            DomainError::Unavailable { service, .. } => {
                format!("the {service} was unavailable after several tries; try again later")
            }
            _ => "the generator kept failing on this material; try again, or with other \
                  material"
                .to_owned(),
        };
        self.fail(&generation, reason).await.map(|_| ())
    }

    async fn fail(
        &self,
        generation: &GenerationJob,
        reason: String,
    ) -> DomainResult<GenerationOutcome> {
        let notice = notice(
            NotificationType::GenerationFailed,
            &format!("{} not made", capitalized(kind_noun(generation.kind))),
            &reason,
        )?;
        self.ports
            .generations
            .fail(generation.user_id, generation.id, reason.clone(), notice)
            .await?;
        Ok(GenerationOutcome::Failed(reason))
    }

    /// The source's passages, or why there are none to use.
    async fn material(
        &self,
        user: UserId,
        source: GenerationSource,
    ) -> DomainResult<Result<Material, String>> {
        let (title, passages) = match source {
            GenerationSource::Note(id) => {
                let note = match self.ports.notes.get(user, id).await {
                    Ok(note) => note,
                    Err(DomainError::NotFound { .. }) => {
                        return Ok(Err("the note was deleted".to_owned()));
                    }
                    Err(error) => return Err(error),
                };
                (note.title.clone(), note_passages(&note))
            }
            GenerationSource::Document(id) => {
                let document = match self.ports.documents.get(user, id).await {
                    Ok(document) => document,
                    Err(DomainError::NotFound { .. }) => {
                        return Ok(Err("the document was deleted".to_owned()));
                    }
                    Err(error) => return Err(error),
                };
                match document.status {
                    DocumentStatus::Ready => {}
                    DocumentStatus::Failed => {
                        return Ok(Err(format!(
                            "the document \u{201c}{}\u{201d} could not be read",
                            document.title
                        )));
                    }
                    DocumentStatus::Pending | DocumentStatus::Processing => {
                        return Err(DomainError::Unavailable {
                            service: "document processing",
                            message: format!("document {id} is not processed yet"),
                        });
                    }
                }
                (
                    document.title.clone(),
                    self.document_passages(user, &document).await?,
                )
            }
            GenerationSource::Course(id) => {
                let course = match self.ports.courses.get(user, id).await {
                    Ok(course) => course,
                    Err(DomainError::NotFound { .. }) => {
                        return Ok(Err("the course was deleted".to_owned()));
                    }
                    Err(error) => return Err(error),
                };
                (course.name.clone(), self.course_passages(user, id).await?)
            }
        };
        if passages.is_empty() {
            return Ok(Err(format!(
                "\u{201c}{title}\u{201d} has no text to generate from"
            )));
        }
        Ok(Ok(Material {
            title,
            passages: within(passages, self.limits.material_chars),
        }))
    }

    async fn document_passages(
        &self,
        user: UserId,
        document: &Document,
    ) -> DomainResult<Vec<Passage>> {
        let chunks = self.ports.search.list_chunks(user, document.id).await?;
        let mut passages: Vec<Passage> = Vec::new();
        for chunk in chunks {
            // A chunk that starts inside a section stands under the heading before it.
            let before = passages
                .last()
                .and_then(|p| p.heading.clone())
                .unwrap_or_else(|| document.title.clone());
            passages.extend(passages_of(&chunk.content, &before, |_| {
                PassageOrigin::Document {
                    document_id: document.id,
                    chunk_id: chunk.id,
                    page_number: chunk.page_number,
                }
            }));
        }
        Ok(passages)
    }

    /// A course's ready documents and its notes, oldest first.
    async fn course_passages(
        &self,
        user: UserId,
        course: crate::id::CourseId,
    ) -> DomainResult<Vec<Passage>> {
        let page = PageRequest::new(Some(COURSE_SOURCES), None)?;
        let documents = self
            .ports
            .documents
            .list(
                user,
                DocumentFilter {
                    course_id: Some(course),
                    status: Some(DocumentStatus::Ready),
                },
                page,
            )
            .await?;
        let notes = self
            .ports
            .notes
            .list(
                user,
                NoteFilter {
                    course_id: Some(course),
                    ..NoteFilter::default()
                },
                page,
            )
            .await?;
        let mut passages = Vec::new();
        for document in documents.items.iter().rev() {
            match self.document_passages(user, document).await {
                Ok(more) => passages.extend(more),
                // Deleted meanwhile: the rest of the course is still material.
                Err(DomainError::NotFound { .. }) => {}
                Err(error) => return Err(error),
            }
        }
        for note in notes.items.iter().rev() {
            passages.extend(note_passages(note));
        }
        Ok(passages)
    }
}

/// The material of one generation.
struct Material {
    /// The source's title (the note's, document's or course's).
    title: String,
    /// Its passages, in order.
    passages: Vec<Passage>,
}

fn progress(value: i64) -> Progress {
    Progress::saturating(value)
}

fn check_settings(kind: GenerationKind, settings: &GenerationSettings) -> DomainResult<()> {
    if settings.count == 0 || settings.count > GenerationSettings::MAX_COUNT {
        return Err(DomainError::validation(
            "count",
            format!("must be 1 to {}", GenerationSettings::MAX_COUNT),
        ));
    }
    if let Some(title) = &settings.title {
        Title::parse(title.as_str()).map_err(|e| DomainError::validation("title", e.0))?;
    }
    if kind != GenerationKind::Quiz && !settings.question_types.is_empty() {
        return Err(DomainError::validation(
            "types",
            "question types apply to a quiz only",
        ));
    }
    Ok(())
}

/// A note cut into passages: its sections under their headings, each cut at paragraphs into
/// pieces of at most [`PASSAGE_BYTES`].
fn note_passages(note: &Note) -> Vec<Passage> {
    passages_of(&note.content, &note.title, |_| PassageOrigin::Note {
        note_id: note.id,
    })
}

/// `text` as passages of `origin`, under its headings (`fallback` before the first).
fn passages_of(text: &str, fallback: &str, origin: impl Fn(&str) -> PassageOrigin) -> Vec<Passage> {
    let mut passages = Vec::new();
    for (heading, section) in passages::sections(text) {
        for piece in passages::pieces(section, PASSAGE_BYTES) {
            passages.push(Passage {
                origin: origin(piece),
                heading: Some(heading.clone().unwrap_or_else(|| fallback.to_owned())),
                text: piece.to_owned(),
            });
        }
    }
    passages
}

/// At most `max_bytes` of `passages`, taken evenly across them (every passage is shorter
/// than [`PASSAGE_BYTES`]).
fn within(passages: Vec<Passage>, max_bytes: usize) -> Vec<Passage> {
    let total: usize = passages.iter().map(|p| p.text.len()).sum();
    if total <= max_bytes {
        return passages;
    }
    // Walk the passages with a share of each one's size as credit: a passage is taken when
    // the credit covers it, so what is taken is spread over the whole and within the bound.
    #[allow(clippy::cast_precision_loss)]
    let share = max_bytes as f64 / total as f64;
    let mut credit = 0.0_f64;
    let mut used = 0;
    let mut kept = Vec::new();
    for passage in passages {
        #[allow(clippy::cast_precision_loss)]
        let size = passage.text.len() as f64;
        credit += size * share;
        if credit >= size && used + passage.text.len() <= max_bytes {
            credit -= size;
            used += passage.text.len();
            kept.push(passage);
        }
    }
    kept
}

/// Checks `citations` against `passages`: each quote must stand in its passage and at least
/// one must support `claim`. The sources, as stored, or `None` when the check fails.
#[must_use]
pub fn ground(
    passages: &[Passage],
    citations: &[Citation],
    claim: &str,
) -> Option<Vec<SourceQuote>> {
    if citations.is_empty() {
        return None;
    }
    let mut sources = Vec::with_capacity(citations.len());
    let mut supported = false;
    for citation in citations {
        let passage = passages.get(citation.passage)?;
        let quote = locate(&passage.text, &citation.quote)?;
        supported |= supports(quote, claim);
        sources.push(source_quote(passage, quote));
    }
    supported.then_some(sources)
}

/// The stored form of a quote of `passage`.
#[must_use]
pub fn source_quote(passage: &Passage, quote: &str) -> SourceQuote {
    let (document_id, note_id, chunk_id, page_number) = match passage.origin {
        PassageOrigin::Document {
            document_id,
            chunk_id,
            page_number,
        } => (Some(document_id), None, Some(chunk_id), page_number),
        PassageOrigin::Note { note_id } => (None, Some(note_id), None, None),
    };
    SourceQuote {
        document_id,
        note_id,
        chunk_id,
        page_number,
        quote: quote.to_owned(),
        section: None,
    }
}

/// The cards that are grounded, distinct and well-formed, at most `count`.
#[must_use]
pub fn check_cards(
    passages: &[Passage],
    drafts: Vec<CardDraft>,
    count: u32,
) -> Checked<NewFlashcard> {
    let mut checked = Checked::new();
    let mut seen = BTreeSet::new();
    for draft in drafts {
        let Some(sources) = ground(passages, &draft.citations, &draft.back) else {
            checked.ungrounded += 1;
            continue;
        };
        let (Ok(question), Ok(answer)) = (
            CardText::parse(draft.front.as_str()),
            CardText::parse(draft.back.as_str()),
        ) else {
            checked.malformed += 1;
            continue;
        };
        if !seen.insert(same_item_key(&draft.front)) {
            checked.duplicates += 1;
            continue;
        }
        if checked.kept.len() >= usize::try_from(count).unwrap_or(usize::MAX) {
            continue;
        }
        checked.kept.push(NewFlashcard {
            question,
            answer,
            hint: draft
                .hint
                .and_then(|hint| CardText::parse(hint.as_str()).ok()),
            explanation: None,
            difficulty: crate::enums::Difficulty::Medium,
            sources,
        });
    }
    checked
}

/// The questions that are grounded, of the types asked, distinct and well-formed (for a
/// multiple choice: 2 to 10 distinct options, the answer exactly one of them), at most
/// `count`.
#[must_use]
pub fn check_questions(
    passages: &[Passage],
    drafts: Vec<QuestionDraft>,
    types: &[QuestionType],
    count: u32,
) -> Checked<NewQuestion> {
    let mut checked = Checked::new();
    let mut seen = BTreeSet::new();
    for draft in drafts {
        if !types.is_empty() && !types.contains(&draft.question_type) {
            checked.malformed += 1;
            continue;
        }
        // What must stand in the quote: the answer, or for a true/false question the
        // statement itself (a false one differs from its quote by the term it swapped).
        let claim = match draft.question_type {
            QuestionType::TrueFalse => draft.question.clone(),
            _ => draft.correct_answer.clone(),
        };
        let Some(sources) = ground(passages, &draft.citations, &claim) else {
            checked.ungrounded += 1;
            continue;
        };
        let options =
            (draft.question_type == QuestionType::MultipleChoice).then(|| draft.options.clone());
        let content =
            QuestionContent::new(draft.question_type, options, draft.correct_answer.as_str());
        let (Ok(question), Ok(content)) = (CardText::parse(draft.question.as_str()), content)
        else {
            checked.malformed += 1;
            continue;
        };
        if !seen.insert(same_item_key(&draft.question)) {
            checked.duplicates += 1;
            continue;
        }
        if checked.kept.len() >= usize::try_from(count).unwrap_or(usize::MAX) {
            continue;
        }
        checked.kept.push(NewQuestion {
            question,
            content,
            explanation: draft
                .explanation
                .and_then(|text| CardText::parse(text.as_str()).ok()),
            hint: None,
            difficulty: crate::enums::Difficulty::Medium,
            points: Points::saturating(1),
            sources,
        });
    }
    checked
}

fn flashcard_set(
    generation: &GenerationJob,
    source_title: &str,
    source: GenerationSource,
    mut cards: Vec<NewFlashcard>,
    model: &str,
) -> DomainResult<NewFlashcardSet> {
    for card in &mut cards {
        card.difficulty = generation.settings.difficulty;
    }
    Ok(NewFlashcardSet {
        title: result_title(generation, "Flashcards", source_title)?,
        description: Description::parse(made_by(source_title, model).as_str()).ok(),
        difficulty: generation.settings.difficulty,
        tags: Tags::parse(vec!["generated".to_owned()]).unwrap_or_default(),
        color: Color::default(),
        links: source.links(),
        flashcards: cards,
    })
}

fn quiz(
    generation: &GenerationJob,
    source_title: &str,
    source: GenerationSource,
    mut questions: Vec<NewQuestion>,
    model: &str,
) -> DomainResult<NewQuiz> {
    for question in &mut questions {
        question.difficulty = generation.settings.difficulty;
    }
    Ok(NewQuiz {
        title: result_title(generation, "Quiz", source_title)?,
        description: Description::parse(made_by(source_title, model).as_str()).ok(),
        difficulty: generation.settings.difficulty,
        time_limit: None,
        links: source.links(),
        questions,
    })
}

/// The guide as Markdown with the sources of its sections, the sections kept and the parts
/// dropped; `None` when no section is grounded.
fn study_guide(
    generation: &GenerationJob,
    material: &Material,
    source: GenerationSource,
    draft: GuideDraft,
) -> DomainResult<Option<(NewStudyGuide, usize, usize)>> {
    let passages = &material.passages;
    let mut dropped = 0;
    let mut sources = Vec::new();
    let mut body = String::new();
    let mut seen = BTreeSet::new();
    let mut sections = 0;
    let mut outline = String::new();
    for section in draft.sections {
        let Some(quotes) = ground(passages, &section.citations, &section.body) else {
            dropped += 1;
            continue;
        };
        if section.heading.trim().is_empty() || !seen.insert(same_item_key(&section.heading)) {
            dropped += 1;
            continue;
        }
        sections += 1;
        let heading = one_line(&section.heading);
        outline.push_str(&format!("- {heading}\n"));
        body.push_str(&format!("\n## {heading}\n\n{}\n", section.body.trim()));
        sources.extend(quotes.into_iter().map(|quote| SourceQuote {
            section: Some(heading.clone()),
            ..quote
        }));
    }
    if sections == 0 {
        return Ok(None);
    }
    let mut terms = String::new();
    for term in draft.key_terms {
        let Some(quotes) = ground(passages, &term.citations, &term.definition) else {
            dropped += 1;
            continue;
        };
        terms.push_str(&format!(
            "- **{}**: {}\n",
            one_line(&term.term),
            one_line(&term.definition)
        ));
        sources.extend(quotes.into_iter().map(|quote| SourceQuote {
            section: Some("Key terms".to_owned()),
            ..quote
        }));
    }
    let practice = check_questions(passages, draft.practice, &[], 10);
    dropped += practice.dropped();
    let title = result_title(generation, "Study guide", &material.title)?;
    let mut content = format!("# {title}\n");
    if !draft.summary.trim().is_empty() {
        content.push_str(&format!("\n## Summary\n\n{}\n", draft.summary.trim()));
    }
    content.push_str(&format!("\n## Outline\n\n{outline}"));
    content.push_str(&body);
    if !terms.is_empty() {
        content.push_str(&format!("\n## Key terms\n\n{terms}"));
    }
    if !practice.kept.is_empty() {
        content.push_str("\n## Practice questions\n\n");
        for (index, question) in practice.kept.iter().enumerate() {
            content.push_str(&format!(
                "{}. {}  \n   *Answer:* {}\n",
                index + 1,
                one_line(question.question.as_str()),
                one_line(question.content.correct_answer())
            ));
            sources.extend(question.sources.iter().cloned().map(|quote| SourceQuote {
                section: Some("Practice questions".to_owned()),
                ..quote
            }));
        }
    }
    // A model's text may hold what Markdown refuses (control characters); it is dropped, and
    // a guide too long is cut, rather than the generation retried in vain.
    let content: String = content
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .take(Markdown::MAX_CHARS)
        .collect();
    let Ok(content) = Markdown::parse(content) else {
        return Ok(None);
    };
    Ok(Some((
        NewStudyGuide {
            title,
            content,
            links: source.links(),
            sources,
        },
        sections,
        dropped,
    )))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn result_title(generation: &GenerationJob, kind: &str, source_title: &str) -> DomainResult<Title> {
    let wanted = generation
        .settings
        .title
        .clone()
        .unwrap_or_else(|| format!("{kind}: {source_title}"));
    let wanted: String = wanted.chars().take(Title::MAX_CHARS).collect();
    Title::parse(wanted.as_str())
        .or_else(|_| Title::parse(kind))
        .map_err(|e| DomainError::internal(format!("a title: {}", e.0)))
}

fn made_by(source_title: &str, model: &str) -> String {
    let text = format!("Generated from \u{201c}{source_title}\u{201d} ({model}).");
    text.chars().take(Description::MAX_CHARS).collect()
}

fn notice(kind: NotificationType, title: &str, message: &str) -> DomainResult<NewNotification> {
    let title: String = title.chars().take(Title::MAX_CHARS).collect();
    let message: String = message.chars().take(MessageText::MAX_CHARS).collect();
    Ok(NewNotification {
        notification_type: kind,
        title: Title::parse(title.as_str()).map_err(|e| DomainError::internal(e.0))?,
        message: MessageText::parse(message.as_str()).map_err(|e| DomainError::internal(e.0))?,
        link: None,
    })
}

const fn kind_noun(kind: GenerationKind) -> &'static str {
    match kind {
        GenerationKind::Flashcards => "flashcard set",
        GenerationKind::Quiz => "quiz",
        GenerationKind::StudyGuide => "study guide",
    }
}

const fn item_noun(kind: GenerationKind, count: usize) -> &'static str {
    match (kind, count) {
        (GenerationKind::Flashcards, 1) => "flashcard",
        (GenerationKind::Flashcards, _) => "flashcards",
        (GenerationKind::Quiz, 1) => "question",
        (GenerationKind::Quiz, _) => "questions",
        (GenerationKind::StudyGuide, 1) => "section",
        (GenerationKind::StudyGuide, _) => "sections",
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn nothing_made(noun: &str, title: &str) -> String {
    format!(
        "no {noun} could be made from \u{201c}{title}\u{201d}: nothing generated could be traced \
         to its text (it may hold too little text, or no definitions and key terms)"
    )
}
