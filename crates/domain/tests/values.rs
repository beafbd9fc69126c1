//! Validated values at their bounds: what a client sending a request would notice.

use chrono::{Duration, TimeZone, Utc};
use sophie_domain::values::{
    Color, Description, DurationSeconds, Email, EventSchedule, FileSize, Link, Markdown, Name,
    Password, PasswordHash, Points, Progress, QuestionContent, Tags, TimeLimitMinutes, Title,
    WebUrl,
};
use sophie_domain::{DomainError, FieldContext, InvalidValue, QuestionType};

/// The field and message of a validation error, or a description of what came instead.
fn validation_field(error: &DomainError) -> Option<(&str, &str)> {
    match error {
        DomainError::Validation { field, message } => Some((field.as_str(), message.as_str())),
        _ => None,
    }
}

fn options(values: &[&str]) -> Option<Vec<String>> {
    Some(values.iter().map(|v| (*v).to_owned()).collect())
}

// ---------------------------------------------------------------- Title, Name, text

#[test]
fn title_accepts_200_characters_and_refuses_201() {
    let at_max = "a".repeat(200);
    assert_eq!(Title::parse(at_max.clone()).unwrap().as_str(), at_max);
    let over = "a".repeat(201);
    let error = Title::parse(over).unwrap_err();
    assert_eq!(error, InvalidValue::new("must be at most 200 characters"));
}

#[test]
fn title_counts_characters_not_bytes() {
    // 200 two-byte characters: 400 bytes, still 200 characters.
    let accented = "é".repeat(200);
    assert_eq!(Title::parse(accented.clone()).unwrap().as_str(), accented);
    assert!(Title::parse("é".repeat(201)).is_err());
    // Four-byte characters too.
    assert!(Title::parse("🦀".repeat(200)).is_ok());
    assert!(Title::parse("🦀".repeat(201)).is_err());
}

#[test]
fn title_refuses_empty_and_whitespace_only() {
    // White space, controls and invisible characters (zero-width space, byte-order mark,
    // joiners) show nothing: a title of only those is empty.
    for blank in [
        "",
        " ",
        "   ",
        "\t\n",
        "\u{3000}",
        "\u{200b}",
        "\u{feff}",
        " \u{200d}\u{2060} ",
        "\u{1}",
    ] {
        let error = Title::parse(blank).unwrap_err();
        assert_eq!(error.to_string(), "must not be empty", "for {blank:?}");
    }
}

#[test]
fn title_is_trimmed_and_the_bound_applies_to_the_text_as_given() {
    assert_eq!(
        Title::parse("  Cell biology \n").unwrap().as_str(),
        "Cell biology"
    );
    // Counted as sent, as the document's maxLength counts: 200 characters and one space over.
    assert!(Title::parse(format!("{} ", "b".repeat(199))).is_ok());
    assert!(Title::parse(format!("{} ", "b".repeat(200))).is_err());
    // Inner spaces are kept.
    assert_eq!(Title::parse(" a  b ").unwrap().as_str(), "a  b");
}

#[test]
fn title_converts_like_a_string() {
    let title = Title::try_from("Exam prep").unwrap();
    assert_eq!(title.to_string(), "Exam prep");
    assert_eq!(&*title, "Exam prep");
    assert_eq!(format!("{title:?}"), "\"Exam prep\"");
    assert_eq!(String::from(title.clone()), "Exam prep");
    assert_eq!(title.into_inner(), "Exam prep");
    assert!(Title::try_from(String::new()).is_err());
    assert_eq!(Title::MAX_CHARS, 200);
}

#[test]
fn name_accepts_100_characters_and_refuses_101() {
    assert!(Name::parse("n".repeat(100)).is_ok());
    assert_eq!(
        Name::parse("n".repeat(101)).unwrap_err().to_string(),
        "must be at most 100 characters"
    );
    assert!(Name::parse("   ").is_err());
    assert_eq!(
        Name::parse(" Ada Lovelace ").unwrap().as_str(),
        "Ada Lovelace"
    );
}

