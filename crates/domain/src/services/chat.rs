//! Chat answers: a student's question answered from their own material, citing it.
//!
//! [`ChatService::ask`] stores the question, finds passages with the hybrid search (within the
//! chat's course, or the documents the student names), asks the generator with the last turns
//! as context, keeps only the citations whose quote stands verbatim in its passage (renumbering
//! the `[n]` markers to match), and stores the answer with its references. With nothing
//! relevant found it says so instead of guessing. An answer streamed to the student is the
//! same flow in two halves, [`ChatService::begin`] and [`ChatService::answer`], so that what
//! can be refused is refused before the first word is sent.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::budget::TokenBudget;
use super::search::SearchService;
use crate::entities::{
    ChatMessage, ChatReference, ChatSession, ChatSessionUpdate, NewChatMessage, Note, SearchHit,
    SearchQuery, SourceKind,
};
use crate::enums::MessageType;
use crate::error::{DomainError, DomainResult};
use crate::id::{ChatSessionId, DocumentChunkId, DocumentId, NoteId, UserId};
use crate::ports::{
    ChatRepository, ChatRole, Clock, GenerationRepository, NoteRepository, Passage, PassageOrigin,
    PromptMessage, SearchIndex, StudyGenerator, TextSink,
};
use crate::rules::grounding::{keywords, locate};
use crate::rules::passages;
use crate::values::{MessageText, Title};

/// The title of a chat the student did not name; its first question names it.
pub const UNTITLED_CHAT: &str = "New chat";

/// What the assistant says when the material holds nothing on the question.
pub const NOTHING_FOUND: &str = "I could not find anything about this in your notes and \
     documents, so I will not guess. Try other words, or add material that covers it.";

/// The passages an answer reads, at most.
const PASSAGES: u32 = 6;

/// The longest part of a note an answer reads, in bytes.
const NOTE_PASSAGE_BYTES: usize = 3_000;

/// The earlier messages an answer takes as context.
const HISTORY: u32 = 6;

/// The ports [`ChatService`] works through.
#[derive(Clone)]
pub struct ChatPorts {
    /// Chats and messages.
    pub chats: Arc<dyn ChatRepository>,
    /// Notes found by search.
    pub notes: Arc<dyn NoteRepository>,
    /// Chunks found by search.
    pub index: Arc<dyn SearchIndex>,
    /// The hybrid search.
    pub search: Arc<SearchService>,
    /// Writes the answers.
    pub generator: Arc<dyn StudyGenerator>,
    /// Token usage and the budget.
    pub generations: Arc<dyn GenerationRepository>,
    /// Today, for the budget.
    pub clock: Arc<dyn Clock>,
}

/// A question and its answer, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Exchange {
    /// The chat, titled from its first question if it had no title.
    pub session: ChatSession,
    /// The student's message.
    pub question: ChatMessage,
    /// The assistant's answer, with its references.
    pub answer: ChatMessage,
}

/// A question stored and its passages found, waiting for its answer
/// ([`ChatService::begin`], then [`ChatService::answer`]).
#[derive(Clone, Debug)]
pub struct PendingAnswer {
    user: UserId,
    chat: ChatSession,
    question: ChatMessage,
    text: String,
    history: Vec<ChatMessage>,
    passages: Vec<(Passage, String)>,
}

impl PendingAnswer {
    /// The chat, titled from its first question if it had no title.
    #[must_use]
    pub const fn session(&self) -> &ChatSession {
        &self.chat
    }

    /// The student's message, as stored.
    #[must_use]
    pub const fn question(&self) -> &ChatMessage {
        &self.question
    }
}

/// Answers a student's questions from their material.
pub struct ChatService {
    ports: ChatPorts,
    budget: TokenBudget,
}

impl ChatService {
    /// The service over `ports`; a student may spend `daily_tokens` a day (`None`: no limit).
    #[must_use]
    pub fn new(ports: ChatPorts, daily_tokens: Option<u64>) -> Self {
        let budget = TokenBudget::new(ports.generations.clone(), ports.clock.clone(), daily_tokens);
        Self { ports, budget }
    }

