//! Cutting a recording too large for one request into parts that each fit, in order, each a
//! valid recording on its own with the time it starts at.
//!
//! - MP3 and ADTS AAC are cut between frames, without re-encoding (ADTS frames get fresh
//!   headers, as symphonia hands over their payloads only).
//! - WAV is cut at frame boundaries of its PCM; each part gets the original `fmt ` chunk.
//! - Anything else symphonia can decode (FLAC, AAC in MP4, Vorbis in Ogg or WebM) is decoded
//!   and written as 16-bit PCM WAV parts, the channels averaged to mono.
//! - Opus (in Ogg or WebM), which symphonia cannot decode, and other codecs without a decoder
//!   are refused: the student is asked for another format.

use sophie_domain::error::{DomainError, DomainResult};
use sophie_domain::ports::AudioFormat;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatReader;
use symphonia::core::units::TimeBase;

use super::audio::{
    AudioCodec, PacketWalk, audio_track, container_format, next_track_packet, open, unreadable,
};

/// The smallest part size accepted: it holds any MP3 frame and a WAV header with some audio.
pub(crate) const MIN_PART_BYTES: usize = 4096;

/// The length of a canonical 16-bit PCM WAV header.
const PCM_WAV_HEADER_BYTES: usize = 44;

/// One part of a recording, ready to send.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AudioPart {
    /// The part as a file of `format`.
    pub bytes: Vec<u8>,
    /// Its format.
    pub format: AudioFormat,
    /// Where it starts in the whole recording, in seconds, from its first packet's timestamp.
    pub start_seconds: f64,
    /// How long it lasts, in seconds, from its packets' timestamps and durations.
    pub duration_seconds: f64,
}

/// Cuts `bytes` (said to be `hint`) into parts of at most `max_part_bytes` bytes and hands
/// them to `emit` in order, as they are made; stops early when `emit` returns `false`.
/// Returns the number of parts made. Blocking CPU work: call it off the async executor.
///
/// # Errors
///
/// `Validation` on `file` when the recording cannot be read, or is Opus or another codec that
/// can be neither cut nor decoded (the message asks for MP3, M4A or WAV); `Internal` when a
/// single packet does not fit in `max_part_bytes`.
pub(crate) fn split_recording(
    bytes: &[u8],
    hint: AudioFormat,
    max_part_bytes: usize,
    emit: &mut dyn FnMut(AudioPart) -> bool,
) -> DomainResult<usize> {
    let mut reader = open(bytes, hint)?;
    let format = container_format(reader.as_ref()).unwrap_or(hint);
    let track = audio_track(reader.as_ref())?;
    let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
        return Err(unreadable("it has no audio track"));
    };
    let codec = AudioCodec::from_id(params.codec);
    let time_base = track
        .time_base
        .ok_or_else(|| unreadable("its audio track has no time base"))?;
    let source = Source {
        reader: reader.as_mut(),
        track_id: track.id,
        time_base,
        codec,
    };
    if codec == AudioCodec::Opus {
        return Err(too_long_in_this_format("Opus"));
    }
    let framing = match format {
        AudioFormat::Mp3 => Framing::Mp3,
        AudioFormat::Aac => Framing::Adts(adts_header_template(bytes)?),
        AudioFormat::Wav => Framing::Wav(wav_fmt_chunk(bytes)?),
        _ => return decode_to_wav(source, &params, max_part_bytes, emit),
    };
    copy_packets(source, framing, max_part_bytes, emit)
}

/// The error for a recording that is too large for one request and cannot be cut.
fn too_long_in_this_format(codec: &str) -> DomainError {
    DomainError::validation(
        "file",
        format!(
            "the recording is too long to send in one piece in this format ({codec}); \
             upload it as MP3, M4A or WAV"
        ),
    )
}

/// The packets of one track of an open recording.
struct Source<'r, 'b> {
    reader: &'r mut (dyn FormatReader + 'b),
    track_id: u32,
    time_base: TimeBase,
    codec: AudioCodec,
}

/// How packets are put together into a file.
enum Framing {
    /// MP3 frames, one after the other (symphonia's packets are whole frames).
    Mp3,
    /// ADTS frames: each payload behind a header made from this one (the file's first).
    Adts([u8; 7]),
    /// PCM frames in a WAV file with this `fmt ` chunk (header and padding included).
    Wav(Vec<u8>),
    /// 16-bit mono PCM at this sample rate in a WAV file.
    Pcm16 { rate: u32 },
}

