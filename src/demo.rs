//! A demo account with a course, notes, a flashcard set and a quiz, so a newcomer sees a
//! living API at once.

use sophie_api::AppState;
use sophie_api::auth::token::new_token;
use sophie_domain::values::{
    CardText, Color, Email, Markdown, Name, Password, Points, QuestionContent, ShortText, Tags,
    Title,
};
use sophie_domain::{
    Difficulty, DomainError, NewCourse, NewFlashcard, NewFlashcardSet, NewNote, NewQuestion,
    NewQuiz, NewUser, QuestionType, SourceLinks,
};

/// The demo account's email.
pub const DEMO_EMAIL: &str = "demo@example.com";

fn invalid(e: impl std::fmt::Display) -> String {
    format!("demo data is invalid: {e}")
}

/// Creates the demo account and its material, returning its password; `None` if the account
/// exists already.
///
/// # Errors
///
/// When storage fails.
pub async fn seed(state: &AppState) -> Result<Option<String>, String> {
    let repos = &state.repositories;
    // A fresh random password: a demo account on a shared database must not have a known one.
    let password = new_token().map_err(|e| e.to_string())?.0[..16].to_owned();
    let hash = state
        .passwords
        .hash(Password::parse(password.clone()).map_err(invalid)?)
        .await
        .map_err(|e| e.to_string())?;
    let user = NewUser {
        name: Name::parse("Demo Student").map_err(invalid)?,
        email: Email::parse(DEMO_EMAIL).map_err(invalid)?,
        image: None,
    };
    let user = match repos.users.create_with_password(user, hash).await {
        Ok((user, _)) => user,
        Err(DomainError::Conflict { .. }) => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let course = repos
        .courses
        .create(
            user.id,
            NewCourse {
                name: Name::parse("Cell Biology").map_err(invalid)?,
                code: Some(ShortText::parse("BIO 110").map_err(invalid)?),
                description: None,
                color: Color::parse("emerald").map_err(invalid)?,
                term: Some(ShortText::parse("Fall 2026").map_err(invalid)?),
                instructor: None,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let mut note = NewNote::manual(
        Title::parse("The cell").map_err(invalid)?,
        Markdown::parse(
            "# The cell\n\nThe **mitochondria** is the powerhouse of the cell: it makes ATP \
             by cellular respiration. The nucleus holds the DNA.",
        )
        .map_err(invalid)?,
    );
    note.course_id = Some(course.id);
    note.tags = Tags::parse(["organelles", "exam"]).map_err(invalid)?;
    let note = repos
        .notes
        .create(user.id, note)
        .await
        .map_err(|e| e.to_string())?;
    let links = SourceLinks {
        course_id: Some(course.id),
        note_id: Some(note.id),
        document_id: None,
    };
    let card = |q: &str, a: &str| -> Result<NewFlashcard, String> {
        Ok(NewFlashcard {
            sources: Vec::new(),
            question: CardText::parse(q).map_err(invalid)?,
            answer: CardText::parse(a).map_err(invalid)?,
            hint: None,
            explanation: None,
            difficulty: Difficulty::Easy,
        })
    };
    repos
        .flashcards
        .create_set(
            user.id,
            NewFlashcardSet {
                title: Title::parse("Organelles").map_err(invalid)?,
                description: None,
                difficulty: Difficulty::Easy,
                tags: Tags::default(),
                color: Color::default_blue(),
                links,
                flashcards: vec![
                    card("What makes ATP?", "The mitochondria")?,
                    card("Where is the DNA?", "In the nucleus")?,
                    card("What is ATP for?", "Carrying energy in the cell")?,
                ],
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let question = |kind, text: &str, options: Option<Vec<&str>>, answer: &str| {
        Ok::<_, String>(NewQuestion {
            sources: Vec::new(),
            question: CardText::parse(text).map_err(invalid)?,
            content: QuestionContent::new(
                kind,
                options.map(|o| o.into_iter().map(str::to_owned).collect()),
                answer,
            )
            .map_err(invalid)?,
            explanation: None,
            hint: None,
            difficulty: Difficulty::Easy,
            points: Points::new(1).map_err(invalid)?,
        })
    };
    repos
        .quizzes
        .create(
            user.id,
            NewQuiz {
                title: Title::parse("Cell basics").map_err(invalid)?,
                description: None,
                difficulty: Difficulty::Easy,
                time_limit: None,
                links,
                questions: vec![
                    question(
                        QuestionType::MultipleChoice,
                        "Which organelle makes ATP?",
                        Some(vec!["Nucleus", "Mitochondria", "Ribosome"]),
                        "Mitochondria",
                    )?,
                    question(
                        QuestionType::TrueFalse,
                        "The nucleus holds the DNA.",
                        None,
                        "true",
                    )?,
                    question(
                        QuestionType::FillInTheBlank,
                        "ATP is made by cellular ____.",
                        None,
                        "respiration",
                    )?,
                ],
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(Some(password))
}

/// Seeds the demo account and tells the newcomer how to use it on the server at `base_url`
/// (`http://127.0.0.1:8080`).
///
/// # Errors
///
/// When storage fails.
#[allow(
    clippy::print_stdout,
    reason = "the sign-in instructions are the command's output"
)]
pub async fn seed_and_print(state: &AppState, base_url: &str) -> Result<(), String> {
    match seed(state).await? {
        Some(password) => println!(
            "demo account ready: {DEMO_EMAIL} / {password}\n\
             sign in:  curl -s -X POST {base_url}/api/v1/auth/sign-in \
             -H 'Content-Type: application/json' \
             -d '{{\"email\":\"{DEMO_EMAIL}\",\"password\":\"{password}\"}}'\n\
             then send the token as 'Authorization: Bearer <token>'; browse {base_url}/api/docs"
        ),
        None => println!(
            "the demo account {DEMO_EMAIL} already exists; sign in with the password printed \
             when it was created"
        ),
    }
    Ok(())
}
