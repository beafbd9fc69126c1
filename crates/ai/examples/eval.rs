//! The evaluation of sophie's generators over the study corpus (`tests/fixtures/corpus`):
//! for each adapter, the flashcards, quiz questions and guide sections made, how many are
//! grounded (each quote found verbatim in the passage it cites, and supporting the item),
//! duplicated or malformed (as the domain's checks count them before anything is stored), and
//! how many chat answers' references hold.
//!
//! `cargo run --release -p sophie-ai --example eval` runs the offline generator; with
//! `LLM_URL` and `LLM_MODEL` (and `LLM_API_KEY`) set, the model-backed one too.

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use sophie_ai::{ModelGenerator, OfflineGenerator, OpenAiChat, OpenAiChatConfig};
use sophie_domain::rules::grounding::{keywords, locate};
use sophie_domain::rules::passages::{pieces, sections};
use sophie_domain::services::generation::{Checked, check_cards, check_questions, ground};
use sophie_domain::{
    Difficulty, GenerationOptions, NoteId, Passage, PassageOrigin, StudyGenerator,
};

/// The longest passage, as the generation service cuts notes.
const PASSAGE_BYTES: usize = 1_500;

/// What one adapter did over the corpus.
#[derive(Default)]
struct Tally {
    drafts: usize,
    kept: usize,
    ungrounded: usize,
    duplicates: usize,
    malformed: usize,
}

impl Tally {
    fn add<T>(&mut self, drafts: usize, checked: &Checked<T>) {
        self.drafts += drafts;
        self.kept += checked.kept.len();
        self.ungrounded += checked.ungrounded;
        self.duplicates += checked.duplicates;
        self.malformed += checked.malformed;
    }

    fn line(&self, what: &str) -> String {
        let share = if self.drafts == 0 {
            0.0
        } else {
            100.0 * (self.drafts - self.ungrounded) as f64 / self.drafts as f64
        };
        format!(
            "{what:<16} {:>6} {:>6} {:>9.1}% {:>6} {:>6} {:>6}",
            self.drafts, self.kept, share, self.ungrounded, self.duplicates, self.malformed
        )
    }
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/corpus")
}

/// A Markdown file as a note's passages, cut as the generation service cuts notes: its
/// sections under their headings, each in pieces of at most 1,500 bytes.
fn passages(markdown: &str) -> Vec<Passage> {
    let note_id = NoteId::new();
    let mut out = Vec::new();
    for (heading, section) in sections(markdown) {
        for piece in pieces(section, PASSAGE_BYTES) {
            out.push(Passage {
                origin: PassageOrigin::Note { note_id },
                heading: heading.clone(),
                text: piece.to_owned(),
            });
        }
    }
    out
}

/// The passages sharing the most keywords with the question, best first (a stand-in for the
/// search the chat service runs).
fn retrieve(material: &[Passage], question: &str) -> Vec<Passage> {
    let words = keywords(question);
    let mut scored: Vec<(usize, &Passage)> = material
        .iter()
        .map(|p| {
            let lower = p.text.to_lowercase();
            (
                words.iter().filter(|w| lower.contains(w.as_str())).count(),
                p,
            )
        })
        .filter(|(score, _)| *score > 0)
        .collect();
    scored.sort_by_key(|b| std::cmp::Reverse(b.0));
    scored.into_iter().take(4).map(|(_, p)| p.clone()).collect()
}

