//! The kind of a dated item, from the words around its date.
//!
//! The kinds are tried from the most specific to the least, and the first whose words occur
//! wins (case-insensitive, whole words):
//!
//! 1. office hours: [`EventType::OfficeHours`];
//! 2. registration, enrolment, add/drop, withdrawal, "last day", "deadline for", a leading
//!    "Deadline": [`EventType::Deadline`]
//!    (`Exam registration closes` is a deadline, not an exam);
//! 3. breaks, holidays, recess, reading week, "no class", "closed": [`EventType::Other`];
//! 4. review, study or revision sessions, workshops: [`EventType::StudySession`];
//! 5. quizzes: [`EventType::Quiz`] (`Quiz 2 due` is a quiz);
//! 6. exams, examinations, finals, tests, midterms (but not a midterm paper, essay, project
//!    or report): [`EventType::Exam`];
//! 7. homework, assignments, problem sets, essays, papers, reports, projects, submissions,
//!    proposals, drafts, presentations, ...: [`EventType::Assignment`] (`Project report due`
//!    and `Lab report due` are assignments);
//! 8. labs, practicals: [`EventType::Lab`];
//! 9. lectures, classes, seminars, tutorials, lessons: [`EventType::Lecture`];
//! 10. deadlines, "due", "closes": [`EventType::Deadline`];
//! 11. otherwise [`EventType::Lecture`] for the date of a week in a schedule (`Week 5 (Feb 8)
//!     | Recursion`), else [`EventType::Other`].
//!
//! A label before a colon is read first (`Tutorial: how to present a paper` is a lecture,
//! `Deadline: choose your paper` a deadline, `Essay workshop: ...` a study session).

use std::sync::LazyLock;

use regex::Regex;
use sophie_domain::enums::EventType;

/// The compiled word patterns, most specific first.
struct Patterns {
    kinds: Vec<(Regex, EventType)>,
    midterm: Regex,
}

impl Patterns {
    fn compile() -> Option<Self> {
        let table = [
            (
                r"\boffice[- ]hours?\b|\bsprechstunden?\b",
                EventType::OfficeHours,
            ),
            (
                r"\b(?:registration|register|enrol(?:l)?(?:ment)?|add/drop|drop (?:deadline|date|period)|to drop|withdraw(?:al|als)?|last day|deadline (?:for|to)|anmeldung|abmeldung)\b|^\W*deadline\b",
                EventType::Deadline,
            ),
            (
                r"\b(?:no (?:class|classes|lecture|lectures|seminar|seminars|tutorial|tutorials|lab|labs|school|meeting)|break|holidays?|recess|reading week|vacation|closed|ferien|vorlesungsfrei)\b",
                EventType::Other,
            ),
            (
                r"\b(?:(?:review|study|revision|exam prep) sessions?|study groups?|workshops?)\b",
                EventType::StudySession,
            ),
            (r"\bquiz(?:zes)?\b|\bquiz\s*\d", EventType::Quiz),
            (
                r"\b(?:exams?|examinations?|finals|test|tests?\s*#?\d+|klausur\w*|prüfung\w*)\b",
                EventType::Exam,
            ),
            (
                r"\b(?:homework|hw\s*#?\d*|assignments?|problem sets?|psets?|p-sets?|essays?|papers?|reports?|projects?|submissions?|submit|worksheets?|exercise sheets?|proposals?|drafts?|presentations?|portfolios?|reflections?|responses?|write-?ups?|case stud(?:y|ies)|abstracts?|annotated bibliography|bibliography|posters?|memos?|abgabe\w*|hausarbeit\w*)\b",
                EventType::Assignment,
            ),
            (
                r"\b(?:labs?\s*#?\d*|laborator(?:y|ies)|practicals?|praktikum)\b",
                EventType::Lab,
            ),
            (
                r"\b(?:lectures?|class|classes|seminars?|tutorials?|lessons?|vorlesung\w*|übung\w*)\b",
                EventType::Lecture,
            ),
            (
                r"\b(?:deadlines?|due|closes?|cut-?off|frist)\b",
                EventType::Deadline,
            ),
        ];
        let mut kinds = Vec::with_capacity(table.len());
        for (pattern, kind) in table {
            kinds.push((Regex::new(&format!("(?i){pattern}")).ok()?, kind));
        }
        Some(Self {
            kinds,
            midterm: Regex::new(
                r"(?i)\bmid-?terms?\b(?P<work>\s+(?:paper|essay|project|report|assignment|presentation|proposal|draft))?",
            )
            .ok()?,
        })
    }

    fn get() -> Option<&'static Self> {
        static PATTERNS: LazyLock<Option<Patterns>> = LazyLock::new(Patterns::compile);
        PATTERNS.as_ref()
    }
}

/// Whether the patterns compiled (they are constants: the tests check it).
pub(super) fn ready() -> bool {
    Patterns::get().is_some()
}

/// The kind of an item described by `text`; `week` when its date is the date of a week in a
/// schedule. A label before a colon (`Tutorial: how to present a paper`, `Deadline: choose a
/// paper`) names the item: its kind, if it has one, wins (a bare `Due:` aside).
pub(super) fn classify(text: &str, week: bool) -> EventType {
    let Some(patterns) = Patterns::get() else {
        return EventType::Other;
    };
    if let Some((label, _)) = text.split_once(':')
        && !label.trim().eq_ignore_ascii_case("due")
        && let Some(kind) = by_words(patterns, label)
    {
        return kind;
    }
    match by_words(patterns, text) {
        Some(kind) => kind,
        None if week => EventType::Lecture,
        None => EventType::Other,
    }
}

/// The kind the words of `text` say, if they say one.
fn by_words(patterns: &Patterns, text: &str) -> Option<EventType> {
    let midterm_exam = patterns
        .midterm
        .captures_iter(text)
        .any(|captures| captures.name("work").is_none());
    for (regex, kind) in &patterns.kinds {
        if *kind == EventType::Exam && midterm_exam {
            return Some(EventType::Exam);
        }
        if regex.is_match(text) {
            return Some(*kind);
        }
    }
    None
}

/// The name of a kind, the title of an item that has no other.
pub(super) fn kind_name(kind: EventType) -> &'static str {
    match kind {
        EventType::Assignment => "Assignment",
        EventType::Exam => "Exam",
        EventType::Quiz => "Quiz",
        EventType::Lecture => "Lecture",
        EventType::Lab => "Lab",
        EventType::OfficeHours => "Office hours",
        EventType::StudySession => "Study session",
        EventType::Deadline => "Deadline",
        EventType::Other => "Event",
    }
}
