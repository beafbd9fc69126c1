//! [`crate::SearchIndex`]: document chunks, lexical search and vector search.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::Fixture;
use super::expect;
use super::seed::{World, chunk, new_card};
use crate::entities::{SearchHit, SearchQuery, SourceKind, SourceLinks};
use crate::id::{DocumentId, UserId};

fn query(text: &str) -> SearchQuery {
    SearchQuery::new(text, None).unwrap()
}

/// What a search found, as a set: which kinds of material with which ids.
fn found(hits: &[SearchHit]) -> BTreeSet<(String, Uuid)> {
    hits.iter()
        .map(|h| (format!("{:?}", h.kind), h.id))
        .collect()
}

fn set_of(items: &[(SourceKind, Uuid)]) -> BTreeSet<(String, Uuid)> {
    items
        .iter()
        .map(|(kind, id)| (format!("{kind:?}"), *id))
        .collect()
}

async fn search(w: &World, user: UserId, text: &str) -> Vec<SearchHit> {
    w.r.search.search(user, query(text)).await.unwrap()
}

pub async fn search_finds_notes_flashcards_and_chunks(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let note = w
        .note(ada, "Photosynthesis", "Chlorophyll turns light into sugar")
        .await;
    let set = w
        .set(
            ada,
            "Botany",
            SourceLinks::default(),
            vec![
                new_card("Which pigment is green?", "Chlorophyll"),
                new_card("What do roots take up?", "Water"),
            ],
        )
        .await;
    let document = w.document(ada, "Textbook").await;
    w.r.search
        .replace_chunks(
            ada,
            document.id,
            vec![
                chunk(0, "Plants store starch in roots", None),
                chunk(1, "The chlorophyll molecule absorbs red light", None),
            ],
        )
        .await
        .unwrap();
    let chunks = w.r.search.list_chunks(ada, document.id).await.unwrap();
    w.note(ada, "Unrelated", "Mitosis and meiosis").await;

    let hits = search(&w, ada, "chlorophyll").await;
    assert_eq!(
        found(&hits),
        set_of(&[
            (SourceKind::Note, note.id.as_uuid()),
            (SourceKind::Flashcard, set.flashcards[0].id.as_uuid()),
            (SourceKind::Document, chunks[1].id.as_uuid()),
        ]),
        "searching a word finds not exactly the note, the card and the passage that hold it"
    );
    let note_hit = hits.iter().find(|h| h.kind == SourceKind::Note).unwrap();
    assert_eq!(
        (note_hit.parent_id, note_hit.title.as_str()),
        (None, "Photosynthesis"),
        "a note hit shows the wrong title or parent"
    );
    let card_hit = hits
        .iter()
        .find(|h| h.kind == SourceKind::Flashcard)
        .unwrap();
    assert_eq!(
        (card_hit.parent_id, card_hit.title.as_str()),
        (Some(set.set.id.as_uuid()), "Botany"),
        "a card hit does not lead to its set"
    );
    let chunk_hit = hits
        .iter()
        .find(|h| h.kind == SourceKind::Document)
        .unwrap();
    assert_eq!(
        (
            chunk_hit.parent_id,
            chunk_hit.title.as_str(),
            chunk_hit.page_number
        ),
        (Some(document.id.as_uuid()), "Textbook", Some(2)),
        "a passage hit does not lead to its document and page"
    );
    assert!(
        chunk_hit.snippet.to_lowercase().contains("chlorophyll"),
        "the passage's snippet does not show the match: {:?}",
        chunk_hit.snippet
    );
    assert!(
        hits.windows(2).all(|p| p[0].score >= p[1].score),
        "hits are not best first"
    );

    assert_eq!(
        found(&search(&w, ada, "starch").await),
        set_of(&[(SourceKind::Document, chunks[0].id.as_uuid())]),
        "a word only a passage holds does not find exactly that passage"
    );
    assert_eq!(
        found(&search(&w, ada, "Photosynthesis").await),
        set_of(&[(SourceKind::Note, note.id.as_uuid())]),
        "a note is not found by its title"
    );
    assert!(
        search(&w, ada, "xylophone").await.is_empty(),
        "a word nowhere in the material finds something"
    );
}

