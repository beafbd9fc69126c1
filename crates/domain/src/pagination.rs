//! Keyset pagination over `(timestamp, id)`: stable under inserts, and one index range scan per
//! page however deep the reader goes (no `OFFSET`).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::error::{DomainError, DomainResult};

/// Where the previous page ended: the sort key `(timestamp, id)` of its last item.
///
/// Clients see it as an opaque URL-safe string ([`Cursor::encode`]); its content is not a
/// contract. The timestamp is the list's sort column (`created_at` for most lists,
/// `start_date` for calendar events), at PostgreSQL's microsecond precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
    /// The sort timestamp of the last item returned.
    pub at: DateTime<Utc>,
    /// The id of the last item returned, breaking ties between equal timestamps.
    pub id: Uuid,
    /// The list it belongs to (see [`PageRequest::within`]); 0 for none.
    list: u64,
}

impl Cursor {
    /// A cursor just past the item with this sort key.
    #[must_use]
    pub const fn new(at: DateTime<Utc>, id: Uuid) -> Self {
        Self { at, id, list: 0 }
    }

    /// The opaque string handed to clients: 8 bytes of microseconds since the epoch, the
    /// 16 bytes of the id and 8 bytes naming the list, base64url without padding.
    #[must_use]
    pub fn encode(&self) -> String {
        let mut bytes = [0_u8; 32];
        bytes[..8].copy_from_slice(&self.at.timestamp_micros().to_be_bytes());
        bytes[8..24].copy_from_slice(self.id.as_bytes());
        bytes[24..].copy_from_slice(&self.list.to_be_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Reads a string made by [`Cursor::encode`].
    ///
    /// # Errors
    ///
    /// A validation error on `cursor` when the string was not made by `encode`.
    pub fn decode(value: &str) -> DomainResult<Self> {
        let invalid = || DomainError::validation("cursor", "is not a cursor this API issued");
        let bytes = URL_SAFE_NO_PAD.decode(value).map_err(|_| invalid())?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| invalid())?;
        let mut micros = [0_u8; 8];
        micros.copy_from_slice(&bytes[..8]);
        let mut id = [0_u8; 16];
        id.copy_from_slice(&bytes[8..24]);
        let mut list = [0_u8; 8];
        list.copy_from_slice(&bytes[24..]);
        let at = DateTime::from_timestamp_micros(i64::from_be_bytes(micros)).ok_or_else(invalid)?;
        Ok(Self {
            at,
            id: Uuid::from_bytes(id),
            list: u64::from_be_bytes(list),
        })
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

impl Serialize for Cursor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::decode(&text).map_err(serde::de::Error::custom)
    }
}

/// Which way a list runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Newest first: `ORDER BY key DESC, id DESC`. The order of content lists.
    #[default]
    NewestFirst,
    /// Oldest first: `ORDER BY key ASC, id ASC`. The order of a chat's messages and of
    /// calendar events (by start date).
    OldestFirst,
}

impl SortOrder {
    /// Whether an item with sort key `key` comes after `cursor` in this order.
    #[must_use]
    pub fn is_after(self, key: (DateTime<Utc>, Uuid), cursor: &Cursor) -> bool {
        match self {
            Self::NewestFirst => key < (cursor.at, cursor.id),
            Self::OldestFirst => key > (cursor.at, cursor.id),
        }
    }
}

/// How many items a page holds and where it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    limit: u32,
    /// The cursor of the previous page, or `None` for the first page.
    pub cursor: Option<Cursor>,
    /// The list the next cursor is bound to.
    list: u64,
}

impl PageRequest {
    /// The page size when none is asked for.
    pub const DEFAULT_LIMIT: u32 = 20;
    /// The largest page size.
    pub const MAX_LIMIT: u32 = 100;

    /// A page of `limit` items after `cursor`.
    ///
    /// # Errors
    ///
    /// A validation error on `limit` when it is not between 1 and [`Self::MAX_LIMIT`].
    pub fn new(limit: Option<u32>, cursor: Option<Cursor>) -> DomainResult<Self> {
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if limit == 0 || limit > Self::MAX_LIMIT {
            return Err(DomainError::validation(
                "limit",
                format!("must be between 1 and {}", Self::MAX_LIMIT),
            ));
        }
        Ok(Self {
            limit,
            cursor,
            list: 0,
        })
    }

    /// Binds the request to one list (an HTTP layer names it by its path): the cursor given
    /// must have come from that list, and the next cursor will carry its name.
    ///
    /// # Errors
    ///
    /// A validation error on `cursor` when it was issued by another list.
    pub fn within(mut self, list: &str) -> DomainResult<Self> {
        // FNV-1a: a stable name for the list, not a secret.
        let tag = list.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        if self.cursor.is_some_and(|cursor| cursor.list != tag) {
            return Err(DomainError::validation(
                "cursor",
                "was issued by another list",
            ));
        }
        self.list = tag;
        Ok(self)
    }

    /// The first page, of the default size.
    #[must_use]
    pub const fn first() -> Self {
        Self {
            limit: Self::DEFAULT_LIMIT,
            cursor: None,
            list: 0,
        }
    }

    /// The first page of `limit` items, clamped to `1..=MAX_LIMIT`.
    #[must_use]
    pub fn first_of(limit: u32) -> Self {
        Self {
            limit: limit.clamp(1, Self::MAX_LIMIT),
            cursor: None,
            list: 0,
        }
    }

    /// The same size, after `cursor`.
    #[must_use]
    pub const fn after(self, cursor: Cursor) -> Self {
        Self {
            limit: self.limit,
            cursor: Some(cursor),
            list: self.list,
        }
    }

    /// The page size.
    #[must_use]
    pub const fn limit(&self) -> u32 {
        self.limit
    }

    /// How many rows an adapter fetches: one more than the page, to learn whether another
    /// page follows without counting.
    #[must_use]
    pub const fn fetch_limit(&self) -> i64 {
        self.limit as i64 + 1
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::first()
    }
}

/// One page of a list, and the cursor of the next page if there is one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Pass this back to read the next page; `None` on the last page.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from rows fetched with [`PageRequest::fetch_limit`], already in the list's
    /// order: keeps `limit` of them and, if there were more, sets the next cursor from the last
    /// item kept.
    pub fn from_overfetch(
        mut rows: Vec<T>,
        request: PageRequest,
        key: impl Fn(&T) -> (DateTime<Utc>, Uuid),
    ) -> Self {
        let limit = request.limit() as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| {
                let (at, id) = key(last);
                Cursor {
                    at,
                    id,
                    list: request.list,
                }
            })
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }

    /// An empty last page.
    #[must_use]
    pub const fn empty() -> Self {
        Self {
            items: Vec::new(),
            next_cursor: None,
        }
    }

    /// Converts every item, keeping the cursor.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}