#[test]
fn description_accepts_5000_characters_and_refuses_5001() {
    assert!(Description::parse("d".repeat(5_000)).is_ok());
    assert!(Description::parse("d".repeat(5_001)).is_err());
}

#[test]
fn markdown_may_be_empty_is_kept_as_given_and_is_bounded() {
    assert_eq!(Markdown::parse("").unwrap().as_str(), "");
    assert_eq!(
        Markdown::parse("  # Title\n\n").unwrap().as_str(),
        "  # Title\n\n"
    );
    assert!(Markdown::parse("m".repeat(1_000_000)).is_ok());
    assert_eq!(
        Markdown::parse("m".repeat(1_000_001))
            .unwrap_err()
            .to_string(),
        "must be at most 1000000 characters"
    );
    // Over the bound in bytes but not in characters: accepted.
    assert!(Markdown::parse("é".repeat(1_000_000)).is_ok());
    assert!(Markdown::parse("é".repeat(1_000_001)).is_err());
}

// ---------------------------------------------------------------- Email

#[test]
fn email_is_lower_cased_and_refuses_white_space_around() {
    assert!(Email::parse(" ada@example.com").is_err());
    let email = Email::parse("Ada.Lovelace@Example.COM").unwrap();
    assert_eq!(email.as_str(), "ada.lovelace@example.com");
    assert_eq!(email.to_string(), "ada.lovelace@example.com");
    // Two spellings of one address are one address.
    assert_eq!(email, Email::parse("ADA.LOVELACE@example.com").unwrap());
}

#[test]
fn email_accepts_ordinary_addresses() {
    for good in [
        "a@b.co",
        "first.last+tag@sub.example.org",
        "x_y-z@example.co.uk",
    ] {
        assert_eq!(Email::parse(good).unwrap().as_str(), good);
    }
}

#[test]
fn email_refuses_malformed_addresses() {
    for bad in [
        "plainaddress",         // no @
        "a@b@example.com",      // two @
        "ada@example",          // no dot in the domain
        "ada @example.com",     // space in the local part
        "ada@exa mple.com",     // space in the domain
        "@example.com",         // empty local part
        "ada@",                 // empty domain
        "ada@.example.com",     // empty first label
        "ada@example..com",     // empty inner label
        "ada@example.com.",     // empty last label
        "ada\u{7}@example.com", // control character
    ] {
        let error = Email::parse(bad).unwrap_err();
        assert_eq!(
            error.to_string(),
            "is not a valid email address",
            "for {bad:?}"
        );
    }
}

#[test]
fn email_refuses_empty_input() {
    assert_eq!(
        Email::parse("").unwrap_err().to_string(),
        "must not be empty"
    );
    assert_eq!(
        Email::parse("   ").unwrap_err().to_string(),
        "is not a valid email address"
    );
}

#[test]
fn email_accepts_254_characters_and_refuses_255() {
    let local = "l".repeat(64);
    let domain_254 = format!("{}.com", "d".repeat(254 - 64 - 1 - 4));
    let at_max = format!("{local}@{domain_254}");
    assert_eq!(at_max.chars().count(), 254);
    assert_eq!(Email::parse(&at_max).unwrap().as_str(), at_max);

    let domain_255 = format!("{}.com", "d".repeat(255 - 64 - 1 - 4));
    let over = format!("{local}@{domain_255}");
    assert_eq!(over.chars().count(), 255);
    assert_eq!(
        Email::parse(&over).unwrap_err().to_string(),
        "must be at most 254 characters"
    );
}

#[test]
fn email_local_part_is_at_most_64_characters() {
    assert!(Email::parse(format!("{}@example.com", "l".repeat(64))).is_ok());
    assert!(Email::parse(format!("{}@example.com", "l".repeat(65))).is_err());
}

// ---------------------------------------------------------------- Password

