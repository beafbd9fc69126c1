//! Syllabus to events: the dated items of a student's document or note proposed as calendar
//! events, accepted all or some.
//!
//! [`EventExtractionService::start`] records a pending extraction and enqueues an
//! [`ExtractEvents`] job; [`EventExtractionService::run`] is that job. The run reads the text
//! (a document's pages from its indexed chunks, their overlaps removed; a note as one page),
//! asks the [`EventExtractor`] (rules offline, or a model) for dated items, and keeps each item
//! that passes the same checks whichever extractor found it:
//!
//! - its quote stands in the text (white space aside) and is stored as the text has it, with
//!   the page it is on;
//! - it has a title (cut to a title's length) standing in its line or the three lines around
//!   it, or sharing a word with them (or the bare name of a kind, `Exam`), a start in years 1
//!   to 9999 that the calendar can hold, and an end after its start (an end that is not is
//!   dropped, the item kept); a place is kept only when it stands in those lines;
//! - it is not the same item as one kept before it (same line, start and type under a title
//!   holding the other's words; or same title words and start).
//!
//! At most [`MAX_TEXT_CHARS`] of the text are read. Times are read in the extraction's zone (a
//! wall time in a daylight-saving gap moves past it). Each item is known by a UID made of its
//! source, the words of its line, its start, its type and how many items before it share
//! those: an item the student accepted before, from this extraction or an earlier one, is
//! proposed with the event it became, and accepting it again makes nothing new.
//!
//! [`EventExtractionService::accept`] makes the chosen proposals events (linked to the
//! document, in its course, with the student's default reminders) in one transaction through
//! [`CalendarRepository::import_events`], keyed by their UIDs, then records on the extraction
//! which event each became.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono_tz::Tz;

use super::budget::TokenBudget;
use super::calendar_sync::SyncTrigger;
use super::reminders::{ReminderService, default_reminders};
use crate::entities::{
    CalendarEvent, CalendarImport, DocumentChunk, EventExtraction, EventProposal, ExtractionEnd,
    ExtractionSource, ImportedCalendarEvent, NewCalendarEvent, NewEventExtraction, ProposalSource,
};
use crate::enums::{DocumentStatus, EventType, JobStatus, Priority};
use crate::error::{DomainError, DomainResult};
use crate::id::{CourseId, EventExtractionId, ProposalId, UserId};
use crate::jobs::{ExtractEvents, Job};
use crate::ports::{
    CalendarRepository, DocumentRepository, EventExtractor, ExtractionInput, FoundEvent, JobQueue,
    NoteRepository, PageText, SearchIndex, UserRepository,
};
use crate::rules::grounding::{locate, same_item_key, supports};
use crate::rules::recurrence::resolve;
use crate::timestamp;
use crate::values::{
    Color, Description, EventSchedule, Locale, Progress, Reminders, ShortText, TimeZone, Title,
};

/// The stages of an extraction, as its progress.
mod stage {
    /// The worker took it.
    pub(super) const STARTED: i64 = 10;
    /// The text is read.
    pub(super) const READ: i64 = 30;
    /// The extractor answered.
    pub(super) const FOUND: i64 = 90;
}

/// The most characters of a source that are read: a syllabus is far shorter (this is about
/// a hundred pages); what goes beyond is left out, which also bounds what a model is sent.
pub const MAX_TEXT_CHARS: usize = 300_000;

/// The lines above and below an item's own that may give its title or place.
const CONTEXT_LINES: usize = 3;

/// The longest quote kept, in characters.
const MAX_QUOTE_CHARS: usize = 1_000;

/// The shortest run of characters taken for the overlap of two chunks, in bytes: a shorter
/// likeness of a chunk's end and the next one's start is taken as chance.
const MIN_OVERLAP_BYTES: usize = 16;

/// The ports [`EventExtractionService`] works through.
#[derive(Clone)]
pub struct ExtractionPorts {
    /// Extractions, and the events proposals become.
    pub calendar: Arc<dyn CalendarRepository>,
    /// Documents to read.
    pub documents: Arc<dyn DocumentRepository>,
    /// Notes to read.
    pub notes: Arc<dyn NoteRepository>,
    /// Students' locale, zone and default reminders.
    pub users: Arc<dyn UserRepository>,
    /// Documents' text, as indexed chunks.
    pub search: Arc<dyn SearchIndex>,
    /// Where extraction jobs go.
    pub queue: Arc<dyn JobQueue>,
    /// Finds the dated items.
    pub extractor: Arc<dyn EventExtractor>,
}

