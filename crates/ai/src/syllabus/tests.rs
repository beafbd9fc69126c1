use chrono::{NaiveDate, NaiveDateTime};
use sophie_domain::enums::EventType;
use sophie_domain::ports::{EventExtractor, ExtractionInput, FoundEvent, PageText};

use super::{MAX_EVENTS, RuleExtractor, dates, extract, kinds, times, titles};

fn input(text: &str, locale: &str, reference: &str) -> ExtractionInput {
    ExtractionInput {
        pages: vec![PageText {
            page_number: Some(1),
            text: text.to_owned(),
        }],
        locale: locale.to_owned(),
        reference_date: reference.parse().unwrap(),
    }
}

fn events(text: &str) -> Vec<FoundEvent> {
    extract(&input(text, "en-US", "2027-01-05"))
}

fn events_in(text: &str, locale: &str) -> Vec<FoundEvent> {
    extract(&input(text, locale, "2027-01-05"))
}

fn day(text: &str) -> NaiveDateTime {
    text.parse::<NaiveDate>()
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").unwrap()
}

/// The only item of `text`.
fn one(text: &str) -> FoundEvent {
    let mut found = events(text);
    assert_eq!(found.len(), 1, "{text}: {found:#?}");
    found.remove(0)
}

#[test]
fn the_patterns_compile() {
    assert!(dates::ready());
    assert!(times::ready());
    assert!(kinds::ready());
    assert!(titles::ready());
    assert!(super::Patterns::get().is_some());
}

#[test]
fn month_names_either_side_of_the_day() {
    assert_eq!(one("Midterm exam: March 3, 2027").start, day("2027-03-03"));
    assert_eq!(one("Midterm exam: 3 Mar").start, day("2027-03-03"));
    assert_eq!(one("Midterm exam: Mar. 3").start, day("2027-03-03"));
    assert_eq!(
        one("Midterm exam on the 3rd of March 2027").start,
        day("2027-03-03")
    );
    assert_eq!(
        one("Midterm exam: Wednesday 3 March").start,
        day("2027-03-03")
    );
    assert_eq!(one("Midterm exam: Sept. 14th").start, day("2027-09-14"));
    assert_eq!(one("Klausur am 3. März 2027").start, day("2027-03-03"));
    let exam = one("Midterm exam: March 3, 2027");
    assert!(exam.all_day);
    assert_eq!(exam.end, None);
    assert_eq!(exam.event_type, EventType::Exam);
    assert_eq!(exam.title, "Midterm exam");
}

#[test]
fn a_number_after_a_label_is_no_day() {
    let found = one("Lab 2 March 3");
    assert_eq!(found.start, day("2027-03-03"));
    assert_eq!(found.title, "Lab 2");
    assert_eq!(found.event_type, EventType::Lab);
    assert_eq!(one("Week 5 Feb 8").start, day("2027-02-08"));
}

#[test]
fn slashed_dates_follow_the_locale_unless_the_text_settles_them() {
    let text = "Project due 03/10/2027";
    assert_eq!(events_in(text, "en-US")[0].start, day("2027-03-10"));
    assert_eq!(events_in(text, "en-GB")[0].start, day("2027-10-03"));
    assert_eq!(events_in(text, "de-DE")[0].start, day("2027-10-03"));
    assert_eq!(events_in(text, "en")[0].start, day("2027-03-10"));

    let day_first = "Project due 03/10/2027\nEssay due 25/03/2027";
    let found = events_in(day_first, "en-US");
    assert_eq!(found[0].start, day("2027-10-03"));
    assert_eq!(found[1].start, day("2027-03-25"));

    let month_first = "Project due 03/10/2027\nEssay due 03/25/2027";
    let found = events_in(month_first, "de-DE");
    assert_eq!(found[0].start, day("2027-03-10"));
    assert_eq!(found[1].start, day("2027-03-25"));

    assert_eq!(one("Essay due 3/10/27").start, day("2027-03-10"));
}

