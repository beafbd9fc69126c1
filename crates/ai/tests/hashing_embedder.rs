//! The offline embedder's behaviour, through the domain's `Embedder` port.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sophie_ai::HashingEmbedder;
use sophie_domain::DomainError;
use sophie_domain::ports::Embedder;

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

async fn embed(embedder: &HashingEmbedder, texts: &[&str]) -> Vec<Vec<f32>> {
    embedder
        .embed(texts.iter().map(|t| (*t).to_owned()).collect())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_same_text_always_gives_the_same_vector() {
    let text = "Mitochondria produce ATP through oxidative phosphorylation.";
    let first = embed(&HashingEmbedder::new(), &[text, text]).await;
    let again = embed(&HashingEmbedder::default(), &[text]).await;
    assert_eq!(first[0], first[1]);
    assert_eq!(first[0], again[0]);
    assert_eq!(HashingEmbedder::new().embed_one(text), first[0]);
}

#[tokio::test]
async fn vectors_have_the_configured_length_and_unit_norm() {
    for dimensions in [384, 64, 1024] {
        let embedder = HashingEmbedder::with_dimensions(dimensions).unwrap();
        assert_eq!(embedder.dimensions(), dimensions);
        let texts = [
            "The French Revolution began in 1789.",
            "a",
            "naïve café — Straße, 東京都の大学",
            "the of and to",
            "",
            "   ...!!!   ",
            &"word ".repeat(5000),
        ];
        for vector in embed(&embedder, &texts).await {
            assert_eq!(vector.len(), dimensions);
            assert!((norm(&vector) - 1.0).abs() < 1e-5, "norm {}", norm(&vector));
            assert!(vector.iter().all(|x| x.is_finite()));
        }
    }
}

#[tokio::test]
async fn a_paraphrase_is_closer_than_an_unrelated_text() {
    let embedder = HashingEmbedder::new();
    let cases = [
        (
            "Photosynthesis converts light energy into chemical energy in plants.",
            "In plants, photosynthesis turns the energy of light into chemical energy.",
            "The Treaty of Versailles ended the First World War in 1919.",
        ),
        (
            "The learning rate controls the step size of gradient descent.",
            "Gradient descent takes steps whose size is set by the learning rates.",
            "Baroque composers wrote fugues for the organ and harpsichord.",
        ),
        (
            "How do vaccines train the immune system?",
            "vaccine immune system training",
            "recipe for a chocolate cake with raspberries",
        ),
    ];
    for (text, paraphrase, unrelated) in cases {
        let v = embed(&embedder, &[text, paraphrase, unrelated]).await;
        let close = cosine(&v[0], &v[1]);
        let far = cosine(&v[0], &v[2]);
        assert!(close > far + 0.2, "{close} vs {far} for {text:?}");
    }
}

#[tokio::test]
async fn typos_and_inflections_stay_close() {
    let embedder = HashingEmbedder::new();
    let v = embed(
        &embedder,
        &[
            "mitochondrial membranes",
            "mitochondria membrane",
            "mitocondrial membranes",
            "parliamentary elections",
        ],
    )
    .await;
    let unrelated = cosine(&v[0], &v[3]);
    assert!(cosine(&v[0], &v[1]) > unrelated + 0.3);
    assert!(cosine(&v[0], &v[2]) > unrelated + 0.3);
}

#[tokio::test]
async fn batch_order_is_preserved() {
    let embedder = HashingEmbedder::new();
    let texts = [
        "alpha particles",
        "beta decay",
        "gamma rays",
        "alpha particles",
    ];
    let batch = embed(&embedder, &texts).await;
    assert_eq!(batch.len(), texts.len());
    for (text, vector) in texts.iter().zip(&batch) {
        assert_eq!(&embedder.embed_one(text), vector);
    }
    assert_ne!(batch[0], batch[1]);
    assert!(embed(&embedder, &[]).await.is_empty());
}

#[tokio::test]
async fn texts_without_words_share_one_defined_vector() {
    let embedder = HashingEmbedder::new();
    let v = embed(&embedder, &["", "   ", "?!", "a cell"]).await;
    assert_eq!(v[0], v[1]);
    assert_eq!(v[0], v[2]);
    assert!((norm(&v[0]) - 1.0).abs() < 1e-5);
    assert!(cosine(&v[0], &v[3]).abs() < 0.5);
}

#[test]
fn the_model_name_carries_the_version_and_dimension() {
    assert_eq!(HashingEmbedder::new().model(), "sophie-hashing-v2-384");
    assert_eq!(
        HashingEmbedder::with_dimensions(768).unwrap().model(),
        "sophie-hashing-v2-768"
    );
    assert_ne!(
        HashingEmbedder::with_dimensions(256).unwrap().model(),
        HashingEmbedder::new().model()
    );
}

#[test]
fn impossible_dimensions_are_refused() {
    for dimensions in [0, 65_537, usize::MAX] {
        let error = HashingEmbedder::with_dimensions(dimensions).unwrap_err();
        assert!(
            matches!(&error, DomainError::Validation { field, .. } if field == "dimensions"),
            "{dimensions}: {error:?}"
        );
    }
}

/// Stored vectors are only comparable with new ones while the algorithm is unchanged: a
/// change that moves these values must bump the version in the model name.
#[test]
fn the_algorithm_is_pinned() {
    let vector = HashingEmbedder::new().embed_one("Cells divide");
    let first: Vec<i32> = vector[..16]
        .iter()
        .map(|x| (x * 10_000.0).round() as i32)
        .collect();
    assert_eq!(first, PINNED_CELLS_DIVIDE);
    let positive = vector.iter().filter(|x| **x > 0.0).count();
    assert_eq!(positive, PINNED_POSITIVE);
}

/// The first 16 components × 10,000 of "Cells divide" in version 2.
const PINNED_CELLS_DIVIDE: &[i32] = &[
    199, -64, -343, -941, -48, 104, -175, 534, 383, 343, 64, -534, -423, -271, -550, 383,
];
/// How many of its components are positive.
const PINNED_POSITIVE: usize = 181;