/// What a student may ask of an extraction; the student's own settings where `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtractionOptions {
    /// The zone the text's times are in (else the student's, else UTC).
    pub time_zone: Option<TimeZone>,
    /// The order of day and month where the text leaves it open (else the student's, else
    /// `en-US`).
    pub locale: Option<Locale>,
}

/// What a run of an extraction came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtractionOutcome {
    /// `COMPLETED` with this many proposals; `dropped` items failed the checks.
    Completed {
        /// Proposals kept.
        proposals: usize,
        /// Items dropped.
        dropped: usize,
    },
    /// `FAILED`, for this reason.
    Failed(String),
    /// Nothing to do: gone or already finished.
    Skipped,
}

/// Extracts events from syllabi and turns the accepted ones into calendar events.
#[derive(Clone)]
pub struct EventExtractionService {
    ports: ExtractionPorts,
    reminders: Option<Arc<ReminderService>>,
    budget: Option<TokenBudget>,
    sync: Option<SyncTrigger>,
}

impl EventExtractionService {
    /// The service over `ports`.
    #[must_use]
    pub const fn new(ports: ExtractionPorts) -> Self {
        Self {
            ports,
            reminders: None,
            budget: None,
            sync: None,
        }
    }

    /// The same service, sending a run of the student's Google calendar sync after events
    /// are accepted.
    #[must_use]
    pub fn with_sync(mut self, trigger: SyncTrigger) -> Self {
        self.sync = Some(trigger);
        self
    }