    /// Stores the student's `question` in the chat, answers it from the material (the
    /// chat's course, or `documents` when given) and stores the answer.
    ///
    /// # Errors
    ///
    /// `NotFound` when the chat or a document is not the student's; `RateLimited` when the
    /// student's tokens of the day are spent; `Unavailable` when the model cannot be
    /// reached (the question stays stored).
    pub async fn ask(
        &self,
        user: UserId,
        session: ChatSessionId,
        question: MessageText,
        documents: Vec<DocumentId>,
    ) -> DomainResult<Exchange> {
        let pending = self.begin(user, session, question, documents).await?;
        self.answer(pending, None).await
    }

    /// The first half of [`ChatService::ask`], for an answer that is streamed: checks the
    /// chat and the budget, stores the question, names the chat and finds the passages.
    /// What can be refused is refused here, before any of the answer is written.
    ///
    /// # Errors
    ///
    /// As [`ChatService::ask`], but for the model's.
    pub async fn begin(
        &self,
        user: UserId,
        session: ChatSessionId,
        question: MessageText,
        documents: Vec<DocumentId>,
    ) -> DomainResult<PendingAnswer> {
        let chat = self.ports.chats.get_session(user, session).await?;
        self.budget.check(user).await?;
        let history = self
            .ports
            .chats
            .recent_messages(user, session, HISTORY)
            .await?;
        let text = question.as_str().to_owned();
        let stored = self
            .ports
            .chats
            .add_message(
                user,
                session,
                NewChatMessage {
                    content: question,
                    message_type: MessageType::User,
                    references: Vec::new(),
                },
            )
            .await?;
        let chat = self
            .name_after(user, chat, &text, history.is_empty())
            .await?;
        let passages = self.passages(user, &chat, &text, &documents).await?;
        Ok(PendingAnswer {
            user,
            chat,
            question: stored,
            text,
            history,
            passages,
        })
    }

    /// The second half of [`ChatService::ask`]: writes the answer (passing its text to
    /// `sink`, when given, as the model writes it), checks its citations and stores it.
    ///
    /// # Errors
    ///
    /// `Unavailable` when the model cannot be reached (the question stays stored).
    pub async fn answer(
        &self,
        pending: PendingAnswer,
        sink: Option<TextSink>,
    ) -> DomainResult<Exchange> {
        let PendingAnswer {
            user,
            chat,
            question,
            text,
            history,
            passages,
        } = pending;
        let (content, references) = if passages.is_empty() {
            if let Some(sink) = &sink {
                sink(NOTHING_FOUND);
            }
            (NOTHING_FOUND.to_owned(), Vec::new())
        } else {
            let turns = history.iter().map(turn).collect();
            let material = passages.iter().map(|(p, _)| p.clone()).collect();
            let generator = &self.ports.generator;
            let made = match sink {
                Some(sink) => {
                    generator
                        .answer_streaming(text, turns, material, sink)
                        .await?
                }
                None => generator.answer(text, turns, material).await?,
            };
            self.budget.record(user, made.usage).await;
            cited(&made.draft.text, &made.draft.citations, &passages)
        };
        let content = MessageText::parse(content.as_str())
            .or_else(|_| MessageText::parse(NOTHING_FOUND))
            .map_err(|e| DomainError::internal(format!("an answer: {}", e.0)))?;
        let answer = self
            .ports
            .chats
            .add_message(
                user,
                chat.id,
                NewChatMessage {
                    content,
                    message_type: MessageType::Assistant,
                    references,
                },
            )
            .await?;
        Ok(Exchange {
            session: chat,
            question,
            answer,
        })
    }

    /// Names an untitled chat after its first question.
    async fn name_after(
        &self,
        user: UserId,
        chat: ChatSession,
        question: &str,
        first: bool,
    ) -> DomainResult<ChatSession> {
        if !first || chat.title != UNTITLED_CHAT {
            return Ok(chat);
        }
        let mut title: String = question.split_whitespace().collect::<Vec<_>>().join(" ");
        if title.chars().count() > 80 {
            title = title.chars().take(79).collect::<String>() + "\u{2026}";
        }
        let Ok(title) = Title::parse(title) else {
            return Ok(chat);
        };
        self.ports
            .chats
            .update_session(
                user,
                chat.id,
                ChatSessionUpdate {
                    title: Some(title),
                    ..ChatSessionUpdate::default()
                },
            )
            .await
    }

