//! The domain's enums as PostgreSQL enum values. Each wrapper carries a domain enum across the
//! boundary; its text is the enum's UPPER_SNAKE string on both sides.

use std::io::Write as _;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};

macro_rules! pg_enum {
    ($wrapper:ident, $domain:ident) => {
        #[doc = concat!("[`sophie_domain::", stringify!($domain), "`] as the PostgreSQL enum.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
        #[diesel(sql_type = crate::schema::sql_types::$domain)]
        pub(crate) struct $wrapper(pub(crate) sophie_domain::$domain);

        impl ToSql<crate::schema::sql_types::$domain, Pg> for $wrapper {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                out.write_all(self.0.as_str().as_bytes())?;
                Ok(IsNull::No)
            }
        }

        impl FromSql<crate::schema::sql_types::$domain, Pg> for $wrapper {
            fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
                let text = std::str::from_utf8(value.as_bytes())?;
                Ok(Self(text.parse()?))
            }
        }

        impl From<sophie_domain::$domain> for $wrapper {
            fn from(value: sophie_domain::$domain) -> Self {
                Self(value)
            }
        }

        impl From<$wrapper> for sophie_domain::$domain {
            fn from(value: $wrapper) -> Self {
                value.0
            }
        }
    };
}

pg_enum!(PgDifficulty, Difficulty);
pg_enum!(PgQuestionType, QuestionType);
pg_enum!(PgMessageType, MessageType);
pg_enum!(PgEventType, EventType);
pg_enum!(PgPriority, Priority);
pg_enum!(PgImportSource, ImportSource);
pg_enum!(PgJobStatus, JobStatus);
pg_enum!(PgGenerationKind, GenerationKind);
pg_enum!(PgNoteSource, NoteSource);
pg_enum!(PgDocumentStatus, DocumentStatus);
pg_enum!(PgNotificationType, NotificationType);
pg_enum!(PgCardState, CardState);
pg_enum!(PgReviewRating, ReviewRating);