    /// The same service, its model's tokens counted against each student's daily `budget`
    /// (shared with generation and chat): an extraction is refused when the day's tokens are
    /// spent.
    #[must_use]
    pub fn with_budget(mut self, budget: TokenBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The same service, scheduling the reminders of the events it makes.
    #[must_use]
    pub fn with_reminders(mut self, reminders: Arc<ReminderService>) -> Self {
        self.reminders = Some(reminders);
        self
    }

    /// Starts an extraction of the student's document or note, answering it pending.
    ///
    /// # Errors
    ///
    /// `NotFound` when the document or note is not the student's; `Conflict` on
    /// `documentId` when the document is not processed yet (`READY`); `RateLimited` when the
    /// student's model tokens of the day are spent; `Unavailable` when the job cannot be
    /// queued (the record is then removed).
    pub async fn start(
        &self,
        user: UserId,
        source: ExtractionSource,
        options: ExtractionOptions,
    ) -> DomainResult<EventExtraction> {
        match source {
            ExtractionSource::Document(id) => {
                let document = self.ports.documents.get(user, id).await?;
                if document.status != DocumentStatus::Ready {
                    return Err(DomainError::conflict(
                        "documentId",
                        format!(
                            "the document is {}: extract events from it once it is processed \
                             (READY)",
                            document.status
                        ),
                    ));
                }
            }
            ExtractionSource::Note(id) => {
                self.ports.notes.get(user, id).await?;
            }
        }
        if let Some(budget) = &self.budget {
            budget.check(user).await?;
        }
        let student = self.ports.users.get(user).await?;
        let time_zone = options
            .time_zone
            .or_else(|| {
                student
                    .time_zone
                    .as_deref()
                    .and_then(|zone| TimeZone::parse(zone).ok())
            })
            .unwrap_or(TimeZone::UTC);
        let locale = options
            .locale
            .or_else(|| {
                student
                    .locale
                    .as_deref()
                    .and_then(|tag| Locale::parse(tag).ok())
            })
            .unwrap_or_else(Locale::en_us);
        let extraction = self
            .ports
            .calendar
            .create_extraction(
                user,
                NewEventExtraction {
                    source,
                    time_zone,
                    locale,
                },
            )
            .await?;
        let job = ExtractEvents {
            user_id: user,
            extraction_id: extraction.id,
        };
        let enqueued = match job.to_new_job() {
            Ok(new) => self.ports.queue.enqueue(new).await.map(|_| ()),
            Err(error) => Err(error),
        };
        if let Err(error) = enqueued {
            let _ = self
                .ports
                .calendar
                .delete_extraction(user, extraction.id)
                .await;
            return Err(error);
        }
        Ok(extraction)
    }

    /// The student's extraction.
    ///
    /// # Errors
    ///
    /// `NotFound` when it is not the student's.
    pub async fn get(&self, user: UserId, id: EventExtractionId) -> DomainResult<EventExtraction> {
        self.ports.calendar.extraction(user, id).await
    }

    /// Runs the extraction: reads the text, finds the items, checks them and stores them as
    /// proposals.
    ///
    /// # Errors
    ///
    /// What is worth retrying: storage or a model unavailable. A source without text fails
    /// the extraction instead.
    pub async fn run(&self, job: &ExtractEvents) -> DomainResult<ExtractionOutcome> {
        let (user, id) = (job.user_id, job.extraction_id);
        let calendar = &self.ports.calendar;
        let Some(extraction) = calendar
            .advance_extraction(user, id, Progress::saturating(stage::STARTED))
            .await?
        else {
            return Ok(ExtractionOutcome::Skipped);
        };
        let Some(source) = extraction.source() else {
            return Ok(ExtractionOutcome::Skipped);
        };
        let zone: Tz = extraction.time_zone.parse().unwrap_or(Tz::UTC);
        let text = match self.text(user, source).await {
            Ok(mut text) => {
                text.pages = within(text.pages, MAX_TEXT_CHARS);
                text
            }
            Err(DomainError::NotFound { .. }) => return Ok(ExtractionOutcome::Skipped),
            Err(error) => return Err(error),
        };
        if text.pages.iter().all(|page| page.text.trim().is_empty()) {
            return self
                .fail(
                    user,
                    id,
                    format!(
                        "\u{201c}{}\u{201d} has no text to read dates from",
                        text.title
                    ),
                )
                .await;
        }
        if calendar
            .advance_extraction(user, id, Progress::saturating(stage::READ))
            .await?
            .is_none()
        {
            return Ok(ExtractionOutcome::Skipped);
        }
        // Checked again here: several extractions may have been started before the first
        // spent anything.
        let spent = match &self.budget {
            Some(budget) => match budget.check(user).await {
                Err(DomainError::RateLimited { .. }) => true,
                other => {
                    other?;
                    false
                }
            },
            None => false,
        };
        if spent {
            return self
                .fail(
                    user,
                    id,
                    "the model tokens of today are spent; try again after midnight (UTC)"
                        .to_owned(),
                )
                .await;
        }
        let found = self
            .ports
            .extractor
            .extract(ExtractionInput {
                pages: text.pages.clone(),
                locale: extraction.locale.clone(),
                reference_date: text.written.with_timezone(&zone).date_naive(),
            })
            .await?;
        if let Some(budget) = &self.budget {
            budget.record(user, found.usage).await;
        }
        let found = found.events;
        if calendar
            .advance_extraction(user, id, Progress::saturating(stage::FOUND))
            .await?
            .is_none()
        {
            return Ok(ExtractionOutcome::Skipped);
        }
        let count = found.len();
        let mut proposals = checked(found, &text.pages, source, zone);
        let dropped = count - proposals.len();
        // Items the student accepted before are proposed with the event they became.
        let keys = uids(source, &proposals);
        let known = self.events_by_uid(user, keys.clone()).await?;
        for (proposal, key) in proposals.iter_mut().zip(&keys) {
            proposal.event_id = known.get(key).map(|event| event.id);
        }
        let kept = proposals.len();
        let end = ExtractionEnd::Completed {
            proposals,
            model: self.ports.extractor.name(),
        };
        match calendar.finish_extraction(user, id, end).await? {
            Some(_) => Ok(ExtractionOutcome::Completed {
                proposals: kept,
                dropped,
            }),
            None => Ok(ExtractionOutcome::Skipped),
        }
    }

    /// Fails the extraction after its job's last attempt, with a reason the student can act
    /// on.
    ///
    /// # Errors
    ///
    /// When storage fails.
    pub async fn give_up(&self, job: &ExtractEvents, error: &DomainError) -> DomainResult<()> {
        let reason = match error {
            DomainError::Unavailable { service, .. } => {
                format!("the {service} was unavailable after several tries; try again later")
            }
            _ => "reading this material for dates kept failing; try again later".to_owned(),
        };
        self.ports
            .calendar
            .finish_extraction(
                job.user_id,
                job.extraction_id,
                ExtractionEnd::Failed(reason),
            )
            .await
            .map(|_| ())
    }

    /// Makes the chosen proposals the student's events (a proposal that already became an
    /// event answers that event), answering them in the extraction's order.
    ///
    /// # Errors
    ///
    /// `NotFound` when the extraction is not the student's; `Conflict` on `status` when it has
    /// not completed; `Validation` on `proposalIds` when none is named or one is not the
    /// extraction's.
    pub async fn accept(
        &self,
        user: UserId,
        id: EventExtractionId,
        proposal_ids: &[ProposalId],
    ) -> DomainResult<Vec<CalendarEvent>> {
        let extraction = self.ports.calendar.extraction(user, id).await?;
        if extraction.status != JobStatus::Completed {
            return Err(DomainError::conflict(
                "status",
                format!(
                    "the extraction is {}: accept its proposals once it is COMPLETED",
                    extraction.status
                ),
            ));
        }
        if proposal_ids.is_empty() {
            return Err(DomainError::validation(
                "proposalIds",
                "name at least one proposal to accept",
            ));
        }
        let mine: HashSet<ProposalId> = extraction.proposals.iter().map(|p| p.id).collect();
        if let Some(unknown) = proposal_ids.iter().find(|p| !mine.contains(p)) {
            return Err(DomainError::validation(
                "proposalIds",
                format!("{unknown} is not a proposal of this extraction"),
            ));
        }
        let Some(source) = extraction.source() else {
            return Err(DomainError::not_found("event extraction"));
        };
        let wanted: HashSet<ProposalId> = proposal_ids.iter().copied().collect();
        let keys = uids(source, &extraction.proposals);
        let chosen: Vec<(&EventProposal, &String)> = extraction
            .proposals
            .iter()
            .zip(&keys)
            .filter(|(p, _)| wanted.contains(&p.id))
            .collect();
        let chosen_keys = || chosen.iter().map(|(_, key)| (*key).clone()).collect();
        let course = self.course_of(user, source).await?;
        let student = self.ports.users.get(user).await?;
        // What the chosen proposals became before, by UID.
        let mut made = self.events_by_uid(user, chosen_keys()).await?;
        // Twice at most: an accept of the same proposals at the same moment may make some of
        // them first (their UIDs are then taken and nothing of this batch is written); what it
        // made is read back, and the rest written again.
        for attempt in 0..2 {
            let mut new = Vec::new();
            let mut queued = HashSet::new();
            for (proposal, key) in &chosen {
                if !made.contains_key(*key) && queued.insert(*key) {
                    new.push(imported(
                        key,
                        proposal,
                        source,
                        student.default_reminders.as_deref(),
                    )?);
                }
            }
            if new.is_empty() {
                break;
            }
            let written = self
                .ports
                .calendar
                .import_events(
                    user,
                    CalendarImport {
                        course_id: course,
                        subscription_id: None,
                        events: new,
                    },
                )
                .await;
            match written {
                Ok(imported) => {
                    for event in imported.events {
                        if let Some(key) = event.ical_uid.clone() {
                            made.insert(key, event);
                        }
                    }
                }
                Err(DomainError::Conflict { .. }) if attempt == 0 => {}
                Err(error) => return Err(error),
            }
            // What a concurrent accept made (and the memory store left unchanged) is read
            // back.
            if chosen.iter().any(|(_, key)| !made.contains_key(*key)) {
                made.extend(self.events_by_uid(user, chosen_keys()).await?);
            }
        }
        let mut accepted = Vec::with_capacity(chosen.len());
        let mut events = Vec::with_capacity(chosen.len());
        for (proposal, key) in chosen {
            if let Some(event) = made.get(key) {
                accepted.push((proposal.id, event.id));
                events.push(event.clone());
            }
        }
        self.ports
            .calendar
            .mark_accepted(user, id, accepted)
            .await?;
        // Scheduling is idempotent per event and instant: an accept repeated after a failure
        // here schedules what the first could not.
        if let Some(reminders) = &self.reminders {
            for event in events.iter().filter(|e| !e.reminders.is_empty()) {
                reminders.schedule_new(event).await?;
            }
        }
        if let Some(sync) = &self.sync {
            sync.changed(user).await;
        }
        Ok(events)
    }

    /// The student's events known by `uids`, by UID.
    async fn events_by_uid(
        &self,
        user: UserId,
        uids: Vec<String>,
    ) -> DomainResult<HashMap<String, CalendarEvent>> {
        if uids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(self
            .ports
            .calendar
            .events_by_uid(user, uids)
            .await?
            .into_iter()
            .filter_map(|event| event.ical_uid.clone().map(|key| (key, event)))
            .collect())
    }

    /// The course of the document or note.
    async fn course_of(
        &self,
        user: UserId,
        source: ExtractionSource,
    ) -> DomainResult<Option<CourseId>> {
        Ok(match source {
            ExtractionSource::Document(id) => self.ports.documents.get(user, id).await?.course_id,
            ExtractionSource::Note(id) => self.ports.notes.get(user, id).await?.course_id,
        })
    }

    /// The text of the document or note, page by page.
    async fn text(&self, user: UserId, source: ExtractionSource) -> DomainResult<SourceText> {
        match source {
            ExtractionSource::Document(id) => {
                let document = self.ports.documents.get(user, id).await?;
                let chunks = self.ports.search.list_chunks(user, id).await?;
                Ok(SourceText {
                    title: document.title,
                    written: document.created_at,
                    pages: pages_of(chunks),
                })
            }
            ExtractionSource::Note(id) => {
                let note = self.ports.notes.get(user, id).await?;
                Ok(SourceText {
                    title: note.title,
                    written: note.created_at,
                    pages: vec![PageText {
                        page_number: None,
                        text: note.content,
                    }],
                })
            }
        }
    }

    /// Fails the extraction for `reason`; `Skipped` when it is gone or already finished.
    async fn fail(
        &self,
        user: UserId,
        id: EventExtractionId,
        reason: String,
    ) -> DomainResult<ExtractionOutcome> {
        let end = ExtractionEnd::Failed(reason.clone());
        Ok(
            match self.ports.calendar.finish_extraction(user, id, end).await? {
                Some(_) => ExtractionOutcome::Failed(reason),
                None => ExtractionOutcome::Skipped,
            },
        )
    }
}

/// What an extraction reads.
struct SourceText {
    title: String,
    /// When it was added: the reference for dates written without a year.
    written: chrono::DateTime<chrono::Utc>,
    pages: Vec<PageText>,
}

/// What an item is known by across extractions: its source, the words of the line it was
/// found in, its start, whether it takes whole days, and its type. Not its title, which a
/// model may word differently from one extraction to the next.
fn item_key(source: ExtractionSource, proposal: &EventProposal) -> String {
    let source = match source {
        ExtractionSource::Document(id) => format!("document:{id}"),
        ExtractionSource::Note(id) => format!("note:{id}"),
    };
    format!(
        "{source}\n{}\n{}\n{}\n{}",
        same_item_key(&proposal.source.quote),
        proposal.start.timestamp(),
        proposal.all_day,
        proposal.event_type
    )
}

/// The UIDs the events of `proposals` are known by, in their order: each item's key with
/// how many items before it share that key (two homeworks due the same day on one line are
/// two events).
fn uids(source: ExtractionSource, proposals: &[EventProposal]) -> Vec<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    proposals
        .iter()
        .map(|proposal| {
            let key = item_key(source, proposal);
            let count = counts.entry(key.clone()).or_default();
            let digest = super::sha256_hex(format!("{key}\n{count}").as_bytes());
            *count += 1;
            format!("extracted-{}@sophie", &digest[..32])
        })
        .collect()
}

