use std::fmt;

use super::InvalidValue;

/// A whole number between `MIN` and `MAX`, both included.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BoundedInt<const MIN: i64, const MAX: i64>(i64);

impl<const MIN: i64, const MAX: i64> BoundedInt<MIN, MAX> {
    /// The smallest value accepted.
    pub const MIN: i64 = MIN;
    /// The largest value accepted.
    pub const MAX: i64 = MAX;

    /// Checks `value` lies in `MIN..=MAX`.
    ///
    /// # Errors
    ///
    /// When it does not.
    pub fn new(value: i64) -> Result<Self, InvalidValue> {
        if (MIN..=MAX).contains(&value) {
            Ok(Self(value))
        } else {
            Err(InvalidValue::new(format!(
                "must be between {MIN} and {MAX}"
            )))
        }
    }

    /// `value` brought into `MIN..=MAX`: for values the program computes, not for input.
    #[must_use]
    pub const fn saturating(value: i64) -> Self {
        if value < MIN {
            Self(MIN)
        } else if value > MAX {
            Self(MAX)
        } else {
            Self(value)
        }
    }

    /// The value.
    #[must_use]
    pub const fn get(self) -> i64 {
        self.0
    }

    /// The value as the `int` columns store it. Every alias below has bounds inside `i32`.
    #[must_use]
    pub fn get_i32(self) -> i32 {
        i32::try_from(self.0).unwrap_or(if self.0 < 0 { i32::MIN } else { i32::MAX })
    }
}

impl<const MIN: i64, const MAX: i64> fmt::Debug for BoundedInt<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<const MIN: i64, const MAX: i64> fmt::Display for BoundedInt<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// An import's progress in percent.
pub type Progress = BoundedInt<0, 100>;
/// The points a question is worth.
pub type Points = BoundedInt<1, 1_000>;
/// A quiz's time limit in minutes (at most a day).
pub type TimeLimitMinutes = BoundedInt<1, 1_440>;
/// The length of a recording or an attempt in seconds (at most a week).
pub type DurationSeconds = BoundedInt<0, 604_800>;
/// The size of a stored file in bytes (at most 1 TiB).
pub type FileSize = BoundedInt<0, 1_099_511_627_776>;
/// The number of pages of a document.
pub type PageCount = BoundedInt<0, 1_000_000>;