#[test]
fn slashed_dates_without_a_year_need_a_context() {
    assert_eq!(one("Quiz 3: Tue 3/10").start, day("2027-03-10"));
    assert_eq!(one("Essay due 3/10").start, day("2027-03-10"));
    assert_eq!(one("3/10 | Recursion").start, day("2027-03-10"));
    assert!(events("Worth 1/2 of the grade, available 24/7").is_empty());
}

#[test]
fn dotted_and_iso_dates() {
    assert_eq!(
        events_in("Klausur: 10.03.2027", "en-US")[0].start,
        day("2027-03-10")
    );
    assert_eq!(one("Abgabe Hausarbeit 10.03.").start, day("2027-03-10"));
    assert_eq!(one("Final exam 2027-03-10").start, day("2027-03-10"));
    assert!(events("See Chapter 3.2 and section 4.1.").is_empty());
    assert!(events("Call 555.123.4567 or 12.34.5678").is_empty());
}

#[test]
fn a_week_of_a_schedule_is_a_lecture() {
    let found = events("Week 5 (Feb 8) | Recursion | HW 3 due Feb 12");
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].title, "Week 5: Recursion");
    assert_eq!(found[0].event_type, EventType::Lecture);
    assert_eq!(found[0].start, day("2027-02-08"));
    // `HW 3` alone has no word of three letters: it keeps its `due`.
    assert_eq!(found[1].title, "HW 3 due");
    assert_eq!(found[1].event_type, EventType::Assignment);
    assert_eq!(found[1].start, day("2027-02-12"));

    let without_date = one("Week 6 (Feb 15) | Trees | HW 4 due");
    assert_eq!(without_date.title, "Week 6: Trees");
    assert_eq!(without_date.event_type, EventType::Lecture);

    let holiday = one("Week 9 (Mar 15-19) | Spring break");
    assert_eq!(holiday.event_type, EventType::Other);
    assert_eq!(holiday.end, Some(day("2027-03-20")));
}

#[test]
fn a_deadline_with_a_weekday_and_a_time() {
    let found = one("- Problem Set 4 due Friday, April 2 at 11:59 pm");
    assert_eq!(found.start, at("2027-04-02T23:59"));
    assert!(!found.all_day);
    assert_eq!(found.title, "Problem Set 4");
    assert_eq!(found.event_type, EventType::Assignment);
    assert_eq!(
        found.quote,
        "- Problem Set 4 due Friday, April 2 at 11:59 pm"
    );
}

#[test]
fn a_weekday_that_disagrees_with_the_date_is_ignored() {
    // April 2, 2027 is a Friday, not a Monday.
    assert_eq!(one("Essay due Monday, April 2").start, day("2027-04-02"));
}

#[test]
fn times_of_day() {
    assert_eq!(
        one("Review session April 3 at noon").start,
        at("2027-04-03T12:00")
    );
    assert_eq!(
        one("Essay due April 3, midnight").start,
        at("2027-04-03T23:59")
    );
    assert_eq!(
        one("Final exam April 3, 2 pm").start,
        at("2027-04-03T14:00")
    );
    assert_eq!(
        one("Essay due April 3 by 11.59pm").start,
        at("2027-04-03T23:59")
    );
    let range = one("Final exam: April 3, 10:00-12:00, Room 204");
    assert_eq!(range.start, at("2027-04-03T10:00"));
    assert_eq!(range.end, Some(at("2027-04-03T12:00")));
    assert_eq!(range.location.as_deref(), Some("Room 204"));
    assert_eq!(range.title, "Final exam");
    let afternoon = one("Office hours on April 6, 2-4 pm in Hall B");
    assert_eq!(afternoon.start, at("2027-04-06T14:00"));
    assert_eq!(afternoon.end, Some(at("2027-04-06T16:00")));
    assert_eq!(afternoon.location.as_deref(), Some("Hall B"));
    assert_eq!(afternoon.event_type, EventType::OfficeHours);
    let across_noon = one("Exam April 7, 11-1 pm");
    assert_eq!(across_noon.start, at("2027-04-07T11:00"));
    assert_eq!(across_noon.end, Some(at("2027-04-07T13:00")));
}