/// The items that pass the checks, as proposals: located in the text, titled, dated, each
/// once.
fn checked(
    found: Vec<FoundEvent>,
    pages: &[PageText],
    source: ExtractionSource,
    zone: Tz,
) -> Vec<EventProposal> {
    // The title words kept under each item key, and the kept (title words, start, kind of
    // day).
    let mut keyed: HashMap<String, Vec<String>> = HashMap::new();
    let mut titled = HashSet::new();
    let mut proposals = Vec::with_capacity(found.len());
    for item in found {
        let Some(proposal) = proposal_of(item, pages, zone) else {
            continue;
        };
        let same_title = (
            same_item_key(&proposal.title),
            proposal.start,
            proposal.all_day,
        );
        let titles = keyed.entry(item_key(source, &proposal)).or_default();
        // The same line, start and type under a title holding the other's words is the same
        // item (`HW 1` and `HW 1 due`; not `HW 1 due` and `Essay 1 due`).
        let words = same_item_key(&proposal.title);
        let repeated = titles
            .iter()
            .any(|title| title.contains(words.as_str()) || words.contains(title.as_str()));
        if !repeated && titled.insert(same_title) {
            titles.push(words);
            proposals.push(proposal);
        }
    }
    proposals
}

/// The item as a proposal, or `None` when it fails a check.
fn proposal_of(item: FoundEvent, pages: &[PageText], zone: Tz) -> Option<EventProposal> {
    let Found {
        page_number,
        quote,
        context,
    } = located(&item, pages)?;
    let title = Title::clipped(item.title.trim()).ok()?;
    if !grounded_title(title.as_str(), &context) {
        return None;
    }
    let start = resolve(zone, item.start);
    timestamp::check(&start).ok()?;
    let end = item
        .end
        .filter(|end| *end > item.start)
        .map(|end| resolve(zone, end))
        .filter(|end| *end > start && timestamp::check(end).is_ok());
    // What the calendar would refuse is no proposal.
    EventSchedule::new(start, end)
        .ok()?
        .repeating(TimeZone::parse(zone.name()).ok()?, item.all_day, Vec::new())
        .ok()?;
    let location = item
        .location
        .filter(|place| locate(&context, place).is_some())
        .and_then(|l| ShortText::clipped(l.trim()).ok())
        .map(ShortText::into_inner);
    Some(EventProposal {
        id: ProposalId::new(),
        title: title.into_inner(),
        event_type: item.event_type,
        start,
        end,
        all_day: item.all_day,
        time_zone: zone.name().to_owned(),
        location,
        source: ProposalSource { page_number, quote },
        event_id: None,
    })
}

