//! Flashcard sets with their cards, quizzes with their questions and attempts, and study
//! guides, in memory.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::paging::{page_of, sorted};
use super::reviews::StoredReview;
use super::store::{MemoryStore, Tables, micros, owned, owned_mut};
use crate::entities::{
    DeckImport, DecksImported, Flashcard, FlashcardSet, FlashcardSetFilter, FlashcardSetUpdate,
    FlashcardSetWithCards, FlashcardUpdate, NewFlashcard, NewFlashcardSet, NewQuestion, NewQuiz,
    NewQuizResponse, NewStudyGuide, Question, QuestionUpdate, Quiz, QuizFilter, QuizResponse,
    QuizUpdate, QuizWithQuestions, ReviewLog, SourceLinks, StudyGuide, StudyGuideFilter,
    StudyGuideUpdate,
};
use crate::enums::Difficulty;
use crate::error::{DomainError, DomainResult};
use crate::id::{
    FlashcardId, FlashcardSetId, QuestionId, QuizId, QuizResponseId, ReviewId, StudyGuideId, UserId,
};
use crate::pagination::{Page, PageRequest, SortOrder};
use crate::ports::{FlashcardRepository, QuizRepository, StudyGuideRepository};
use crate::rules::deck_merge::{self, DeckSet, Target};
use crate::rules::quiz_points;
use crate::values::{CardText, Color, Description, DurationSeconds, TimeLimitMinutes};

fn too_many_cards() -> DomainError {
    DomainError::validation(
        "flashcards",
        format!("a set holds at most {} cards", NewFlashcardSet::MAX_CARDS),
    )
}

fn too_many_questions() -> DomainError {
    DomainError::validation(
        "questions",
        format!("a quiz holds at most {} questions", NewQuiz::MAX_QUESTIONS),
    )
}

fn card_row(set: FlashcardSetId, new: NewFlashcard, now: DateTime<Utc>) -> Flashcard {
    Flashcard {
        id: FlashcardId::new(),
        flashcard_set_id: set,
        question: new.question.into_inner(),
        answer: new.answer.into_inner(),
        hint: new.hint.map(CardText::into_inner),
        explanation: new.explanation.map(CardText::into_inner),
        difficulty: new.difficulty,
        sources: new.sources,
        created_at: now,
        updated_at: now,
    }
}

fn question_row(quiz: QuizId, new: NewQuestion, now: DateTime<Utc>) -> Question {
    let (question_type, options, correct_answer) = new.content.into_parts();
    Question {
        id: QuestionId::new(),
        quiz_id: quiz,
        question_type,
        question: new.question.into_inner(),
        options,
        correct_answer,
        explanation: new.explanation.map(CardText::into_inner),
        hint: new.hint.map(CardText::into_inner),
        difficulty: new.difficulty,
        points: new.points.get_i32(),
        sources: new.sources,
        created_at: now,
        updated_at: now,
    }
}

impl Tables {
    /// Creates a set with its cards.
    pub(super) fn insert_set(
        &mut self,
        user: UserId,
        new: NewFlashcardSet,
        now: DateTime<Utc>,
    ) -> DomainResult<FlashcardSetWithCards> {
        if new.flashcards.len() > NewFlashcardSet::MAX_CARDS {
            return Err(too_many_cards());
        }
        self.check_user(user)?;
        self.check_links(user, new.links)?;
        let set = FlashcardSet {
            id: FlashcardSetId::new(),
            user_id: user,
            course_id: new.links.course_id,
            note_id: new.links.note_id,
            document_id: new.links.document_id,
            title: new.title.into_inner(),
            description: new.description.map(Description::into_inner),
            difficulty: new.difficulty,
            tags: new.tags.into_inner(),
            color: new.color.into_inner(),
            created_at: now,
            updated_at: now,
        };
        let flashcards: Vec<Flashcard> = new
            .flashcards
            .into_iter()
            .map(|card| card_row(set.id, card, now))
            .collect();
        self.flashcard_sets.insert(set.id, set.clone());
        for card in &flashcards {
            self.flashcards.insert(card.id, card.clone());
        }
        Ok(FlashcardSetWithCards { set, flashcards })
    }

