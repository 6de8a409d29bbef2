//! `formcheck serve`: the therapists' dashboard, a small web server over
//! the clinic's PostgreSQL server.
//!
//! Server-rendered pages (`maud`), one renderer per thing shown: the live
//! board's rows are rendered once and sent to the browser as server-sent
//! events, which the page swaps in. Nothing is readable without a login
//! ([`crate::clinic::accounts`]): a page asked for without one is sent to
//! the login form, anything else is answered 401. Every page that shows a
//! patient's data writes to the audit log. The server binds to loopback
//! unless told otherwise; across a network it goes behind a TLS proxy (see
//! the README), with `--secure-cookie`.
//!
//! Handlers run the database work on tokio's blocking threads with a
//! pooled connection (`r2d2`), so a slow query never stalls the others.

mod live;
mod pages;
mod routes;

use std::net::SocketAddr;
use std::sync::Arc;

use postgres::NoTls;
use r2d2_postgres::PostgresConnectionManager;

use super::error::ClinicError;
use super::server::{Server, ServerAddress};

/// Connections the dashboard keeps to the database.
const POOL_SIZE: u32 = 8;

/// How the dashboard is served.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The clinic's server.
    pub address: ServerAddress,
    /// Where to listen (loopback by default).
    pub listen: SocketAddr,
    /// Where the sets' videos made playable in a browser are kept.
    pub cache: std::path::PathBuf,
    /// Mark the login cookie `Secure` (the dashboard is behind a TLS
    /// proxy, so browsers reach it over HTTPS only).
    pub secure_cookie: bool,
}

/// What the handlers share.
#[derive(Clone)]
struct App {
    pool: r2d2_postgres::r2d2::Pool<PostgresConnectionManager<NoTls>>,
    /// The server, as shown in messages.
    server: Arc<str>,
    secure_cookie: bool,
    /// The videos made for browsers.
    cache: Arc<std::path::Path>,
    /// One video is made at a time.
    encoding: Arc<tokio::sync::Mutex<()>>,
}

/// Serves the dashboard until Ctrl-C or SIGTERM. The database's schema is
/// brought up to date first.
pub fn serve(options: &ServeOptions) -> Result<(), ClinicError> {
    drop(Server::connect(&options.address)?);
    let server: Arc<str> = options.address.to_string().into();
    let manager = PostgresConnectionManager::new(options.address.config().clone(), NoTls);
    let pool = r2d2_postgres::r2d2::Pool::builder()
        .max_size(POOL_SIZE)
        .build(manager)
        .map_err(|e| ClinicError::Refused(format!("cannot connect to {server}: {e}")))?;
    let io = |what: String| move |source| ClinicError::Io { what, source };
    crate::private_files::create_dir(&options.cache)
        .map_err(io(format!("cannot create {}", options.cache.display())))?;
    let app = App {
        pool,
        server,
        secure_cookie: options.secure_cookie,
        cache: options.cache.as_path().into(),
        encoding: Arc::default(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io("cannot start the web server".into()))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(io(format!("cannot listen on {}", options.listen)))?;
        let bound = listener
            .local_addr()
            .map_err(io("cannot read the address listened on".into()))?;
        eprintln!("dashboard: http://{bound}/ (Ctrl-C stops it)");
        if !bound.ip().is_loopback() {
            eprintln!(
                "the dashboard is reachable from the network: serve it behind a TLS proxy \
                 (see the README) and give --secure-cookie"
            );
        }
        axum::serve(listener, routes::router(app))
            .with_graceful_shutdown(stopped())
            .await
            .map_err(io("the web server stopped".into()))
    })
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stopped() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}