#[test]
fn ranges_of_days_are_all_day_and_end_the_day_after() {
    let spring = one("Mar 15-19: spring break");
    assert_eq!(spring.start, day("2027-03-15"));
    assert_eq!(spring.end, Some(day("2027-03-20")));
    assert!(spring.all_day);
    assert_eq!(spring.title, "spring break");
    assert_eq!(spring.event_type, EventType::Other);

    let dash = one("April 5–9: reading week");
    assert_eq!(dash.end, Some(day("2027-04-10")));
    let months = one("Easter recess: March 29 - April 2");
    assert_eq!(months.start, day("2027-03-29"));
    assert_eq!(months.end, Some(day("2027-04-03")));
    let day_first = one("No classes 15–19 March");
    assert_eq!(day_first.start, day("2027-03-15"));
    assert_eq!(day_first.end, Some(day("2027-03-20")));
    let over_new_year = one("Winter break: Dec 20, 2026 - Jan 3, 2027");
    assert_eq!(over_new_year.start, day("2026-12-20"));
    assert_eq!(over_new_year.end, Some(day("2027-01-04")));
    // A day and a time, not a range.
    let timed = one("Exam March 3 - 5 pm");
    assert_eq!(timed.start, at("2027-03-03T17:00"));
    assert_eq!(timed.end, None);
}

#[test]
fn the_year_comes_from_the_term() {
    let spring = events("CS 101 - Spring 2027\nQuiz 1: Feb 3\nNo class Nov 26");
    assert_eq!(spring[0].start, day("2027-02-03"));
    assert_eq!(spring[1].start, day("2026-11-26"));

    let fall = events("Fall 2026\nMidterm: Oct 14\nFinal exam: Jan 12");
    assert_eq!(fall[0].start, day("2026-10-14"));
    assert_eq!(fall[1].start, day("2027-01-12"));

    let winter = events("Winter term 2026/27\nQuiz: Nov 3\nExam: Feb 9");
    assert_eq!(winter[0].start, day("2026-11-03"));
    assert_eq!(winter[1].start, day("2027-02-09"));

    let german = events("WS 2026/27\nKlausur: 9 Feb");
    assert_eq!(german[0].start, day("2027-02-09"));
}

#[test]
fn the_year_comes_from_the_reference_date_without_a_term() {
    let text = "Quiz: Nov 3\nExam: Jan 12\nProject: Jun 20\nPaper: Aug 30";
    let autumn = extract(&input(text, "en-US", "2026-09-01"));
    let starts: Vec<_> = autumn.iter().map(|e| e.start).collect();
    assert_eq!(
        starts,
        [
            day("2026-11-03"),
            day("2027-01-12"),
            day("2027-06-20"),
            day("2026-08-30")
        ]
    );
    let january = extract(&input(text, "en-US", "2027-01-10"));
    let starts: Vec<_> = january.iter().map(|e| e.start).collect();
    assert_eq!(
        starts,
        [
            day("2026-11-03"),
            day("2027-01-12"),
            day("2027-06-20"),
            day("2027-08-30")
        ]
    );
}

#[test]
fn the_year_comes_from_dates_written_with_one() {
    let text = "First class: September 2, 2026\nQuiz: Oct 3\nFinal exam: Jan 12";
    let found = extract(&input(text, "en-US", "2020-05-01"));
    assert_eq!(found[1].start, day("2026-10-03"));
    assert_eq!(found[2].start, day("2027-01-12"));
}

#[test]
fn dates_that_do_not_exist_are_skipped() {
    assert!(events("Quiz on Feb 30, 2027").is_empty());
    assert!(events("Quiz on 31/04/2027").is_empty());
    assert!(events("Quiz on 2027-13-01").is_empty());
    let found = events("Quiz on Feb 30; Essay due Feb 27");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].start, day("2027-02-27"));
}