    /// Creates a quiz with its questions.
    pub(super) fn insert_quiz(
        &mut self,
        user: UserId,
        new: NewQuiz,
        now: DateTime<Utc>,
    ) -> DomainResult<QuizWithQuestions> {
        if new.questions.len() > NewQuiz::MAX_QUESTIONS {
            return Err(too_many_questions());
        }
        self.check_user(user)?;
        self.check_links(user, new.links)?;
        let id = QuizId::new();
        let questions: Vec<Question> = new
            .questions
            .into_iter()
            .map(|question| question_row(id, question, now))
            .collect();
        let quiz = Quiz {
            id,
            user_id: user,
            course_id: new.links.course_id,
            note_id: new.links.note_id,
            document_id: new.links.document_id,
            title: new.title.into_inner(),
            description: new.description.map(Description::into_inner),
            difficulty: new.difficulty,
            time_limit: new.time_limit.map(TimeLimitMinutes::get_i32),
            total_points: quiz_points::total_points(questions.iter().map(|q| q.points)),
            created_at: now,
            updated_at: now,
        };
        self.quizzes.insert(quiz.id, quiz.clone());
        for question in &questions {
            self.questions.insert(question.id, question.clone());
        }
        Ok(QuizWithQuestions { quiz, questions })
    }

    /// Creates a study guide.
    pub(super) fn insert_guide(
        &mut self,
        user: UserId,
        new: NewStudyGuide,
        now: DateTime<Utc>,
    ) -> DomainResult<StudyGuide> {
        self.check_user(user)?;
        self.check_links(user, new.links)?;
        let guide = StudyGuide {
            id: StudyGuideId::new(),
            user_id: user,
            course_id: new.links.course_id,
            note_id: new.links.note_id,
            document_id: new.links.document_id,
            title: new.title.into_inner(),
            content: new.content.into_inner(),
            sources: new.sources,
            created_at: now,
            updated_at: now,
        };
        self.study_guides.insert(guide.id, guide.clone());
        Ok(guide)
    }

    fn cards_of(&self, set: FlashcardSetId) -> Vec<Flashcard> {
        let cards = self
            .flashcards
            .values()
            .filter(|c| c.flashcard_set_id == set)
            .cloned();
        sorted(cards, SortOrder::OldestFirst, |c| {
            (c.created_at, c.id.as_uuid())
        })
    }

    fn questions_of(&self, quiz: QuizId) -> Vec<Question> {
        let questions = self
            .questions
            .values()
            .filter(|q| q.quiz_id == quiz)
            .cloned();
        sorted(questions, SortOrder::OldestFirst, |q| {
            (q.created_at, q.id.as_uuid())
        })
    }

    /// Keeps the quiz's total equal to the sum of its questions' points, as the PostgreSQL
    /// adapter's `UPDATE quizzes SET total_points = (SELECT sum ...)` does after each write.
    fn refresh_total_points(&mut self, quiz: QuizId, now: DateTime<Utc>) {
        let total = quiz_points::total_points(
            self.questions
                .values()
                .filter(|q| q.quiz_id == quiz)
                .map(|q| q.points),
        );
        if let Some(quiz) = self.quizzes.get_mut(&quiz) {
            quiz.total_points = total;
            quiz.updated_at = now;
        }
    }
}

#[async_trait]
impl FlashcardRepository for MemoryStore {
    async fn create_set(
        &self,
        user: UserId,
        new: NewFlashcardSet,
    ) -> DomainResult<FlashcardSetWithCards> {
        self.write(|tables, now| tables.insert_set(user, new, now))
    }

    async fn get_set(
        &self,
        user: UserId,
        id: FlashcardSetId,
    ) -> DomainResult<FlashcardSetWithCards> {
        self.with_tables(|tables| {
            let set = owned(&tables.flashcard_sets, user, &id, "flashcard set")?.clone();
            Ok(FlashcardSetWithCards {
                flashcards: tables.cards_of(id),
                set,
            })
        })
    }

    async fn list_sets(
        &self,
        user: UserId,
        filter: FlashcardSetFilter,
        page: PageRequest,
    ) -> DomainResult<Page<FlashcardSet>> {
        self.with_tables(|tables| {
            let rows = tables.flashcard_sets.values().filter(|s| {
                s.user_id == user
                    && filter.course_id.is_none_or(|id| s.course_id == Some(id))
                    && filter.note_id.is_none_or(|id| s.note_id == Some(id))
                    && filter
                        .document_id
                        .is_none_or(|id| s.document_id == Some(id))
                    && filter.tag.as_ref().is_none_or(|tag| s.tags.contains(tag))
                    && filter.difficulty.is_none_or(|d| s.difficulty == d)
            });
            Ok(page_of(rows, SortOrder::NewestFirst, page, |s| {
                (s.created_at, s.id.as_uuid())
            }))
        })
    }