pub async fn search_ignores_case_and_matches_parts_of_words(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let note = w
        .note(
            ada,
            "Cells",
            "The MITOCHONDRIA is the powerhouse of the cell",
        )
        .await;
    let expected = set_of(&[(SourceKind::Note, note.id.as_uuid())]);
    for text in [
        "mitochondria",
        "Mitochondria",
        "MITOCHONDRIA",
        "powerhouse",
        "POWERHOUSE",
    ] {
        assert_eq!(
            found(&search(&w, ada, text).await),
            expected,
            "searching {text:?} does not find the note, whatever the case"
        );
    }
    assert_eq!(
        found(&search(&w, ada, "mitochond").await),
        expected,
        "the start of a word does not find the note"
    );
}

pub async fn search_never_shows_another_users_material(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas = w.note(ada, "Enzymes", "Enzymes speed up reactions").await;
    w.set(
        ada,
        "Enzymes",
        SourceLinks::default(),
        vec![new_card("What are enzymes?", "Catalysts")],
    )
    .await;
    let document = w.document(ada, "Enzymes").await;
    w.r.search
        .replace_chunks(
            ada,
            document.id,
            vec![chunk(0, "Enzymes lower activation energy", None)],
        )
        .await
        .unwrap();
    let bobs = w.note(bob, "My enzymes", "Bob's notes on enzymes").await;

    assert_eq!(
        found(&search(&w, bob, "enzymes").await),
        set_of(&[(SourceKind::Note, bobs.id.as_uuid())]),
        "Bob's search shows Ada's notes, cards or documents"
    );
    let adas_hits = found(&search(&w, ada, "enzymes").await);
    assert_eq!(
        adas_hits.len(),
        3,
        "Ada's search does not find her own three hits"
    );
    assert!(adas_hits.contains(&(format!("{:?}", SourceKind::Note), adas.id.as_uuid())));
    assert!(
        !adas_hits.contains(&(format!("{:?}", SourceKind::Note), bobs.id.as_uuid())),
        "Ada's search shows Bob's note"
    );
    let stranger = w.user("carol").await;
    assert!(
        search(&w, stranger, "enzymes").await.is_empty(),
        "a user with no material finds someone else's"
    );
}

pub async fn search_wildcards_match_only_literally(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let percent = w.note(ada, "Score", "Scored 100% on the enzyme quiz").await;
    w.note(ada, "Other score", "Scored 1000 points on the enzyme game")
        .await;
    let underscore = w
        .note(ada, "Code", "Rename it to snake_case everywhere")
        .await;
    w.note(ada, "Other code", "Rename it to snakescase or snake case")
        .await;

    assert_eq!(
        found(&search(&w, ada, "100%").await),
        set_of(&[(SourceKind::Note, percent.id.as_uuid())]),
        "a % in a query acts as a wildcard instead of a percent sign"
    );
    assert_eq!(
        found(&search(&w, ada, "snake_case").await),
        set_of(&[(SourceKind::Note, underscore.id.as_uuid())]),
        "an _ in a query acts as a wildcard instead of an underscore"
    );
    let lone = found(&search(&w, ada, "%").await);
    assert!(
        lone.is_subset(&set_of(&[(SourceKind::Note, percent.id.as_uuid())])),
        "a lone % matches notes without a percent sign: it acts as a wildcard"
    );
}

pub async fn search_returns_at_most_the_limit(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let mut made = BTreeSet::new();
    for i in 0..5 {
        made.insert(
            w.note(ada, &format!("Osmosis {i}"), "osmosis")
                .await
                .id
                .as_uuid(),
        );
    }
    let limited =
        w.r.search
            .search(ada, SearchQuery::new("osmosis", Some(2)).unwrap())
            .await
            .unwrap();
    assert_eq!(
        limited.len(),
        2,
        "the search returns more hits than asked for"
    );
    assert!(limited.iter().all(|h| made.contains(&h.id)));
    assert_eq!(
        search(&w, ada, "osmosis").await.len(),
        5,
        "the default limit hides hits"
    );
}

