//! Domain values kept in `jsonb` columns, written with serde and read back with it: the sources
//! a generated card, question or guide rests on, and what a generation was asked for.
//!
//! Each wrapper is the column's Rust type, so rows carrying one convert to entities without a
//! fallible step; a stored document that no longer reads as the value fails the row's decoding
//! (an internal error), never silently.

use std::io::Write as _;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Jsonb;
use sophie_domain::{EventProposal, GenerationSettings, SourceQuote};

/// The version byte of PostgreSQL's binary `jsonb` format, before the JSON text.
const JSONB_VERSION: u8 = 1;

macro_rules! json_column {
    ($(#[$doc:meta])* $wrapper:ident($value:ty)) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, AsExpression, FromSqlRow)]
        #[diesel(sql_type = Jsonb)]
        pub(crate) struct $wrapper(pub(crate) $value);

        impl ToSql<Jsonb, Pg> for $wrapper {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                out.write_all(&[JSONB_VERSION])?;
                serde_json::to_writer(out, &self.0)?;
                Ok(IsNull::No)
            }
        }

        impl FromSql<Jsonb, Pg> for $wrapper {
            fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
                let json = <serde_json::Value as FromSql<Jsonb, Pg>>::from_sql(value)?;
                Ok(Self(serde_json::from_value(json)?))
            }
        }
    };
}

json_column!(
    /// `sources` of `flashcards`, `questions` and `study_guides`: an array of
    /// [`SourceQuote`]s (camelCase keys), `[]` for hand-written items.
    SourcesJson(Vec<SourceQuote>)
);

json_column!(
    /// `generation_jobs.options`: the job's [`GenerationSettings`] (camelCase keys).
    SettingsJson(GenerationSettings)
);

json_column!(
    /// `event_extractions.proposals`: an array of [`EventProposal`]s (camelCase keys).
    ProposalsJson(Vec<EventProposal>)
);
