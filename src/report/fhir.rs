//! A session as a FHIR R4 bundle a clinic can file (`formcheck report
//! --fhir`): the Patient by pseudonym only, the session as an Encounter,
//! the outcome measures' answers as QuestionnaireResponses (the PSFS's
//! activities, the clinic's questionnaire's items), and Observations for
//! pain, the measures' scores and the range each set reached with its
//! flags. A `collection` bundle: its entries refer to one another by their
//! `urn:uuid:` full URLs, stable for a session (UUID v5 of the session and
//! the entry), so the same session always gives the same bundle.

use serde_json::{json, Value};
use uuid::Uuid;

use super::from_store::best_range;
use super::ReportError;
use crate::analysis::config::Exercise;
use crate::store::{Outcome, SessionDetail, SessionId, Store, PSFS, SCORE_ITEM};

/// The namespace of formcheck's UUID v5 identifiers.
const NAMESPACE: Uuid = Uuid::from_u128(0x6a0b_7f1e_3c55_4d1b_9f0e_2f6c_8a41_d7e3);
/// The identifier system of patients' pseudonyms.
const PSEUDONYM_SYSTEM: &str = "urn:formcheck:pseudonym";
/// LOINC: pain severity, 0–10 verbal numeric rating, reported.
const PAIN_LOINC: &str = "72514-3";
/// HL7's act codes (the Encounter's class).
const ACT_CODES: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// UCUM, for the units of quantities.
const UCUM: &str = "http://unitsofmeasure.org";

/// Builds the entries of one session's bundle.
struct Entries {
    session: SessionId,
    entries: Vec<Value>,
    /// The Patient's and the Encounter's full URLs, once added.
    patient: String,
    encounter: String,
}

impl Entries {
    /// The full URL of the session's entry `name`.
    fn url(&self, name: &str) -> String {
        let id = Uuid::new_v5(
            &NAMESPACE,
            format!("session/{}/{name}", self.session).as_bytes(),
        );
        format!("urn:uuid:{id}")
    }

    /// Adds `resource` as the entry `name`; its full URL.
    fn add(&mut self, name: &str, mut resource: Value) -> String {
        let url = self.url(name);
        resource["id"] = json!(url.trim_start_matches("urn:uuid:"));
        self.entries
            .push(json!({ "fullUrl": url, "resource": resource }));
        url
    }
}

/// The session `session` of `store` as a FHIR R4 bundle (JSON).
pub fn bundle(store: &Store, session: SessionId) -> Result<Value, ReportError> {
    let detail: SessionDetail = store.session(session)?;
    let outcomes: Vec<Outcome> = store.session_outcomes(session)?;
    let mut e = Entries {
        session,
        entries: Vec::new(),
        patient: String::new(),
        encounter: String::new(),
    };
    e.patient = e.add(
        "patient",
        json!({
            "resourceType": "Patient",
            "identifier": [{ "system": PSEUDONYM_SYSTEM, "value": detail.patient }],
        }),
    );
    let mut period = json!({ "start": detail.started_at });
    if let Some(end) = &detail.ended_at {
        period["end"] = json!(end);
    }
    e.encounter = e.add(
        "encounter",
        json!({
            "resourceType": "Encounter",
            "status": if detail.ended_at.is_some() { "finished" } else { "in-progress" },
            "class": { "system": ACT_CODES, "code": "HH", "display": "home health" },
            "subject": { "reference": e.patient },
            "period": period,
            "reasonCode": [{ "text": "Exercise session for low back pain, formcheck" }],
        }),
    );
    e.pain(&outcomes);
    e.measures(&outcomes);
    e.sets(&detail);
    Ok(json!({
        "resourceType": "Bundle",
        "id": e.url("bundle").trim_start_matches("urn:uuid:"),
        "type": "collection",
        "timestamp": detail.ended_at.as_deref().unwrap_or(&detail.started_at),
        "entry": e.entries,
    }))
}

impl Entries {
    /// An Observation of `text` at `at` for the patient in the session,
    /// its value given by `value` (one `value[x]` field).
    fn observation(&self, text: &str, at: &str, value: (&str, Value)) -> Value {
        let mut o = json!({
            "resourceType": "Observation",
            "status": "final",
            "code": { "text": text },
            "subject": { "reference": self.patient },
            "encounter": { "reference": self.encounter },
            "effectiveDateTime": at,
        });
        o[value.0] = value.1;
        o
    }

