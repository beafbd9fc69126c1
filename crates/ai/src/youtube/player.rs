//! The parts of YouTube's player answer (`/youtubei/v1/player`) this client reads, and the
//! choice of a caption track.

use serde::Deserialize;
use serde_json::Value;

/// A player answer. YouTube sends much more (streaming data, thumbnails); only these parts
/// are read.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PlayerAnswer {
    /// Whether the video can be watched.
    #[serde(default)]
    pub playability_status: Option<Playability>,
    /// Its title and length.
    #[serde(default)]
    pub video_details: Option<VideoDetails>,
    /// Its caption tracks, when it has any.
    #[serde(default)]
    pub captions: Option<Captions>,
}

impl PlayerAnswer {
    /// The video's title, empty when the answer has none.
    pub(super) fn title(&self) -> String {
        self.video_details
            .as_ref()
            .and_then(|details| details.title.clone())
            .unwrap_or_default()
    }

    /// The video's length in seconds, when the answer gives a positive one (YouTube sends it
    /// as a string).
    pub(super) fn length_seconds(&self) -> Option<f64> {
        let length = self.video_details.as_ref()?.length_seconds.as_ref()?;
        let seconds = match length {
            Value::String(text) => text.trim().parse::<f64>().ok()?,
            Value::Number(number) => number.as_f64()?,
            _ => return None,
        };
        (seconds.is_finite() && seconds > 0.0).then_some(seconds)
    }

    /// The caption tracks listed, in YouTube's order.
    pub(super) fn tracks(&self) -> &[CaptionTrack] {
        self.captions
            .as_ref()
            .and_then(|captions| captions.tracklist.as_ref())
            .map_or(&[], |tracklist| tracklist.caption_tracks.as_slice())
    }
}

/// `playabilityStatus`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Playability {
    /// `OK`, `ERROR`, `LOGIN_REQUIRED`, `UNPLAYABLE`, `LIVE_STREAM_OFFLINE`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// Why the video cannot be watched, for a human.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `videoDetails`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct VideoDetails {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    length_seconds: Option<Value>,
}

/// `captions`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Captions {
    #[serde(default, rename = "playerCaptionsTracklistRenderer")]
    tracklist: Option<Tracklist>,
}

/// `playerCaptionsTracklistRenderer`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Tracklist {
    #[serde(default)]
    caption_tracks: Vec<CaptionTrack>,
}

/// One caption track.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CaptionTrack {
    /// Where its text is, absolute or relative to YouTube's address.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Its language (`en`, `en-GB`, `pt-BR`).
    #[serde(default)]
    pub language_code: Option<String>,
    /// `asr` for captions made by speech recognition; absent for those written by people.
    #[serde(default)]
    pub kind: Option<String>,
    /// Its name for people, as `{"simpleText": ..}` or `{"runs": [{"text": ..}]}`.
    #[serde(default)]
    pub name: Option<Value>,
}

impl CaptionTrack {
    /// Whether it was made by speech recognition.
    pub(super) fn automatic(&self) -> bool {
        self.kind.as_deref() == Some("asr")
    }

    /// Its language code, empty when it has none.
    pub(super) fn language(&self) -> &str {
        self.language_code.as_deref().unwrap_or_default()
    }

