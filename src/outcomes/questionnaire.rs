//! A disability questionnaire in the clinic's own licensed wording: the
//! file format formcheck reads, and the scoring it ships. formcheck holds
//! no copyrighted text: the clinic writes its licensed copy into a file of
//! this form (an example with placeholders is in
//! `calibration/questionnaires/`).
//!
//! ```toml
//! instrument = "odi"    # or "rmdq"
//! title = "Oswestry Disability Index 2.1a"
//! licence = "Used under the clinic's licence no. ..."
//!
//! [[item]]
//! text = "Section 1: ..."
//! options = ["...", "...", "...", "...", "...", "..."]  # ODI: six, scored 0 to 5
//! ```
//!
//! Scoring:
//! - **ODI** (Oswestry Disability Index, 10 sections of six statements
//!   scored 0–5): the sum over the sections answered, divided by 5 × the
//!   sections answered, as a percentage (Fairbank & Pynsent 2000, Spine
//!   25:2940); with more than one section unanswered no score is given.
//! - **RMDQ** (Roland-Morris Disability Questionnaire, 24 statements, each
//!   yes if it applies today): the number of yes, 0–24 (Roland & Fairbank
//!   2000, Spine 25:3115); scored only with every statement answered.

use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::analysis::config::ConfigError;
use crate::toml_file;

/// The questionnaires formcheck can score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    /// Oswestry Disability Index: 10 sections, six statements each.
    Odi,
    /// Roland-Morris Disability Questionnaire: 24 yes/no statements.
    Rmdq,
}

impl Instrument {
    /// The measure's name where it is stored.
    pub fn name(self) -> &'static str {
        match self {
            Instrument::Odi => "odi",
            Instrument::Rmdq => "rmdq",
        }
    }

    /// Items the instrument has.
    pub fn items(self) -> usize {
        match self {
            Instrument::Odi => 10,
            Instrument::Rmdq => 24,
        }
    }

    /// Statements per item: six for the ODI, none (yes or no) for the RMDQ.
    fn options(self) -> usize {
        match self {
            Instrument::Odi => 6,
            Instrument::Rmdq => 0,
        }
    }

    /// The score of `answers` (one per item: the option chosen, 0–5, for
    /// the ODI; 1 for yes and 0 for no for the RMDQ; `None` unanswered), or
    /// `None` when too few were answered to score.
    pub fn score(self, answers: &[Option<u8>]) -> Option<f64> {
        let answered: Vec<f64> = answers.iter().flatten().map(|&a| f64::from(a)).collect();
        let missing = self.items().saturating_sub(answered.len());
        match self {
            Instrument::Odi if missing <= 1 && !answered.is_empty() => {
                Some(answered.iter().sum::<f64>() / (5.0 * answered.len() as f64) * 100.0)
            }
            Instrument::Rmdq if missing == 0 => Some(answered.iter().sum()),
            _ => None,
        }
    }
}

/// One item as the clinic words it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The question or statement.
    pub text: String,
    /// The statements to choose from, scored 0 upwards in order (ODI).
    #[serde(default)]
    pub options: Vec<String>,
}

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    instrument: Spanned<Instrument>,
    title: Spanned<String>,
    licence: Spanned<String>,
    #[serde(rename = "item")]
    items: Spanned<Vec<Item>>,
}

/// A questionnaire in the clinic's wording.
#[derive(Clone, Debug, PartialEq)]
pub struct Questionnaire {
    /// Which one, for the scoring.
    pub instrument: Instrument,
    /// Its title as the clinic gives it.
    pub title: String,
    /// Under which licence the clinic uses the wording.
    pub licence: String,
    /// The items, in order.
    pub items: Vec<Item>,
}

impl Questionnaire {
    /// Loads a questionnaire file and checks it against its instrument:
    /// the number of items, six statements per ODI section, none for an
    /// RMDQ statement, nothing empty.
    pub fn load(path: &Path) -> Result<Questionnaire, ConfigError> {
        let (raw, text): (Raw, String) = toml_file::read(path)?;
        let at = |offset: usize, field: &str, message: String| -> ConfigError {
            toml_file::invalid(path, &text, offset, field, message).into()
        };
        let instrument = *raw.instrument.get_ref();
        for (field, value) in [("title", &raw.title), ("licence", &raw.licence)] {
            if value.get_ref().trim().is_empty() {
                return Err(at(
                    value.span().start,
                    field,
                    "is empty: give it as the clinic's copy does".into(),
                ));
            }
        }
        let items = raw.items.get_ref();
        if items.len() != instrument.items() {
            return Err(at(
                raw.items.span().start,
                "item",
                format!(
                    "has {} items; the {} has {}",
                    items.len(),
                    instrument.name().to_uppercase(),
                    instrument.items()
                ),
            ));
        }
        for (i, item) in items.iter().enumerate() {
            let field = format!("item[{}]", i + 1);
            if item.text.trim().is_empty() || item.options.iter().any(|o| o.trim().is_empty()) {
                return Err(at(
                    raw.items.span().start,
                    &field,
                    "has empty wording".into(),
                ));
            }
            if item.options.len() != instrument.options() {
                return Err(at(
                    raw.items.span().start,
                    &field,
                    format!(
                        "has {} options; each {} item has {}",
                        item.options.len(),
                        instrument.name().to_uppercase(),
                        instrument.options()
                    ),
                ));
            }
        }
        Ok(Questionnaire {
            instrument,
            title: raw.title.into_inner(),
            licence: raw.licence.into_inner(),
            items: raw.items.into_inner(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toml_file::temp_file;

    #[test]
    fn the_odi_scores_over_the_sections_answered_and_the_rmdq_counts_yes() {
        let odi = [
            Some(1),
            Some(2),
            Some(0),
            Some(5),
            Some(3),
            Some(1),
            Some(0),
            Some(2),
            Some(1),
            Some(0),
        ];
        assert_eq!(Instrument::Odi.score(&odi), Some(30.0));
        let mut one_missing = odi;
        one_missing[3] = None;
        assert_eq!(
            Instrument::Odi.score(&one_missing),
            Some(10.0 / 45.0 * 100.0)
        );
        one_missing[4] = None;
        assert_eq!(Instrument::Odi.score(&one_missing), None);
        let mut rmdq = [Some(0); 24];
        rmdq[2] = Some(1);
        rmdq[7] = Some(1);
        assert_eq!(Instrument::Rmdq.score(&rmdq), Some(2.0));
        rmdq[0] = None;
        assert_eq!(Instrument::Rmdq.score(&rmdq), None);
    }

    #[test]
    fn the_shipped_example_loads_and_a_wrong_item_count_is_named() {
        let example = crate::data_dir::path("calibration/questionnaires/odi-example.toml");
        let odi = Questionnaire::load(&example).unwrap();
        assert_eq!((odi.instrument, odi.items.len()), (Instrument::Odi, 10));
        let text = std::fs::read_to_string(&example).unwrap();
        let cut = text.rfind("[[item]]").unwrap();
        let path = temp_file("odi-nine.toml", &text[..cut]);
        let err = Questionnaire::load(&path).unwrap_err().to_string();
        assert!(err.contains("has 9 items; the ODI has 10"), "{err}");
    }
}