#[test]
fn password_accepts_8_to_128_characters() {
    assert_eq!(
        Password::parse("1234567").unwrap_err().to_string(),
        "must be at least 8 characters"
    );
    assert_eq!(Password::parse("12345678").unwrap().expose(), "12345678");
    assert!(Password::parse("p".repeat(128)).is_ok());
    assert_eq!(
        Password::parse("p".repeat(129)).unwrap_err().to_string(),
        "must be at most 128 characters"
    );
    assert!(Password::parse("").is_err());
}

#[test]
fn password_counts_characters_not_bytes() {
    // Seven two-byte characters are 14 bytes but only 7 characters.
    assert!(Password::parse("é".repeat(7)).is_err());
    assert!(Password::parse("é".repeat(8)).is_ok());
    // 128 two-byte characters are 256 bytes but 128 characters.
    assert!(Password::parse("é".repeat(128)).is_ok());
    assert!(Password::parse("é".repeat(129)).is_err());
}

#[test]
fn password_is_kept_exactly_as_typed() {
    // Not trimmed: the spaces are part of the secret.
    assert_eq!(
        Password::parse("  secret  ").unwrap().expose(),
        "  secret  "
    );
}

#[test]
fn password_and_hash_never_show_in_debug_output() {
    let password = Password::parse("hunter2-hunter2").unwrap();
    let shown = format!("{password:?}");
    assert_eq!(shown, "Password(***)");
    assert!(!shown.contains("hunter2"));
    // Not in a containing value's Debug either, pretty or not.
    let nested = format!("{:?} {:#?}", Some(&password), vec![password.clone()]);
    assert!(!nested.contains("hunter2"), "{nested}");

    let hash = PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA");
    let shown = format!("{hash:?}");
    assert_eq!(shown, "PasswordHash(***)");
    assert!(!shown.contains("argon2id"));
    assert!(hash.as_str().starts_with("$argon2id$"));
}

// ---------------------------------------------------------------- Color

#[test]
fn color_accepts_every_palette_name_as_the_document_spells_it() {
    for name in Color::PALETTE {
        assert_eq!(Color::parse(name).unwrap().as_str(), *name);
        assert!(Color::parse(name.to_uppercase()).is_err());
    }
    assert!(Color::parse("  emerald ").is_err());
}

#[test]
fn color_accepts_short_and_long_hex_codes_lower_cased() {
    assert_eq!(Color::parse("#fff").unwrap().as_str(), "#fff");
    assert_eq!(Color::parse("#FFF").unwrap().as_str(), "#fff");
    assert_eq!(Color::parse("#1E90ff").unwrap().as_str(), "#1e90ff");
    assert_eq!(Color::parse("#A0b1C2").unwrap().as_str(), "#a0b1c2");
    assert!(Color::parse(" #a0b1c2").is_err());
}

#[test]
fn color_refuses_other_values() {
    for bad in [
        "#12", "blurple", "#ggg", "", "#", "fff", "1e90ff", "#1234", "#12345", "#1234567",
        "#12 345", "red;", "bluee",
    ] {
        let error = Color::parse(bad).unwrap_err();
        assert!(
            error.to_string().starts_with("must be a hex colour"),
            "for {bad:?}: {error}"
        );
    }
}

#[test]
fn color_defaults_to_blue() {
    assert_eq!(Color::default().as_str(), "blue");
    assert_eq!(Color::default_blue(), Color::parse("blue").unwrap());
}

// ---------------------------------------------------------------- Tags

#[test]
fn tags_accept_20_and_refuse_21() {
    let twenty: Vec<String> = (0..20).map(|i| format!("tag{i}")).collect();
    assert_eq!(Tags::parse(&twenty).unwrap().as_slice(), twenty.as_slice());

    let twenty_one: Vec<String> = (0..21).map(|i| format!("tag{i}")).collect();
    assert_eq!(
        Tags::parse(&twenty_one).unwrap_err().to_string(),
        "must have at most 20 tags"
    );
}

