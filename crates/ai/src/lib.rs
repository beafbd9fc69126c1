//! Implementations of the domain's AI ports (language model, embedder, transcriber,
//! video transcripts): an offline default and an OpenAI-compatible client, in a later version.
