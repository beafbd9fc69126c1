//! [`crate::SearchIndex`]: document chunks, lexical search, vector search and the two fused.
//!
//! Lexical scores differ between adapters (PostgreSQL's trigram and full-text ranking, the
//! in-memory stand-in), so the fusion cases only rely on lexical orders both agree on: one
//! lexical hit, or a note that holds the words far more often than a passage does.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::Fixture;
use super::expect;
use super::seed::{
    MODEL, World, by_model, chunk, chunk_by, fresh_key, links, new_card, new_document, new_note,
};
use crate::entities::{
    QueryEmbedding, SearchHit, SearchQuery, SourceKind, SourceLinks, fused_score,
};
use crate::id::{CourseId, DocumentId, UserId};

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
            .nearest_chunks(ada, by_model(vec![1.0, 0.0]), 10)
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
            .nearest_chunks(ada, by_model(vec![1.0, 0.0]), 2)
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
            .nearest_chunks(bob, by_model(vec![1.0, 0.0]), 10)
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

/// What a search found, in order: which kinds of material with which ids.
fn order(hits: &[SearchHit]) -> Vec<(SourceKind, Uuid)> {
    hits.iter().map(|h| (h.kind, h.id)).collect()
}

async fn note_in(w: &World, user: UserId, course: Option<CourseId>, title: &str) -> Uuid {
    let mut note = new_note(title, "Enzymes speed up reactions");
    note.course_id = course;
    w.r.notes.create(user, note).await.unwrap().id.as_uuid()
}

/// A document filed under `course` holding one passage about enzymes, embedded `[1, 0]`, and
/// one about nothing searched, embedded `[0, 1]`; the ids of the two passages.
async fn document_in(
    w: &World,
    user: UserId,
    course: Option<CourseId>,
    title: &str,
) -> (DocumentId, Uuid, Uuid) {
    let mut document = new_document(title, &fresh_key());
    document.course_id = course;
    let document = w.r.documents.create(user, document).await.unwrap().id;
    w.r.search
        .replace_chunks(
            user,
            document,
            vec![
                chunk(
                    0,
                    "Enzymes lower the activation energy",
                    Some(vec![1.0, 0.0]),
                ),
                chunk(1, "Unrelated passage", Some(vec![0.0, 1.0])),
            ],
        )
        .await
        .unwrap();
    let chunks = w.r.search.list_chunks(user, document).await.unwrap();
    (document, chunks[0].id.as_uuid(), chunks[1].id.as_uuid())
}