pub async fn search_replace_chunks_and_list_them_in_order(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let document = w.document(ada, "Book").await.id;
    let other = w.document(ada, "Other").await.id;
    w.r.search
        .replace_chunks(ada, other, vec![chunk(0, "other", None)])
        .await
        .unwrap();
    let written =
        w.r.search
            .replace_chunks(
                ada,
                document,
                vec![
                    chunk(2, "third", Some(vec![0.5, 0.25])),
                    chunk(0, "first", None),
                    chunk(1, "second", None),
                ],
            )
            .await
            .unwrap();
    assert_eq!(written, 3, "replace_chunks reports the wrong count");
    let chunks = w.r.search.list_chunks(ada, document).await.unwrap();
    let read: Vec<(i32, &str, Option<i32>)> = chunks
        .iter()
        .map(|c| (c.chunk_index, c.content.as_str(), c.page_number))
        .collect();
    assert_eq!(
        read,
        [
            (0, "first", Some(1)),
            (1, "second", Some(2)),
            (2, "third", Some(3))
        ],
        "the document's passages are not listed in order, or not only its own"
    );
    assert!(chunks.iter().all(|c| c.document_id == document));
    assert_eq!(
        chunks[2].embedding.as_deref(),
        Some(&[0.5_f32, 0.25][..]),
        "an embedding was not kept exactly"
    );
    assert_eq!(chunks[0].embedding, None);

    let written =
        w.r.search
            .replace_chunks(ada, document, vec![chunk(0, "only", None)])
            .await
            .unwrap();
    assert_eq!(written, 1);
    let chunks = w.r.search.list_chunks(ada, document).await.unwrap();
    assert_eq!(
        chunks
            .iter()
            .map(|c| c.content.as_str())
            .collect::<Vec<_>>(),
        ["only"],
        "old passages survive a replacement"
    );
    assert!(
        search(&w, ada, "second").await.is_empty(),
        "a replaced passage is still found"
    );

    assert_eq!(
        w.r.search
            .replace_chunks(ada, document, Vec::new())
            .await
            .unwrap(),
        0
    );
    assert!(
        w.r.search
            .list_chunks(ada, document)
            .await
            .unwrap()
            .is_empty(),
        "an empty replacement left passages"
    );
    assert_eq!(
        w.r.search.list_chunks(ada, other).await.unwrap().len(),
        1,
        "replacing one document's passages touched another's"
    );
}

pub async fn search_a_refused_replacement_keeps_the_old_chunks(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let document = w.document(ada, "Book").await.id;
    w.r.search
        .replace_chunks(
            ada,
            document,
            vec![chunk(0, "first", None), chunk(1, "second", None)],
        )
        .await
        .unwrap();
    let before = w.r.search.list_chunks(ada, document).await.unwrap();
    expect::validation(
        w.r.search
            .replace_chunks(
                ada,
                document,
                vec![
                    chunk(0, "a", None),
                    chunk(1, "b", None),
                    chunk(0, "c", None),
                ],
            )
            .await,
        "chunks",
        "two passages with one index were accepted",
    );
    expect::validation(
        w.r.search
            .replace_chunks(ada, document, vec![chunk(-1, "a", None)])
            .await,
        "chunks",
        "a passage with a negative index was accepted",
    );
    expect::validation(
        w.r.search
            .replace_chunks(
                ada,
                document,
                vec![chunk(0, "a", None), chunk(1, "  \n ", None)],
            )
            .await,
        "chunks",
        "an empty passage was accepted",
    );
    assert_eq!(
        w.r.search.list_chunks(ada, document).await.unwrap(),
        before,
        "a refused replacement lost or changed the old passages"
    );
}

