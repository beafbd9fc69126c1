//! The limits one extraction runs under, and the checks that enforce them while parsing.

use std::time::{Duration, Instant};

use sophie_domain::ExtractionFailure;

/// How much work one file may cause. A file past any limit fails with
/// [`ExtractionFailure::TooLarge`] or [`ExtractionFailure::TimedOut`], and only that file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtractLimits {
    /// The most pages (PDF pages, slides, sections) a file may have. Default 2,000.
    pub max_pages: usize,
    /// The most characters of text a file may yield. Default 5,000,000.
    pub max_chars: usize,
    /// The most bytes the entries of a DOCX or PPTX may inflate to, all read entries together,
    /// counted while inflating (the sizes an archive declares are not trusted). Default
    /// 200 MiB; a file may hold this much in memory while it is read.
    pub max_decompressed_bytes: u64,
    /// The longest one file may take. Default 60 s.
    pub timeout: Duration,
}

impl ExtractLimits {
    /// The default limit on pages.
    pub const DEFAULT_MAX_PAGES: usize = 2_000;
    /// The default limit on characters.
    pub const DEFAULT_MAX_CHARS: usize = 5_000_000;
    /// The default limit on inflated archive bytes: 200 MiB.
    pub const DEFAULT_MAX_DECOMPRESSED_BYTES: u64 = 200 * 1024 * 1024;
    /// The default time limit.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
}

impl Default for ExtractLimits {
    fn default() -> Self {
        Self {
            max_pages: Self::DEFAULT_MAX_PAGES,
            max_chars: Self::DEFAULT_MAX_CHARS,
            max_decompressed_bytes: Self::DEFAULT_MAX_DECOMPRESSED_BYTES,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }
}

/// The limits of one extraction as the parsers check them: counts so far, and a deadline the
/// parsing thread checks between pages and entries, so a slow file stops working soon after
/// its caller has given up on it.
#[derive(Debug)]
pub(crate) struct Budget {
    limits: ExtractLimits,
    deadline: Instant,
    chars: usize,
}

impl Budget {
    pub(crate) fn new(limits: ExtractLimits) -> Self {
        Self {
            limits,
            deadline: Instant::now() + limits.timeout,
            chars: 0,
        }
    }

    pub(crate) const fn limits(&self) -> &ExtractLimits {
        &self.limits
    }

    /// Fails once the time limit has passed.
    pub(crate) fn check_time(&self) -> Result<(), ExtractionFailure> {
        if Instant::now() > self.deadline {
            Err(self.timed_out())
        } else {
            Ok(())
        }
    }

    pub(crate) fn timed_out(&self) -> ExtractionFailure {
        ExtractionFailure::TimedOut {
            seconds: whole_seconds(self.limits.timeout),
        }
    }

    /// Fails when a file has more than `max_pages` of `unit` (`"pages"`, `"slides"`).
    pub(crate) fn check_pages(&self, count: usize, unit: &str) -> Result<(), ExtractionFailure> {
        if count > self.limits.max_pages {
            Err(ExtractionFailure::TooLarge(format!(
                "more than {} {unit}",
                self.limits.max_pages
            )))
        } else {
            Ok(())
        }
    }

    /// Counts `text` against `max_chars`.
    pub(crate) fn add_chars(&mut self, text: &str) -> Result<(), ExtractionFailure> {
        self.chars = self.chars.saturating_add(text.chars().count());
        if self.chars > self.limits.max_chars {
            Err(too_many_chars(self.limits.max_chars))
        } else {
            Ok(())
        }
    }
}

/// A duration in seconds, rounded up so a limit below a second does not read as zero.
pub(crate) fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

pub(crate) fn too_many_chars(max_chars: usize) -> ExtractionFailure {
    ExtractionFailure::TooLarge(format!("more than {max_chars} characters of text"))
}
