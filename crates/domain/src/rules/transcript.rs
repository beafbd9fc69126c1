//! Transcripts as notes: the timed transcription, and the spoken text in paragraphs.

use crate::ports::TranscriptSegment;

/// A paragraph closes at the first sentence end after this many characters...
const PARAGRAPH_CHARS: usize = 600;
/// ...or after this many seconds of speech, or at the latest at twice the length.
const PARAGRAPH_SECONDS: f64 = 90.0;

/// The transcript as timed lines, one per segment: `[mm:ss] text` (`[h:mm:ss]` past an
/// hour); blank segments are left out.
#[must_use]
pub fn timed_lines(segments: &[TranscriptSegment]) -> String {
    let mut out = String::new();
    for segment in segments {
        let text = collapse(&segment.text);
        if text.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push('[');
        out.push_str(&timestamp(segment.start_seconds));
        out.push_str("] ");
        out.push_str(&text);
    }
    out
}

/// The spoken text in paragraphs separated by blank lines: segments joined with spaces, a
/// paragraph closed at a sentence end once it holds about 600 characters or 90 seconds of
/// speech (and at any segment boundary at twice that length). Falls back to `text` when
/// there are no segments.
#[must_use]
pub fn paragraphs(segments: &[TranscriptSegment], text: &str) -> String {
    if segments.iter().all(|s| s.text.trim().is_empty()) {
        return collapse(text);
    }
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut started_at = 0.0;
    for segment in segments {
        let text = collapse(&segment.text);
        if text.is_empty() {
            continue;
        }
        if current.is_empty() {
            started_at = segment.start_seconds;
        } else {
            current.push(' ');
        }
        current.push_str(&text);
        let long = current.chars().count() >= PARAGRAPH_CHARS
            || segment.end_seconds - started_at >= PARAGRAPH_SECONDS;
        let too_long = current.chars().count() >= 2 * PARAGRAPH_CHARS;
        if (long && ends_sentence(&current)) || too_long {
            paragraphs.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs.join("\n\n")
}

/// `mm:ss`, or `h:mm:ss` from an hour on; negative and non-finite times count as 0.
#[must_use]
pub fn timestamp(seconds: f64) -> String {
    let total = if seconds.is_finite() && seconds > 0.0 {
        // Whole seconds of a recording (at most a week) fit easily.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let whole = seconds.floor().min(1e9) as u64;
        whole
    } else {
        0
    };
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{secs:02}")
    } else {
        format!("{minutes:02}:{secs:02}")
    }
}

fn ends_sentence(text: &str) -> bool {
    text.trim_end_matches(['"', '\'', ')', '”', '’'])
        .ends_with(['.', '!', '?', '…'])
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(start: f64, end: f64, text: &str) -> TranscriptSegment {
        TranscriptSegment {
            start_seconds: start,
            end_seconds: end,
            text: text.to_owned(),
        }
    }

    #[test]
    fn timed_lines_show_where_each_segment_starts() {
        let lines = timed_lines(&[
            segment(0.0, 2.5, "  Welcome to\nthe lecture. "),
            segment(2.5, 3.0, "   "),
            segment(65.4, 70.0, "Cells divide."),
            segment(3725.0, 3730.0, "The end."),
        ]);
        assert_eq!(
            lines,
            "[00:00] Welcome to the lecture.\n[01:05] Cells divide.\n[1:02:05] The end."
        );
    }

    #[test]
    fn paragraphs_close_at_sentence_ends_after_enough_speech() {
        let sentence = "Mitochondria make most of the cell's energy from sugar and oxygen.";
        let segments: Vec<TranscriptSegment> = (0..30)
            .map(|i| segment(f64::from(i) * 4.0, f64::from(i) * 4.0 + 4.0, sentence))
            .collect();
        let text = paragraphs(&segments, "");
        let parts: Vec<&str> = text.split("\n\n").collect();
        assert!(parts.len() >= 3, "{text}");
        for part in &parts {
            assert!(part.ends_with('.'), "{part}");
            assert!(part.starts_with("Mitochondria"), "{part}");
        }
        assert_eq!(text.matches("Mitochondria").count(), 30);
    }

    #[test]
    fn a_transcript_without_segments_is_its_text() {
        assert_eq!(paragraphs(&[], " Just  the text. "), "Just the text.");
    }

    #[test]
    fn a_run_on_transcript_is_still_cut() {
        let words = "and then it goes on ".repeat(20);
        let segments: Vec<TranscriptSegment> = (0..20)
            .map(|i| segment(f64::from(i), f64::from(i) + 1.0, &words))
            .collect();
        let text = paragraphs(&segments, "");
        assert!(text.split("\n\n").count() >= 2, "{text}");
    }
}