    /// Pain, back and leg, at the session's start and end.
    fn pain(&mut self, outcomes: &[Outcome]) {
        for o in outcomes.iter().filter(|o| o.measure.ends_with("_pain")) {
            let part = if o.measure == "back_pain" {
                "back"
            } else {
                "leg"
            };
            let moment = o.moment.replace('_', " ");
            let mut obs = self.observation(
                &format!("Pain in the {part} ({moment}), 0-10"),
                &o.taken_at,
                ("valueInteger", json!(o.value.round() as i64)),
            );
            obs["code"]["coding"] = json!([{
                "system": "http://loinc.org",
                "code": PAIN_LOINC,
                "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
            }]);
            obs["bodySite"] = json!({ "text": if part == "back" { "lower back" } else { "leg" } });
            self.add(&format!("pain/{}/{}", o.measure, o.moment), obs);
        }
    }

    /// The PSFS and the clinic's questionnaire: their answers, and scores.
    fn measures(&mut self, outcomes: &[Outcome]) {
        let mut measures: Vec<&str> = Vec::new();
        for o in outcomes.iter().filter(|o| !o.measure.ends_with("_pain")) {
            if !measures.contains(&o.measure.as_str()) {
                measures.push(&o.measure);
            }
        }
        for measure in measures {
            let answers: Vec<&Outcome> = outcomes
                .iter()
                .filter(|o| o.measure == measure && o.item.as_deref() != Some(SCORE_ITEM))
                .collect();
            let Some(first) = answers.first() else {
                continue;
            };
            let items: Vec<Value> = answers
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let item = o.item.clone().unwrap_or_default();
                    let (link, text) = if measure == PSFS {
                        ((i + 1).to_string(), item)
                    } else {
                        (item.clone(), format!("Item {item}"))
                    };
                    json!({
                        "linkId": link,
                        "text": text,
                        "answer": [{ "valueInteger": o.value.round() as i64 }],
                    })
                })
                .collect();
            let title = match measure {
                PSFS => "Patient-Specific Functional Scale".to_string(),
                other => format!("{} (the clinic's licensed wording)", other.to_uppercase()),
            };
            let response = json!({
                "resourceType": "QuestionnaireResponse",
                "status": "completed",
                "questionnaire": format!("urn:formcheck:questionnaire:{measure}"),
                "subject": { "reference": self.patient },
                "encounter": { "reference": self.encounter },
                "authored": first.taken_at,
                "item": items,
            });
            self.add(&format!("answers/{measure}"), response);
            let score = outcomes
                .iter()
                .find(|o| o.measure == measure && o.item.as_deref() == Some(SCORE_ITEM));
            if let Some(score) = score {
                let unit = if measure == "odi" { "%" } else { "{score}" };
                let quantity =
                    json!({ "value": score.value, "unit": unit, "system": UCUM, "code": unit });
                let obs = self.observation(
                    &format!("{title}: score"),
                    &score.taken_at,
                    ("valueQuantity", quantity),
                );
                self.add(&format!("score/{measure}"), obs);
            }
        }
    }

    /// Each set: the range its reps reached, or its longest hold; and its
    /// flags.
    fn sets(&mut self, detail: &SessionDetail) {
        for set in &detail.sets {
            let exercise = Exercise::named(&set.exercise).ok();
            let title = exercise
                .as_ref()
                .map_or_else(|| set.exercise.clone(), |e| e.title.clone());
            let at = set.finished_at.as_deref().unwrap_or(&set.started_at);
            let flags =
                json!({ "code": { "text": "form flags raised" }, "valueInteger": set.flags.len() });
            let (text, quantity, mut components) =
                if let Some(held) = set.holds.iter().map(|h| h.duration_s).reduce(f64::max) {
                    (
                        format!("{title}, set {}: longest correct hold", set.number),
                        json!({ "value": held, "unit": "s", "system": UCUM, "code": "s" }),
                        Vec::new(),
                    )
                } else {
                    let metric = exercise
                        .as_ref()
                        .and_then(|e| e.reps.as_ref())
                        .map(|r| r.metric);
                    let (Some(range), Some(metric)) = (best_range(set), metric) else {
                        continue;
                    };
                    // Angles in UCUM's degrees; a ratio has no unit.
                    let (code, unit) = match metric.range().2 {
                        "degrees" => ("deg", "deg"),
                        _ => ("1", "ratio"),
                    };
                    (
                        format!(
                            "{title}, set {}: {}, furthest over the reps (a camera's proxy)",
                            set.number,
                            metric.name().replace('_', " ")
                        ),
                        json!({ "value": range, "unit": unit, "system": UCUM, "code": code }),
                        vec![json!({ "code": { "text": "reps" }, "valueInteger": set.reps.len() })],
                    )
                };
            components.push(flags);
            let mut obs = self.observation(&text, at, ("valueQuantity", quantity));
            obs["component"] = Value::Array(components);
            self.add(&format!("set/{}", set.number), obs);
        }
    }
}
