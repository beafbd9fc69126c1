//! The agenda: the coming days of the student's calendar, each occurrence with what to study
//! for it (its course's flashcards due by then and its quizzes not yet attempted).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, NaiveDate};

use super::calendar::CalendarService;
use crate::entities::{
    Agenda, AgendaItem, CalendarFilter, QuizFilter, QuizToTake, ReviewFilter, StudyFor,
};
use crate::error::{DomainError, DomainResult};
use crate::id::{CourseId, UserId};
use crate::pagination::PageRequest;
use crate::ports::{Clock, QuizRepository, ReviewRepository};

/// The longest agenda, in days.
pub const MAX_AGENDA_DAYS: u32 = 31;

/// How many quizzes to take are named per course.
const QUIZZES_PER_COURSE: u32 = 5;

/// A course's material to study: its reviewed cards coming due, counted by day, and its
/// quizzes not yet attempted.
struct Material {
    due: Vec<(NaiveDate, u64)>,
    quizzes: Vec<QuizToTake>,
}

/// Reads the agenda.
#[derive(Clone)]
pub struct AgendaService {
    calendar: CalendarService,
    reviews: Arc<dyn ReviewRepository>,
    quizzes: Arc<dyn QuizRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for AgendaService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgendaService").finish_non_exhaustive()
    }
}

impl AgendaService {
    /// A service reading occurrences from `calendar`, cards from `reviews` and quizzes from
    /// `quizzes`.
    #[must_use]
    pub fn new(
        calendar: CalendarService,
        reviews: Arc<dyn ReviewRepository>,
        quizzes: Arc<dyn QuizRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            calendar,
            reviews,
            quizzes,
            clock,
        }
    }

    /// The user's occurrences from now to `days` days ahead, earliest first, each with what to
    /// study for it. The study material is read once per course, whatever the number of its
    /// occurrences.
    ///
    /// # Errors
    ///
    /// `Validation` on `days` outside 1 to [`MAX_AGENDA_DAYS`], or when the span holds more
    /// occurrences than the calendar's limit.
    pub async fn agenda(&self, user: UserId, days: u32) -> DomainResult<Agenda> {
        if !(1..=MAX_AGENDA_DAYS).contains(&days) {
            return Err(DomainError::validation(
                "days",
                format!("must be between 1 and {MAX_AGENDA_DAYS}"),
            ));
        }
        let from = self.clock.now();
        let to = from + Duration::days(i64::from(days));
        let occurrences = self
            .calendar
            .between(user, CalendarFilter::default(), from, to)
            .await?;

        let mut courses: Vec<CourseId> = occurrences
            .iter()
            .filter_map(|o| o.event.course_id)
            .collect();
        courses.sort_unstable();
        courses.dedup();
        let mut material: HashMap<CourseId, Material> = HashMap::with_capacity(courses.len());
        for course in courses {
            let due = self
                .reviews
                .due_tally(
                    user,
                    ReviewFilter {
                        course_id: Some(course),
                        set_id: None,
                    },
                    to,
                )
                .await?;
            let quizzes = self
                .quizzes
                .list(
                    user,
                    QuizFilter {
                        course_id: Some(course),
                        unattempted: true,
                        ..QuizFilter::default()
                    },
                    PageRequest::first_of(QUIZZES_PER_COURSE),
                )
                .await?
                .items
                .into_iter()
                .map(|quiz| QuizToTake {
                    id: quiz.id,
                    title: quiz.title,
                })
                .collect();
            material.insert(course, Material { due, quizzes });
        }

        let items = occurrences
            .into_iter()
            .map(|occurrence| {
                let study = occurrence.event.course_id.and_then(|course| {
                    let Material { due, quizzes } = material.get(&course)?;
                    let day = occurrence.occurrence_start.date_naive();
                    Some(StudyFor {
                        course_id: course,
                        due_flashcards: due
                            .iter()
                            .filter(|(date, _)| *date <= day)
                            .map(|(_, count)| count)
                            .sum(),
                        quizzes: quizzes.clone(),
                    })
                });
                AgendaItem { occurrence, study }
            })
            .collect();
        Ok(Agenda { from, to, items })
    }
}
