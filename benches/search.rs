//! The search benchmark: loads one student with 100,000 document passages (and 1,000 notes)
//! among 100 students' data into a scratch database, then times hybrid search through the
//! PostgreSQL adapter (with the student's sign bits in memory, just after they changed, and
//! with no memory for them), lexical search and `nearest_chunks`, and measures the recall of
//! the vector part against exact cosine.
//!
//! Run by `just bench-search` (scripts/bench-search.sh), which also times the same searches
//! over HTTP. Settings: `BENCH_DATABASE_URL` (required, a migrated database),
//! `BENCH_USER_ID` (required: the student, an existing user), `BENCH_CHUNKS` (100000),
//! `BENCH_OTHER_USERS` (99), `BENCH_OTHER_CHUNKS` (1000 each), `BENCH_QUERIES` (200),
//! `BENCH_QUERY_FILE` (where to write the query texts, one a line, for the HTTP run),
//! `BENCH_REUSE` (`1`: the database already holds the data of a run with the same settings).
//!
//! The text is made of pseudo-words: 100 topics of 40 words, each with 20 subtopics of 8
//! words, over a general vocabulary of 3,000 words drawn with a skew (a few words are very
//! common). Each passage (80 words) belongs to one subtopic. Vectors are the passages' texts
//! embedded by [`HashingEmbedder`] (384 dimensions), the offline embedder `sophie serve` uses
//! by default, so neighbours share words. Queries name one to three words of a
//! subtopic and its topic.

#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::SinkExt;
use sophie_ai::HashingEmbedder;
use sophie_domain::{
    DocumentChunkId, Embedder, QueryEmbedding, SearchIndex, SearchQuery, UserId, cosine_similarity,
};
use sophie_persistence::{Database, DatabaseConfig, PostgresStore};
use tokio_postgres::{Client, NoTls};
use uuid::Uuid;

const DIMENSIONS: usize = 384;
const TOPICS: usize = 100;
const TOPIC_WORDS: usize = 40;
const SUBTOPICS: usize = 20;
const SUBTOPIC_WORDS: usize = 8;
const GENERAL_WORDS: usize = 3_000;
const WORDS_PER_PASSAGE: usize = 80;
const PASSAGES_PER_DOCUMENT: usize = 1_000;
const NOTES: usize = 1_000;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: a seeded generator, so every run loads the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }

    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(
            (u128::from(self.next()) << 64 | u128::from(self.next())).to_le_bytes(),
        )
        .into_uuid()
    }
}

/// The pseudo-words: general ones first, then each topic's, then each subtopic's.
struct Vocabulary {
    general: Vec<String>,
    topics: Vec<Vec<String>>,
    subtopics: Vec<Vec<Vec<String>>>,
}

impl Vocabulary {
    fn new(rng: &mut Rng) -> Self {
        const SYLLABLES: [&str; 64] = [
            "ka", "lo", "mi", "ten", "sor", "vi", "dra", "pel", "qu", "bri", "no", "zan", "fe",
            "gal", "thi", "rom", "ux", "pha", "del", "cy", "mor", "tes", "ven", "ash", "bo", "cre",
            "dum", "ert", "fli", "gon", "hes", "ipt", "jal", "kro", "lym", "nar", "osk", "pru",
            "rix", "sna", "tof", "ulm", "vas", "wey", "xel", "yor", "zib", "ant", "bel", "cor",
            "dif", "eng", "fos", "gru", "hal", "ink", "jor", "kel", "lix", "mun", "nep", "orb",
            "pix", "rud",
        ];
        let mut seen = std::collections::HashSet::new();
        let mut word = |rng: &mut Rng, syllables: usize| loop {
            let w: String = (0..syllables)
                .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                .collect();
            if seen.insert(w.clone()) {
                return w;
            }
        };
        let general = (0..GENERAL_WORDS)
            .map(|_| {
                let syllables = 2 + rng.below(2);
                word(rng, syllables)
            })
            .collect();
        let topics = (0..TOPICS)
            .map(|_| (0..TOPIC_WORDS).map(|_| word(rng, 3)).collect())
            .collect();
        let subtopics = (0..TOPICS)
            .map(|_| {
                (0..SUBTOPICS)
                    .map(|_| (0..SUBTOPIC_WORDS).map(|_| word(rng, 4)).collect())
                    .collect()
            })
            .collect();
        Self {
            general,
            topics,
            subtopics,
        }
    }

