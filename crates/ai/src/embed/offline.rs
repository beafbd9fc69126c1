//! The offline embedder: feature hashing of words, word pairs and letter trigrams.
//!
//! It needs no network, no download and no model file, so a fresh checkout embeds and searches
//! out of the box. It captures shared vocabulary, not meaning: "car" and "automobile" are
//! unrelated to it, while "learning rate" and "learned rates" are close.

use async_trait::async_trait;
use sophie_domain::error::{DomainError, DomainResult};
use sophie_domain::ports::Embedder;

/// The length of the vectors of [`HashingEmbedder::new`].
pub const DEFAULT_HASHING_DIMENSIONS: usize = 384;

/// The longest vector [`HashingEmbedder::with_dimensions`] accepts.
pub const MAX_HASHING_DIMENSIONS: usize = 65_536;

/// Bumped whenever the features, their weights or the hash change, so that vectors made by an
/// older algorithm carry another model name and are never compared with new ones.
const ALGORITHM_VERSION: u32 = 2;

/// Weight of a word that carries meaning.
const UNIGRAM_WEIGHT: f64 = 1.0;
/// Weight of a stop word ("the", "of"): kept, so a text made only of them still has a vector,
/// but too light to make unrelated texts look alike.
const STOP_WORD_WEIGHT: f64 = 0.15;
/// Weight of a pair of neighbouring words.
const BIGRAM_WEIGHT: f64 = 0.7;
/// Weight of each letter trigram of a word (a word of n letters has n trigrams, so their
/// total energy is about that of the word itself).
const TRIGRAM_WEIGHT: f64 = 0.35;

/// Tags that keep the feature families apart in the hash.
const TAG_UNIGRAM: u8 = b'u';
const TAG_BIGRAM: u8 = b'b';
const TAG_TRIGRAM: u8 = b't';
const TAG_EMPTY: u8 = b'e';

/// Separates the two words of a pair in the hashed bytes (never part of a word).
const PAIR_SEPARATOR: u8 = 0x1f;

/// An embedder that needs no model: the signed feature hashing of a text's words, pairs of
/// neighbouring words and letter trigrams, folded into a fixed-length unit vector.
///
/// How a text becomes a vector (version 2):
///
/// 1. **Words**: the text is lower-cased and split on every character that is not a letter or
///    a digit in Unicode's sense (`char::is_alphanumeric`), so accented and non-Latin words
///    are kept whole. An apostrophe inside a word is dropped (`don't` → `dont`), as are
///    combining accents (U+0300 to U+036F). Scripts written without spaces become one long
///    word, which the trigrams below still cover.
/// 2. **Suffix folding**: ASCII words lose common English inflections (`studies` → `study`,
///    `learned`/`learning`/`learns` → `learn`, `stopped` → `stop`).
/// 3. **Features**: each folded word (weight 1, or 0.15 for an English stop word such as
///    "the"); each pair of neighbouring folded words (0.7) unless both are stop words; each
///    trigram of a word that is not a stop word, taken from the unfolded word wrapped in `<`
///    and `>` (0.35), which keeps typos and inflections close.
/// 4. **Weighting**: a feature seen `tf` times contributes `weight × (1 + ln tf)`.
/// 5. **Hashing**: a feature's tag and bytes are hashed with 64-bit FNV-1a followed by the
///    MurmurHash3 finaliser (both written out here, so vectors never change with the Rust
///    release); the hash modulo the dimension picks the slot and its top bit the sign.
/// 6. **Normalising**: the vector is scaled to unit length.
/// 7. **Spreading** (version 2): a fixed orthogonal transform (seeded sign flips and a
///    Walsh–Hadamard transform on blocks, twice, with a fixed permutation between the rounds)
///    gives every component a share of every feature. Lengths and angles are unchanged, so
///    every similarity is exactly as in version 1; but the vector of a few words is no longer
///    zero in most components. Its sign bits then split the space by random hyperplanes, as a
///    model's dense vectors' do, so that the Hamming distance between sign bits follows the
///    angle: what PostgreSQL's vector search ranks its candidates by.
///
/// A text with no words (empty, blank or only punctuation) gets a fixed unit vector: one slot
/// chosen by hashing a reserved tag before step 7 spreads it, so all such texts are equal to
/// each other and nearly orthogonal to every text with words. Every vector this embedder returns has unit length.
///
/// The same text always gives the same vector, across runs, machines and builds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashingEmbedder {
    dimensions: usize,
}

