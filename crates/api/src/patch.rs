//! PATCH bodies: a field left out keeps its value, a field set to `null` clears it.

use serde::{Deserialize, Deserializer};

/// Deserializes a present field into `Some(value)`, with `value` `None` for `null`; used with
/// `#[serde(default)]`, an absent field stays `None`.
///
/// # Errors
///
/// As the inner type's deserializer.
pub fn present<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