#[test]
fn tags_are_counted_as_given_then_deduplicated() {
    // 20 entries, one repeating another: 19 tags kept.
    let mut values: Vec<String> = (0..19).map(|i| format!("tag{i}")).collect();
    values.push("TAG0".to_owned());
    assert_eq!(Tags::parse(&values).unwrap().as_slice().len(), 19);
    // 21 entries are too many even when they repeat: the document's maxItems counts them so.
    values.push("tag1".to_owned());
    assert!(Tags::parse(&values).is_err());
}

#[test]
fn a_tag_has_1_to_50_characters() {
    let fifty = "t".repeat(50);
    assert_eq!(Tags::parse([fifty.as_str()]).unwrap().as_slice(), [fifty]);
    assert!(Tags::parse(["é".repeat(50)]).is_ok());
    assert_eq!(
        Tags::parse(["ok", "t".repeat(51).as_str()])
            .unwrap_err()
            .to_string(),
        "tag 1 must be at most 50 characters"
    );
    assert_eq!(
        Tags::parse(["ok", "fine", "  "]).unwrap_err().to_string(),
        "tag 2 must not be empty"
    );
    assert!(Tags::parse([""]).is_err());
}

#[test]
fn tags_are_trimmed_and_deduplicated_case_insensitively_keeping_first_spelling_and_order() {
    let tags = Tags::parse([
        " Biology", "exam", "biology ", "Cells", "EXAM", "cells", "Ünï", "ÜNÏ",
    ])
    .unwrap();
    assert_eq!(tags.as_slice(), ["Biology", "exam", "Cells", "Ünï"]);
    assert_eq!(tags.into_inner(), vec!["Biology", "exam", "Cells", "Ünï"]);
}

#[test]
fn no_tags_is_fine() {
    let none: [&str; 0] = [];
    assert!(Tags::parse(none).unwrap().as_slice().is_empty());
    assert_eq!(Tags::default().as_slice().len(), 0);
}

// ---------------------------------------------------------------- numbers

#[test]
fn progress_is_0_to_100() {
    assert_eq!(Progress::new(0).unwrap().get(), 0);
    assert_eq!(Progress::new(100).unwrap().get(), 100);
    assert_eq!(
        Progress::new(-1).unwrap_err().to_string(),
        "must be between 0 and 100"
    );
    assert!(Progress::new(101).is_err());
}

#[test]
fn points_are_1_to_1000() {
    assert_eq!(Points::new(1).unwrap().get_i32(), 1);
    assert_eq!(Points::new(1_000).unwrap().get(), 1_000);
    assert_eq!(
        Points::new(0).unwrap_err().to_string(),
        "must be between 1 and 1000"
    );
    assert!(Points::new(1_001).is_err());
    assert!(Points::new(-5).is_err());
    assert_eq!((Points::MIN, Points::MAX), (1, 1_000));
}

#[test]
fn other_bounded_numbers_hold_their_bounds() {
    assert!(TimeLimitMinutes::new(1).is_ok());
    assert!(TimeLimitMinutes::new(1_440).is_ok());
    assert!(TimeLimitMinutes::new(0).is_err());
    assert!(TimeLimitMinutes::new(1_441).is_err());

    assert!(DurationSeconds::new(0).is_ok());
    assert!(DurationSeconds::new(604_800).is_ok());
    assert!(DurationSeconds::new(604_801).is_err());
    assert!(DurationSeconds::new(-1).is_err());

    let tebibyte = 1_i64 << 40;
    assert_eq!(FileSize::new(tebibyte).unwrap().get(), tebibyte);
    assert!(FileSize::new(tebibyte + 1).is_err());
}

#[test]
fn bounded_numbers_print_as_plain_numbers() {
    let points = Points::new(42).unwrap();
    assert_eq!(points.to_string(), "42");
    assert_eq!(format!("{points:?}"), "42");
}

// ---------------------------------------------------------------- EventSchedule