impl HashingEmbedder {
    /// An embedder with [`DEFAULT_HASHING_DIMENSIONS`] (384) dimensions.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            dimensions: DEFAULT_HASHING_DIMENSIONS,
        }
    }

    /// An embedder whose vectors have `dimensions` slots. Fewer slots mean more collisions
    /// between features; below about 128 the vectors become noisy.
    ///
    /// # Errors
    ///
    /// `Validation` on `dimensions` when it is 0 or above [`MAX_HASHING_DIMENSIONS`].
    pub fn with_dimensions(dimensions: usize) -> DomainResult<Self> {
        if dimensions == 0 || dimensions > MAX_HASHING_DIMENSIONS {
            return Err(DomainError::validation(
                "dimensions",
                format!("must be between 1 and {MAX_HASHING_DIMENSIONS}"),
            ));
        }
        Ok(Self { dimensions })
    }

    /// The vector of one text (what [`Embedder::embed`] returns for each text).
    #[must_use]
    pub fn embed_one(&self, text: &str) -> Vec<f32> {
        let mut slots = self.hashed(text);
        spread(&mut slots);
        slots.iter().map(|&v| v as f32).collect()
    }

    /// Steps 1 to 6: the unit vector of hashed features, before it is spread.
    fn hashed(&self, text: &str) -> Vec<f64> {
        let mut features = features_of(text);
        // Sorting makes the order of the sums below, and so the last bits of the floats,
        // depend on nothing but the text.
        features.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));

        let mut slots = vec![0.0_f64; self.dimensions];
        let mut start = 0;
        while start < features.len() {
            let (hash, weight) = features[start];
            let mut end = start + 1;
            while end < features.len() && features[end].0 == hash {
                end += 1;
            }
            let term_frequency = (end - start) as f64;
            self.add(&mut slots, hash, weight * (1.0 + term_frequency.ln()));
            start = end;
        }

        let norm = slots.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm.is_normal() {
            for slot in &mut slots {
                *slot /= norm;
            }
        } else {
            // No words, or (vanishingly unlikely) features that cancelled out exactly.
            slots.fill(0.0);
            self.add(&mut slots, feature_hash(TAG_EMPTY, &[]), 1.0);
        }
        slots
    }

    fn add(&self, slots: &mut [f64], hash: u64, value: f64) {
        // The slot count is at most MAX_HASHING_DIMENSIONS, so both conversions are lossless.
        let slot = (hash % self.dimensions as u64) as usize;
        let sign = if hash >> 63 == 0 { 1.0 } else { -1.0 };
        if let Some(cell) = slots.get_mut(slot) {
            *cell += sign * value;
        }
    }
}