async fn evaluate(generator: &dyn StudyGenerator) {
    let mut cards = Tally::default();
    let mut questions = Tally::default();
    let mut sections = Tally::default();
    let (mut answers, mut held, mut on_topic, mut refused, mut off_topic) = (0, 0, 0, 0, 0);
    let started = Instant::now();
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("the corpus")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    let options = GenerationOptions {
        count: 20,
        difficulty: Difficulty::Medium,
        question_types: Vec::new(),
    };
    for file in &files {
        let material = passages(&std::fs::read_to_string(file).unwrap());
        match generator
            .flashcards(material.clone(), options.clone())
            .await
        {
            Ok(made) => {
                let drafts = made.draft.len();
                cards.add(drafts, &check_cards(&material, made.draft, 20));
            }
            Err(error) => println!("  {}: flashcards failed: {error}", file.display()),
        }
        match generator.quiz(material.clone(), options.clone()).await {
            Ok(made) => {
                let drafts = made.draft.len();
                questions.add(drafts, &check_questions(&material, made.draft, &[], 20));
            }
            Err(error) => println!("  {}: quiz failed: {error}", file.display()),
        }
        match generator
            .study_guide(material.clone(), options.clone())
            .await
        {
            Ok(made) => {
                let drafts = made.draft.sections.len();
                let mut checked = Checked {
                    kept: Vec::new(),
                    ungrounded: 0,
                    duplicates: 0,
                    malformed: 0,
                };
                for section in made.draft.sections {
                    let claim = format!("{} {}", section.heading, section.body);
                    match ground(&material, &section.citations, &claim) {
                        Some(sources) => checked.kept.push(sources),
                        None => checked.ungrounded += 1,
                    }
                }
                sections.add(drafts, &checked);
            }
            Err(error) => println!("  {}: guide failed: {error}", file.display()),
        }
    }
    let questions_file = std::fs::read_to_string(corpus_dir().join("questions.tsv")).unwrap();
    for line in questions_file
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut parts = line.split('\t');
        let (file, question, words) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap_or("").to_lowercase(),
        );
        let material = passages(&std::fs::read_to_string(corpus_dir().join(file)).unwrap());
        let found = retrieve(&material, question);
        let answer = if found.is_empty() {
            None
        } else {
            match generator
                .answer(question.to_owned(), Vec::new(), found.clone())
                .await
            {
                Ok(made) => Some(made.draft),
                Err(error) => {
                    println!("  {question}: failed: {error}");
                    continue;
                }
            }
        };
        answers += 1;
        let citations = answer.as_ref().map_or(&[][..], |a| a.citations.as_slice());
        let holds = citations.iter().all(|c| {
            found
                .get(c.passage)
                .is_some_and(|p| locate(&p.text, &c.quote).is_some())
        });
        if words.is_empty() {
            off_topic += 1;
            if citations.is_empty() {
                refused += 1;
            }
            if holds {
                held += 1;
            }
            continue;
        }
        if holds && !citations.is_empty() {
            held += 1;
        }
        if citations
            .iter()
            .any(|c| found[c.passage].text.to_lowercase().contains(&words))
        {
            on_topic += 1;
        }
    }
    println!("adapter: {}", generator.name());
    println!(
        "{:<16} {:>6} {:>6} {:>10} {:>6} {:>6} {:>6}",
        "item", "drafts", "kept", "grounded", "ungrd", "dupes", "bad"
    );
    println!("{}", cards.line("flashcards"));
    println!("{}", questions.line("quiz questions"));
    println!("{}", sections.line("guide sections"));
    println!(
        "chat: {answers} questions; references hold in {held}; a cited passage on the subject \
         in {on_topic} of {}; off-topic questions refused {refused} of {off_topic}",
        answers - off_topic
    );
    println!("time: {:.2} s\n", started.elapsed().as_secs_f64());
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    evaluate(&OfflineGenerator::new()).await;
    if let (Ok(url), Ok(model)) = (std::env::var("LLM_URL"), std::env::var("LLM_MODEL")) {
        let mut config = OpenAiChatConfig::new(url, model.clone());
        config.api_key = std::env::var("LLM_API_KEY").ok();
        let chat = OpenAiChat::new(config).expect("LLM_* settings");
        evaluate(&ModelGenerator::new(Arc::new(chat), model)).await;
    } else {
        println!("(LLM_URL and LLM_MODEL unset: the model-backed generator is not evaluated)");
    }
}
