//! The dashboard's routes: the login, the pages behind it, and the errors
//! as answers.

use axum::extract::{Form, Path, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Deserialize;

use super::{live, pages, App};
use crate::clinic::accounts::{self, LOGIN_LASTS};
use crate::clinic::error::ClinicError;
use crate::clinic::read;
use crate::report;
use crate::store::SetRow;
use tower::ServiceExt;

/// The login cookie's name.
const COOKIE: &str = "formcheck_login";

/// The therapist of a request, once the login is checked.
#[derive(Debug, Clone)]
pub(super) struct Therapist(pub String);

/// Why a request failed, as an answer.
#[derive(Debug, thiserror::Error)]
pub(super) enum WebError {
    /// Nothing there.
    #[error("{0}")]
    NotFound(String),
    /// The database or the report failed.
    #[error("{0}")]
    Failed(String),
}

impl From<ClinicError> for WebError {
    fn from(e: ClinicError) -> WebError {
        WebError::Failed(e.to_string())
    }
}

impl From<crate::store::StoreError> for WebError {
    fn from(e: crate::store::StoreError) -> WebError {
        WebError::Failed(e.to_string())
    }
}

impl From<report::ReportError> for WebError {
    fn from(e: report::ReportError) -> WebError {
        WebError::Failed(e.to_string())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match &self {
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Failed(why) => {
                tracing::error!("dashboard: {why}");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        (
            status,
            Html(pages::problem(&self.to_string()).into_string()),
        )
            .into_response()
    }
}

impl App {
    /// Runs `work` with a pooled connection on a blocking thread.
    pub(super) async fn db<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut postgres::Client, &str) -> Result<T, WebError> + Send + 'static,
    ) -> Result<T, WebError> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = app
                .pool
                .get()
                .map_err(|e| WebError::Failed(format!("the database {}: {e}", app.server)))?;
            work(&mut conn, &app.server)
        })
        .await
        .map_err(|e| WebError::Failed(format!("a request failed: {e}")))?
    }
}

/// Every route: the login form is open, the rest needs a login.
pub(super) fn router(app: App) -> Router {
    Router::new()
        .route("/", get(board))
        .route("/board/stream", get(live::stream))
        .route("/patients", get(patients))
        .route("/patients/{pseudonym}", get(patient))
        .route("/sessions/{id}", get(session))
        .route("/sessions/{id}/report.html", get(report_file))
        .route("/sessions/{id}/{file}", get(export))
        .route("/sets/{id}", get(set_page))
        .route("/sets/{id}/video.webm", get(set_video))
        .route("/logout", post(logout))
        .layer(middleware::from_fn_with_state(app.clone(), require_login))
        .route("/login", get(login_form).post(login))
        .with_state(app)
}

/// The token of the login cookie, if the request has one.
fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

/// Lets a request with a current login through (with its [`Therapist`]);
/// sends a browser's page request to the login form and answers anything
/// else 401.
async fn require_login(State(app): State<App>, mut request: Request, next: Next) -> Response {
    let who = match token(request.headers()) {
        Some(token) => {
            app.db(move |db, server| Ok(accounts::who(db, server, &token)?))
                .await
        }
        None => Ok(None),
    };
    match who {
        Ok(Some(name)) => {
            request.extensions_mut().insert(Therapist(name));
            next.run(request).await
        }
        Ok(None) => {
            let page = request.method() == Method::GET
                && request
                    .headers()
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("text/html"));
            if page {
                Redirect::to("/login").into_response()
            } else {
                (StatusCode::UNAUTHORIZED, "log in first: /login").into_response()
            }
        }
        Err(e) => e.into_response(),
    }
}

async fn login_form() -> Html<String> {
    Html(pages::login(false).into_string())
}

/// The login form's fields.
#[derive(Deserialize)]
struct Login {
    name: String,
    password: String,
}

async fn login(State(app): State<App>, Form(form): Form<Login>) -> Result<Response, WebError> {
    let token = app
        .db(move |db, server| Ok(accounts::log_in(db, server, &form.name, &form.password)?))
        .await?;
    let Some(token) = token else {
        return Ok((
            StatusCode::UNAUTHORIZED,
            Html(pages::login(true).into_string()),
        )
            .into_response());
    };
    let secure = if app.secure_cookie { "; Secure" } else { "" };
    let cookie = format!(
        "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        LOGIN_LASTS.as_secs()
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response())
}