impl Default for HashingEmbedder {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl Embedder for HashingEmbedder {
    /// `sophie-hashing-v<version>-<dimensions>`, for example `sophie-hashing-v2-384`.
    fn model(&self) -> String {
        format!("sophie-hashing-v{ALGORITHM_VERSION}-{}", self.dimensions)
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    /// Never fails. The work is a few microseconds per kilobyte of text, so it runs inline.
    async fn embed(&self, texts: Vec<String>) -> DomainResult<Vec<Vec<f32>>> {
        Ok(texts.iter().map(|text| self.embed_one(text)).collect())
    }
}

/// The seed of the sign flips of [`spread`]'s two rounds.
const SPREAD_SEEDS: [u64; 2] = [0x5EED_0F5F_4EAD_0001, 0x5EED_0F5F_4EAD_0002];

/// Step 7: an orthogonal transform that makes a sparse vector dense. Each of two rounds
/// flips the sign of each component by a seeded hash and applies the normalised
/// Walsh–Hadamard transform to each block (the largest power of two dividing the length: 128
/// of 384); between the rounds, component `i` moves to `i × stride mod n`, which sends each
/// block's components into every block.
fn spread(values: &mut [f64]) {
    let n = values.len();
    let block = 1 << n.trailing_zeros();
    for (round, seed) in SPREAD_SEEDS.iter().enumerate() {
        if round > 0 {
            let stride = stride_for(n);
            let moved: Vec<f64> = (0..n).map(|i| values[(i * stride) % n]).collect();
            values.copy_from_slice(&moved);
        }
        for (i, value) in values.iter_mut().enumerate() {
            if fmix64(seed ^ i as u64) >> 63 == 1 {
                *value = -*value;
            }
        }
        for chunk in values.chunks_exact_mut(block) {
            walsh_hadamard(chunk);
        }
    }
}

/// A stride coprime with `n` near `n × 0.618` (so neighbours land far apart): multiplying
/// by it modulo `n` permutes `0..n`.
fn stride_for(n: usize) -> usize {
    const fn gcd(a: usize, b: usize) -> usize {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    let start = (n * 618 / 1000).max(1);
    (start..n).find(|&s| gcd(s, n) == 1).unwrap_or(1)
}

/// The normalised Walsh–Hadamard transform, in place, of a slice whose length is a power of
/// two: orthogonal, its own inverse.
fn walsh_hadamard(values: &mut [f64]) {
    let n = values.len();
    let mut half = 1;
    while half < n {
        for start in (0..n).step_by(half * 2) {
            for i in start..start + half {
                let (a, b) = (values[i], values[i + half]);
                values[i] = a + b;
                values[i + half] = a - b;
            }
        }
        half *= 2;
    }
    let scale = 1.0 / (n as f64).sqrt();
    for value in values {
        *value *= scale;
    }
}

/// The hashed features of a text with their family weights, one entry per occurrence.
fn features_of(text: &str) -> Vec<(u64, f64)> {
    let words = split_words(text);
    let folded: Vec<String> = words.iter().map(|w| fold_suffix(w)).collect();
    let mut features = Vec::with_capacity(words.len() * 8);

    for (word, stem) in words.iter().zip(&folded) {
        let stop = is_stop_word(word);
        let weight = if stop {
            STOP_WORD_WEIGHT
        } else {
            UNIGRAM_WEIGHT
        };
        features.push((feature_hash(TAG_UNIGRAM, stem.as_bytes()), weight));
        if !stop {
            push_trigrams(word, &mut features);
        }
    }

    for (pair, words_pair) in folded.windows(2).zip(words.windows(2)) {
        if let ([first, second], [raw_first, raw_second]) = (pair, words_pair) {
            if is_stop_word(raw_first) && is_stop_word(raw_second) {
                continue;
            }
            let mut bytes = Vec::with_capacity(first.len() + second.len() + 1);
            bytes.extend_from_slice(first.as_bytes());
            bytes.push(PAIR_SEPARATOR);
            bytes.extend_from_slice(second.as_bytes());
            features.push((feature_hash(TAG_BIGRAM, &bytes), BIGRAM_WEIGHT));
        }
    }
    features
}

/// The letter trigrams of `<word>`; a one-letter word gives the single trigram `<a>`.
fn push_trigrams(word: &str, features: &mut Vec<(u64, f64)>) {
    let chars: Vec<char> = std::iter::once('<')
        .chain(word.chars())
        .chain(std::iter::once('>'))
        .collect();
    let mut buffer = String::with_capacity(12);
    for window in chars.windows(3) {
        buffer.clear();
        buffer.extend(window);
        features.push((feature_hash(TAG_TRIGRAM, buffer.as_bytes()), TRIGRAM_WEIGHT));
    }
}

/// Lower-cased words: runs of letters and digits; apostrophes inside a word and combining
/// accents are dropped.
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            current.extend(ch.to_lowercase());
        } else if is_combining_accent(ch) || (is_apostrophe(ch) && !current.is_empty()) {
            // Part of the word, but not kept.
        } else if !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn is_apostrophe(ch: char) -> bool {
    matches!(ch, '\'' | '\u{2019}')
}

fn is_combining_accent(ch: char) -> bool {
    ('\u{0300}'..='\u{036f}').contains(&ch)
}

/// Folds common English inflections of an ASCII word; other words are returned unchanged.
fn fold_suffix(word: &str) -> String {
    if !word.bytes().all(|b| b.is_ascii_lowercase()) || word.len() <= 3 {
        return word.to_owned();
    }
    let mut stem = if let Some(base) = word.strip_suffix("ies").filter(|b| b.len() >= 2) {
        format!("{base}y")
    } else if let Some(base) = word.strip_suffix("ied").filter(|b| b.len() >= 2) {
        format!("{base}y")
    } else if let Some(base) = word.strip_suffix("sses") {
        format!("{base}ss")
    } else if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
        word.to_owned()
    } else if let Some(base) = word.strip_suffix('s') {
        base.to_owned()
    } else {
        word.to_owned()
    };

