//! Reading recordings with symphonia: which container and codec a recording is, and how long
//! it lasts, found from its bytes without decoding the audio.

use std::io::{Cursor, ErrorKind};

use sophie_domain::error::{DomainError, DomainResult};
use sophie_domain::ports::AudioFormat;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::AudioCodecId;
use symphonia::core::codecs::audio::well_known::{
    CODEC_ID_AAC, CODEC_ID_FLAC, CODEC_ID_MP3, CODEC_ID_OPUS, CODEC_ID_PCM_MULAW,
    CODEC_ID_PCM_S32LE, CODEC_ID_VORBIS,
};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::well_known::{
    FORMAT_ID_ADTS, FORMAT_ID_FLAC, FORMAT_ID_ISOMP4, FORMAT_ID_MKV, FORMAT_ID_MP3, FORMAT_ID_OGG,
    FORMAT_ID_WAVE,
};
use symphonia::core::formats::{FormatOptions, FormatReader, Track, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::packet::Packet;
use symphonia::core::units::{Duration, TimeBase, Timestamp};

/// The codec of a recording's audio track.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AudioCodec {
    /// MPEG-1/2 audio layer III.
    Mp3,
    /// AAC (any profile).
    Aac,
    /// Opus.
    Opus,
    /// Vorbis.
    Vorbis,
    /// FLAC.
    Flac,
    /// Uncompressed or companded PCM (integer, float, A-law, µ-law).
    Pcm,
    /// Any other codec symphonia names (ALAC, ADPCM, ...).
    Other,
}

impl AudioCodec {
    /// The codec with symphonia's id `id`.
    pub(crate) fn from_id(id: AudioCodecId) -> Self {
        match id {
            CODEC_ID_MP3 => Self::Mp3,
            CODEC_ID_AAC => Self::Aac,
            CODEC_ID_OPUS => Self::Opus,
            CODEC_ID_VORBIS => Self::Vorbis,
            CODEC_ID_FLAC => Self::Flac,
            id if (CODEC_ID_PCM_S32LE..=CODEC_ID_PCM_MULAW).contains(&id) => Self::Pcm,
            _ => Self::Other,
        }
    }
}

/// What reading a recording found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RecordingInfo {
    /// The container, as found from the bytes (which may differ from the format the caller
    /// gave as a hint).
    pub format: AudioFormat,
    /// The codec of the audio track.
    pub codec: AudioCodec,
    /// The sample rate in Hz, when the container says.
    pub sample_rate: Option<u32>,
    /// The number of channels, when the container says.
    pub channels: Option<usize>,
    /// The length in seconds, read from the file: the container's own record of it (WAV,
    /// FLAC, MP4, Ogg's last granule position, Matroska's segment duration) when it has one;
    /// otherwise, and always for MP3 and ADTS AAC (whose headers only give estimates), the
    /// end of the last packet found by walking the packets' timestamps and durations without
    /// decoding them.
    pub duration_seconds: f64,
}

/// Reads the recording `bytes` (said to be `hint`) far enough to know its container, codec
/// and length. This is CPU work that walks every packet of MP3 and ADTS files: call it off the
/// async executor ([`tokio::task::spawn_blocking`]).
///
/// # Errors
///
/// `Validation` on `file` ("the recording could not be read: ...") when the bytes are not a
/// recording in a container symphonia reads (MP3, WAV, MP4, ADTS AAC, Ogg, Matroska/WebM,
/// FLAC), have no audio track, hold no audio packet, or have no length that can be found.
pub fn probe_recording(bytes: &[u8], hint: AudioFormat) -> DomainResult<RecordingInfo> {
    let mut reader = open(bytes, hint)?;
    let format = container_format(reader.as_ref()).unwrap_or(hint);
    let track = audio_track(reader.as_ref())?;
    let params = match &track.codec_params {
        Some(CodecParameters::Audio(params)) => params.clone(),
        _ => return Err(unreadable("it has no audio track")),
    };
    let codec = AudioCodec::from_id(params.codec);
    let walk_always = matches!(format, AudioFormat::Mp3 | AudioFormat::Aac);
    let recorded = if walk_always {
        None
    } else {
        recorded_duration(reader.as_ref(), &track)
    };
    let duration_seconds = match recorded {
        Some(seconds) => {
            // The container's record is trusted only for a file that holds audio.
            if next_track_packet(reader.as_mut(), track.id)?.is_none() {
                return Err(unreadable("it holds no audio"));
            }
            seconds
        }
        None => {
            let time_base = track
                .time_base
                .ok_or_else(|| unreadable("its audio track has no time base"))?;
            let walk = PacketWalk::run(reader.as_mut(), track.id, time_base, codec)?;
            walk.duration_seconds()
                .ok_or_else(|| unreadable("it holds no audio"))?
        }
    };
    if !duration_seconds.is_finite() || duration_seconds <= 0.0 {
        return Err(unreadable("it holds no audio"));
    }
    Ok(RecordingInfo {
        format,
        codec,
        sample_rate: params.sample_rate,
        channels: params.channels.as_ref().map(|c| c.count()),
        duration_seconds,
    })
}