    async fn update_set(
        &self,
        user: UserId,
        id: FlashcardSetId,
        update: FlashcardSetUpdate,
    ) -> DomainResult<FlashcardSet> {
        self.write(|tables, now| {
            owned(&tables.flashcard_sets, user, &id, "flashcard set")?;
            tables.check_links(user, update.links.new_targets())?;
            let set = owned_mut(&mut tables.flashcard_sets, user, &id, "flashcard set")?;
            let links = update.links.applied_to(set.links());
            set.course_id = links.course_id;
            set.note_id = links.note_id;
            set.document_id = links.document_id;
            if let Some(title) = update.title {
                set.title = title.into_inner();
            }
            if let Some(description) = update.description {
                set.description = description.map(Description::into_inner);
            }
            if let Some(difficulty) = update.difficulty {
                set.difficulty = difficulty;
            }
            if let Some(tags) = update.tags {
                set.tags = tags.into_inner();
            }
            if let Some(color) = update.color {
                set.color = color.into_inner();
            }
            set.updated_at = now;
            Ok(set.clone())
        })
    }

    async fn delete_set(&self, user: UserId, id: FlashcardSetId) -> DomainResult<()> {
        self.write(|tables, now| {
            owned(&tables.flashcard_sets, user, &id, "flashcard set")?;
            tables.delete_flashcard_set(id, now);
            Ok(())
        })
    }

    async fn add_card(
        &self,
        user: UserId,
        set: FlashcardSetId,
        new: NewFlashcard,
    ) -> DomainResult<Flashcard> {
        self.write(|tables, now| {
            owned(&tables.flashcard_sets, user, &set, "flashcard set")?;
            let cards = tables
                .flashcards
                .values()
                .filter(|c| c.flashcard_set_id == set)
                .count();
            if cards >= NewFlashcardSet::MAX_CARDS {
                return Err(too_many_cards());
            }
            let card = card_row(set, new, now);
            tables.flashcards.insert(card.id, card.clone());
            Ok(card)
        })
    }

    async fn update_card(
        &self,
        user: UserId,
        set: FlashcardSetId,
        card: FlashcardId,
        update: FlashcardUpdate,
    ) -> DomainResult<Flashcard> {
        self.write(|tables, now| {
            owned(&tables.flashcard_sets, user, &set, "flashcard set")?;
            let card = tables
                .flashcards
                .get_mut(&card)
                .filter(|c| c.flashcard_set_id == set)
                .ok_or(DomainError::not_found("flashcard"))?;
            if let Some(question) = update.question {
                card.question = question.into_inner();
            }
            if let Some(answer) = update.answer {
                card.answer = answer.into_inner();
            }
            if let Some(hint) = update.hint {
                card.hint = hint.map(CardText::into_inner);
            }
            if let Some(explanation) = update.explanation {
                card.explanation = explanation.map(CardText::into_inner);
            }
            if let Some(difficulty) = update.difficulty {
                card.difficulty = difficulty;
            }
            card.updated_at = now;
            Ok(card.clone())
        })
    }

    async fn delete_card(
        &self,
        user: UserId,
        set: FlashcardSetId,
        card: FlashcardId,
    ) -> DomainResult<()> {
        self.with_tables(|tables| {
            owned(&tables.flashcard_sets, user, &set, "flashcard set")?;
            tables
                .flashcards
                .get(&card)
                .filter(|c| c.flashcard_set_id == set)
                .ok_or(DomainError::not_found("flashcard"))?;
            tables.flashcards.remove(&card);
            tables.forget_reviews(|id| *id == card);
            Ok(())
        })
    }

    async fn import_decks(&self, user: UserId, import: DeckImport) -> DomainResult<DecksImported> {
        // One lock for the whole import: imports (of any user) run one at a time.
        self.write(|tables, now| tables.import_decks(user, import, now))
    }
}