#[test]
fn two_items_in_one_line() {
    let found = events("Quiz 1 on Feb 3; Essay due Feb 10");
    assert_eq!(found.len(), 2);
    assert_eq!(
        (found[0].title.as_str(), found[0].event_type),
        ("Quiz 1", EventType::Quiz)
    );
    assert_eq!(
        (found[1].title.as_str(), found[1].event_type),
        ("Essay", EventType::Assignment)
    );

    let commas = events("Quiz 1 on Feb 3 at 10 am in Room 204, and Essay 1 due Feb 10");
    assert_eq!(commas[0].location.as_deref(), Some("Room 204"));
    assert_eq!(commas[0].start, at("2027-02-03T10:00"));
    assert_eq!(commas[1].title, "Essay 1");

    let dates_first = events("Feb 3: Quiz 1, Feb 10: Essay 1");
    assert_eq!(dates_first[0].title, "Quiz 1");
    assert_eq!(dates_first[1].title, "Essay 1");

    let shared = events("Feb 3 and Feb 5: no class");
    assert_eq!(shared.len(), 2);
    assert!(
        shared
            .iter()
            .all(|e| e.event_type == EventType::Other && e.title == "no class")
    );
}

#[test]
fn kinds_by_the_most_specific_word() {
    let kind = |text: &str| kinds::classify(text, false);
    assert_eq!(kind("Quiz 2 due"), EventType::Quiz);
    assert_eq!(kind("Project report due"), EventType::Assignment);
    assert_eq!(kind("Final exam"), EventType::Exam);
    assert_eq!(kind("Midterm"), EventType::Exam);
    assert_eq!(kind("Midterm paper due"), EventType::Assignment);
    assert_eq!(kind("Last day to withdraw"), EventType::Deadline);
    assert_eq!(kind("Exam registration closes"), EventType::Deadline);
    assert_eq!(kind("Thanksgiving break (no class)"), EventType::Other);
    assert_eq!(kind("Lab 4: titration"), EventType::Lab);
    assert_eq!(kind("Guest lecture"), EventType::Lecture);
    assert_eq!(kind("Office hours moved"), EventType::OfficeHours);
    assert_eq!(kind("Exam review session"), EventType::StudySession);
    assert_eq!(kind("Reading response due"), EventType::Assignment);
    assert_eq!(kind("Course evaluations due"), EventType::Deadline);
    assert_eq!(kind("Recursion"), EventType::Other);
    assert_eq!(
        kinds::classify("Week 5 Recursion", true),
        EventType::Lecture
    );
}

#[test]
fn titles_lose_dates_times_and_filler() {
    assert_eq!(one("* Essay 2 is due on March 3.").title, "Essay 2");
    assert_eq!(
        one("3. Quiz 3 (in class) - Mar 3").title,
        "Quiz 3 (in class)"
    );
    assert_eq!(one("| Mar 3 | Quiz 3 | Ch. 4 |").title, "Quiz 3");
    assert_eq!(one("Mar 3 | Recursion | Ch. 4").title, "Recursion: Ch. 4");
    assert_eq!(
        one("The midterm exam will be held on March 3 in Hall B.").title,
        "The midterm exam"
    );
    assert_eq!(one("March 3").title, "Event");
    let long = format!("Essay {} due March 3", "very ".repeat(100));
    assert_eq!(one(&long).title.chars().count(), titles::MAX_TITLE_CHARS);
}

#[test]
fn a_heading_titles_a_bare_date_below_it() {
    let found = events("Midterm Exam\nDate: March 3, 2027\nTime: 10:00-12:00\nLocation: Room 204");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].title, "Midterm Exam");
    assert_eq!(found[0].event_type, EventType::Exam);
    assert_eq!(found[0].start, at("2027-03-03T10:00"));
    assert_eq!(found[0].end, Some(at("2027-03-03T12:00")));
    assert_eq!(found[0].location.as_deref(), Some("Room 204"));
    assert_eq!(found[0].quote, "Date: March 3, 2027");
}

