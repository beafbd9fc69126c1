//! Accounts and sessions: password hashing, bearer tokens, the signed-in user extractor, rate
//! limits on sign-in and sign-up, and their routes.

pub mod password;
pub mod rate_limit;
pub mod routes;
pub mod session;
pub mod token;

pub use password::Argon2Hasher;
pub use session::CurrentUser;