pub async fn search_filters_by_course_document_and_kind(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let biology = w.course(ada, "Biology").await.id;
    let chemistry = w.course(ada, "Chemistry").await.id;
    let bobs_course = w.course(bob, "Bob's").await.id;

    let bio_note = note_in(&w, ada, Some(biology), "Biology note").await;
    let chem_note = note_in(&w, ada, Some(chemistry), "Chemistry note").await;
    let loose_note = note_in(&w, ada, None, "Loose note").await;
    let bio_set = w
        .set(
            ada,
            "Biology cards",
            links(Some(biology), None, None),
            vec![new_card("What do enzymes do?", "Speed up reactions")],
        )
        .await;
    let bio_card = bio_set.flashcards[0].id.as_uuid();
    let loose_card = w
        .set(
            ada,
            "Loose cards",
            SourceLinks::default(),
            vec![new_card("Enzymes?", "Catalysts")],
        )
        .await
        .flashcards[0]
        .id
        .as_uuid();
    let (bio_doc, bio_chunk, bio_other) = document_in(&w, ada, Some(biology), "Bio book").await;
    let (chem_doc, chem_chunk, chem_other) =
        document_in(&w, ada, Some(chemistry), "Chem book").await;
    let (_, loose_chunk, _) = document_in(&w, ada, None, "Loose book").await;
    note_in(&w, bob, Some(bobs_course), "Bob's note").await;

    let with = |query: SearchQuery| {
        let w = &w;
        async move { found(&w.r.search.search(ada, query).await.unwrap()) }
    };
    let enzymes = || SearchQuery::new("enzymes", Some(50)).unwrap();
    let note = |id| (SourceKind::Note, id);
    let card = |id| (SourceKind::Flashcard, id);
    let passage = |id| (SourceKind::Document, id);

    assert_eq!(
        with(enzymes()).await,
        set_of(&[
            note(bio_note),
            note(chem_note),
            note(loose_note),
            card(bio_card),
            card(loose_card),
            passage(bio_chunk),
            passage(chem_chunk),
            passage(loose_chunk),
        ]),
        "without filters, not exactly everything of Ada's that holds the word"
    );
    assert_eq!(
        with(enzymes().with_course(biology)).await,
        set_of(&[note(bio_note), card(bio_card), passage(bio_chunk)]),
        "a course filter does not keep exactly the notes, sets and documents of the course"
    );
    assert_eq!(
        with(enzymes().with_document(chem_doc)).await,
        set_of(&[passage(chem_chunk)]),
        "a document filter does not keep exactly that document's passages"
    );
    assert_eq!(
        with(enzymes().with_kinds([SourceKind::Note])).await,
        set_of(&[note(bio_note), note(chem_note), note(loose_note)]),
        "a kind filter lets other kinds through"
    );
    assert_eq!(
        with(enzymes().with_kinds([SourceKind::Flashcard, SourceKind::Document])).await,
        set_of(&[
            card(bio_card),
            card(loose_card),
            passage(bio_chunk),
            passage(chem_chunk),
            passage(loose_chunk),
        ]),
        "two kinds do not find exactly those kinds"
    );
    assert_eq!(
        with(
            enzymes()
                .with_course(biology)
                .with_kinds([SourceKind::Flashcard])
        )
        .await,
        set_of(&[card(bio_card)]),
        "filters do not combine"
    );
    assert!(
        with(
            enzymes()
                .with_document(bio_doc)
                .with_kinds([SourceKind::Note])
        )
        .await
        .is_empty(),
        "a document filter lets notes through"
    );
    assert!(
        with(enzymes().with_course(chemistry).with_document(bio_doc))
            .await
            .is_empty(),
        "a document outside the course filtered on is searched"
    );
    assert!(
        with(enzymes().with_course(bobs_course)).await.is_empty(),
        "a filter on another user's course finds something"
    );
    assert!(
        with(enzymes().with_document(DocumentId::new()))
            .await
            .is_empty(),
        "a filter on a missing document finds something"
    );

    // The vector ranking obeys the filters too: a passage found by similarity alone (the
    // unrelated one, embedded [0, 1]) comes only from the documents let through.
    let similar = |query: SearchQuery| query.with_embedding(by_model(vec![0.0, 1.0]));
    assert_eq!(
        with(similar(enzymes().with_course(biology))).await,
        set_of(&[
            note(bio_note),
            card(bio_card),
            passage(bio_chunk),
            passage(bio_other),
        ]),
        "with a course filter, similarity finds passages of other courses' documents"
    );
    assert_eq!(
        with(similar(enzymes().with_document(chem_doc))).await,
        set_of(&[passage(chem_chunk), passage(chem_other)]),
        "with a document filter, similarity finds other documents' passages"
    );
    assert_eq!(
        with(similar(enzymes().with_kinds([SourceKind::Note]))).await,
        set_of(&[note(bio_note), note(chem_note), note(loose_note)]),
        "similarity finds passages when only notes are asked for"
    );
}