#[test]
fn event_schedule_accepts_an_end_at_or_after_the_start() {
    let start = Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0).unwrap();
    let same = EventSchedule::new(start, Some(start)).unwrap();
    assert_eq!((same.start(), same.end()), (start, Some(start)));

    let later = start + Duration::hours(2);
    assert_eq!(
        EventSchedule::new(start, Some(later)).unwrap().end(),
        Some(later)
    );

    let open = EventSchedule::new(start, None).unwrap();
    assert_eq!((open.start(), open.end()), (start, None));
}

#[test]
fn event_schedule_refuses_an_end_before_the_start() {
    let start = Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0).unwrap();
    for earlier in [start - Duration::microseconds(1), start - Duration::days(1)] {
        let error = EventSchedule::new(start, Some(earlier)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "must not be before the event's start date"
        );
    }
}

// ---------------------------------------------------------------- QuestionContent

#[test]
fn multiple_choice_needs_2_to_10_options() {
    let one = QuestionContent::new(QuestionType::MultipleChoice, options(&["A"]), "A").unwrap_err();
    assert_eq!(validation_field(&one).map(|f| f.0), Some("options"));

    let none = QuestionContent::new(QuestionType::MultipleChoice, None, "A").unwrap_err();
    assert_eq!(validation_field(&none).map(|f| f.0), Some("options"));

    let two =
        QuestionContent::new(QuestionType::MultipleChoice, options(&["A", "B"]), "B").unwrap();
    assert_eq!(two.options(), Some(&["A".to_owned(), "B".to_owned()][..]));

    let ten: Vec<String> = (0..10).map(|i| format!("option {i}")).collect();
    assert!(QuestionContent::new(QuestionType::MultipleChoice, Some(ten), "option 9").is_ok());

    let eleven: Vec<String> = (0..11).map(|i| format!("option {i}")).collect();
    let error =
        QuestionContent::new(QuestionType::MultipleChoice, Some(eleven), "option 0").unwrap_err();
    assert_eq!(
        validation_field(&error),
        Some((
            "options",
            "a MULTIPLE_CHOICE question needs 2 to 10 options"
        ))
    );
}

#[test]
fn multiple_choice_options_must_be_distinct_after_normalisation() {
    let error = QuestionContent::new(
        QuestionType::MultipleChoice,
        options(&["Paris", "New York", " new   YORK "]),
        "Paris",
    )
    .unwrap_err();
    assert_eq!(
        validation_field(&error),
        Some(("options[2]", "repeats another option"))
    );

    let error = QuestionContent::new(
        QuestionType::MultipleChoice,
        options(&["paris", "PARIS"]),
        "paris",
    )
    .unwrap_err();
    assert_eq!(validation_field(&error).map(|f| f.0), Some("options[1]"));
}

#[test]
fn multiple_choice_options_must_not_be_empty_or_too_long() {
    let error = QuestionContent::new(
        QuestionType::MultipleChoice,
        options(&["A", "  ", "C"]),
        "A",
    )
    .unwrap_err();
    assert_eq!(
        validation_field(&error),
        Some(("options[1]", "must not be empty"))
    );

    let long = "o".repeat(1_001);
    let error = QuestionContent::new(
        QuestionType::MultipleChoice,
        Some(vec!["A".to_owned(), "B".to_owned(), long]),
        "A",
    )
    .unwrap_err();
    assert_eq!(validation_field(&error).map(|f| f.0), Some("options[2]"));

    let at_max = "o".repeat(1_000);
    assert!(
        QuestionContent::new(
            QuestionType::MultipleChoice,
            Some(vec!["A".to_owned(), at_max]),
            "A",
        )
        .is_ok()
    );
}