/// The page the item's quote is on (its own page first, then any) and the quote as the text
/// has it.
fn located(item: &FoundEvent, pages: &[PageText]) -> Option<Found> {
    let own = pages
        .iter()
        .filter(|page| item.page_number.is_some() && page.page_number == item.page_number);
    let others = pages
        .iter()
        .filter(|page| item.page_number.is_none() || page.page_number != item.page_number);
    own.chain(others).find_map(|page| {
        let quote = locate(&page.text, &item.quote)?;
        // The quote is a slice of the page: where it starts and ends, to take the lines
        // around it.
        let at = (quote.as_ptr() as usize).saturating_sub(page.text.as_ptr() as usize);
        let end = at + quote.len();
        let above = page.text.get(..at).unwrap_or_default();
        let below = page.text.get(end..).unwrap_or_default();
        let from = above
            .rmatch_indices('\n')
            .nth(CONTEXT_LINES)
            .map_or(0, |(index, _)| index + 1);
        let to = below
            .match_indices('\n')
            .nth(CONTEXT_LINES)
            .map_or(below.len(), |(index, _)| index);
        Some(Found {
            page_number: page.page_number,
            quote: clip(quote, MAX_QUOTE_CHARS),
            context: format!("{}{quote}{}", &above[from..], &below[..to]),
        })
    })
}