pub async fn search_fuses_the_lexical_and_vector_rankings(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    // Lexically, the note (the word three times, one in its title) ranks first and the
    // passage L second; by similarity to [1, 0], V1 (same direction) ranks first, V2 (45
    // degrees) second, L (opposite) third, and the unembedded passage not at all.
    let note = w
        .note(
            ada,
            "Osmosis",
            "Osmosis: osmosis moves water across membranes",
        )
        .await
        .id
        .as_uuid();
    let document = w.document(ada, "Book").await.id;
    w.r.search
        .replace_chunks(
            ada,
            document,
            vec![
                chunk(0, "Water crosses by osmosis", Some(vec![-1.0, 0.0])),
                chunk(
                    1,
                    "Semipermeable membranes let water through",
                    Some(vec![1.0, 0.0]),
                ),
                chunk(2, "Water potential explains the flow", Some(vec![1.0, 1.0])),
                chunk(3, "Plant cells swell", None),
            ],
        )
        .await
        .unwrap();
    let chunks = w.r.search.list_chunks(ada, document).await.unwrap();
    let [l, v1, v2] = [0, 1, 2].map(|i| (SourceKind::Document, chunks[i].id.as_uuid()));
    let note = (SourceKind::Note, note);

    let lexical = w.r.search.search(ada, query("osmosis")).await.unwrap();
    assert_eq!(
        order(&lexical),
        [note, l],
        "lexically, the note holding the word most often does not come first"
    );
    assert_eq!(
        lexical.iter().map(|h| h.score).collect::<Vec<_>>(),
        [fused_score(Some(1), None), fused_score(Some(2), None)].map(|s| s as f32),
        "a lexical search does not score by reciprocal rank"
    );

    let hybrid =
        w.r.search
            .search(
                ada,
                query("osmosis").with_embedding(by_model(vec![1.0, 0.0])),
            )
            .await
            .unwrap();
    // L: 1/62 + 1/63; the note and V1: 1/61 each (the note first: notes before passages);
    // V2: 1/62.
    assert_eq!(
        order(&hybrid),
        [l, note, v1, v2],
        "the fused order is not by the sum of reciprocal ranks, ties by kind"
    );
    assert_eq!(
        hybrid.iter().map(|h| h.score).collect::<Vec<_>>(),
        [
            fused_score(Some(2), Some(3)),
            fused_score(Some(1), None),
            fused_score(None, Some(1)),
            fused_score(None, Some(2)),
        ]
        .map(|s| s as f32),
        "fused scores are not 1/(60 + lexical rank) + 1/(60 + vector rank)"
    );
    let by_id = |id: Uuid| hybrid.iter().find(|h| h.id == id).unwrap();
    assert_eq!(
        (
            by_id(v1.1).snippet.as_str(),
            by_id(v1.1).page_number,
            by_id(v1.1).parent_id
        ),
        (
            "Semipermeable membranes let water through",
            Some(2),
            Some(document.as_uuid())
        ),
        "a passage found by similarity alone does not show its beginning, page and document"
    );
    assert_eq!(by_id(v1.1).title, "Book");
    assert!(
        by_id(l.1).snippet.contains("osmosis"),
        "a passage found both ways does not show its match"
    );

    let limited =
        w.r.search
            .search(
                ada,
                SearchQuery::new("osmosis", Some(2))
                    .unwrap()
                    .with_embedding(by_model(vec![1.0, 0.0])),
            )
            .await
            .unwrap();
    assert_eq!(
        order(&limited),
        [l, note],
        "the limit does not keep the best fused hits"
    );

    // Similarity alone finds passages whose words do not match.
    let semantic =
        w.r.search
            .search(
                ada,
                query("xylophone").with_embedding(by_model(vec![1.0, 1.0])),
            )
            .await
            .unwrap();
    assert_eq!(
        order(&semantic),
        [v2, v1, l],
        "a query no text holds does not rank passages by similarity alone"
    );
}

pub async fn search_breaks_fused_ties_by_kind_then_id(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let document = w.document(ada, "Book").await.id;
    // Two passages with equal scores: one first lexically only (no embedding), one first by
    // similarity only; then two by similarity alone with the same vector.
    w.r.search
        .replace_chunks(
            ada,
            document,
            vec![
                chunk(0, "Diffusion of gases", None),
                chunk(1, "Unrelated one", Some(vec![1.0, 0.0])),
                chunk(2, "Unrelated two", Some(vec![0.0, 1.0])),
                chunk(3, "Unrelated three", Some(vec![0.0, 1.0])),
            ],
        )
        .await
        .unwrap();
    let chunks = w.r.search.list_chunks(ada, document).await.unwrap();
    let id = |i: usize| (SourceKind::Document, chunks[i].id.as_uuid());
    let mut first_pair = vec![id(0), id(1)];
    first_pair.sort();
    let mut second_pair = vec![id(2), id(3)];
    second_pair.sort();
    let expected: Vec<_> = first_pair.into_iter().chain(second_pair).collect();
    for _ in 0..2 {
        let hits =
            w.r.search
                .search(
                    ada,
                    query("diffusion").with_embedding(by_model(vec![1.0, 0.0])),
                )
                .await
                .unwrap();
        assert_eq!(
            order(&hits),
            expected,
            "equal fused scores, or equal similarities, are not ordered by id"
        );
    }
}

