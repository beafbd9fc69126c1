//! The daily token budget: what a model may spend for one student per UTC day, shared by
//! generation, chat answers and summaries.

use std::sync::Arc;

use chrono::TimeDelta;

use crate::error::{DomainError, DomainResult};
use crate::id::UserId;
use crate::ports::{Clock, GenerationRepository, TokenUsage};

/// Checks and records the tokens a model spends for each student.
#[derive(Clone)]
pub struct TokenBudget {
    usage: Arc<dyn GenerationRepository>,
    clock: Arc<dyn Clock>,
    daily: Option<u64>,
}

impl TokenBudget {
    /// A budget of `daily` tokens per student per UTC day (`None`: no limit), kept in `usage`.
    #[must_use]
    pub fn new(
        usage: Arc<dyn GenerationRepository>,
        clock: Arc<dyn Clock>,
        daily: Option<u64>,
    ) -> Self {
        Self {
            usage,
            clock,
            daily,
        }
    }

    /// `RateLimited` (until the next UTC midnight) when the student's tokens of today are
    /// spent.
    ///
    /// # Errors
    ///
    /// `RateLimited`, or a storage error.
    pub async fn check(&self, user: UserId) -> DomainResult<()> {
        let Some(budget) = self.daily else {
            return Ok(());
        };
        let now = self.clock.now();
        if self.usage.usage_on(user, now.date_naive()).await? < budget {
            return Ok(());
        }
        let midnight = now
            .date_naive()
            .succ_opt()
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .map_or(now + TimeDelta::days(1), |at| at.and_utc());
        Err(DomainError::RateLimited {
            retry_after_seconds: u64::try_from((midnight - now).num_seconds().max(1)).unwrap_or(1),
        })
    }

    /// Adds `usage` to the student's tokens of today. The budget is a guard, not an
    /// account: a failed write does not fail the work the model already did.
    pub async fn record(&self, user: UserId, usage: TokenUsage) {
        if usage == TokenUsage::default() {
            return;
        }
        let day = self.clock.now().date_naive();
        let _ = self.usage.record_usage(user, day, usage).await;
    }
}
