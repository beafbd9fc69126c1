//! A [`StudyGenerator`] over any [`LanguageModel`]: each operation is one structured request
//! (with one repair round inside the model client when the answer breaks the schema).
//!
//! The prompts keep the model to the student's material: the system prompt of an operation
//! is fixed and states the task and the rules (JSON only; every item cites passages by number
//! with a quote copied word for word; no knowledge from outside the passages; the passages are
//! data, not instructions), and the material goes in the user message, each passage between
//! `<passage id="N">` and `</passage>`, with any such tag inside its text made inert.

mod drafts;
mod prompt;
pub(crate) mod schemas;
mod streamed;

use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::Value;
use sophie_domain::error::{DomainError, DomainResult};
use sophie_domain::ports::{
    AnswerDraft, CardDraft, ChatRole, Generated, GenerationOptions, GenerationRequest, GuideDraft,
    LanguageModel, Passage, PromptMessage, QuestionDraft, StudyGenerator, TextSink, TokenUsage,
};

use self::drafts::Sorted;
use self::prompt::Operation;
pub(crate) use self::prompt::neutralised;
use self::streamed::FieldText;
use crate::llm::answer_json;

/// A [`StudyGenerator`] that asks a language model.
///
/// What the model returns is read item by item: an item that is malformed for its type (a
/// blank side, no citation, a citation to a passage number that was not given, a
/// multiple-choice answer that is not among its options, a question of a type not asked for,
/// a repeat) is dropped, and the count of dropped items is logged at debug level. Quotes are
/// not checked here: the domain checks each against its passage before anything is stored.
///
/// Errors are the model's: `Unavailable` when it cannot be reached, `Internal` when it keeps
/// answering with something that does not match the schema (and when an answer or a summary
/// comes back blank). Flashcards, quizzes and study guides of no passages are refused with
/// `Validation` on `material` before the model is asked.
pub struct ModelGenerator {
    model: Arc<dyn LanguageModel>,
    name: String,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
}

impl fmt::Debug for ModelGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModelGenerator")
            .field("name", &self.name)
            .field("temperature", &self.temperature)
            .field("max_tokens", &self.max_tokens)
            .finish_non_exhaustive()
    }
}

/// A model's structured answer and what it cost.
struct Reply {
    json: Value,
    model: String,
    usage: TokenUsage,
}

impl ModelGenerator {
    /// An answer to `question` from `passages`, streamed to `sink` when given.
    async fn answer_with(
        &self,
        question: String,
        history: Vec<PromptMessage>,
        passages: Vec<Passage>,
        sink: Option<TextSink>,
    ) -> DomainResult<Generated<AnswerDraft>> {
        let operation = Operation::Answer;
        if question.trim().is_empty() {
            return Err(DomainError::validation("question", "must not be blank"));
        }
        let mut messages = Vec::with_capacity(history.len() + 2);
        messages.push(message(ChatRole::System, prompt::system_prompt(operation)));
        // Earlier turns of the conversation; a system message among them would stand beside
        // the rules, so none is passed on.
        messages.extend(
            history
                .into_iter()
                .filter(|turn| turn.role != ChatRole::System),
        );
        messages.push(message(
            ChatRole::User,
            prompt::question_message(&question, &passages),
        ));
        let reply = self
            .ask(operation, messages, schemas::answer(), sink)
            .await?;
        let Some(sorted) = drafts::answer(&reply.json, passages.len()) else {
            return Err(DomainError::internal(
                "the language model answered the question with a blank text",
            ));
        };
        Ok(self.finish(operation, reply, sorted))
    }

    /// A generator asking `model`, known by `name` (the model's name as configured, what
    /// [`StudyGenerator::name`] returns). Temperature and token limit are the model's
    /// defaults until set.
    pub fn new(model: Arc<dyn LanguageModel>, name: impl Into<String>) -> Self {
        Self {
            model,
            name: name.into(),
            temperature: None,
            max_tokens: None,
        }
    }

    /// Asks for sampling temperature `temperature` (0 to 2) in every request; `None` leaves it
    /// to the model (some models accept no other value than their default).
    #[must_use]
    pub const fn with_temperature(mut self, temperature: Option<f32>) -> Self {
        self.temperature = temperature;
        self
    }

    /// Limits every answer to `max_tokens` tokens; `None` leaves it to the server.
    #[must_use]
    pub const fn with_max_tokens(mut self, max_tokens: Option<u32>) -> Self {
        self.max_tokens = max_tokens;
        self
    }

    /// Sends `messages` with the operation's `schema` and returns the JSON answer; with a
    /// `sink`, the model's raw answer is streamed to it as it is written.
    async fn ask(
        &self,
        operation: Operation,
        messages: Vec<PromptMessage>,
        schema: Value,
        sink: Option<TextSink>,
    ) -> DomainResult<Reply> {
        let request = GenerationRequest {
            messages,
            json_schema: Some(schema),
            temperature: self.temperature,
            max_tokens: self.max_tokens,
        };
        let response = match sink {
            Some(sink) => self.model.generate_streaming(request, sink).await?,
            None => self.model.generate(request).await?,
        };
        let json = answer_json(&response, &format!("{} request", operation.name()))?;
        let model = if response.model.trim().is_empty() {
            self.name.clone()
        } else {
            response.model
        };
        Ok(Reply {
            json,
            model,
            usage: response.usage,
        })
    }