pub async fn search_compares_only_vectors_of_the_query_model(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let document = w.document(ada, "Book").await.id;
    w.r.search
        .replace_chunks(
            ada,
            document,
            vec![
                chunk_by(0, "by the test model", MODEL, vec![1.0, 0.0]),
                chunk_by(1, "by another model", "other-model", vec![1.0, 0.0]),
                chunk_by(2, "longer vector", MODEL, vec![1.0, 0.0, 0.0]),
                chunk(3, "no vector", None),
            ],
        )
        .await
        .unwrap();
    let chunks = w.r.search.list_chunks(ada, document).await.unwrap();
    assert_eq!(
        chunks
            .iter()
            .map(|c| c.embedding_model.as_deref())
            .collect::<Vec<_>>(),
        [Some(MODEL), Some("other-model"), Some(MODEL), None],
        "the embedding models are not kept"
    );
    let passage = |i: usize| (SourceKind::Document, chunks[i].id.as_uuid());
    let model = |name: &str, vector: Vec<f32>| QueryEmbedding {
        model: name.to_owned(),
        vector,
    };

    for (embedding, expected, what) in [
        (
            model(MODEL, vec![1.0, 0.0]),
            vec![passage(0)],
            "the test model's 2-vector",
        ),
        (
            model("other-model", vec![1.0, 0.0]),
            vec![passage(1)],
            "the other model's vector",
        ),
        (
            model(MODEL, vec![0.0, 0.0, 1.0]),
            vec![passage(2)],
            "the test model's 3-vector",
        ),
        (
            model("unknown", vec![1.0, 0.0]),
            vec![],
            "an unknown model's vector",
        ),
    ] {
        let hits =
            w.r.search
                .search(ada, query("xylophone").with_embedding(embedding.clone()))
                .await
                .unwrap();
        assert_eq!(
            order(&hits),
            expected,
            "search with {what} compares other vectors"
        );
        let nearest = w.r.search.nearest_chunks(ada, embedding, 10).await.unwrap();
        assert_eq!(
            nearest
                .iter()
                .map(|m| (SourceKind::Document, m.chunk.id.as_uuid()))
                .collect::<Vec<_>>(),
            expected,
            "nearest_chunks with {what} compares other vectors"
        );
    }
}