pub async fn search_chunks_of_another_users_document_are_not_found(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let document = w.document(ada, "Ada's").await.id;
    w.r.search
        .replace_chunks(ada, document, vec![chunk(0, "secret", None)])
        .await
        .unwrap();
    let before = w.r.search.list_chunks(ada, document).await.unwrap();
    expect::hidden(
        w.r.search.list_chunks(bob, document).await,
        w.r.search.list_chunks(bob, DocumentId::new()).await,
        "document",
        "Bob read Ada's document's passages",
    );
    expect::hidden(
        w.r.search
            .replace_chunks(bob, document, vec![chunk(0, "defaced", None)])
            .await,
        w.r.search
            .replace_chunks(bob, DocumentId::new(), vec![chunk(0, "defaced", None)])
            .await,
        "document",
        "Bob replaced Ada's document's passages",
    );
    assert_eq!(
        w.r.search.list_chunks(ada, document).await.unwrap(),
        before,
        "Ada's passages changed after Bob's attempt"
    );
}

pub async fn search_nearest_chunks_most_similar_first(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let document = w.document(ada, "Ada's").await.id;
    w.r.search
        .replace_chunks(
            ada,
            document,
            vec![
                chunk(0, "orthogonal", Some(vec![0.0, 1.0])),
                chunk(1, "same direction", Some(vec![2.0, 0.0])),
                chunk(2, "diagonal", Some(vec![1.0, 1.0])),
                chunk(3, "opposite", Some(vec![-1.0, 0.0])),
                chunk(4, "no embedding", None),
                chunk(5, "other dimension", Some(vec![1.0, 0.0, 0.0])),
                chunk(6, "close", Some(vec![3.0, 0.5])),
                chunk(7, "zero", Some(vec![0.0, 0.0])),
            ],
        )
        .await
        .unwrap();
    let bobs = w.document(bob, "Bob's").await.id;
    w.r.search
        .replace_chunks(bob, bobs, vec![chunk(0, "bob's", Some(vec![1.0, 0.0]))])
        .await
        .unwrap();

    let nearest =
        w.r.search
            .nearest_chunks(ada, vec![1.0, 0.0], 10)
            .await
            .unwrap();
    let texts: Vec<&str> = nearest.iter().map(|m| m.chunk.content.as_str()).collect();
    assert_eq!(
        texts,
        [
            "same direction",
            "close",
            "diagonal",
            "orthogonal",
            "opposite"
        ],
        "passages are not ranked most similar first, or another user's / unembedded / other-sized / zero ones slipped in"
    );
    assert!(
        (nearest[0].similarity - 1.0).abs() < 1e-4,
        "the same direction is not similarity 1"
    );
    assert!(
        (nearest[2].similarity - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-4,
        "45 degrees is not 1/sqrt(2)"
    );
    assert!(
        (nearest[4].similarity + 1.0).abs() < 1e-4,
        "the opposite direction is not -1"
    );
    assert!(
        nearest
            .windows(2)
            .all(|p| p[0].similarity >= p[1].similarity)
    );
    assert!(
        nearest
            .iter()
            .all(|m| m.document_title == "Ada's" && m.chunk.document_id == document)
    );

    let top =
        w.r.search
            .nearest_chunks(ada, vec![1.0, 0.0], 2)
            .await
            .unwrap();
    assert_eq!(
        top.iter()
            .map(|m| m.chunk.content.as_str())
            .collect::<Vec<_>>(),
        ["same direction", "close"],
        "the limit does not keep the most similar"
    );
    let bobs_nearest =
        w.r.search
            .nearest_chunks(bob, vec![1.0, 0.0], 10)
            .await
            .unwrap();
    assert_eq!(
        bobs_nearest
            .iter()
            .map(|m| m.chunk.content.as_str())
            .collect::<Vec<_>>(),
        ["bob's"],
        "Bob's vector search shows Ada's passages"
    );
}