#[test]
fn multiple_choice_answer_is_matched_loosely_and_stored_with_the_option_spelling() {
    let content = QuestionContent::new(
        QuestionType::MultipleChoice,
        options(&["  The Mitochondria ", "The Nucleus"]),
        "the   MITOCHONDRIA",
    )
    .unwrap();
    assert_eq!(content.question_type(), QuestionType::MultipleChoice);
    assert_eq!(content.correct_answer(), "The Mitochondria");
    // Options are stored trimmed.
    assert_eq!(
        content.options(),
        Some(&["The Mitochondria".to_owned(), "The Nucleus".to_owned()][..])
    );
    let (kind, stored_options, answer) = content.into_parts();
    assert_eq!(kind, QuestionType::MultipleChoice);
    assert_eq!(stored_options.map(|o| o.len()), Some(2));
    assert_eq!(answer, "The Mitochondria");
}

#[test]
fn multiple_choice_answer_must_be_one_of_the_options() {
    let error = QuestionContent::new(
        QuestionType::MultipleChoice,
        options(&["Paris", "London"]),
        "Berlin",
    )
    .unwrap_err();
    assert_eq!(
        validation_field(&error),
        Some(("correctAnswer", "must be one of the options"))
    );
}

#[test]
fn true_false_answer_is_true_or_false_in_any_case_stored_lower_case() {
    for (given, stored) in [
        ("true", "true"),
        ("TRUE", "true"),
        (" False ", "false"),
        ("fAlSe", "false"),
    ] {
        let content = QuestionContent::new(QuestionType::TrueFalse, None, given).unwrap();
        assert_eq!(content.correct_answer(), stored, "for {given:?}");
        assert_eq!(content.options(), None);
    }
    for bad in ["yes", "no", "1", "t", "truth", "true false"] {
        let error = QuestionContent::new(QuestionType::TrueFalse, None, bad).unwrap_err();
        assert_eq!(
            validation_field(&error).map(|f| f.0),
            Some("correctAnswer"),
            "for {bad:?}"
        );
    }
}

#[test]
fn true_false_takes_no_options_but_true_and_false() {
    // An empty list, or exactly true and false, are accepted and not stored.
    for accepted in [
        options(&[]),
        options(&["True", "False"]),
        options(&[" false", "TRUE "]),
    ] {
        let content = QuestionContent::new(QuestionType::TrueFalse, accepted, "true").unwrap();
        assert_eq!(content.options(), None);
    }
    for refused in [
        options(&["yes", "no"]),
        options(&["true"]),
        options(&["true", "maybe"]),
        options(&["true", "false", "maybe"]),
        options(&["true", "true"]),
    ] {
        let error =
            QuestionContent::new(QuestionType::TrueFalse, refused.clone(), "true").unwrap_err();
        assert_eq!(
            validation_field(&error).map(|f| f.0),
            Some("options"),
            "for {refused:?}"
        );
    }
}

#[test]
fn short_answer_and_fill_in_the_blank_refuse_options_and_empty_answers() {
    for kind in [QuestionType::ShortAnswer, QuestionType::FillInTheBlank] {
        let content = QuestionContent::new(kind, None, "  carbon dioxide ").unwrap();
        assert_eq!(content.correct_answer(), "carbon dioxide");
        assert_eq!(content.options(), None);
        assert_eq!(content.question_type(), kind);
        assert!(QuestionContent::new(kind, options(&[]), "x").is_ok());

        let error = QuestionContent::new(kind, options(&["a", "b"]), "a").unwrap_err();
        assert_eq!(
            validation_field(&error),
            Some((
                "options",
                format!("a {kind} question takes no options").as_str()
            ))
        );

        for blank in ["", "   "] {
            let error = QuestionContent::new(kind, None, blank).unwrap_err();
            assert_eq!(
                validation_field(&error),
                Some(("correctAnswer", "must not be empty"))
            );
        }
    }
}

#[test]
fn correct_answer_is_at_most_1000_characters() {
    assert!(QuestionContent::new(QuestionType::ShortAnswer, None, "a".repeat(1_000)).is_ok());
    let error =
        QuestionContent::new(QuestionType::ShortAnswer, None, "a".repeat(1_001)).unwrap_err();
    assert_eq!(
        validation_field(&error),
        Some(("correctAnswer", "must be at most 1000 characters"))
    );
}

// ---------------------------------------------------------------- WebUrl, Link