/// Where an item was found.
struct Found {
    page_number: Option<u32>,
    /// Its line, as the text has it.
    quote: String,
    /// Its line with the few lines around it (a heading above a dated line, a `Location:`
    /// line below it).
    context: String,
}

/// Whether `title` rests on the text around its item: it stands there whole (`HW 1`), a word
/// of it does, or it is the bare name of a kind (`Exam`), which an item without other words
/// is called.
fn grounded_title(title: &str, context: &str) -> bool {
    const KIND_NAMES: [&str; 9] = [
        "assignment",
        "exam",
        "quiz",
        "lecture",
        "lab",
        "office hours",
        "study session",
        "deadline",
        "event",
    ];
    locate(context, title).is_some()
        || supports(context, title)
        || KIND_NAMES.contains(&same_item_key(title).as_str())
}

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// A proposal as an event to import under `key`: linked to the document, with the student's
/// default reminders (else the defaults of its priority), its source in its description.
fn imported(
    key: &str,
    proposal: &EventProposal,
    source: ExtractionSource,
    defaults: Option<&[u32]>,
) -> DomainResult<ImportedCalendarEvent> {
    let zone = TimeZone::parse(&proposal.time_zone).unwrap_or(TimeZone::UTC);
    let schedule = EventSchedule::new(proposal.start, proposal.end)
        .and_then(|schedule| {
            schedule
                .repeating(zone, proposal.all_day, Vec::new())
                .map_err(|(_, error)| error)
        })
        .map_err(|error| DomainError::validation("proposalIds", error.to_string()))?;
    let priority = priority_of(proposal.event_type);
    let minutes = defaults.unwrap_or_else(|| default_reminders(priority));
    let reminders = Reminders::parse(minutes.iter().copied())
        .map_err(|error| DomainError::validation("proposalIds", error.to_string()))?;
    let description = match proposal.source.page_number {
        Some(page) => format!("Page {page}: \u{201c}{}\u{201d}", proposal.source.quote),
        None => format!("\u{201c}{}\u{201d}", proposal.source.quote),
    };
    Ok(ImportedCalendarEvent {
        uid: ShortText::parse(key.to_owned())
            .map_err(|error| DomainError::internal(error.to_string()))?,
        event: NewCalendarEvent {
            title: Title::parse(proposal.title.clone())
                .map_err(|error| DomainError::validation("proposalIds", error.to_string()))?,
            description: Description::clipped(description).ok(),
            schedule,
            reminders,
            event_type: proposal.event_type,
            location: proposal
                .location
                .clone()
                .and_then(|l| ShortText::parse(l).ok()),
            priority,
            color: Color::default(),
            google_event_id: None,
            google_calendar_id: None,
            course_id: None,
            document_id: match source {
                ExtractionSource::Document(id) => Some(id),
                ExtractionSource::Note(_) => None,
            },
        },
        overrides: Vec::new(),
    })
}

/// How urgent an item of this kind is: an exam high, what is handed in medium.
const fn priority_of(kind: EventType) -> Option<Priority> {
    match kind {
        EventType::Exam => Some(Priority::High),
        EventType::Assignment | EventType::Deadline | EventType::Quiz => Some(Priority::Medium),
        _ => None,
    }
}

