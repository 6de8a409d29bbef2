//! The live board's stream: the stations' rows, rendered on the server,
//! sent as a server-sent event whenever they change.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};

use super::{pages, App};
use crate::clinic::read;

/// How often the stations are read.
const EVERY: Duration = Duration::from_secs(1);

/// The board's rows as events: the first at once, then each change.
pub(super) async fn stream(
    State(app): State<App>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rows = stream::unfold((app, None::<String>), |(app, last)| async move {
        loop {
            if last.is_some() {
                tokio::time::sleep(EVERY).await;
            }
            let rendered = app
                .db(|db, server| Ok(read::stations(db, server)?))
                .await
                .map(|stations| pages::board_rows(&stations).into_string());
            match rendered {
                Ok(rows) if last.as_ref() != Some(&rows) => {
                    let event = Event::default().data(rows.clone());
                    return Some((Ok(event), (app, Some(rows))));
                }
                Ok(_) => {}
                // Said in the server's log; the board keeps its last rows.
                Err(e) => {
                    tracing::warn!("live board: {e}");
                    tokio::time::sleep(EVERY).await;
                }
            }
        }
    });
    Sse::new(rows).keep_alive(KeepAlive::default())
}