pub async fn search_refuses_embeddings_without_their_model(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let document = w.document(ada, "Book").await.id;
    let mut without_model = chunk(0, "a", Some(vec![1.0]));
    without_model.embedding_model = None;
    let mut without_vector = chunk(0, "a", None);
    without_vector.embedding_model = Some(MODEL.to_owned());
    for (bad, what) in [
        (without_model, "an embedding without its model"),
        (without_vector, "a model without an embedding"),
        (chunk_by(0, "a", MODEL, Vec::new()), "an empty embedding"),
        (
            chunk_by(0, "a", MODEL, vec![f32::NAN]),
            "a NaN in an embedding",
        ),
        (
            chunk_by(0, "a", MODEL, vec![f32::INFINITY]),
            "an infinite value",
        ),
        (chunk_by(0, "a", "  ", vec![1.0]), "a blank model"),
    ] {
        expect::validation(
            w.r.search.replace_chunks(ada, document, vec![bad]).await,
            "chunks",
            &format!("{what} was accepted"),
        );
    }
    assert!(
        w.r.search
            .list_chunks(ada, document)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn search_finds_documents_embedded_by_another_model(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let current = w.document(ada, "Current").await.id;
    let mixed = w.document(ada, "Mixed").await.id;
    let bare = w.document(bob, "Bare").await.id;
    // A document without chunks has nothing to re-embed.
    w.document(bob, "Empty").await;
    w.r.search
        .replace_chunks(ada, current, vec![chunk_by(0, "a", MODEL, vec![1.0])])
        .await
        .unwrap();
    w.r.search
        .replace_chunks(
            ada,
            mixed,
            vec![
                chunk_by(0, "b", MODEL, vec![1.0]),
                chunk_by(1, "c", "other-model", vec![1.0]),
            ],
        )
        .await
        .unwrap();
    w.r.search
        .replace_chunks(bob, bare, vec![chunk(0, "d", None)])
        .await
        .unwrap();
    let mut stale =
        w.r.search
            .stale_embeddings(MODEL.to_owned(), 10)
            .await
            .unwrap();
    stale.sort();
    let mut expected = vec![(ada, mixed), (bob, bare)];
    expected.sort();
    assert_eq!(
        stale, expected,
        "documents with a chunk of another model or none, once each, and no document without chunks"
    );
    assert_eq!(
        w.r.search
            .stale_embeddings(MODEL.to_owned(), 1)
            .await
            .unwrap()
            .len(),
        1
    );
}

pub async fn search_finds_notes_by_their_chunks(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let biology = w.course(ada, "Biology").await.id;
    let mut filed = new_note("Lecture", "Cells divide by mitosis");
    filed.course_id = Some(biology);
    let lecture = w.r.notes.create(ada, filed).await.unwrap();
    let other = w.note(ada, "Other", "Nothing in particular").await;
    let written =
        w.r.search
            .replace_note_chunks(
                ada,
                lecture.id,
                vec![
                    chunk(0, "cells divide", Some(vec![1.0, 0.0])),
                    chunk(1, "mitosis has phases", Some(vec![0.8, 0.6])),
                ],
            )
            .await
            .unwrap();
    assert_eq!(written, 2, "the note's chunks were not all written");
    w.r.search
        .replace_note_chunks(
            ada,
            other.id,
            vec![chunk(0, "far away", Some(vec![0.0, 1.0]))],
        )
        .await
        .unwrap();
    expect::not_found(
        w.r.search
            .replace_note_chunks(
                bob,
                lecture.id,
                vec![chunk(0, "bob's", Some(vec![1.0, 0.0]))],
            )
            .await,
        "note",
        "Bob indexing Ada's note",
    );
    expect::validation(
        w.r.search
            .replace_note_chunks(ada, other.id, vec![chunk(0, "  ", None)])
            .await,
        "chunks",
        "an empty chunk of a note",
    );

    // "spindle" is in no text: what is found is found by its vectors alone.
    let by_vector = |kinds: &[SourceKind]| {
        SearchQuery::new("spindle", None)
            .unwrap()
            .with_kinds(kinds.iter().copied())
            .with_embedding(by_model(vec![1.0, 0.0]))
    };
    let hits = w.r.search.search(ada, by_vector(&[])).await.unwrap();
    assert_eq!(
        order(&hits),
        [
            (SourceKind::Note, lecture.id.as_uuid()),
            (SourceKind::Note, other.id.as_uuid())
        ],
        "notes are not found by their chunks, once each, most similar first"
    );
    assert_eq!(
        hits[0].snippet, "cells divide",
        "a note found by a chunk does not show that chunk"
    );
    assert_eq!(
        (
            hits[0].title.as_str(),
            hits[0].parent_id,
            hits[0].page_number
        ),
        ("Lecture", None, None)
    );
    let documents_only =
        w.r.search
            .search(ada, by_vector(&[SourceKind::Document]))
            .await
            .unwrap();
    assert!(documents_only.is_empty(), "a note was found among passages");
    let in_biology =
        w.r.search
            .search(ada, by_vector(&[]).with_course(biology))
            .await
            .unwrap();
    assert_eq!(
        order(&in_biology),
        [(SourceKind::Note, lecture.id.as_uuid())],
        "the course filter does not hold for notes found by their chunks"
    );
    let bobs = w.r.search.search(bob, by_vector(&[])).await.unwrap();
    assert!(bobs.is_empty(), "Bob's search found Ada's notes");

    let stale =
        w.r.search
            .stale_note_embeddings("another-model".to_owned(), 10)
            .await
            .unwrap();
    assert_eq!(
        stale.iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([(ada, lecture.id), (ada, other.id)]),
        "notes indexed by another model are not found stale"
    );
    assert!(
        w.r.search
            .stale_note_embeddings(MODEL.to_owned(), 10)
            .await
            .unwrap()
            .is_empty(),
        "notes of the current model are found stale"
    );
    assert!(
        w.r.search
            .stale_embeddings("another-model".to_owned(), 10)
            .await
            .unwrap()
            .is_empty(),
        "notes' chunks are taken for documents'"
    );

    w.r.notes.delete(ada, other.id).await.unwrap();
    w.r.search
        .replace_note_chunks(ada, lecture.id, Vec::new())
        .await
        .unwrap();
    let after = w.r.search.search(ada, by_vector(&[])).await.unwrap();
    assert!(
        after.is_empty(),
        "a deleted note's chunks, or a note's removed chunks, are still found: {after:?}"
    );
    assert!(
        w.r.search
            .stale_note_embeddings("another-model".to_owned(), 10)
            .await
            .unwrap()
            .is_empty(),
        "a deleted note's chunks are left behind"
    );
}

pub async fn search_get_chunks_gives_the_users_chunks_in_the_order_asked(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let mine = w.document(ada, "Mine").await.id;
    let theirs = w.document(bob, "Theirs").await.id;
    w.r.search
        .replace_chunks(
            ada,
            mine,
            vec![chunk(0, "first part", None), chunk(1, "second part", None)],
        )
        .await
        .unwrap();
    w.r.search
        .replace_chunks(bob, theirs, vec![chunk(0, "bob's part", None)])
        .await
        .unwrap();
    let ada_chunks = w.r.search.list_chunks(ada, mine).await.unwrap();
    let bob_chunks = w.r.search.list_chunks(bob, theirs).await.unwrap();
    let got =
        w.r.search
            .get_chunks(
                ada,
                vec![
                    ada_chunks[1].id,
                    bob_chunks[0].id,
                    crate::id::DocumentChunkId::new(),
                    ada_chunks[0].id,
                ],
            )
            .await
            .unwrap();
    let texts: Vec<&str> = got.iter().map(|c| c.content.as_str()).collect();
    assert_eq!(
        texts,
        ["second part", "first part"],
        "another user's and missing chunks are left out, the order kept"
    );
    assert_eq!(got[0], ada_chunks[1]);
    assert!(
        w.r.search
            .get_chunks(ada, Vec::new())
            .await
            .unwrap()
            .is_empty()
    );
}