/// The first `max` characters of `pages`, cut at a line's end.
fn within(pages: Vec<PageText>, max: usize) -> Vec<PageText> {
    let mut left = max;
    let mut kept = Vec::with_capacity(pages.len());
    for mut page in pages {
        let chars = page.text.chars().count();
        if chars > left {
            // Whole lines only: a line cut short could read as another date (`May 1`).
            let at_line_end = page.text.chars().nth(left) == Some('\n');
            let cut: String = page.text.chars().take(left).collect();
            page.text = match cut.rfind('\n') {
                _ if at_line_end => cut,
                Some(end) => cut[..end].to_owned(),
                None => String::new(),
            };
            left = 0;
        } else {
            left -= chars;
        }
        if !page.text.is_empty() {
            kept.push(page);
        }
        if left == 0 {
            break;
        }
    }
    kept
}

/// A document's pages from its chunks: the chunks of each page in order, each without the
/// start it repeats of the one before.
fn pages_of(mut chunks: Vec<DocumentChunk>) -> Vec<PageText> {
    chunks.sort_by_key(|chunk| chunk.chunk_index);
    let mut pages: Vec<PageText> = Vec::new();
    let mut before = String::new();
    for chunk in chunks {
        let page_number = chunk.page_number.and_then(|p| u32::try_from(p).ok());
        match pages.last_mut() {
            Some(page) if page.page_number == page_number => {
                let rest = without_overlap(&before, &chunk.content);
                let fresh = rest.trim_start();
                if !fresh.is_empty() {
                    // After an overlap, the chunk goes on where it was cut: within a line
                    // (a space follows the overlap) or at a line's end. Without one, the cut
                    // is taken for a line's end.
                    let gap = &rest[..rest.len() - fresh.len()];
                    let overlapped = rest.len() < chunk.content.len();
                    if !(overlapped && gap.is_empty()) {
                        let within_line = overlapped && !gap.contains('\n');
                        page.text.push(if within_line { ' ' } else { '\n' });
                    }
                    page.text.push_str(fresh);
                }
            }
            _ => pages.push(PageText {
                page_number,
                text: chunk.content.clone(),
            }),
        }
        before = chunk.content;
    }
    pages
}