    /// A passage of `subtopic` of `topic`: half general words (skewed to the first ones),
    /// 30% topic words, 20% subtopic words, in sentences.
    fn passage(&self, rng: &mut Rng, topic: usize, subtopic: usize) -> String {
        let mut text = String::new();
        for i in 0..WORDS_PER_PASSAGE {
            let roll = rng.below(10);
            let word = if roll < 5 {
                let skewed = (rng.unit().powi(3) * GENERAL_WORDS as f64) as usize;
                &self.general[skewed.min(GENERAL_WORDS - 1)]
            } else if roll < 8 {
                &self.topics[topic][rng.below(TOPIC_WORDS)]
            } else {
                &self.subtopics[topic][subtopic][rng.below(SUBTOPIC_WORDS)]
            };
            if i % 12 == 0 {
                if i > 0 {
                    text.push_str(". ");
                }
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    text.extend(first.to_uppercase());
                    text.push_str(chars.as_str());
                }
            } else {
                text.push(' ');
                text.push_str(word);
            }
        }
        text.push('.');
        text
    }

    /// A query: one to three words of a random subtopic and its topic.
    fn query(&self, rng: &mut Rng) -> String {
        let topic = rng.below(TOPICS);
        let subtopic = rng.below(SUBTOPICS);
        let sub = &self.subtopics[topic][subtopic];
        let top = &self.topics[topic];
        match rng.below(3) {
            0 => sub[rng.below(SUBTOPIC_WORDS)].clone(),
            1 => format!(
                "{} {}",
                sub[rng.below(SUBTOPIC_WORDS)],
                top[rng.below(TOPIC_WORDS)]
            ),
            _ => format!(
                "{} {} {}",
                sub[rng.below(SUBTOPIC_WORDS)],
                sub[rng.below(SUBTOPIC_WORDS)],
                top[rng.below(TOPIC_WORDS)]
            ),
        }
    }
}