    let unsuffixed = stem
        .strip_suffix("ing")
        .filter(|b| b.len() >= 3)
        .or_else(|| stem.strip_suffix("ed").filter(|b| b.len() >= 3))
        .map(str::to_owned);
    if let Some(base) = unsuffixed {
        stem = undouble(base);
    }
    stem
}

/// `stopp` → `stop`, `runn` → `run`; `fall`, `pass` and `buzz` keep their double letter.
fn undouble(mut stem: String) -> String {
    if let [.., a, b] = stem.as_bytes()
        && a == b
        && !matches!(a, b'l' | b's' | b'z' | b'a' | b'e' | b'i' | b'o' | b'u')
    {
        stem.pop();
    }
    stem
}

/// Common English function words, down-weighted so they do not make unrelated texts alike.
fn is_stop_word(word: &str) -> bool {
    const STOP_WORDS: &[&str] = &[
        "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
        "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "for", "from",
        "had", "has", "have", "he", "her", "here", "him", "his", "how", "i", "if", "in", "into",
        "is", "it", "its", "just", "may", "me", "more", "most", "my", "no", "not", "of", "on",
        "or", "our", "out", "over", "she", "so", "some", "such", "than", "that", "the", "their",
        "them", "then", "there", "these", "they", "this", "those", "to", "too", "up", "us", "very",
        "was", "we", "were", "what", "when", "where", "which", "while", "who", "why", "will",
        "with", "would", "you", "your",
    ];
    STOP_WORDS.binary_search(&word).is_ok()
}

/// 64-bit FNV-1a of `tag` then `bytes`, finished with MurmurHash3's `fmix64` so the low bits
/// (the slot) and the top bit (the sign) are well mixed even for short features.
fn feature_hash(tag: u8, bytes: &[u8]) -> u64 {
    fmix64(fnv1a(std::iter::once(tag).chain(bytes.iter().copied())))
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.into_iter().fold(FNV_OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    })
}