impl Tables {
    /// [`FlashcardRepository::import_decks`] on the tables.
    fn import_decks(
        &mut self,
        user: UserId,
        import: DeckImport,
        now: DateTime<Utc>,
    ) -> DomainResult<DecksImported> {
        self.check_user(user)?;
        let links = SourceLinks {
            course_id: import.course_id,
            ..SourceLinks::default()
        };
        self.check_links(user, links)?;
        let mine: HashSet<FlashcardSetId> = self
            .flashcard_sets
            .values()
            .filter(|s| s.user_id == user)
            .map(|s| s.id)
            .collect();
        let owned = |card: &FlashcardId| {
            self.flashcards
                .get(card)
                .is_some_and(|c| mine.contains(&c.flashcard_set_id))
        };
        let mut known: HashSet<String> = self
            .card_keys
            .iter()
            .filter(|(card, _)| owned(card))
            .map(|(_, key)| key.clone())
            .collect();
        known.extend(
            import
                .decks
                .iter()
                .flat_map(|deck| &deck.cards)
                .filter(|card| deck_merge::exported_card(&card.key).is_some_and(|id| owned(&id)))
                .map(|card| card.key.clone()),
        );
        let decks: HashSet<&str> = import.decks.iter().map(|d| d.key.as_str()).collect();
        let mut earlier: Vec<(&FlashcardSet, &String)> = self
            .set_keys
            .iter()
            .filter(|(set, key)| mine.contains(set) && decks.contains(key.as_str()))
            .filter_map(|(set, key)| Some((self.flashcard_sets.get(set)?, key)))
            .collect();
        earlier.sort_by_key(|(set, _)| (set.created_at, set.id));
        let earlier: Vec<DeckSet> = earlier
            .into_iter()
            .map(|(set, key)| DeckSet {
                id: set.id,
                key: key.clone(),
                cards: self.cards_of(set.id).len(),
            })
            .collect();
        let plan = deck_merge::plan(import.decks, &known, &earlier);
        let mut added = DecksImported {
            sets: Vec::new(),
            cards: 0,
            unchanged: plan.unchanged,
            reviews: 0,
        };
        for placement in plan.placements {
            let set = match placement.target {
                Target::Existing(id) => {
                    let set = owned_mut(&mut self.flashcard_sets, user, &id, "flashcard set")?;
                    set.updated_at = now;
                    id
                }
                Target::New { key, title, tags } => {
                    let new = NewFlashcardSet {
                        title,
                        description: None,
                        difficulty: Difficulty::Medium,
                        tags,
                        color: Color::default(),
                        links,
                        flashcards: Vec::new(),
                    };
                    let id = self.insert_set(user, new, now)?.set.id;
                    self.set_keys.insert(id, key);
                    id
                }
            };
            for keyed in placement.cards {
                let card = card_row(set, keyed.card, now);
                if let Some(last) = keyed.reviews.last() {
                    self.card_schedules.insert(card.id, last.after.clone());
                }
                for review in keyed.reviews {
                    let log = ReviewLog {
                        id: ReviewId::new(),
                        flashcard_id: card.id,
                        rating: review.rating,
                        state_before: review.before.state,
                        reviewed_at: micros(review.reviewed_at),
                        elapsed_days: review.elapsed_days,
                        duration_ms: review.duration_ms,
                    };
                    self.flashcard_reviews.insert(
                        log.id,
                        StoredReview {
                            log,
                            user_id: user,
                            before: review.before,
                            created_at: now,
                        },
                    );
                    added.reviews += 1;
                }
                self.card_keys.insert(card.id, keyed.key);
                self.flashcards.insert(card.id, card);
                added.cards += 1;
            }
            if let Some(set) = self.flashcard_sets.get(&set) {
                added.sets.push(set.clone());
            }
        }
        Ok(added)
    }
}

#[async_trait]
impl QuizRepository for MemoryStore {
    async fn create(&self, user: UserId, new: NewQuiz) -> DomainResult<QuizWithQuestions> {
        self.write(|tables, now| tables.insert_quiz(user, new, now))
    }

    async fn get(&self, user: UserId, id: QuizId) -> DomainResult<QuizWithQuestions> {
        self.with_tables(|tables| {
            let quiz = owned(&tables.quizzes, user, &id, "quiz")?.clone();
            Ok(QuizWithQuestions {
                questions: tables.questions_of(id),
                quiz,
            })
        })
    }

