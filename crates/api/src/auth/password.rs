//! argon2id password hashing, off the async executor.

use argon2::password_hash::{
    PasswordHash as PhcHash, PasswordHasher as _, PasswordVerifier as _, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use sophie_domain::values::{Password, PasswordHash};
use sophie_domain::{DomainError, DomainResult, PasswordHasher};

/// argon2id with at least OWASP's parameters: 19 MiB of memory, 2 iterations, 1 lane.
#[derive(Clone)]
pub struct Argon2Hasher {
    params: Params,
    /// A real hash to verify against when the account does not exist, so an unknown email
    /// costs the same work as a wrong password.
    decoy: String,
}

impl std::fmt::Debug for Argon2Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Argon2Hasher")
            .field("m_cost_kib", &self.params.m_cost())
            .field("t_cost", &self.params.t_cost())
            .finish()
    }
}

impl Argon2Hasher {
    /// OWASP's minimum: m = 19456 KiB, t = 2, p = 1.
    ///
    /// # Errors
    ///
    /// `Internal` if the parameters are refused or the decoy cannot be hashed.
    pub fn owasp() -> DomainResult<Self> {
        Self::with_params(19 * 1024, 2, 1)
    }

    /// Custom costs (never below OWASP's in production; tests may go lower).
    ///
    /// # Errors
    ///
    /// `Internal` if argon2 refuses the parameters.
    pub fn with_params(memory_kib: u32, iterations: u32, lanes: u32) -> DomainResult<Self> {
        let params = Params::new(memory_kib, iterations, lanes, None)
            .map_err(|e| DomainError::internal(format!("argon2 parameters: {e}")))?;
        let decoy = hash_with(&params, "decoy password, never a real one")?;
        Ok(Self { params, decoy })
    }

    fn argon2(params: &Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
    }
}

fn hash_with(params: &Params, password: &str) -> DomainResult<String> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| DomainError::internal(format!("no randomness from the OS: {e}")))?;
    let salt = SaltString::encode_b64(&bytes)
        .map_err(|e| DomainError::internal(format!("argon2 salt: {e}")))?;
    Argon2Hasher::argon2(params)
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| DomainError::internal(format!("argon2 hashing: {e}")))
}

fn verify_with(params: &Params, password: &str, phc: &str) -> DomainResult<bool> {
    let parsed = PhcHash::new(phc)
        .map_err(|e| DomainError::internal(format!("stored hash unreadable: {e}")))?;
    // The stored hash's own parameters decide the work, so old hashes keep verifying.
    Ok(Argon2Hasher::argon2(params)
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

async fn off_executor<T: Send + 'static>(
    work: impl FnOnce() -> DomainResult<T> + Send + 'static,
) -> DomainResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| DomainError::internal(format!("hashing task failed: {e}")))?
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: Password) -> DomainResult<PasswordHash> {
        let params = self.params.clone();
        off_executor(move || hash_with(&params, password.expose()))
            .await
            .map(PasswordHash::new)
    }

    async fn verify(&self, password: Password, hash: PasswordHash) -> DomainResult<bool> {
        let params = self.params.clone();
        off_executor(move || verify_with(&params, password.expose(), hash.as_str())).await
    }

    async fn waste_equivalent_time(&self, password: Password) {
        let params = self.params.clone();
        let decoy = self.decoy.clone();
        let _ = off_executor(move || verify_with(&params, password.expose(), &decoy)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_the_right_password_only() {
        let hasher = Argon2Hasher::with_params(8, 1, 1).unwrap();
        let hash = hasher
            .hash(Password::parse("correct horse").unwrap())
            .await
            .unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$"));
        assert!(
            hasher
                .verify(Password::parse("correct horse").unwrap(), hash.clone())
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(Password::parse("wrong horse!").unwrap(), hash)
                .await
                .unwrap()
        );
    }

    #[test]
    fn the_production_costs_are_owasps() {
        let hasher = Argon2Hasher::owasp().unwrap();
        assert!(hasher.params.m_cost() >= 19 * 1024);
        assert!(hasher.params.t_cost() >= 2);
        assert_eq!(hasher.params.p_cost(), 1);
        assert!(hasher.decoy.contains("m=19456,t=2,p=1"));
    }
}