    /// Its name for people, for logs; empty when it has none.
    pub(super) fn display_name(&self) -> String {
        let Some(name) = &self.name else {
            return String::new();
        };
        if let Some(text) = name.get("simpleText").and_then(Value::as_str) {
            return text.to_owned();
        }
        name.get("runs")
            .and_then(Value::as_array)
            .map(|runs| {
                runs.iter()
                    .filter_map(|run| run.get("text").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The track to read: tracks written by people before automatic ones; within each, the first
/// language of `languages` that has a track (its exact code, then the same language in
/// another region: `en` finds `en-GB`), then the first track listed. Tracks without an
/// address are passed over.
pub(super) fn choose<'a>(
    tracks: &'a [CaptionTrack],
    languages: &[String],
) -> Option<&'a CaptionTrack> {
    let usable = |automatic: bool| {
        tracks
            .iter()
            .filter(move |t| t.automatic() == automatic && t.base_url.is_some())
    };
    [false, true].into_iter().find_map(|automatic| {
        languages
            .iter()
            .find_map(|language| {
                usable(automatic)
                    .find(|t| t.language().eq_ignore_ascii_case(language))
                    .or_else(|| {
                        usable(automatic)
                            .find(|t| primary_language(t.language()) == primary_language(language))
                    })
            })
            .or_else(|| usable(automatic).next())
    })
}

/// The language of a code without its region or script, lower-cased (`en-GB` → `en`).
fn primary_language(code: &str) -> String {
    code.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn track(language: &str, automatic: bool) -> CaptionTrack {
        CaptionTrack {
            base_url: Some(format!("/api/timedtext?lang={language}")),
            language_code: Some(language.to_owned()),
            kind: automatic.then(|| "asr".to_owned()),
            name: None,
        }
    }

    fn chosen(tracks: &[CaptionTrack], languages: &[&str]) -> Option<(String, bool)> {
        let languages: Vec<String> = languages.iter().map(|&l| l.to_owned()).collect();
        choose(tracks, &languages).map(|t| (t.language().to_owned(), t.automatic()))
    }

    #[test]
    fn people_before_machines_then_languages_in_order() {
        let tracks = [
            track("en", true),
            track("de", false),
            track("fr", false),
            track("en-GB", false),
        ];
        assert_eq!(chosen(&tracks, &["en"]), Some(("en-GB".into(), false)));
        assert_eq!(chosen(&tracks, &["fr", "de"]), Some(("fr".into(), false)));
        assert_eq!(chosen(&tracks, &["es"]), Some(("de".into(), false)));
        assert_eq!(chosen(&tracks, &[]), Some(("de".into(), false)));
        let automatic = [track("de", true), track("en", true)];
        assert_eq!(chosen(&automatic, &["en"]), Some(("en".into(), true)));
        assert_eq!(chosen(&automatic, &["it"]), Some(("de".into(), true)));
        assert_eq!(chosen(&[], &["en"]), None);
    }

    #[test]
    fn an_exact_code_wins_over_another_region() {
        let tracks = [track("pt-PT", false), track("pt-BR", false)];
        assert_eq!(chosen(&tracks, &["pt-BR"]), Some(("pt-BR".into(), false)));
        assert_eq!(chosen(&tracks, &["pt"]), Some(("pt-PT".into(), false)));
    }

    #[test]
    fn tracks_without_an_address_are_passed_over() {
        let mut broken = track("en", false);
        broken.base_url = None;
        let tracks = [broken, track("en", true)];
        assert_eq!(chosen(&tracks, &["en"]), Some(("en".into(), true)));
    }

    #[test]
    fn answers_are_read_leniently() {
        let answer: PlayerAnswer = serde_json::from_str(
            r#"{"playabilityStatus":{"status":"OK"},
                "videoDetails":{"videoId":"x","title":"T","lengthSeconds":"212"},
                "captions":{"playerCaptionsTracklistRenderer":{"captionTracks":[
                  {"baseUrl":"/t","languageCode":"en","name":{"runs":[{"text":"English"}]}},
                  {"baseUrl":"/u","languageCode":"de","kind":"asr","name":{"simpleText":"Deutsch"}}
                ]}}}"#,
        )
        .unwrap();
        assert_eq!(answer.title(), "T");
        assert_eq!(answer.length_seconds(), Some(212.0));
        assert_eq!(answer.tracks().len(), 2);
        assert_eq!(answer.tracks()[0].display_name(), "English");
        assert_eq!(answer.tracks()[1].display_name(), "Deutsch");
        let empty: PlayerAnswer = serde_json::from_str("{}").unwrap();
        assert_eq!(empty.title(), "");
        assert_eq!(empty.length_seconds(), None);
        assert!(empty.tracks().is_empty());
    }
}