    async fn list(
        &self,
        user: UserId,
        filter: QuizFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Quiz>> {
        self.with_tables(|tables| {
            let rows = tables.quizzes.values().filter(|q| {
                q.user_id == user
                    && filter.course_id.is_none_or(|id| q.course_id == Some(id))
                    && filter.note_id.is_none_or(|id| q.note_id == Some(id))
                    && filter
                        .document_id
                        .is_none_or(|id| q.document_id == Some(id))
                    && filter.difficulty.is_none_or(|d| q.difficulty == d)
                    && (!filter.unattempted
                        || !tables.quiz_responses.values().any(|r| r.quiz_id == q.id))
            });
            Ok(page_of(rows, SortOrder::NewestFirst, page, |q| {
                (q.created_at, q.id.as_uuid())
            }))
        })
    }

    async fn update(&self, user: UserId, id: QuizId, update: QuizUpdate) -> DomainResult<Quiz> {
        self.write(|tables, now| {
            owned(&tables.quizzes, user, &id, "quiz")?;
            tables.check_links(user, update.links.new_targets())?;
            let quiz = owned_mut(&mut tables.quizzes, user, &id, "quiz")?;
            let links = update.links.applied_to(quiz.links());
            quiz.course_id = links.course_id;
            quiz.note_id = links.note_id;
            quiz.document_id = links.document_id;
            if let Some(title) = update.title {
                quiz.title = title.into_inner();
            }
            if let Some(description) = update.description {
                quiz.description = description.map(Description::into_inner);
            }
            if let Some(difficulty) = update.difficulty {
                quiz.difficulty = difficulty;
            }
            if let Some(time_limit) = update.time_limit {
                quiz.time_limit = time_limit.map(TimeLimitMinutes::get_i32);
            }
            quiz.updated_at = now;
            Ok(quiz.clone())
        })
    }

    async fn delete(&self, user: UserId, id: QuizId) -> DomainResult<()> {
        self.write(|tables, now| {
            owned(&tables.quizzes, user, &id, "quiz")?;
            tables.delete_quiz(id, now);
            Ok(())
        })
    }

    async fn add_question(
        &self,
        user: UserId,
        quiz: QuizId,
        new: NewQuestion,
    ) -> DomainResult<Question> {
        self.write(|tables, now| {
            owned(&tables.quizzes, user, &quiz, "quiz")?;
            let questions = tables
                .questions
                .values()
                .filter(|q| q.quiz_id == quiz)
                .count();
            if questions >= NewQuiz::MAX_QUESTIONS {
                return Err(too_many_questions());
            }
            let question = question_row(quiz, new, now);
            tables.questions.insert(question.id, question.clone());
            tables.refresh_total_points(quiz, now);
            Ok(question)
        })
    }

    async fn update_question(
        &self,
        user: UserId,
        quiz: QuizId,
        question: QuestionId,
        update: QuestionUpdate,
    ) -> DomainResult<Question> {
        self.write(|tables, now| {
            owned(&tables.quizzes, user, &quiz, "quiz")?;
            let row = tables
                .questions
                .get_mut(&question)
                .filter(|q| q.quiz_id == quiz)
                .ok_or(DomainError::not_found("question"))?;
            if let Some(text) = update.question {
                row.question = text.into_inner();
            }
            if let Some(content) = update.content {
                let (question_type, options, correct_answer) = content.into_parts();
                row.question_type = question_type;
                row.options = options;
                row.correct_answer = correct_answer;
            }
            if let Some(explanation) = update.explanation {
                row.explanation = explanation.map(CardText::into_inner);
            }
            if let Some(hint) = update.hint {
                row.hint = hint.map(CardText::into_inner);
            }
            if let Some(difficulty) = update.difficulty {
                row.difficulty = difficulty;
            }
            if let Some(points) = update.points {
                row.points = points.get_i32();
            }
            row.updated_at = now;
            let row = row.clone();
            tables.refresh_total_points(quiz, now);
            Ok(row)
        })
    }

    async fn delete_question(
        &self,
        user: UserId,
        quiz: QuizId,
        question: QuestionId,
    ) -> DomainResult<()> {
        self.write(|tables, now| {
            owned(&tables.quizzes, user, &quiz, "quiz")?;
            tables
                .questions
                .get(&question)
                .filter(|q| q.quiz_id == quiz)
                .ok_or(DomainError::not_found("question"))?;
            tables.questions.remove(&question);
            tables.refresh_total_points(quiz, now);
            Ok(())
        })
    }

    async fn record_response(
        &self,
        user: UserId,
        response: NewQuizResponse,
    ) -> DomainResult<QuizResponse> {
        self.write(|tables, now| {
            owned(&tables.quizzes, user, &response.quiz_id, "quiz")?;
            // The schema's checks on quiz_responses, which PostgreSQL applies only once the
            // quiz is known to be the user's.
            if response.total_points < 0 {
                return Err(DomainError::validation(
                    "totalPoints",
                    "must not be negative",
                ));
            }
            if response.score < 0 || response.score > response.total_points {
                return Err(DomainError::validation(
                    "score",
                    "must be between 0 and the total points",
                ));
            }
            let row = QuizResponse {
                id: QuizResponseId::new(),
                quiz_id: response.quiz_id,
                user_id: user,
                answers: response.answers,
                score: response.score,
                total_points: response.total_points,
                time_spent_seconds: response.time_spent_seconds.map(DurationSeconds::get_i32),
                started_at: response.started_at.map(micros),
                completed_at: micros(response.completed_at),
                created_at: now,
                updated_at: now,
            };
            tables.quiz_responses.insert(row.id, row.clone());
            Ok(row)
        })
    }

    async fn list_responses(
        &self,
        user: UserId,
        quiz: QuizId,
        page: PageRequest,
    ) -> DomainResult<Page<QuizResponse>> {
        self.with_tables(|tables| {
            owned(&tables.quizzes, user, &quiz, "quiz")?;
            let rows = tables
                .quiz_responses
                .values()
                .filter(|r| r.quiz_id == quiz && r.user_id == user);
            Ok(page_of(rows, SortOrder::NewestFirst, page, |r| {
                (r.created_at, r.id.as_uuid())
            }))
        })
    }

    async fn get_response(&self, user: UserId, id: QuizResponseId) -> DomainResult<QuizResponse> {
        self.with_tables(|tables| {
            owned(&tables.quiz_responses, user, &id, "quiz response").cloned()
        })
    }
}

#[async_trait]
impl StudyGuideRepository for MemoryStore {
    async fn create(&self, user: UserId, new: NewStudyGuide) -> DomainResult<StudyGuide> {
        self.write(|tables, now| tables.insert_guide(user, new, now))
    }

