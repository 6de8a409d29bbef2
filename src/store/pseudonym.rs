//! A patient's pseudonym: the only name formcheck keeps for a patient, so
//! it is checked before anything is asked or written. Letters, digits and
//! `-`, `_`, `.` (a letter or digit first), at most [`MAX_CHARS`]: it goes
//! into the database, the terminal and the report, never into a path.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// Longest pseudonym, characters.
pub const MAX_CHARS: usize = 40;

/// A checked pseudonym.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pseudonym(String);

/// Why a pseudonym is refused.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum PseudonymError {
    /// Nothing but spaces.
    #[error("the pseudonym is empty")]
    Empty,
    /// Longer than [`MAX_CHARS`].
    #[error("the pseudonym has {0} characters: at most {MAX_CHARS}")]
    TooLong(usize),
    /// A character outside letters, digits and `-`, `_`, `.`, or a first
    /// character that is not a letter or digit.
    #[error("the pseudonym may hold letters, digits, `-`, `_` and `.`, starting with a letter or digit (found {0:?})")]
    Character(char),
}

impl FromStr for Pseudonym {
    type Err = PseudonymError;

    fn from_str(s: &str) -> Result<Pseudonym, PseudonymError> {
        let s = s.trim();
        let mut chars = s.chars();
        let first = chars.next().ok_or(PseudonymError::Empty)?;
        let count = s.chars().count();
        if count > MAX_CHARS {
            return Err(PseudonymError::TooLong(count));
        }
        if !first.is_alphanumeric() {
            return Err(PseudonymError::Character(first));
        }
        if let Some(bad) = chars.find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
            return Err(PseudonymError::Character(bad));
        }
        Ok(Pseudonym(s.to_string()))
    }
}

impl Pseudonym {
    /// The pseudonym as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_pseudonyms_are_kept() {
        for ok in ["P1", "jane-doe", "Ünal_2", "a.b", " P7 "] {
            let p: Pseudonym = ok.parse().unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(p.as_str(), ok.trim());
        }
    }

    #[test]
    fn paths_controls_and_long_names_are_refused() {
        for (bad, why) in [
            ("../../etc", PseudonymError::Character('.')),
            ("/etc", PseudonymError::Character('/')),
            ("a/b", PseudonymError::Character('/')),
            ("P1\x1b[2J", PseudonymError::Character('\x1b')),
            ("P1\nP2", PseudonymError::Character('\n')),
            ("   ", PseudonymError::Empty),
        ] {
            assert_eq!(bad.parse::<Pseudonym>(), Err(why), "{bad:?}");
        }
        let long = "x".repeat(5000);
        assert_eq!(
            long.parse::<Pseudonym>(),
            Err(PseudonymError::TooLong(5000))
        );
    }
}