/// COPY's text format for one field.
fn copy_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Streams `rows` (already in COPY's text format, one a line) into `table (columns)`.
async fn copy(client: &Client, table: &str, columns: &str, rows: &[String]) {
    let sink = client
        .copy_in(&format!("COPY {table} ({columns}) FROM STDIN"))
        .await
        .expect("COPY");
    futures_util::pin_mut!(sink);
    for batch in rows.chunks(2_000) {
        sink.send(Bytes::from(batch.concat()))
            .await
            .expect("COPY data");
    }
    sink.finish().await.expect("COPY end");
}

/// One passage as stored: its id and vector, for the exact search.
struct Passage {
    id: Uuid,
    vector: Vec<f32>,
    bits: [u64; DIMENSIONS / 64],
}

fn sign_bits(vector: &[f32]) -> [u64; DIMENSIONS / 64] {
    let mut bits = [0_u64; DIMENSIONS / 64];
    for (i, v) in vector.iter().enumerate() {
        if *v > 0.0 {
            bits[i / 64] |= 1 << (63 - i % 64);
        }
    }
    bits
}

/// Loads `chunks` passages in documents of `user` (and `notes` notes); returns the passages.
#[allow(clippy::too_many_arguments)]
async fn load_user(
    client: &Client,
    rng: &mut Rng,
    vocabulary: &Vocabulary,
    embedder: &HashingEmbedder,
    user: Uuid,
    chunks: usize,
    notes: usize,
    keep: bool,
    write: bool,
) -> Vec<Passage> {
    let model = embedder.model();
    let documents = chunks.div_ceil(PASSAGES_PER_DOCUMENT);
    let mut document_rows = Vec::with_capacity(documents);
    let mut chunk_rows = Vec::with_capacity(chunks);
    let mut kept = Vec::new();
    for d in 0..documents {
        let document = rng.uuid();
        let count = PASSAGES_PER_DOCUMENT.min(chunks - d * PASSAGES_PER_DOCUMENT);
        // Processed already, so that no worker takes them up.
        document_rows.push(format!(
            "{document}\tBook {d}\tbook-{d}.pdf\tapplication/pdf\t1024\tbench/{document}\t{}\t\
             READY\t{}\t{user}\n",
            "ab".repeat(32),
            count / 3 + 1
        ));
        for index in 0..count {
            let n = d * PASSAGES_PER_DOCUMENT + index;
            // 50 passages a subtopic, in order, so neighbours sit in the same documents.
            let (topic, subtopic) = ((n / 50 / SUBTOPICS) % TOPICS, (n / 50) % SUBTOPICS);
            let text = vocabulary.passage(rng, topic, subtopic);
            let vector = embedder.embed_one(&text);
            let id = rng.uuid();
            let mut row = format!("{id}\t{document}\t{user}\t");
            copy_text(&mut row, &text);
            // The embedding as stored: big-endian float4 values, as bytea's hex form (its
            // backslash doubled for COPY).
            let _ = write!(row, "\t{}\t{index}\t\\\\x", index / 3 + 1);
            for v in &vector {
                for byte in v.to_be_bytes() {
                    let _ = write!(row, "{byte:02x}");
                }
            }
            let _ = write!(row, "\t{model}\t");
            for v in &vector {
                row.push(if *v > 0.0 { '1' } else { '0' });
            }
            row.push('\n');
            chunk_rows.push(row);
            if keep {
                kept.push(Passage {
                    id,
                    bits: sign_bits(&vector),
                    vector,
                });
            }
        }
    }
    let note_rows: Vec<String> = (0..notes)
        .map(|n| {
            let (topic, subtopic) = (rng.below(TOPICS), rng.below(SUBTOPICS));
            let mut row = format!("{}\tNote {n}\t", rng.uuid());
            copy_text(&mut row, &vocabulary.passage(rng, topic, subtopic));
            row.push_str(&format!("\t{user}\n"));
            row
        })
        .collect();
    if !write {
        return kept;
    }
    copy(
        client,
        "documents",
        "id, title, file_name, mime_type, file_size, storage_key, checksum_sha256, status, \
         page_count, user_id",
        &document_rows,
    )
    .await;
    copy(
        client,
        "document_search_index",
        "id, document_id, user_id, content, page_number, chunk_index, embedding, \
         embedding_model, embedding_bits",
        &chunk_rows,
    )
    .await;
    copy(client, "notes", "id, title, content, user_id", &note_rows).await;
    kept
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(label: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{label}: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms over {} queries",
        percentile(&times, 50.0).as_secs_f64() * 1e3,
        percentile(&times, 95.0).as_secs_f64() * 1e3,
        times.last().map_or(0.0, |t| t.as_secs_f64() * 1e3),
        times.len()
    );
}

/// The ids of the `k` passages most similar to `query`, ties by id, as the adapters rank.
fn exact_top(passages: &[Passage], query: &[f32], k: usize) -> Vec<Uuid> {
    let mut scored: Vec<(f32, Uuid)> = passages
        .iter()
        .filter_map(|p| Some((cosine_similarity(query, &p.vector)?, p.id)))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.into_iter().take(k).map(|(_, id)| id).collect()
}

/// The ids of the `count` passages nearest to `query` by the distance of sign bits with
/// `tiers` weights (1: plain Hamming distance; more: as the PostgreSQL adapter weighs a
/// disagreement once, and once more for each `j/tiers` of the query's largest component
/// that the component reaches), ties by id.
fn hamming_candidates(
    passages: &[Passage],
    query: &[f32],
    count: usize,
    tiers: usize,
) -> Vec<Uuid> {
    let q = sign_bits(query);
    let largest = query.iter().fold(0.0_f32, |m, v| m.max(v.abs()));
    let masks: Vec<[u64; DIMENSIONS / 64]> = (1..tiers)
        .map(|j| {
            let floor = largest * j as f32 / tiers as f32;
            let mut bits = [0_u64; DIMENSIONS / 64];
            for (i, v) in query.iter().enumerate() {
                if v.abs() >= floor {
                    bits[i / 64] |= 1 << (63 - i % 64);
                }
            }
            bits
        })
        .collect();
    let mut scored: Vec<(u32, Uuid)> = passages
        .iter()
        .map(|p| {
            let distance = (0..DIMENSIONS / 64)
                .map(|w| {
                    let x = p.bits[w] ^ q[w];
                    x.count_ones() + masks.iter().map(|m| (x & m[w]).count_ones()).sum::<u32>()
                })
                .sum();
            (distance, p.id)
        })
        .collect();
    scored.sort_unstable();
    scored.into_iter().take(count).map(|(_, id)| id).collect()
}

/// The ids of the `count` passages whose sign vectors (±1 a component) have the largest dot
/// product with `query`, ties by id: the ranking of the sign bits kept in memory.
fn sign_candidates(passages: &[Passage], query: &[f32], count: usize) -> Vec<Uuid> {
    let mut scored: Vec<(f32, Uuid)> = passages
        .iter()
        .map(|p| {
            let dot = query
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    if p.bits[i / 64] & (1 << (63 - i % 64)) == 0 {
                        -q
                    } else {
                        *q
                    }
                })
                .sum::<f32>();
            (dot, p.id)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.into_iter().take(count).map(|(_, id)| id).collect()
}

// One thread, as each of the server's HTTP workers runs its requests: a search's two
// statements, their connections and the ranking in memory share it.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::var("BENCH_DATABASE_URL").expect("set BENCH_DATABASE_URL");
    let user: Uuid = std::env::var("BENCH_USER_ID")
        .expect("set BENCH_USER_ID")
        .parse()
        .expect("BENCH_USER_ID is a UUID");
    let chunks = env_or("BENCH_CHUNKS", 100_000);
    let other_users = env_or("BENCH_OTHER_USERS", 99);
    let other_chunks = env_or("BENCH_OTHER_CHUNKS", 1_000);
    let queries = env_or("BENCH_QUERIES", 200);
    // The same data is made again (it is seeded) but not written: the database holds it
    // from an earlier run with the same settings.
    let reuse = std::env::var("BENCH_REUSE").is_ok_and(|v| v == "1");

    let (client, connection) = tokio_postgres::connect(&url, NoTls).await.expect("connect");
    tokio::spawn(connection);
    let mut rng = Rng(0x005E_ED0F_5E4C);
    let vocabulary = Vocabulary::new(&mut rng);
    let embedder = HashingEmbedder::with_dimensions(DIMENSIONS).expect("a valid dimension");

    let started = Instant::now();
    let passages = load_user(
        &client,
        &mut rng,
        &vocabulary,
        &embedder,
        user,
        chunks,
        NOTES,
        true,
        !reuse,
    )
    .await;
    let mut users = String::new();
    let others: Vec<Uuid> = (0..other_users).map(|_| rng.uuid()).collect();
    for (i, other) in others.iter().enumerate() {
        let _ = writeln!(users, "{other}\tStudent {i}\tstudent{i}@example.com");
    }
    if !reuse {
        copy(&client, "users", "id, name, email", &[users]).await;
    }
    for other in &others {
        load_user(
            &client,
            &mut rng,
            &vocabulary,
            &embedder,
            *other,
            other_chunks,
            10,
            false,
            !reuse,
        )
        .await;
    }
    if !reuse {
        client
            .batch_execute("VACUUM ANALYZE")
            .await
            .expect("VACUUM ANALYZE");
        // The load wrote about a gigabyte of WAL: without a checkpoint now, PostgreSQL writes
        // it out in the background over the next minutes, while the searches are timed. Only
        // a superuser (or `pg_checkpoint`) may ask; without the right, the timings share the
        // machine with it.
        if let Err(error) = client.batch_execute("CHECKPOINT").await {
            println!("no CHECKPOINT after the load ({error}): the timings may include its writes");
        }
    }
    println!(
        "loaded {chunks} passages and {NOTES} notes for the student, {other_chunks} passages \
         and 10 notes for each of {other_users} others, in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let texts: Vec<String> = (0..queries).map(|_| vocabulary.query(&mut rng)).collect();
    if let Ok(path) = std::env::var("BENCH_QUERY_FILE") {
        std::fs::write(&path, texts.join("\n") + "\n").expect("write the queries");
    }
    let vectors: Vec<Vec<f32>> = texts.iter().map(|t| embedder.embed_one(t)).collect();

    let config = DatabaseConfig::new(url);
    let store = PostgresStore::new(Database::connect_lazy(&config).expect("pool"));
    // The same adapter with no memory for sign bits: they are ranked in SQL.
    let scan = store.clone().with_search_memory(0);
    let user = UserId::from(user);
    let model = embedder.model();
    let hybrid = |i: usize| {
        SearchQuery::new(&texts[i], Some(20))
            .unwrap()
            .with_embedding(QueryEmbedding {
                model: model.clone(),
                vector: vectors[i].clone(),
            })
    };

    // Warm-up: the pool, the statements and the caches, as a running server has them.
    for i in 0..queries.min(20) {
        store.search(user, hybrid(i)).await.expect("warm-up");
    }
    let mut times = Vec::with_capacity(queries);
    let mut hits = 0;
    for i in 0..queries {
        let start = Instant::now();
        hits += store.search(user, hybrid(i)).await.expect("search").len();
        times.push(start.elapsed());
    }
    summary("adapter, hybrid search (limit 20)", times);
    println!(
        "  {:.1} hits a query on average",
        hits as f64 / queries as f64
    );

    // The first search after the student's index changed reads their sign bits again.
    let mut times = Vec::new();
    for i in 0..queries.min(10) {
        client
            .batch_execute(&format!(
                "INSERT INTO search_index_versions (user_id, version) VALUES ('{}', 1) \
                 ON CONFLICT (user_id) DO UPDATE SET version = search_index_versions.version + 1",
                user.as_uuid()
            ))
            .await
            .expect("raise the version");
        let start = Instant::now();
        store.search(user, hybrid(i)).await.expect("search");
        times.push(start.elapsed());
    }
    summary(
        "adapter, hybrid search just after a change (sign bits read again)",
        times,
    );

    let mut times = Vec::with_capacity(queries);
    for i in 0..queries {
        let start = Instant::now();
        scan.search(user, hybrid(i)).await.expect("search");
        times.push(start.elapsed());
    }
    summary(
        "adapter, hybrid search with SEARCH_MEMORY_MIB=0 (sign bits ranked in SQL)",
        times,
    );

    let mut times = Vec::with_capacity(queries);
    for text in &texts {
        let query = SearchQuery::new(text, Some(20)).unwrap();
        let start = Instant::now();
        store.search(user, query).await.expect("search");
        times.push(start.elapsed());
    }
    summary("adapter, lexical search (limit 20)", times);

    let mut times = Vec::with_capacity(queries);
    let mut found = Vec::with_capacity(queries);
    for vector in &vectors {
        let embedding = QueryEmbedding {
            model: model.clone(),
            vector: vector.clone(),
        };
        let start = Instant::now();
        let nearest = store
            .nearest_chunks(user, embedding, 10)
            .await
            .expect("nearest");
        times.push(start.elapsed());
        found.push(
            nearest
                .into_iter()
                .map(|m| m.chunk.id)
                .collect::<Vec<DocumentChunkId>>(),
        );
    }
    summary("adapter, nearest_chunks (limit 10)", times);

    // Recall@10 of the vector part against exact cosine over the student's passages.
    let exact: Vec<Vec<Uuid>> = vectors
        .iter()
        .map(|v| exact_top(&passages, v, 10))
        .collect();
    let recall = |got: &dyn Fn(usize) -> Vec<Uuid>| {
        let (mut hit, mut total) = (0, 0);
        for (i, truth) in exact.iter().enumerate() {
            let got = got(i);
            hit += truth.iter().filter(|id| got.contains(id)).count();
            total += truth.len();
        }
        hit as f64 / total.max(1) as f64
    };
    println!(
        "recall@10 of nearest_chunks against exact cosine: {:.3}",
        recall(&|i| found[i].iter().map(|id| id.as_uuid()).collect())
    );
    for count in [100, 200, 400, 800] {
        println!(
            "  recall@10 within the best {count} candidates by sign vectors' dot product: {:.3}",
            recall(&|i| sign_candidates(&passages, &vectors[i], count))
        );
    }
    for tiers in [1, 2, 3, 4] {
        for count in [200, 400, 800] {
            println!(
                "  recall@10 within the best {count} candidates by sign bits, {tiers} tier(s): {:.3}",
                recall(&|i| hamming_candidates(&passages, &vectors[i], count, tiers))
            );
        }
    }
}
