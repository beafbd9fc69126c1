//! An embedder that needs no model: each word of a text is hashed to a fixed pseudo-random
//! direction, and the text's vector is the normalised sum of its words' directions (random
//! indexing). Texts that share words point alike, so it stands in for a real embedding model
//! in tests, in development without a model server, and in the search benchmark.

use async_trait::async_trait;

use crate::error::DomainResult;
use crate::ports::Embedder;

/// A deterministic [`Embedder`] by feature hashing: the same text gives the same vector on
/// every machine and every run.
///
/// Words are the runs of letters and digits, lower-cased; words of fewer than three
/// characters are skipped (they carry little meaning). A text without a word embeds as the
/// zero vector, which no search ranks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashingEmbedder {
    dimensions: usize,
}

impl HashingEmbedder {
    /// An embedder of `dimensions` values a vector (at least one).
    #[must_use]
    pub fn new(dimensions: usize) -> Self {
        Self {
            dimensions: dimensions.max(1),
        }
    }

    /// The vector of one text.
    #[must_use]
    pub fn vector(&self, text: &str) -> Vec<f32> {
        let mut sum = vec![0.0_f64; self.dimensions];
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().nth(2).is_some())
        {
            let mut state = fnv1a(&word.to_lowercase()) | 1;
            for value in &mut sum {
                // xorshift64*: a fixed pseudo-random sequence per word, in -1..1.
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                let bits = state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
                #[allow(clippy::cast_precision_loss)] // 53 bits: exact in f64
                let unit = bits as f64 / (1_u64 << 53) as f64;
                *value += unit.mul_add(2.0, -1.0);
            }
        }
        let norm = sum.iter().map(|v| v * v).sum::<f64>().sqrt();
        #[allow(clippy::cast_possible_truncation)] // components of a unit vector
        sum.iter()
            .map(|v| if norm > 0.0 { (v / norm) as f32 } else { 0.0 })
            .collect()
    }
}

/// FNV-1a, 64 bits: a hash that never changes between builds.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3)
    })
}

#[async_trait]
impl Embedder for HashingEmbedder {
    fn model(&self) -> String {
        format!("sophie-hashing-{}", self.dimensions)
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    async fn embed(&self, texts: Vec<String>) -> DomainResult<Vec<Vec<f32>>> {
        Ok(texts.iter().map(|text| self.vector(text)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::cosine_similarity;

    #[test]
    fn shared_words_point_alike_and_vectors_are_units() {
        let e = HashingEmbedder::new(64);
        let a = e.vector("Osmosis moves water across membranes");
        let b = e.vector("WATER crosses membranes by osmosis!");
        let c = e.vector("Photosynthesis turns light into sugar");
        assert_eq!(a.len(), 64);
        let norm: f32 = a.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
        let near = cosine_similarity(&a, &b).unwrap();
        let far = cosine_similarity(&a, &c).unwrap();
        assert!(near > 0.5 && near > far + 0.3, "near {near}, far {far}");
        assert_eq!(
            e.vector("osmosis"),
            e.vector("Osmosis, ok"),
            "short words count"
        );
        assert!(e.vector("a an of").iter().all(|v| *v == 0.0));
    }

    #[tokio::test]
    async fn the_model_names_the_dimensions() {
        let e = HashingEmbedder::new(8);
        assert_eq!(
            (e.model(), e.dimensions()),
            ("sophie-hashing-8".to_owned(), 8)
        );
        let vectors = e.embed(vec!["one".into(), "two".into()]).await.unwrap();
        assert_eq!(vectors, [e.vector("one"), e.vector("two")]);
    }
}