    /// The passages to answer from, best first, each with the title of its source.
    async fn passages(
        &self,
        user: UserId,
        chat: &ChatSession,
        question: &str,
        documents: &[DocumentId],
    ) -> DomainResult<Vec<(Passage, String)>> {
        let hits = self.search(user, chat, question, documents).await?;
        let chunk_ids: Vec<DocumentChunkId> = hits
            .iter()
            .filter(|hit| hit.kind == SourceKind::Document)
            .map(|hit| DocumentChunkId::from_uuid(hit.id))
            .collect();
        let chunks: BTreeMap<DocumentChunkId, _> = self
            .ports
            .index
            .get_chunks(user, chunk_ids)
            .await?
            .into_iter()
            .map(|chunk| (chunk.id, chunk))
            .collect();
        let mut passages = Vec::with_capacity(hits.len());
        for hit in hits {
            match hit.kind {
                SourceKind::Document => {
                    let Some(chunk) = chunks.get(&DocumentChunkId::from_uuid(hit.id)) else {
                        continue;
                    };
                    // A chunk holding a page's headings is read as its sections, so a
                    // heading line is not taken for the start of a sentence.
                    for (heading, text) in passages::sections(&chunk.content) {
                        passages.push((
                            Passage {
                                origin: PassageOrigin::Document {
                                    document_id: chunk.document_id,
                                    chunk_id: chunk.id,
                                    page_number: chunk.page_number,
                                },
                                heading: Some(heading.unwrap_or_else(|| hit.title.clone())),
                                text: text.to_owned(),
                            },
                            hit.title.clone(),
                        ));
                    }
                }
                SourceKind::Note => {
                    let note = match self.ports.notes.get(user, NoteId::from_uuid(hit.id)).await {
                        Ok(note) => note,
                        Err(DomainError::NotFound { .. }) => continue,
                        Err(error) => return Err(error),
                    };
                    passages.push((note_passage(&note, question), note.title));
                }
                SourceKind::Flashcard => {}
            }
        }
        Ok(passages)
    }

    /// The best hits for the question: its keywords together (and by meaning, when search is
    /// hybrid), then each of its longest keywords alone, so a question is not lost because
    /// one of its words is not in the material; hits found by more searches come first.
    async fn search(
        &self,
        user: UserId,
        chat: &ChatSession,
        question: &str,
        documents: &[DocumentId],
    ) -> DomainResult<Vec<SearchHit>> {
        let keywords = keywords(question);
        let mut texts = vec![if keywords.is_empty() {
            question.to_owned()
        } else {
            keywords.join(" ")
        }];
        let alone = if documents.is_empty() { 4 } else { 2 };
        if keywords.len() > 1 {
            texts.extend(keywords.iter().take(alone).cloned());
        }
        let scopes: Vec<Option<DocumentId>> = if documents.is_empty() {
            vec![None]
        } else {
            documents.iter().copied().map(Some).collect()
        };
        let mut found: BTreeMap<(SourceKind, uuid::Uuid), (usize, f32, SearchHit)> =
            BTreeMap::new();
        for (index, text) in texts.iter().enumerate() {
            let text: String = text.chars().take(SearchQuery::MAX_CHARS).collect();
            let Ok(query) = SearchQuery::new(&text, Some(PASSAGES)) else {
                continue;
            };
            let query = query.with_kinds([SourceKind::Document, SourceKind::Note]);
            for scope in &scopes {
                let query = match (scope, chat.course_id) {
                    (Some(document), _) => query.clone().with_document(*document),
                    (None, Some(course)) => query.clone().with_course(course),
                    (None, None) => query.clone(),
                };
                // The keywords together go through the hybrid search (embedded once per
                // scope); each keyword alone through the words only.
                let hits = if index == 0 {
                    self.ports.search.search(user, query).await?
                } else {
                    self.ports.index.search(user, query).await?
                };
                for hit in hits {
                    let entry =
                        found
                            .entry((hit.kind, hit.id))
                            .or_insert((0, hit.score, hit.clone()));
                    entry.0 += 1;
                    entry.1 = entry.1.max(hit.score);
                }
            }
        }
        let mut hits: Vec<(usize, f32, SearchHit)> = found.into_values().collect();
        hits.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.total_cmp(&a.1)));
        Ok(hits
            .into_iter()
            .take(PASSAGES as usize)
            .map(|(_, _, hit)| hit)
            .collect())
    }
}