impl Framing {
    /// The bytes a part needs besides its packets'.
    fn overhead(&self) -> usize {
        match self {
            Self::Mp3 | Self::Adts(_) => 0,
            // RIFF header, fmt chunk, data chunk header, a padding byte for odd data.
            Self::Wav(fmt) => 12 + fmt.len() + 8 + 1,
            Self::Pcm16 { .. } => PCM_WAV_HEADER_BYTES,
        }
    }

    /// The format of the parts.
    const fn format(&self) -> AudioFormat {
        match self {
            Self::Mp3 => AudioFormat::Mp3,
            Self::Adts(_) => AudioFormat::Aac,
            Self::Wav(_) | Self::Pcm16 { .. } => AudioFormat::Wav,
        }
    }

    /// A whole file holding `body`.
    fn finish(&self, body: Vec<u8>) -> Vec<u8> {
        match self {
            Self::Mp3 | Self::Adts(_) => body,
            Self::Wav(fmt) => riff_wave(fmt, &body),
            Self::Pcm16 { rate } => riff_wave(&pcm16_mono_fmt_chunk(*rate), &body),
        }
    }
}

/// Gathers chunks into parts that fit and hands each finished part on.
struct PartWriter<'e> {
    framing: Framing,
    max_part_bytes: usize,
    body: Vec<u8>,
    /// The current part's start and end, in seconds.
    span: Option<(f64, f64)>,
    emit: &'e mut dyn FnMut(AudioPart) -> bool,
    /// Whether the receiver still wants parts.
    wanted: bool,
    parts: usize,
}

impl<'e> PartWriter<'e> {
    fn new(
        framing: Framing,
        max_part_bytes: usize,
        emit: &'e mut dyn FnMut(AudioPart) -> bool,
    ) -> Self {
        Self {
            framing,
            max_part_bytes,
            body: Vec::new(),
            span: None,
            emit,
            wanted: true,
            parts: 0,
        }
    }

    /// The most chunk bytes one part holds.
    fn capacity(&self) -> usize {
        self.max_part_bytes.saturating_sub(self.framing.overhead())
    }

    /// Adds `chunk`, the audio from `start` to `end` seconds, starting a new part first when it
    /// does not fit in the current one.
    fn add(&mut self, start: f64, end: f64, chunk: &[u8]) -> DomainResult<()> {
        if chunk.len() > self.capacity() {
            return Err(DomainError::internal(format!(
                "a packet of {} bytes does not fit in a part of {} bytes",
                chunk.len(),
                self.max_part_bytes
            )));
        }
        if !self.body.is_empty() && self.body.len() + chunk.len() > self.capacity() {
            self.flush();
        }
        self.span = Some(match self.span {
            Some((first, last)) => (first, last.max(end)),
            None => (start, end),
        });
        self.body.extend_from_slice(chunk);
        Ok(())
    }

    /// Hands the current part on, if it holds anything.
    fn flush(&mut self) {
        let Some((start, end)) = self.span.take() else {
            return;
        };
        let body = std::mem::take(&mut self.body);
        if body.is_empty() || !self.wanted {
            return;
        }
        let start = start.max(0.0);
        let part = AudioPart {
            bytes: self.framing.finish(body),
            format: self.framing.format(),
            start_seconds: start,
            duration_seconds: (end - start).max(0.0),
        };
        self.parts += 1;
        self.wanted = (self.emit)(part);
    }

    /// Hands the last part on and returns the number of parts.
    fn finish(mut self) -> usize {
        self.flush();
        self.parts
    }
}

/// Cuts between packets, copying them as they are.
fn copy_packets(
    source: Source<'_, '_>,
    framing: Framing,
    max_part_bytes: usize,
    emit: &mut dyn FnMut(AudioPart) -> bool,
) -> DomainResult<usize> {
    let Source {
        reader,
        track_id,
        time_base,
        codec,
    } = source;
    let adts_template = match &framing {
        Framing::Adts(template) => Some(*template),
        _ => None,
    };
    let mut writer = PartWriter::new(framing, max_part_bytes, emit);
    let mut walk = PacketWalk::default();
    let mut framed = Vec::new();
    while writer.wanted
        && let Some(packet) = next_track_packet(reader, track_id)?
    {
        let (start, end) = walk.add(&packet, time_base, codec);
        let chunk: &[u8] = match adts_template {
            Some(template) => {
                framed.clear();
                framed.extend_from_slice(&adts_header(template, packet.data.len())?);
                framed.extend_from_slice(&packet.data);
                &framed
            }
            None => &packet.data,
        };
        writer.add(start, end, chunk)?;
    }
    if walk.first.is_none() {
        return Err(unreadable("it holds no audio"));
    }
    Ok(writer.finish())
}