#[test]
fn distractors_give_nothing() {
    let text = "Office: Room 3.14\nTextbook: Algorithms, 3rd edition (2019)\n\
                Grading: 30% homework, 20% quizzes\nPhone: (555) 123-4567, +44 20 7946 0958\n\
                Read Chapter 3.2, pp. 45-67\nPublished 2019\nLast updated: January 4, 2027\n\
                Office hours: Tuesdays 2-4 pm\nISBN 978-0-13-468599-1";
    assert!(events(text).is_empty(), "{:#?}", events(text));
}

#[test]
fn the_same_item_twice_is_one() {
    let found = events("Midterm exam: March 3\n...\nMar 3 | Midterm exam | Room 204");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].location.as_deref(), Some("Room 204"));
}

#[test]
fn pages_are_kept() {
    let input = ExtractionInput {
        pages: vec![
            PageText {
                page_number: Some(1),
                text: "Quiz 1: Feb 3".to_owned(),
            },
            PageText {
                page_number: Some(2),
                text: "Quiz 2: Feb 10".to_owned(),
            },
        ],
        locale: "en-US".to_owned(),
        reference_date: "2027-01-05".parse().unwrap(),
    };
    let pages: Vec<_> = extract(&input).iter().map(|e| e.page_number).collect();
    assert_eq!(pages, [Some(1), Some(2)]);
}

#[test]
fn odd_input_never_panics_and_work_is_bounded() {
    let mut odd = vec![
        String::new(),
        "\n\n\n".to_owned(),
        "0".repeat(10_000),
        "1234567890/".repeat(500),
        "Mar ".repeat(3_000),
        "3 Mar 3 Mar 3".repeat(1_000),
        "– — | ; . : ( ) [ ] / \\ \u{0} \u{1} \u{feff} 𝔐𝔞𝔯𝔠𝔥 3 Mär 3. März ß".to_owned(),
        "Quiz on März 3 🎉 at 25:99 pm, 0 am, 13 pm, 12 am, 99:99".to_owned(),
        "Feb 29, 2027; Feb 29, 2028; 31/31/31; 0/0/0000; 00.00.0000; 2027-00-00".to_owned(),
        "Week 99 (Dec 99) | | | due due due".to_owned(),
        "Spring 9999 Fall 0000 WS 99/00 ".repeat(10),
        "Dec 31, 9999 - Jan 1, 10000; Jan 1, 0000 - Dec 31, 0001".to_owned(),
        "((((((((((Quiz Mar 3]]]]]]]]]]".to_owned(),
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..200 {
        let mut text = String::new();
        for _ in 0..200 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let pieces = [
                "Mar", "3", " ", "/", ".", "-", "–", "2027", "pm", ":", "\n", "Week", "é", "due",
                "(", ")", "|", "12", "Friday", ",", "noon", "Room", "Hall", "0", "99", "\t",
            ];
            text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
        }
        odd.push(text);
    }
    for text in &odd {
        for locale in ["en-US", "de-DE", "", "x"] {
            let found = extract(&input(text, locale, "2027-01-05"));
            assert!(found.len() <= MAX_EVENTS);
            for event in &found {
                assert!(!event.title.is_empty());
                assert!(event.title.chars().count() <= titles::MAX_TITLE_CHARS);
                assert!(event.quote.chars().count() <= super::MAX_LINE_CHARS);
            }
        }
    }
    let many = "Quiz Mar 3; ".repeat(5_000);
    assert_eq!(events(&many.replace("; ", "\n")).len(), 1);
    let first = day("2027-01-01").date();
    let distinct: String = (0..3_000)
        .map(|i| format!("Quiz: {}\n", first + chrono::Days::new(i)))
        .collect();
    assert_eq!(events(&distinct).len(), MAX_EVENTS);
}