/// `next` without its longest start that ends `before` (at least [`MIN_OVERLAP_BYTES`]).
fn without_overlap<'a>(before: &str, next: &'a str) -> &'a str {
    let longest = before.len().min(next.len());
    (MIN_OVERLAP_BYTES..=longest)
        .rev()
        .filter(|&k| next.is_char_boundary(k))
        .find(|&k| before.ends_with(&next[..k]))
        .map_or(next, |k| &next[k..])
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveDateTime, Utc};

    use super::*;
    use crate::id::{DocumentChunkId, DocumentId};

    fn chunk(index: i32, page: i32, content: &str) -> DocumentChunk {
        DocumentChunk {
            id: DocumentChunkId::new(),
            document_id: DocumentId::new(),
            content: content.to_owned(),
            page_number: Some(page),
            chunk_index: index,
            embedding: None,
            embedding_model: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn pages_are_rebuilt_from_overlapping_chunks() {
        let pages = pages_of(vec![
            chunk(1, 1, "Week 2 (Jan 25) | Sorting\nHomework 1 due Jan 29"),
            chunk(
                0,
                1,
                "CS 101 Spring 2027\nWeek 1 (Jan 18) | Introduction\nWeek 2 (Jan 25) | Sorting",
            ),
            chunk(2, 2, "Midterm exam: March 3, 2027"),
        ]);
        assert_eq!(pages.len(), 2);
        assert_eq!(
            pages[0].text,
            "CS 101 Spring 2027\nWeek 1 (Jan 18) | Introduction\nWeek 2 (Jan 25) | Sorting\nHomework 1 due Jan 29"
        );
        assert_eq!(pages[1].page_number, Some(2));
    }

    #[test]
    fn a_chunk_cut_within_a_line_goes_on_in_it() {
        let pages = pages_of(vec![
            chunk(0, 1, "Homework 1 on sorting algorithms is due"),
            chunk(
                1,
                1,
                "on sorting algorithms is due Friday, January 29\nQuiz 1 on Feb 3",
            ),
        ]);
        assert_eq!(
            pages[0].text,
            "Homework 1 on sorting algorithms is due Friday, January 29\nQuiz 1 on Feb 3"
        );
    }

    #[test]
    fn text_beyond_the_limit_is_left_out_at_a_lines_end() {
        let page = |n: u32, text: &str| PageText {
            page_number: Some(n),
            text: text.to_owned(),
        };
        let kept = within(
            vec![
                page(1, "abcd\nefgh"),
                page(2, "ijkl\nmnop"),
                page(3, "qrst"),
            ],
            16,
        );
        assert_eq!(kept, vec![page(1, "abcd\nefgh"), page(2, "ijkl")]);
        // The limit at a line's end keeps that line; a line cut short is left out.
        assert_eq!(
            within(vec![page(1, "abcd\nefgh\nijkl")], 9),
            vec![page(1, "abcd\nefgh")]
        );
        assert_eq!(within(vec![page(1, "May 12 exam")], 5), vec![]);
    }

    #[test]
    fn a_short_likeness_is_no_overlap() {
        assert_eq!(without_overlap("due Friday", "Friday lab"), "Friday lab");
    }

    fn found(title: &str, quote: &str, start: NaiveDateTime) -> FoundEvent {
        FoundEvent {
            title: title.to_owned(),
            event_type: EventType::Exam,
            start,
            end: None,
            all_day: false,
            location: None,
            page_number: Some(1),
            quote: quote.to_owned(),
        }
    }

    #[test]
    fn items_are_checked_against_the_text() {
        let pages = vec![PageText {
            page_number: Some(1),
            text: "Midterm exam:   March 3, 2027 at 10:00\nFinal exam May 12".to_owned(),
        }];
        let at = NaiveDate::from_ymd_opt(2027, 3, 3)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let source = ExtractionSource::Document(DocumentId::new());
        let zone: Tz = "Europe/Berlin".parse().unwrap();
        let kept = checked(
            vec![
                found("Midterm exam", "Midterm exam: March 3, 2027 at 10:00", at),
                // Not in the text.
                found("Quiz", "Quiz on March 4", at),
                // Blank title.
                found("  ", "Final exam May 12", at),
                // The same item again.
                found("Midterm  Exam", "Midterm exam: March 3, 2027", at),
            ],
            &pages,
            source,
            zone,
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(
            kept[0].source.quote, "Midterm exam:   March 3, 2027 at 10:00",
            "the quote as the text has it"
        );
        assert_eq!(kept[0].start.to_rfc3339(), "2027-03-03T09:00:00+00:00");
    }

    #[test]
    fn two_items_of_one_line_stay_two_and_a_place_below_counts() {
        let pages = vec![PageText {
            page_number: Some(1),
            text: "01/20/2027 | HW 1 due; Essay 1 due\nMidterm: March 3\nLocation: Room 204"
                .to_owned(),
        }];
        let day = NaiveDate::from_ymd_opt(2027, 1, 20)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let row = "01/20/2027 | HW 1 due; Essay 1 due";
        let mut homework = found("HW 1 due", row, day);
        homework.event_type = EventType::Assignment;
        let essay = FoundEvent {
            title: "Essay 1 due".to_owned(),
            ..homework.clone()
        };
        let repeat = FoundEvent {
            title: "HW 1".to_owned(),
            ..homework.clone()
        };
        let midterm = FoundEvent {
            location: Some("Room 204".to_owned()),
            ..found(
                "Midterm",
                "Midterm: March 3",
                NaiveDate::from_ymd_opt(2027, 3, 3)
                    .unwrap()
                    .and_hms_opt(9, 0, 0)
                    .unwrap(),
            )
        };
        let source = ExtractionSource::Document(DocumentId::new());
        let kept = checked(
            vec![homework, essay, repeat, midterm],
            &pages,
            source,
            Tz::UTC,
        );
        let titles: Vec<&str> = kept.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(
            titles,
            ["HW 1 due", "Essay 1 due", "Midterm"],
            "HW 1 is HW 1 due"
        );
        let keys = uids(source, &kept);
        assert_ne!(keys[0], keys[1], "two events of one line");
        assert_eq!(keys, uids(source, &kept), "the same again");
        assert_eq!(kept[2].location.as_deref(), Some("Room 204"));
    }

    #[test]
    fn an_end_before_the_start_is_dropped_and_the_item_kept() {
        let pages = vec![PageText {
            page_number: None,
            text: "Lab 2, March 4 from 14:00".to_owned(),
        }];
        let at = NaiveDate::from_ymd_opt(2027, 3, 4)
            .unwrap()
            .and_hms_opt(14, 0, 0)
            .unwrap();
        let mut item = found("Lab 2", "Lab 2, March 4 from 14:00", at);
        item.end = Some(at - chrono::Duration::hours(1));
        let kept = checked(
            vec![item],
            &pages,
            ExtractionSource::Note(crate::id::NoteId::new()),
            Tz::UTC,
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].end, None);
        assert_eq!(kept[0].source.page_number, None);
    }
}