/// A stored message as a turn of the conversation.
fn turn(message: &ChatMessage) -> PromptMessage {
    PromptMessage {
        role: match message.message_type {
            MessageType::Assistant => ChatRole::Assistant,
            MessageType::System => ChatRole::System,
            MessageType::User => ChatRole::User,
        },
        content: message.content.clone(),
    }
}

/// The part of a note (its paragraphs, up to a few thousand characters) that shares the most
/// words with the question.
fn note_passage(note: &Note, question: &str) -> Passage {
    let words = keywords(question);
    let pieces = passages::pieces(&note.content, NOTE_PASSAGE_BYTES);
    let score = |piece: &str| {
        let lower = piece.to_lowercase();
        words.iter().filter(|w| lower.contains(w.as_str())).count()
    };
    let best = pieces
        .iter()
        .enumerate()
        .max_by_key(|(index, piece)| (score(piece), std::cmp::Reverse(*index)))
        .map_or("", |(_, piece)| piece);
    Passage {
        origin: PassageOrigin::Note { note_id: note.id },
        heading: Some(note.title.clone()),
        text: best.to_owned(),
    }
}

/// The answer with only the citations whose quote stands in its passage, its `[n]` markers
/// renumbered to match (a marker of a dropped citation is removed), and their references.
fn cited(
    text: &str,
    citations: &[crate::ports::Citation],
    passages: &[(Passage, String)],
) -> (String, Vec<ChatReference>) {
    let mut references = Vec::new();
    let mut renumbered: BTreeMap<usize, usize> = BTreeMap::new();
    for (index, citation) in citations.iter().enumerate() {
        let Some((passage, title)) = passages.get(citation.passage) else {
            continue;
        };
        let Some(quote) = locate(&passage.text, &citation.quote) else {
            continue;
        };
        references.push(reference(passage, title, quote));
        renumbered.insert(index + 1, references.len());
    }
    (renumber(text, &renumbered), references)
}

fn reference(passage: &Passage, title: &str, quote: &str) -> ChatReference {
    let (kind, id, document_id, note_id, chunk_id, page_number) = match passage.origin {
        PassageOrigin::Document {
            document_id,
            chunk_id,
            page_number,
        } => (
            SourceKind::Document,
            document_id.as_uuid(),
            Some(document_id),
            None,
            Some(chunk_id),
            page_number,
        ),
        PassageOrigin::Note { note_id } => (
            SourceKind::Note,
            note_id.as_uuid(),
            None,
            Some(note_id),
            None,
            None,
        ),
    };
    ChatReference {
        kind,
        id,
        title: title.to_owned(),
        snippet: Some(quote.to_owned()),
        page_number,
        document_id,
        note_id,
        chunk_id,
        quote: Some(quote.to_owned()),
    }
}

/// `text` with each `[n]` marker renumbered by `map`; markers not in it are removed.
fn renumber(text: &str, map: &BTreeMap<usize, usize>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(']') {
            if let Some(new) = after[..digits]
                .parse()
                .ok()
                .and_then(|n: usize| map.get(&n))
            {
                out.push_str(&format!("[{new}]"));
            } else if out.ends_with(' ') {
                out.pop();
            }
            rest = &after[digits + 1..];
        } else {
            out.push('[');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_of_dropped_citations_go_and_the_rest_are_renumbered() {
        let map = BTreeMap::from([(1, 1), (3, 2)]);
        assert_eq!(
            renumber(
                "ATP is made [1] in mitochondria [2]. Cells divide [3]; see [x] and [4",
                &map
            ),
            "ATP is made [1] in mitochondria. Cells divide [2]; see [x] and [4"
        );
        assert_eq!(renumber("no markers", &map), "no markers");
    }
}