#[test]
fn web_url_accepts_absolute_http_and_https_urls() {
    for good in [
        "https://example.com",
        "http://example.com/path?q=1#frag",
        "HTTPS://Example.com/Mixed",
        "https://localhost:8080/",
    ] {
        assert_eq!(WebUrl::parse(good).unwrap().to_string(), good);
    }
    // Taken as sent, as the document's pattern describes it: no white space around.
    assert!(WebUrl::parse("  https://example.com/a  ").is_err());
}

#[test]
fn web_url_refuses_other_schemes_relative_urls_and_spaces() {
    for bad in [
        "",
        "example.com",
        "/notes/1",
        "ftp://example.com",
        "javascript:alert(1)",
        "https://",
        "https:///path",
        "https://?q",
        "https://exa mple.com",
        "https://example.com/a b",
        "https://example.com/\u{0}",
    ] {
        let error = WebUrl::parse(bad).unwrap_err();
        assert_eq!(
            error.to_string(),
            "must be an http or https URL with a host name",
            "for {bad:?}"
        );
    }
}

#[test]
fn web_url_accepts_2048_characters_and_refuses_2049() {
    let prefix = "https://example.com/";
    let at_max = format!("{prefix}{}", "p".repeat(2_048 - prefix.len()));
    assert!(WebUrl::parse(&at_max).is_ok());
    let over = format!("{at_max}p");
    assert_eq!(
        WebUrl::parse(&over).unwrap_err().to_string(),
        "must be at most 2048 characters"
    );
}

#[test]
fn link_accepts_app_paths_and_web_urls() {
    for good in [
        "/notes/123",
        "/",
        "/quizzes/1?tab=results#top",
        "https://example.com/x",
    ] {
        assert_eq!(&*Link::parse(good).unwrap(), good);
    }
    assert!(Link::parse(" /notes/1 ").is_err());
}

#[test]
fn link_refuses_protocol_relative_urls_relative_paths_and_other_schemes() {
    for bad in [
        "",
        "//evil.example.com",
        "notes/1",
        "javascript:alert(1)",
        "/notes/a b",
        "mailto:a@b.co",
    ] {
        let error = Link::parse(bad).unwrap_err();
        assert_eq!(
            error.to_string(),
            "must be an http(s) URL or a path starting with /",
            "for {bad:?}"
        );
    }
}

#[test]

fn link_refuses_a_backslash_right_after_the_leading_slash() {
    // The WHATWG URL parser treats `\` as `/` in http(s) URLs, so `/\evil.com` and `/\/evil.com`
    // lead off-site, like the protocol-relative `//evil.com` that `Link` already refuses.
    for bad in ["/\\evil.example.com", "/\\/evil.example.com"] {
        assert!(Link::parse(bad).is_err(), "accepted {bad:?}");
    }
}

// ---------------------------------------------------------------- FieldContext, DomainError

#[test]
fn field_context_names_the_field_of_a_validation_error() {
    let error = Title::parse("   ").field("title").unwrap_err();
    assert_eq!(
        validation_field(&error),
        Some(("title", "must not be empty"))
    );
    assert_eq!(error.to_string(), "title: must not be empty");

    let error = Email::parse("nope").field("email").unwrap_err();
    assert_eq!(
        validation_field(&error),
        Some(("email", "is not a valid email address"))
    );

    let ok = Title::parse("Fine").field("title").unwrap();
    assert_eq!(ok.as_str(), "Fine");
}

#[test]
fn within_prefixes_the_field_of_validation_errors_only() {
    let error = QuestionContent::new(QuestionType::MultipleChoice, options(&["A"]), "A")
        .unwrap_err()
        .within("questions[2]");
    assert_eq!(
        validation_field(&error).map(|f| f.0),
        Some("questions[2].options")
    );

    let nested = DomainError::validation("options[1]", "repeats another option")
        .within("questions[0]")
        .within("quiz");
    assert_eq!(
        validation_field(&nested),
        Some(("quiz.questions[0].options[1]", "repeats another option"))
    );

    let not_found = DomainError::not_found("quiz").within("questions[0]");
    assert!(matches!(
        not_found,
        DomainError::NotFound { entity: "quiz" }
    ));

    let conflict = DomainError::conflict("email", "taken").within("user");
    assert!(
        matches!(conflict, DomainError::Conflict { field: Some(ref f), .. } if f == "email"),
        "{conflict:?}"
    );
}

