//! Password hashing with Argon2id, off the async threads.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

/// Argon2id at OWASP's recommended parameters (19 MiB, 2 passes, 1 lane),
/// which are the crate's defaults; checked by a test.
fn argon2() -> Argon2<'static> {
    Argon2::default()
}

/// Hashes a password off the async threads (it takes tens of milliseconds).
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        argon2()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
    })
    .await?
}

/// A hash of nothing anyone knows, verified against when the account does not
/// exist, so that an unknown email costs as much time as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3b6ZbBEfS9CZJZHyc9y3ZHwKtdM2p6TvDjYAbzbq6uo";

/// Whether `password` matches `hash`; with no hash, spends the same effort
/// and answers no.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let matches = argon2()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok();
        known && matches
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2_uses_owasp_parameters() {
        let params = argon2::Params::default();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (19 * 1024, 2, 1)
        );
        assert_eq!(argon2::Algorithm::default(), argon2::Algorithm::Argon2id);
    }

    #[tokio::test]
    async fn a_password_verifies_against_its_hash_only() {
        let hash = hash_password("桔子树下的老房子".to_owned())
            .await
            .expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("桔子树下的老房子".to_owned(), Some(hash.clone())).await);
        assert!(!verify_password("wrong password".to_owned(), Some(hash)).await);
        assert!(!verify_password("anything".to_owned(), None).await);
    }

    #[test]
    fn the_dummy_hash_is_a_valid_argon2id_hash() {
        assert!(argon2::PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