async fn logout(State(app): State<App>, headers: HeaderMap) -> Result<Response, WebError> {
    if let Some(token) = token(&headers) {
        app.db(move |db, server| Ok(accounts::log_out(db, server, &token)?))
            .await?;
    }
    let cookie = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}

async fn board(
    State(app): State<App>,
    Extension(who): Extension<Therapist>,
) -> Result<Html<String>, WebError> {
    let stations = app.db(|db, server| Ok(read::stations(db, server)?)).await?;
    Ok(Html(pages::board(&who.0, &stations).into_string()))
}

async fn patients(
    State(app): State<App>,
    Extension(who): Extension<Therapist>,
) -> Result<Html<String>, WebError> {
    let patients = app.db(|db, server| Ok(read::patients(db, server)?)).await?;
    Ok(Html(pages::patients(&who.0, &patients).into_string()))
}

async fn patient(
    State(app): State<App>,
    Extension(who): Extension<Therapist>,
    Path(pseudonym): Path<String>,
) -> Result<Html<String>, WebError> {
    let therapist = who.0.clone();
    let sessions = app
        .db(move |db, server| {
            let store = read::patient_store(db, server, &pseudonym)?
                .ok_or_else(|| WebError::NotFound(format!("no patient {pseudonym}")))?;
            accounts::audit(
                db,
                server,
                &therapist,
                "opened the patient",
                Some(&pseudonym),
            )?;
            let sessions = store.sessions(Some(&pseudonym))?;
            Ok((pseudonym, sessions))
        })
        .await?;
    Ok(Html(
        pages::patient(&who.0, &sessions.0, &sessions.1).into_string(),
    ))
}

/// A session's report input, its patient and its sets (id, number,
/// exercise).
type SessionReport = (String, report::ReportInput, Vec<(i64, u32, String)>);

/// The patient of session `id` and their record copied from the server,
/// the opening audited as `therapist` `action` the session.
fn session_store(
    db: &mut postgres::Client,
    server: &str,
    therapist: &str,
    id: i64,
    action: &str,
) -> Result<(String, crate::store::Store), WebError> {
    let pseudonym = read::patient_of_session(db, server, id)?
        .ok_or_else(|| WebError::NotFound(format!("no session {id}")))?;
    let store = read::patient_store(db, server, &pseudonym)?
        .ok_or_else(|| WebError::NotFound(format!("no patient {pseudonym}")))?;
    accounts::audit(
        db,
        server,
        therapist,
        &format!("{action} session {id}"),
        Some(&pseudonym),
    )?;
    Ok((pseudonym, store))
}

/// Session `id`'s report input, its patient and its sets, the opening
/// audited as `action`.
async fn session_report(
    app: &App,
    who: &Therapist,
    id: i64,
    action: &'static str,
) -> Result<SessionReport, WebError> {
    let therapist = who.0.clone();
    app.db(move |db, server| {
        let (pseudonym, store) = session_store(db, server, &therapist, id, action)?;
        let sets = store
            .session(id)?
            .sets
            .into_iter()
            .map(|s| (s.id, s.number, s.exercise))
            .collect();
        Ok((pseudonym, report::input_from_store(&store, id)?, sets))
    })
    .await
}

/// Session `id` as a FHIR R4 bundle (JSON), the export audited.
async fn session_fhir(app: &App, who: &Therapist, id: i64) -> Result<String, WebError> {
    let therapist = who.0.clone();
    app.db(move |db, server| {
        let action = "exported the FHIR bundle of";
        let (_, store) = session_store(db, server, &therapist, id, action)?;
        let bundle = report::fhir::bundle(&store, id)?;
        serde_json::to_string_pretty(&bundle).map_err(|e| WebError::Failed(e.to_string()))
    })
    .await
}

/// Set `id` and its patient, the opening audited.
async fn set_of(app: &App, who: &Therapist, id: i64) -> Result<(String, SetRow), WebError> {
    let therapist = who.0.clone();
    app.db(move |db, server| {
        let (session, pseudonym) = read::owner_of_set(db, server, id)?
            .ok_or_else(|| WebError::NotFound(format!("no set {id}")))?;
        let store = read::patient_store(db, server, &pseudonym)?
            .ok_or_else(|| WebError::NotFound(format!("no patient {pseudonym}")))?;
        let set = store
            .session(session)?
            .sets
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| WebError::NotFound(format!("no set {id}")))?;
        accounts::audit(
            db,
            server,
            &therapist,
            &format!("opened set {} of session {session}", set.number),
            Some(&pseudonym),
        )?;
        Ok((pseudonym, set))
    })
    .await
}