/// Decodes the track and writes 16-bit mono PCM WAV parts.
fn decode_to_wav(
    source: Source<'_, '_>,
    params: &AudioCodecParameters,
    max_part_bytes: usize,
    emit: &mut dyn FnMut(AudioPart) -> bool,
) -> DomainResult<usize> {
    let Source {
        reader,
        track_id,
        time_base,
        codec,
    } = source;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(|_| too_long_in_this_format(&format!("{codec:?}")))?;
    // The rate is set from the first decoded packet.
    let mut writer = PartWriter::new(Framing::Pcm16 { rate: 0 }, max_part_bytes, emit);
    let mut walk = PacketWalk::default();
    let mut samples: Vec<f32> = Vec::new();
    let mut pcm: Vec<u8> = Vec::new();
    let mut decoded_frames = 0_u64;
    let mut damaged = 0_u64;
    while writer.wanted
        && let Some(packet) = next_track_packet(reader, track_id)?
    {
        let (start, _) = walk.add(&packet, time_base, codec);
        let (rate, frames) = match decoder.decode(&packet) {
            Ok(buffer) => {
                let rate = buffer.spec().rate();
                let channels = buffer.spec().channels().count().max(1);
                buffer.copy_to_vec_interleaved::<f32>(&mut samples);
                (rate, mono_pcm16(&samples, channels, &mut pcm))
            }
            Err(SymphoniaError::DecodeError(_)) => {
                // A damaged packet is skipped, as players do.
                damaged += 1;
                continue;
            }
            Err(SymphoniaError::ResetRequired) => {
                decoder.reset();
                continue;
            }
            Err(other) => return Err(unreadable(other)),
        };
        if frames == 0 || rate == 0 {
            continue;
        }
        decoded_frames += frames as u64;
        if !matches!(writer.framing, Framing::Pcm16 { rate: current } if current == rate) {
            // A WAV file has one rate: a change (rare) ends the part.
            writer.flush();
            writer.framing = Framing::Pcm16 { rate };
        }
        // Large decoded packets are cut across parts at frame boundaries.
        let frames_per_part = (writer.capacity() / 2).max(1);
        for (index, piece) in pcm.chunks(frames_per_part * 2).enumerate() {
            let offset = (index * frames_per_part) as f64 / f64::from(rate);
            let length = (piece.len() / 2) as f64 / f64::from(rate);
            writer.add(start + offset, start + offset + length, piece)?;
        }
    }
    if decoded_frames == 0 {
        return Err(unreadable(if damaged > 0 {
            "none of its audio could be decoded"
        } else {
            "it holds no audio"
        }));
    }
    if damaged > 0 {
        tracing::warn!(
            damaged,
            "skipped damaged packets while splitting a recording"
        );
    }
    Ok(writer.finish())
}

/// Averages the channels of interleaved `samples` into 16-bit little-endian PCM in `out`;
/// returns the number of frames.
fn mono_pcm16(samples: &[f32], channels: usize, out: &mut Vec<u8>) -> usize {
    out.clear();
    let mut frames = 0;
    for frame in samples.chunks_exact(channels) {
        let mean = frame.iter().sum::<f32>() / channels as f32;
        let value = if mean.is_finite() {
            (mean.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16
        } else {
            0
        };
        out.extend_from_slice(&value.to_le_bytes());
        frames += 1;
    }
    frames
}

/// A RIFF WAVE file of the `fmt ` chunk `fmt` (header included, padded to an even length) and
/// a data chunk of `data`.
fn riff_wave(fmt: &[u8], data: &[u8]) -> Vec<u8> {
    let pad = data.len() % 2;
    let riff_size = 4 + fmt.len() + 8 + data.len() + pad;
    let mut file = Vec::with_capacity(8 + riff_size);
    file.extend_from_slice(b"RIFF");
    file.extend_from_slice(&u32::try_from(riff_size).unwrap_or(u32::MAX).to_le_bytes());
    file.extend_from_slice(b"WAVE");
    file.extend_from_slice(fmt);
    file.extend_from_slice(b"data");
    file.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_le_bytes());
    file.extend_from_slice(data);
    if pad == 1 {
        file.push(0);
    }
    file
}

