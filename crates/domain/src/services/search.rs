//! Search over the student's material: lexical, and hybrid when an embedder is configured.

use std::sync::Arc;

use crate::entities::{QueryEmbedding, SearchHit, SearchQuery, SourceKind};
use crate::error::{DomainError, DomainResult};
use crate::id::UserId;
use crate::ports::{Embedder, SearchIndex};

/// Searches the student's notes, flashcards and document passages.
///
/// With an embedder, the query's text is embedded and the index fuses its lexical ranking with
/// the passages' similarity to that vector (see [`SearchQuery`]); without one, search is
/// lexical only.
///
/// When the embedder is unavailable ([`DomainError::Unavailable`]: the model server cannot be
/// reached), the search goes on lexically rather than failing: the student still gets every
/// hit that holds the words. Any other embedder failure (a vector of the wrong shape is an
/// `Internal` error) is returned. The service logs nothing; an adapter of the [`Embedder`]
/// port logs its own failures.
#[derive(Clone)]
pub struct SearchService {
    /// The index searched.
    pub index: Arc<dyn SearchIndex>,
    /// Embeds query texts for hybrid search; `None` for lexical search only.
    pub embedder: Option<Arc<dyn Embedder>>,
}

impl SearchService {
    /// A lexical search over `index`.
    #[must_use]
    pub fn new(index: Arc<dyn SearchIndex>) -> Self {
        Self {
            index,
            embedder: None,
        }
    }

    /// The same search, hybrid: query texts are embedded by `embedder`.
    #[must_use]
    pub fn with_embedder(self, embedder: Arc<dyn Embedder>) -> Self {
        Self {
            embedder: Some(embedder),
            ..self
        }
    }

    /// The user's material matching `query`, best first.
    ///
    /// Embeds the query's text when an embedder is set, the query has no embedding yet and
    /// it may return document passages (the only material with vectors); falls back to
    /// lexical search when the embedder is unavailable.
    ///
    /// # Errors
    ///
    /// The index's errors; the embedder's other than `Unavailable`, and `Internal` when it
    /// answers with no vector, or one of another length than it announces.
    pub async fn search(&self, user: UserId, query: SearchQuery) -> DomainResult<Vec<SearchHit>> {
        let query = match &self.embedder {
            Some(embedder)
                if query.embedding().is_none() && query.includes(SourceKind::Document) =>
            {
                match embed(embedder.as_ref(), query.text()).await {
                    Ok(embedding) => query.with_embedding(embedding),
                    Err(DomainError::Unavailable { .. }) => query,
                    Err(error) => return Err(error),
                }
            }
            _ => query,
        };
        self.index.search(user, query).await
    }
}

/// The embedding of `text`, with the model that made it.
async fn embed(embedder: &dyn Embedder, text: &str) -> DomainResult<QueryEmbedding> {
    let mut vectors = embedder.embed(vec![text.to_owned()]).await?;
    let vector = vectors
        .pop()
        .filter(|_| vectors.is_empty())
        .ok_or_else(|| {
            DomainError::internal("the embedder did not return one vector for one text")
        })?;
    let dimensions = embedder.dimensions();
    if vector.len() != dimensions {
        return Err(DomainError::internal(format!(
            "the embedder returned a vector of {} values, not {dimensions}",
            vector.len()
        )));
    }
    Ok(QueryEmbedding {
        model: embedder.model(),
        vector,
    })
}

#[cfg(all(test, feature = "mock"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ports::{MockEmbedder, MockSearchIndex};

    fn query() -> SearchQuery {
        SearchQuery::new("photosynthesis", Some(5)).unwrap()
    }

    fn embedder(answer: fn() -> DomainResult<Vec<Vec<f32>>>) -> MockEmbedder {
        let mut embedder = MockEmbedder::new();
        embedder.expect_model().return_const("mini".to_owned());
        embedder.expect_dimensions().return_const(2_usize);
        embedder
            .expect_embed()
            .withf(|texts| texts == &["photosynthesis".to_owned()])
            .returning(move |_| answer());
        embedder
    }

    /// An index expecting one search whose query has `expected` as its embedding.
    fn index(expected: Option<QueryEmbedding>) -> MockSearchIndex {
        let mut index = MockSearchIndex::new();
        index
            .expect_search()
            .times(1)
            .withf(move |_, query| {
                query.embedding() == expected.as_ref() && query.text() == "photosynthesis"
            })
            .returning(|_, _| Ok(Vec::new()));
        index
    }

    #[tokio::test]
    async fn without_an_embedder_search_is_lexical() {
        let service = SearchService::new(Arc::new(index(None)));
        assert!(
            service
                .search(UserId::new(), query())
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn the_query_text_is_embedded_with_its_model() {
        let service = SearchService::new(Arc::new(index(Some(QueryEmbedding {
            model: "mini".to_owned(),
            vector: vec![0.5, -0.5],
        }))))
        .with_embedder(Arc::new(embedder(|| Ok(vec![vec![0.5, -0.5]]))));
        service.search(UserId::new(), query()).await.unwrap();
    }

    #[tokio::test]
    async fn an_unavailable_embedder_falls_back_to_lexical_search() {
        let service =
            SearchService::new(Arc::new(index(None))).with_embedder(Arc::new(embedder(|| {
                Err(DomainError::Unavailable {
                    service: "embedder",
                    message: "connection refused".to_owned(),
                })
            })));
        service.search(UserId::new(), query()).await.unwrap();
    }

    #[tokio::test]
    async fn other_embedder_failures_are_returned() {
        let mut never = MockSearchIndex::new();
        never.expect_search().never();
        let service = SearchService::new(Arc::new(never))
            .with_embedder(Arc::new(embedder(|| Ok(vec![vec![1.0, 2.0, 3.0]]))));
        assert!(matches!(
            service.search(UserId::new(), query()).await,
            Err(DomainError::Internal { .. })
        ));
    }

    #[tokio::test]
    async fn nothing_is_embedded_when_no_passage_may_be_returned() {
        let mut embedder = MockEmbedder::new();
        embedder.expect_embed().never();
        let service = SearchService::new(Arc::new(index(None))).with_embedder(Arc::new(embedder));
        service
            .search(UserId::new(), query().with_kinds([SourceKind::Note]))
            .await
            .unwrap();
    }
}