async fn set_page(
    State(app): State<App>,
    Extension(who): Extension<Therapist>,
    Path(id): Path<i64>,
) -> Result<Html<String>, WebError> {
    let (pseudonym, set) = set_of(&app, &who, id).await?;
    Ok(Html(
        pages::set_page(&who.0, &pseudonym, &set).into_string(),
    ))
}

/// The set's overlay video as WebM, made on first asking and kept in the
/// dashboard's cache; served with ranges, so the browser can seek.
async fn set_video(
    State(app): State<App>,
    Extension(who): Extension<Therapist>,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Response, WebError> {
    let (_, set) = set_of(&app, &who, id).await?;
    let source = set
        .recordings
        .iter()
        .find(|(kind, _)| kind == "overlay_video")
        .map(|(_, path)| path.clone())
        .ok_or_else(|| WebError::NotFound(format!("set {id} has no video")))?;
    let target = app.cache.join(format!("set-{id}.webm"));
    if !target.exists() {
        // One at a time: a second request for the same set finds it made.
        let _one = app.encoding.lock().await;
        if !target.exists() {
            let (from, to) = (source.clone(), target.clone());
            tokio::task::spawn_blocking(move || crate::recording::web::to_web(&from, &to))
                .await
                .map_err(|e| WebError::Failed(e.to_string()))?
                .map_err(|e| WebError::Failed(format!("set {id}'s video: {e}")))?;
        }
    }
    match tower_http::services::ServeFile::new(&target)
        .oneshot(request)
        .await
    {
        Ok(file) => Ok(file.into_response()),
        Err(never) => match never {},
    }
}

async fn session(
    State(app): State<App>,
    Extension(who): Extension<Therapist>,
    Path(id): Path<i64>,
) -> Result<Html<String>, WebError> {
    let (pseudonym, input, sets) = session_report(&app, &who, id, "opened").await?;
    let html = tokio::task::spawn_blocking(move || report::render(&input))
        .await
        .map_err(|e| WebError::Failed(e.to_string()))??;
    Ok(Html(pages::with_bar(&who.0, &pseudonym, id, &sets, &html)))
}

async fn report_file(
    State(app): State<App>,
    Extension(who): Extension<Therapist>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (_, input, _) = session_report(&app, &who, id, "exported the report of").await?;
    let html = tokio::task::spawn_blocking(move || report::render(&input))
        .await
        .map_err(|e| WebError::Failed(e.to_string()))??;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"formcheck-session-{id}.html\""),
            ),
        ],
        html,
    )
        .into_response())
}

/// A session's export: `reps.csv`, `flags.csv`, `progress.json` (the
/// patient's progress over weeks) or `fhir.json` (the session as a FHIR R4
/// bundle).
async fn export(
    State(app): State<App>,
    Extension(who): Extension<Therapist>,
    Path((id, file)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    let kind = match file.as_str() {
        "reps.csv" | "flags.csv" => "text/csv; charset=utf-8",
        "progress.json" => "application/json",
        "fhir.json" => "application/fhir+json",
        _ => {
            return Err(WebError::NotFound(format!(
                "no {file}: reps.csv, flags.csv, progress.json or fhir.json"
            )))
        }
    };
    let text = if file == "fhir.json" {
        session_fhir(&app, &who, id).await?
    } else {
        let (_, input, _) = session_report(&app, &who, id, "exported the data of").await?;
        let name = file.clone();
        tokio::task::spawn_blocking(move || {
            let dir = tempfile::tempdir().map_err(|e| WebError::Failed(e.to_string()))?;
            report::write_csv(&input, dir.path())?;
            std::fs::read_to_string(dir.path().join(&name))
                .map_err(|e| WebError::Failed(e.to_string()))
        })
        .await
        .map_err(|e| WebError::Failed(e.to_string()))??
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"formcheck-session-{id}-{file}\""),
            ),
        ],
        text,
    )
        .into_response())
}
