//! Language models ([`LanguageModel`](sophie_domain::ports::LanguageModel)).
//!
//! - [`openai::OpenAiChat`], a client of any OpenAI-compatible `/v1/chat/completions`
//!   endpoint (OpenAI, Ollama, the llama.cpp server, vLLM, LM Studio, Groq, OpenRouter),
//!   configured with [`openai::OpenAiChatConfig`]. Structured answers are asked for with the
//!   strongest mode the server accepts ([`openai::StructuredOutput`]), checked against their
//!   schema, and repaired once when they do not match it. Answers can be streamed as the
//!   model writes them (`stream: true`, read as server-sent events).

mod extract;
pub mod openai;
mod schema;
mod sse;

pub(crate) use extract::answer_json;