/// The `Validation` error on `file` for a recording that cannot be read, because of `reason`.
pub(crate) fn unreadable(reason: impl std::fmt::Display) -> DomainError {
    DomainError::validation("file", format!("the recording could not be read: {reason}"))
}

/// A format reader over `bytes`, found by symphonia's probe (the hint only orders its guesses).
pub(crate) fn open(bytes: &[u8], hint: AudioFormat) -> DomainResult<Box<dyn FormatReader + '_>> {
    let source = MediaSourceStream::new(
        Box::new(Cursor::new(bytes)),
        MediaSourceStreamOptions::default(),
    );
    let mut guess = Hint::new();
    guess.with_extension(hint.extension());
    guess.mime_type(hint.mime_type());
    symphonia::default::get_probe()
        .probe(
            &guess,
            source,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|error| match error {
            SymphoniaError::Unsupported(_) => {
                unreadable("it is not a recording in a format sophie reads")
            }
            SymphoniaError::IoError(e) if e.kind() == ErrorKind::UnexpectedEof => {
                unreadable("it ends before its first audio")
            }
            other => unreadable(other),
        })
}

/// The sophie format of the container `reader` reads.
pub(crate) fn container_format(reader: &dyn FormatReader) -> Option<AudioFormat> {
    match reader.format_info().format {
        FORMAT_ID_MP3 => Some(AudioFormat::Mp3),
        FORMAT_ID_WAVE => Some(AudioFormat::Wav),
        FORMAT_ID_ISOMP4 => Some(AudioFormat::M4a),
        FORMAT_ID_ADTS => Some(AudioFormat::Aac),
        FORMAT_ID_OGG => Some(AudioFormat::Ogg),
        FORMAT_ID_MKV => Some(AudioFormat::Webm),
        FORMAT_ID_FLAC => Some(AudioFormat::Flac),
        _ => None,
    }
}

/// The audio track to read: the default one, or the first with audio parameters.
pub(crate) fn audio_track(reader: &dyn FormatReader) -> DomainResult<Track> {
    reader
        .default_track(TrackType::Audio)
        .or_else(|| reader.first_track(TrackType::Audio))
        .cloned()
        .ok_or_else(|| unreadable("it has no audio track"))
}

/// The next packet of track `track_id`, `None` at the end. A file that ends in the middle of a
/// packet (a recording cut short, a live stream's open-ended cluster) ends there.
pub(crate) fn next_track_packet(
    reader: &mut dyn FormatReader,
    track_id: u32,
) -> DomainResult<Option<Packet>> {
    // A chained Ogg stream asks for a reset at each new link; a few in a row end the walk.
    let mut resets = 0;
    loop {
        match reader.next_packet() {
            Ok(Some(packet)) if packet.track_id == track_id => return Ok(Some(packet)),
            Ok(Some(_)) => resets = 0,
            Ok(None) => return Ok(None),
            Err(SymphoniaError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                return Ok(None);
            }
            Err(SymphoniaError::ResetRequired) if resets < 8 => resets += 1,
            Err(SymphoniaError::ResetRequired) => return Ok(None),
            Err(other) => return Err(unreadable(other)),
        }
    }
}

/// The length the container records, in seconds: the whole media's first (an MP4's movie
/// header, Matroska's segment duration), else the track's.
fn recorded_duration(reader: &dyn FormatReader, track: &Track) -> Option<f64> {
    let media = reader.media_info();
    let seconds = |time_base: Option<TimeBase>, duration: Option<Duration>| {
        let seconds = duration_seconds(time_base?, duration?);
        (seconds.is_finite() && seconds > 0.0).then_some(seconds)
    };
    seconds(media.time_base, media.duration).or_else(|| {
        seconds(
            track.time_base,
            track.duration.or(track.num_frames.map(Duration::new)),
        )
    })
}

/// `ts` in seconds.
pub(crate) fn timestamp_seconds(time_base: TimeBase, ts: Timestamp) -> f64 {
    ts.get() as f64 * f64::from(time_base)
}

/// `duration` in seconds.
pub(crate) fn duration_seconds(time_base: TimeBase, duration: Duration) -> f64 {
    duration.get() as f64 * f64::from(time_base)
}