#[test]
fn web_url_refuses_empty_or_odd_hosts_and_credentials() {
    for bad in [
        "https://:80",
        "https://.",
        "https://a..",
        "http://host:port",
        "https://ex\\ample.com",
    ] {
        assert!(WebUrl::parse(bad).is_err(), "{bad:?} should be refused");
    }
    assert_eq!(
        WebUrl::parse("https://user:pass@evil.example/")
            .unwrap_err()
            .to_string(),
        "must not contain credentials (user@host)"
    );
    for good in [
        "https://example.com:8443/a?b#c",
        "http://[::1]:8080/",
        "https://xn--bcher-kva.example/",
        "https://bücher.example/",
    ] {
        assert!(WebUrl::parse(good).is_ok(), "{good:?} should be accepted");
    }
}

#[test]
fn email_counts_characters_and_refuses_invisible_characters() {
    // 64 characters of local part, as the document's pattern counts them.
    assert!(Email::parse(format!("{}@example.com", "é".repeat(64))).is_ok());
    assert!(Email::parse(format!("{}@example.com", "é".repeat(65))).is_err());
    assert_eq!(
        Email::parse("ada\u{200B}@example.com")
            .unwrap_err()
            .to_string(),
        "is not a valid email address"
    );
}

#[test]
fn tags_stop_at_the_first_tag_too_many_however_long_the_list() {
    let many: Vec<String> = (0..100_000).map(|i| format!("tag{i}")).collect();
    let error = Tags::parse(&many).unwrap_err();
    assert_eq!(error.to_string(), "must have at most 20 tags");
    // Repeats count towards the twenty too: the list is counted as sent.
    let repeated: Vec<String> = (0..1_000).map(|i| format!("T{}", i % 20)).collect();
    assert!(Tags::parse(&repeated).is_err());
}

#[test]
fn no_text_holds_a_nul_character() {
    for result in [
        Title::parse("a\u{0}b").map(|_| ()),
        Name::parse("\u{0}").map(|_| ()),
        Markdown::parse("body\u{0}").map(|_| ()),
        Tags::parse(["a\u{0}"]).map(|_| ()),
    ] {
        assert!(result.unwrap_err().to_string().contains("NUL"));
    }
    assert!(Email::parse("a\u{0}@example.com").is_err());
}

#[test]
fn timestamps_are_years_1_to_9999_without_leap_seconds() {
    use sophie_domain::timestamp;
    assert!(timestamp::parse("2026-09-01T09:00:00+02:00").is_ok());
    assert!(timestamp::parse("0001-01-01T00:00:00Z").is_ok());
    assert!(timestamp::parse("9999-12-31T23:59:59.999Z").is_ok());
    for bad in [
        "0000-01-01T00:00:00Z",
        "+10000-01-01T00:00:00Z",
        "-0001-01-01T00:00:00Z",
        "2016-12-31T23:59:60.5Z",
        "2026-09-01",
        "2026-09-01 09:00:00Z ",
    ] {
        assert!(timestamp::parse(bad).is_err(), "{bad} should be refused");
    }
    // Dates read by serde (chrono) are checked the same way.
    let far: chrono::DateTime<Utc> = serde_json::from_str("\"+10000-01-01T00:00:00Z\"").unwrap();
    assert!(timestamp::check(&far).is_err());
    let leap: chrono::DateTime<Utc> = serde_json::from_str("\"2016-12-31T23:59:60.5Z\"").unwrap();
    assert!(timestamp::check(&leap).is_err());
}