    async fn get(&self, user: UserId, id: StudyGuideId) -> DomainResult<StudyGuide> {
        self.with_tables(|tables| owned(&tables.study_guides, user, &id, "study guide").cloned())
    }

    async fn list(
        &self,
        user: UserId,
        filter: StudyGuideFilter,
        page: PageRequest,
    ) -> DomainResult<Page<StudyGuide>> {
        self.with_tables(|tables| {
            let rows = tables.study_guides.values().filter(|g| {
                g.user_id == user
                    && filter.course_id.is_none_or(|id| g.course_id == Some(id))
                    && filter.note_id.is_none_or(|id| g.note_id == Some(id))
                    && filter
                        .document_id
                        .is_none_or(|id| g.document_id == Some(id))
            });
            Ok(page_of(rows, SortOrder::NewestFirst, page, |g| {
                (g.created_at, g.id.as_uuid())
            }))
        })
    }

    async fn update(
        &self,
        user: UserId,
        id: StudyGuideId,
        update: StudyGuideUpdate,
    ) -> DomainResult<StudyGuide> {
        self.write(|tables, now| {
            owned(&tables.study_guides, user, &id, "study guide")?;
            tables.check_links(user, update.links.new_targets())?;
            let guide = owned_mut(&mut tables.study_guides, user, &id, "study guide")?;
            let links = update.links.applied_to(guide.links());
            guide.course_id = links.course_id;
            guide.note_id = links.note_id;
            guide.document_id = links.document_id;
            if let Some(title) = update.title {
                guide.title = title.into_inner();
            }
            if let Some(content) = update.content {
                guide.content = content.into_inner();
            }
            guide.updated_at = now;
            Ok(guide.clone())
        })
    }

    async fn delete(&self, user: UserId, id: StudyGuideId) -> DomainResult<()> {
        self.write(|tables, now| {
            owned(&tables.study_guides, user, &id, "study guide")?;
            tables.delete_study_guide(id, now);
            Ok(())
        })
    }
}
