//! sophie's HTTP API: routes, extractors, error mapping and the OpenAPI document.
//!
//! It depends on the domain's ports only; the server arrives in a later version.