/// The `fmt ` chunk of 16-bit mono PCM at `rate` Hz.
fn pcm16_mono_fmt_chunk(rate: u32) -> Vec<u8> {
    let mut chunk = Vec::with_capacity(24);
    chunk.extend_from_slice(b"fmt ");
    chunk.extend_from_slice(&16_u32.to_le_bytes());
    chunk.extend_from_slice(&1_u16.to_le_bytes()); // PCM
    chunk.extend_from_slice(&1_u16.to_le_bytes()); // one channel
    chunk.extend_from_slice(&rate.to_le_bytes());
    chunk.extend_from_slice(&rate.saturating_mul(2).to_le_bytes()); // bytes a second
    chunk.extend_from_slice(&2_u16.to_le_bytes()); // bytes a frame
    chunk.extend_from_slice(&16_u16.to_le_bytes()); // bits a sample
    chunk
}

/// The `fmt ` chunk of a WAV file, header included, padded to an even length.
fn wav_fmt_chunk(bytes: &[u8]) -> DomainResult<Vec<u8>> {
    let not_wav = || unreadable("it is not a RIFF WAVE file with a format chunk");
    if bytes.get(..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WAVE") {
        return Err(not_wav());
    }
    let mut position = 12_usize;
    while let Some(header) = bytes.get(position..position + 8) {
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let end = position.checked_add(8 + size).ok_or_else(not_wav)?;
        if &header[..4] == b"fmt " {
            let mut chunk = bytes.get(position..end).ok_or_else(not_wav)?.to_vec();
            if size % 2 == 1 {
                chunk.push(0);
            }
            return Ok(chunk);
        }
        position = end + size % 2;
    }
    Err(not_wav())
}

/// The first ADTS header of `bytes` (after an ID3v2 tag, if any): its fixed fields are copied
/// into the header of every part's frames.
fn adts_header_template(bytes: &[u8]) -> DomainResult<[u8; 7]> {
    let mut start = 0;
    if bytes.starts_with(b"ID3")
        && let Some(size) = bytes.get(6..10)
    {
        // Syncsafe size, then the header (10 bytes) and a footer when flagged.
        let size = size
            .iter()
            .fold(0_usize, |acc, b| (acc << 7) | usize::from(b & 0x7F));
        let footer = if bytes.get(5).is_some_and(|flags| flags & 0x10 != 0) {
            10
        } else {
            0
        };
        start = 10 + size + footer;
    }
    bytes
        .get(start..)
        .unwrap_or_default()
        .windows(7)
        .find(|w| w[0] == 0xFF && w[1] & 0xF6 == 0xF0)
        .and_then(|w| <[u8; 7]>::try_from(w).ok())
        .ok_or_else(|| unreadable("no ADTS frame header was found"))
}