#[tokio::test]
async fn the_port_gives_what_extract_gives() {
    let input = input("Quiz 1: Feb 3", "en-US", "2027-01-05");
    let found = RuleExtractor.extract(input.clone()).await.unwrap();
    assert_eq!(found.events, extract(&input));
    assert_eq!(found.usage, sophie_domain::ports::TokenUsage::default());
}

#[test]
fn notes_about_the_document_are_no_items() {
    assert!(events("Last updated: January 4, 2027").is_empty());
    assert!(events("Published 12 March 2019 by the department").is_empty());
    assert!(events("This syllabus was last revised on Jan 4, 2027.").is_empty());
    assert_eq!(
        events("Midterm 1: Feb 23 (rooms posted on Canvas)").len(),
        1
    );
    assert_eq!(events("Final version of the essay due April 30").len(), 1);
}

#[test]
fn the_pieces_of_a_schedule_row() {
    let found = events("01/20/2027  Probability basics (4.1)     HW 1 due; R Lab 1");
    let kinds: Vec<_> = found
        .iter()
        .map(|e| (e.title.as_str(), e.event_type))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Probability basics (4.1)", EventType::Other),
            ("HW 1 due", EventType::Assignment),
            ("R Lab 1", EventType::Lab),
        ]
    );
    assert!(found.iter().all(|e| e.start == day("2027-01-20")));

    let week = events("Week 3 (Jan 25) | Arrays and linked lists | Quiz 1 (Fri)");
    assert_eq!(week.len(), 2);
    assert_eq!(week[0].title, "Week 3: Arrays and linked lists");
    assert_eq!(week[1].title, "Quiz 1 (Fri)");
    assert_eq!(week[1].start, day("2027-01-29"));

    let numbered = one("3   25 Jan      The Phillips curve       -");
    assert_eq!(numbered.event_type, EventType::Lecture);
    assert_eq!(numbered.title, "The Phillips curve");
}

#[test]
fn dotted_ranges() {
    let found = events_in(
        "21.12.2026 - 06.01.2027   Christmas break, no sessions",
        "de-DE",
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].start, day("2026-12-21"));
    assert_eq!(found[0].end, Some(day("2027-01-07")));
}

#[test]
fn a_label_names_the_kind() {
    let kind = |text: &str| kinds::classify(text, false);
    assert_eq!(
        kind("Tutorial: how to present a research paper"),
        EventType::Lecture
    );
    assert_eq!(kind("Deadline: choose your paper"), EventType::Deadline);
    assert_eq!(
        kind("Essay workshop: bring a draft"),
        EventType::StudySession
    );
    assert_eq!(kind("Due: Problem Set 4"), EventType::Assignment);
}

#[test]
fn sentences_wrapped_across_lines() {
    let text = "Your research proposal, including a bibliography, is due\n\
                Friday, October 23 by 5 pm. I will return proposals within a week.\n\
                The first response paper is due on September 16, the second on\n\
                October 7, and the third on November 4. The final paper is due on Monday,\n\
                December 14 at noon; late papers lose a grade per day.";
    let found = extract(&input(text, "en-US", "2026-08-20"));
    let kinds: Vec<_> = found.iter().map(|e| (e.event_type, e.start)).collect();
    assert_eq!(
        kinds,
        [
            (EventType::Assignment, at("2026-10-23T17:00")),
            (EventType::Assignment, day("2026-09-16")),
            (EventType::Assignment, day("2026-10-07")),
            (EventType::Assignment, day("2026-11-04")),
            (EventType::Assignment, at("2026-12-14T12:00")),
        ]
    );
    assert_eq!(
        found[0].title,
        "Your research proposal, including a bibliography"
    );
    assert!(found[1].title.starts_with("The first response paper"));
    assert_eq!(found[2].title, "the second");
    assert_eq!(found[3].title, "the third");
    assert_eq!(found[4].title, "The final paper");
}