    /// The system prompt and user message of an operation on material.
    fn material_messages(
        operation: Operation,
        material: &[Passage],
        options: &GenerationOptions,
    ) -> DomainResult<Vec<PromptMessage>> {
        if material.is_empty() {
            return Err(DomainError::validation(
                "material",
                "there is no material to generate from",
            ));
        }
        Ok(vec![
            message(ChatRole::System, prompt::system_prompt(operation)),
            message(
                ChatRole::User,
                prompt::material_message(operation, material, options),
            ),
        ])
    }

    /// Wraps `sorted` with the reply's cost, logging what was dropped.
    fn finish<T>(&self, operation: Operation, reply: Reply, sorted: Sorted<T>) -> Generated<T> {
        if sorted.dropped > 0 {
            tracing::debug!(
                generator = %self.name,
                operation = operation.name(),
                dropped = sorted.dropped,
                "dropped malformed items from the model's answer"
            );
        }
        Generated {
            draft: sorted.kept,
            model: reply.model,
            usage: reply.usage,
        }
    }
}

fn message(role: ChatRole, content: String) -> PromptMessage {
    PromptMessage { role, content }
}

fn count(options: &GenerationOptions) -> usize {
    usize::try_from(options.count).unwrap_or(usize::MAX)
}

#[async_trait]
impl StudyGenerator for ModelGenerator {
    fn name(&self) -> String {
        self.name.clone()
    }

    async fn flashcards(
        &self,
        material: Vec<Passage>,
        options: GenerationOptions,
    ) -> DomainResult<Generated<Vec<CardDraft>>> {
        let operation = Operation::Flashcards;
        let messages = Self::material_messages(operation, &material, &options)?;
        if options.count == 0 {
            return Ok(Generated {
                draft: Vec::new(),
                model: self.name.clone(),
                usage: TokenUsage::default(),
            });
        }
        let reply = self
            .ask(operation, messages, schemas::cards(), None)
            .await?;
        let sorted = drafts::cards(&reply.json, material.len(), count(&options));
        Ok(self.finish(operation, reply, sorted))
    }

    async fn quiz(
        &self,
        material: Vec<Passage>,
        options: GenerationOptions,
    ) -> DomainResult<Generated<Vec<QuestionDraft>>> {
        let operation = Operation::Quiz;
        let messages = Self::material_messages(operation, &material, &options)?;
        if options.count == 0 {
            return Ok(Generated {
                draft: Vec::new(),
                model: self.name.clone(),
                usage: TokenUsage::default(),
            });
        }
        let types = prompt::question_types(&options.question_types);
        let reply = self
            .ask(operation, messages, schemas::questions(&types), None)
            .await?;
        let sorted = drafts::questions(&reply.json, material.len(), &types, count(&options));
        Ok(self.finish(operation, reply, sorted))
    }

    async fn study_guide(
        &self,
        material: Vec<Passage>,
        options: GenerationOptions,
    ) -> DomainResult<Generated<GuideDraft>> {
        let operation = Operation::StudyGuide;
        let messages = Self::material_messages(operation, &material, &options)?;
        let types = prompt::question_types(&options.question_types);
        let reply = self
            .ask(operation, messages, schemas::guide(&types), None)
            .await?;
        let sorted = drafts::guide(&reply.json, material.len(), &types, count(&options));
        Ok(self.finish(operation, reply, sorted))
    }

    async fn answer(
        &self,
        question: String,
        history: Vec<PromptMessage>,
        passages: Vec<Passage>,
    ) -> DomainResult<Generated<AnswerDraft>> {
        self.answer_with(question, history, passages, None).await
    }

    /// Streams the answer's text as the model writes it: the value of `answer` is read out
    /// of the JSON while it is still arriving.
    async fn answer_streaming(
        &self,
        question: String,
        history: Vec<PromptMessage>,
        passages: Vec<Passage>,
        sink: TextSink,
    ) -> DomainResult<Generated<AnswerDraft>> {
        let reader = Mutex::new(FieldText::new("answer"));
        let raw: TextSink = Arc::new(move |piece: &str| {
            let text = match reader.lock() {
                Ok(mut reader) => reader.push(piece),
                Err(poisoned) => poisoned.into_inner().push(piece),
            };
            if !text.is_empty() {
                sink(&text);
            }
        });
        self.answer_with(question, history, passages, Some(raw))
            .await
    }

    async fn summarize(&self, text: String) -> DomainResult<Generated<String>> {
        let operation = Operation::Summary;
        if text.trim().is_empty() {
            return Err(DomainError::validation("text", "must not be blank"));
        }
        let messages = vec![
            message(ChatRole::System, prompt::system_prompt(operation)),
            message(ChatRole::User, prompt::summary_message(&text)),
        ];
        let reply = self
            .ask(operation, messages, schemas::summary(), None)
            .await?;
        let summary = reply
            .json
            .get("text")
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        if summary.is_empty() {
            return Err(DomainError::internal(
                "the language model answered with a blank summary",
            ));
        }
        Ok(self.finish(
            operation,
            reply,
            Sorted {
                kept: summary,
                dropped: 0,
            },
        ))
    }
}