/// An ADTS header (no CRC) for a frame whose payload is `payload_len` bytes, with the
/// profile, sample rate and channel layout of `template`.
fn adts_header(template: [u8; 7], payload_len: usize) -> DomainResult<[u8; 7]> {
    let length = payload_len + 7;
    if length >= 1 << 13 {
        return Err(DomainError::internal(format!(
            "an AAC frame of {payload_len} bytes does not fit in an ADTS header"
        )));
    }
    // Sync word, the MPEG version bit, layer 0, no CRC.
    let b1 = 0xF1 | (template[1] & 0x08);
    // Profile, sample rate index, private bit, channel configuration's high bit.
    let b2 = template[2];
    // Channel configuration's low bits, then the frame length's top 2 bits.
    let b3 = (template[3] & 0xC0) | ((length >> 11) & 0x03) as u8;
    let b4 = ((length >> 3) & 0xFF) as u8;
    // The length's low 3 bits, then a buffer fullness of 0x7FF (variable rate).
    let b5 = (((length & 0x07) << 5) as u8) | 0x1F;
    // The fullness' low bits, one raw data block.
    let b6 = 0xFC;
    Ok([0xFF, b1, b2, b3, b4, b5, b6])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::audio::probe_recording;
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../tests/fixtures/audio/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn split(bytes: &[u8], hint: AudioFormat, max: usize) -> DomainResult<Vec<AudioPart>> {
        let mut parts = Vec::new();
        let count = split_recording(bytes, hint, max, &mut |part| {
            parts.push(part);
            true
        })?;
        assert_eq!(count, parts.len());
        Ok(parts)
    }

    /// Every part fits, is a readable recording of `expected` format whose length matches
    /// the part's, and the parts follow each other to the end of the whole recording.
    fn check_parts(name: &str, hint: AudioFormat, max: usize, expected: AudioFormat) {
        let bytes = fixture(name);
        let whole = probe_recording(&bytes, hint).unwrap();
        let parts = split(&bytes, hint, max).unwrap();
        assert!(parts.len() >= 3, "{name}: {} parts", parts.len());
        let mut expected_start = 0.0;
        for (index, part) in parts.iter().enumerate() {
            assert!(part.bytes.len() <= max, "{name} part {index} is too large");
            assert_eq!(part.format, expected, "{name} part {index}");
            let info = probe_recording(&part.bytes, part.format)
                .unwrap_or_else(|e| panic!("{name} part {index}: {e}"));
            assert_eq!(info.format, expected, "{name} part {index}");
            assert!(
                (info.duration_seconds - part.duration_seconds).abs() < 0.1,
                "{name} part {index}: probed {} s, cut {} s",
                info.duration_seconds,
                part.duration_seconds
            );
            assert!(
                (part.start_seconds - expected_start).abs() < 0.1,
                "{name} part {index} starts at {} s, expected {expected_start} s",
                part.start_seconds
            );
            expected_start = part.start_seconds + part.duration_seconds;
        }
        // Decoded AAC keeps the encoder's priming and padding (about 0.1 s): symphonia does
        // not apply an MP4 edit list.
        assert!(
            (expected_start - whole.duration_seconds).abs() < 0.15,
            "{name}: the parts end at {expected_start} s, the recording at {} s",
            whole.duration_seconds
        );
    }

    #[test]
    fn mp3_is_cut_between_frames() {
        check_parts("lecture.mp3", AudioFormat::Mp3, 6_000, AudioFormat::Mp3);
    }

    #[test]
    fn adts_aac_is_cut_between_frames_with_fresh_headers() {
        check_parts("lecture.aac", AudioFormat::Aac, 4_096, AudioFormat::Aac);
    }

    #[test]
    fn wav_is_cut_at_frame_boundaries_with_its_own_header() {
        check_parts("lecture.wav", AudioFormat::Wav, 20_000, AudioFormat::Wav);
    }

    #[test]
    fn decodable_formats_become_pcm_wav_parts() {
        for (name, hint) in [
            ("lecture.flac", AudioFormat::Flac),
            ("lecture.m4a", AudioFormat::M4a),
            ("lecture-vorbis.ogg", AudioFormat::Ogg),
            ("lecture-vorbis.webm", AudioFormat::Webm),
        ] {
            check_parts(name, hint, 20_000, AudioFormat::Wav);
        }
    }

    #[test]
    fn opus_cannot_be_cut() {
        for (name, hint) in [
            ("lecture.ogg", AudioFormat::Ogg),
            ("lecture.webm", AudioFormat::Webm),
            ("lecture-live.webm", AudioFormat::Webm),
        ] {
            let error = split(&fixture(name), hint, 4_096).unwrap_err();
            let DomainError::Validation { field, message } = &error else {
                panic!("{name}: {error:?}");
            };
            assert_eq!(field, "file");
            assert!(message.contains("MP3, M4A or WAV"), "{message}");
        }
    }

    #[test]
    fn splitting_stops_when_the_receiver_has_enough() {
        let bytes = fixture("lecture.wav");
        let mut seen = 0;
        split_recording(&bytes, AudioFormat::Wav, 8_000, &mut |_| {
            seen += 1;
            seen < 2
        })
        .unwrap();
        assert_eq!(seen, 2);
    }

    #[test]
    fn adts_headers_carry_the_frame_length() {
        let template = [0xFF, 0xF1, 0x60, 0x40, 0x00, 0x1F, 0xFC];
        let header = adts_header(template, 300).unwrap();
        let length = (usize::from(header[3] & 0x03) << 11)
            | (usize::from(header[4]) << 3)
            | usize::from(header[5] >> 5);
        assert_eq!(length, 307);
        assert_eq!(header[2], template[2]);
        assert!(adts_header(template, 9_000).is_err());
    }
}
