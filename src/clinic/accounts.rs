//! Therapists' accounts on the clinic's server: passwords hashed with
//! Argon2id, logins held as the SHA-256 of a random token (the browser's
//! cookie holds the token; the server never keeps it), and the audit log of
//! who opened which patient's data.

use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use postgres::GenericClient;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::error::ClinicError;
use super::server::sql;

/// How long a login lasts.
pub const LOGIN_LASTS: Duration = Duration::from_secs(12 * 3600);

/// Shortest password accepted.
const PASSWORD_MIN: usize = 10;

/// Adds the therapist `name` with `password`, or sets a new password for
/// one who exists.
pub fn set_therapist(
    db: &mut impl GenericClient,
    server: &str,
    name: &str,
    password: &str,
) -> Result<(), ClinicError> {
    let name = name.trim();
    let refused = ClinicError::Refused;
    if name.is_empty() {
        return Err(refused("a therapist's name is empty".into()));
    }
    if password.chars().count() < PASSWORD_MIN {
        return Err(refused(format!(
            "the password is shorter than {PASSWORD_MIN} characters: choose a longer one"
        )));
    }
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| refused(format!("cannot hash the password: {e}")))?
        .to_string();
    db.execute(
        "INSERT INTO therapists (name, password_hash, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET password_hash = EXCLUDED.password_hash",
        &[&name, &hash, &crate::store::now()],
    )
    .map_err(sql(server, "cannot record the therapist"))?;
    Ok(())
}

/// Checks `name`'s `password`; on success a new login's token (for the
/// browser's cookie). `None` for an unknown name or a wrong password (the
/// two are not told apart).
pub fn log_in(
    db: &mut impl GenericClient,
    server: &str,
    name: &str,
    password: &str,
) -> Result<Option<String>, ClinicError> {
    let hash: Option<String> = db
        .query_opt(
            "SELECT password_hash FROM therapists WHERE name = $1",
            &[&name.trim()],
        )
        .map_err(sql(server, "cannot look the therapist up"))?
        .map(|r| r.get(0));
    let Some(hash) = hash else {
        // The same work as a wrong password: a name is not revealed by time.
        let _ =
            Argon2::default().hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng));
        return Ok(None);
    };
    let matches = PasswordHash::new(&hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    });
    if !matches {
        return Ok(None);
    }
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let expires = OffsetDateTime::now_utc() + LOGIN_LASTS;
    db.execute(
        "INSERT INTO logins (token_sha256, therapist, expires_at) VALUES ($1, $2, $3)",
        &[
            &token_hash(&token),
            &name.trim(),
            &crate::store::rfc3339(expires),
        ],
    )
    .map_err(sql(server, "cannot record the login"))?;
    db.execute(
        "DELETE FROM logins WHERE expires_at < $1",
        &[&crate::store::now()],
    )
    .map_err(sql(server, "cannot clear old logins"))?;
    Ok(Some(token))
}

/// The therapist logged in with `token`, if the login is current.
pub fn who(
    db: &mut impl GenericClient,
    server: &str,
    token: &str,
) -> Result<Option<String>, ClinicError> {
    Ok(db
        .query_opt(
            "SELECT therapist FROM logins WHERE token_sha256 = $1 AND expires_at > $2",
            &[&token_hash(token), &crate::store::now()],
        )
        .map_err(sql(server, "cannot check the login"))?
        .map(|r| r.get(0)))
}

/// Ends the login of `token`.
pub fn log_out(db: &mut impl GenericClient, server: &str, token: &str) -> Result<(), ClinicError> {
    db.execute(
        "DELETE FROM logins WHERE token_sha256 = $1",
        &[&token_hash(token)],
    )
    .map_err(sql(server, "cannot end the login"))?;
    Ok(())
}

/// Records that `therapist` did `action` (opened a patient, a session,
/// exported) on `patient`'s data.
pub fn audit(
    db: &mut impl GenericClient,
    server: &str,
    therapist: &str,
    action: &str,
    patient: Option<&str>,
) -> Result<(), ClinicError> {
    db.execute(
        "INSERT INTO audit_log (at, therapist, action, patient) VALUES ($1, $2, $3, $4)",
        &[&crate::store::now(), &therapist, &action, &patient],
    )
    .map_err(sql(server, "cannot write the audit log"))?;
    Ok(())
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