/// Where one track's packets start and end, in seconds, found by reading (not decoding)
/// them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct PacketWalk {
    /// The earliest start, `None` before the first packet.
    pub first: Option<f64>,
    /// The latest end.
    pub end: f64,
    /// The start of the last packet, to guess the length of a packet that gives none.
    last_start: Option<f64>,
    /// The step between the last two packets' starts.
    last_step: f64,
}

impl PacketWalk {
    /// Walks every packet of track `track_id`.
    fn run(
        reader: &mut dyn FormatReader,
        track_id: u32,
        time_base: TimeBase,
        codec: AudioCodec,
    ) -> DomainResult<Self> {
        let mut walk = Self::default();
        while let Some(packet) = next_track_packet(reader, track_id)? {
            walk.add(&packet, time_base, codec);
        }
        Ok(walk)
    }

    /// Takes `packet` into account and returns its (start, end) in seconds.
    pub(crate) fn add(
        &mut self,
        packet: &Packet,
        time_base: TimeBase,
        codec: AudioCodec,
    ) -> (f64, f64) {
        let start = timestamp_seconds(time_base, packet.pts);
        let length = if packet.dur.is_zero() {
            // Matroska blocks carry no duration: an Opus packet says its own in its first
            // byte; for others, the step between the packets before stands in.
            match codec {
                AudioCodec::Opus => opus_packet_samples(&packet.data)
                    .map_or(self.last_step, |samples| f64::from(samples) / 48_000.0),
                _ => self.last_step,
            }
        } else {
            duration_seconds(time_base, packet.dur)
        };
        if let Some(previous) = self.last_start
            && start > previous
        {
            self.last_step = start - previous;
        }
        self.last_start = Some(start);
        let end = start + length;
        self.first = Some(self.first.map_or(start, |first| first.min(start)));
        self.end = self.end.max(end);
        (start, end)
    }

    /// The length from the first packet (or 0, for packets of the encoder's priming before it)
    /// to the end of the last.
    pub(crate) fn duration_seconds(&self) -> Option<f64> {
        let first = self.first?;
        let length = self.end - first.max(0.0);
        (length > 0.0).then_some(length)
    }
}

/// The number of 48 kHz samples in an Opus packet, from its table-of-contents byte and frame
/// count (RFC 6716, section 3.1); `None` for a malformed packet.
pub(crate) fn opus_packet_samples(packet: &[u8]) -> Option<u32> {
    let toc = *packet.first()?;
    let config = toc >> 3;
    // Frame length in 48 kHz samples per configuration (RFC 6716, table 2).
    let frame: u32 = match config {
        // SILK-only: 10, 20, 40, 60 ms.
        0..=11 => [480, 960, 1920, 2880][usize::from(config % 4)],
        // Hybrid: 10, 20 ms.
        12..=15 => [480, 960][usize::from(config % 2)],
        // CELT-only: 2.5, 5, 10, 20 ms.
        _ => [120, 240, 480, 960][usize::from(config % 4)],
    };
    let frames: u32 = match toc & 0b11 {
        0 => 1,
        1 | 2 => 2,
        _ => u32::from(*packet.get(1)? & 0b0011_1111),
    };
    let samples = frame * frames;
    // A packet holds at most 120 ms.
    (samples > 0 && samples <= 5_760).then_some(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opus_packet_lengths_come_from_the_toc_byte() {
        // CELT-only fullband 20 ms, one frame (config 31, code 0).
        assert_eq!(opus_packet_samples(&[31 << 3]), Some(960));
        // SILK-only 60 ms, two frames (config 3, code 1).
        assert_eq!(opus_packet_samples(&[(3 << 3) | 1]), Some(5_760));
        // Code 3 with 3 frames of 2.5 ms (config 16).
        assert_eq!(opus_packet_samples(&[(16 << 3) | 3, 3]), Some(360));
        // Code 3 announcing more than 120 ms, or no count byte, or nothing at all.
        assert_eq!(opus_packet_samples(&[(3 << 3) | 3, 48]), None);
        assert_eq!(opus_packet_samples(&[(3 << 3) | 3]), None);
        assert_eq!(opus_packet_samples(&[]), None);
    }

    #[test]
    fn random_bytes_are_not_a_recording() {
        let bytes: Vec<u8> = (0..4096_u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for hint in AudioFormat::ALL {
            let error = probe_recording(&bytes, hint).unwrap_err();
            assert!(
                matches!(&error, DomainError::Validation { field, .. } if field == "file"),
                "{hint:?}: {error:?}"
            );
        }
        assert!(probe_recording(&[], AudioFormat::Mp3).is_err());
    }
}