/// The 64-bit finaliser of MurmurHash3.
const fn fmix64(mut hash: u64) -> u64 {
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^= hash >> 33;
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn spreading_keeps_every_similarity_and_fills_every_component() {
        for dimensions in [384, 256, 768, 100] {
            let embedder = HashingEmbedder::with_dimensions(dimensions).unwrap();
            let texts = [
                "Cells divide",
                "cell division in mitosis",
                "The French Revolution began in 1789",
                "",
            ];
            for a in texts {
                let spread_a: Vec<f64> = embedder
                    .embed_one(a)
                    .iter()
                    .map(|&v| f64::from(v))
                    .collect();
                for b in texts {
                    let spread_b: Vec<f64> = embedder
                        .embed_one(b)
                        .iter()
                        .map(|&v| f64::from(v))
                        .collect();
                    let before = dot(&embedder.hashed(a), &embedder.hashed(b));
                    let after = dot(&spread_a, &spread_b);
                    assert!(
                        (before - after).abs() < 1e-6,
                        "{dimensions}: {a:?}·{b:?} was {before}, is {after}"
                    );
                }
            }
        }
        let embedder = HashingEmbedder::new();
        let sparse = embedder.hashed("Cells divide");
        let dense = embedder.embed_one("Cells divide");
        assert!(sparse.iter().filter(|v| **v != 0.0).count() < 20);
        assert!(
            dense.iter().filter(|v| **v != 0.0).count() >= 380,
            "a two-word text is not spread over the components"
        );
    }

    #[test]
    fn the_stride_permutes() {
        for n in [1, 2, 3, 100, 128, 384, 768, 1000] {
            let stride = stride_for(n);
            let mut seen: Vec<usize> = (0..n).map(|i| (i * stride) % n).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "n = {n}, stride {stride}");
        }
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        for word in ["the", "a", "your", "about", "with"] {
            assert!(is_stop_word(word), "{word}");
        }
        for word in ["theorem", "cell", "zebra", "aardvark"] {
            assert!(!is_stop_word(word), "{word}");
        }
    }

    #[test]
    fn words_are_split_on_unicode_boundaries_and_lowercased() {
        assert_eq!(
            split_words("Élan vital, DON'T stop: naïve café-au-lait 42km ÜBER"),
            [
                "élan", "vital", "dont", "stop", "naïve", "café", "au", "lait", "42km", "über"
            ]
        );
        assert_eq!(split_words("  ... !!! "), Vec::<String>::new());
        assert_eq!(split_words("'quoted'"), ["quoted"]);
        // A decomposed accent folds into its base letter.
        assert_eq!(split_words("cafe\u{301}"), ["cafe"]);
    }

    #[test]
    fn english_inflections_fold_together() {
        let cases = [
            ("studies", "study"),
            ("studied", "study"),
            ("learning", "learn"),
            ("learned", "learn"),
            ("learns", "learn"),
            ("stopped", "stop"),
            ("running", "run"),
            ("falling", "fall"),
            ("classes", "class"),
            ("class", "class"),
            ("virus", "virus"),
            ("analysis", "analysis"),
            ("ring", "ring"),
            ("bed", "bed"),
            ("café", "café"),
        ];
        for (word, stem) in cases {
            assert_eq!(fold_suffix(word), stem, "{word}");
        }
    }

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a(*b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(*b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(*b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn fmix64_mixes_and_keeps_zero() {
        assert_eq!(fmix64(0), 0);
        // Neighbouring inputs land far apart.
        let (a, b) = (fmix64(1), fmix64(2));
        assert!((a ^ b).count_ones() > 16, "{a:x} {b:x}");
    }

    #[test]
    fn feature_families_hash_apart() {
        assert_ne!(
            feature_hash(TAG_UNIGRAM, b"cat"),
            feature_hash(TAG_TRIGRAM, b"cat")
        );
        assert_ne!(
            feature_hash(TAG_UNIGRAM, b"cat"),
            feature_hash(TAG_UNIGRAM, b"cab")
        );
    }

    #[test]
    fn trigrams_wrap_the_word() {
        let mut features = Vec::new();
        push_trigrams("cat", &mut features);
        let expected: Vec<u64> = ["<ca", "cat", "at>"]
            .iter()
            .map(|t| feature_hash(TAG_TRIGRAM, t.as_bytes()))
            .collect();
        let hashes: Vec<u64> = features.iter().map(|f| f.0).collect();
        assert_eq!(hashes, expected);
    }

    #[test]
    fn pairs_of_stop_words_are_skipped() {
        let with_pair = features_of("out of the cell");
        // Words: out, of, the, cell (3 stop words). Unigrams 4, trigrams of "cell" 4,
        // pairs: out-of and of-the skipped, the-cell kept.
        assert_eq!(with_pair.len(), 4 + 4 + 1);
    }
}
