//! The clinic's PostgreSQL server: connecting, the schema, and taking a
//! station's rows.

use std::collections::HashMap;
use std::time::Duration;

use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, Config, NoTls, Statement, Transaction};
use rusqlite::types::Value;

use super::error::ClinicError;
use crate::store::{current_version, Outbox, Station, MIGRATIONS};

/// How long a connection attempt waits for the server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Key of the advisory lock that makes stations upgrading the schema at
/// once take turns ("fmck").
const SCHEMA_LOCK: i64 = 0x666d_636b;

/// A clinic server's address: the URL to connect with, and how it is shown
/// (without the password).
#[derive(Clone)]
pub struct ServerAddress {
    config: Config,
    shown: String,
}

impl std::fmt::Debug for ServerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl std::fmt::Display for ServerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl ServerAddress {
    /// The driver's configuration (for a pool of connections).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Whether `text` names a PostgreSQL server rather than a file.
    pub fn is_url(text: &str) -> bool {
        text.starts_with("postgres://") || text.starts_with("postgresql://")
    }

    /// Parses a `postgres://user[:password]@host[:port]/database` URL.
    pub fn parse(url: &str) -> Result<ServerAddress, ClinicError> {
        let hidden = hide_password(url);
        let mut config: Config =
            url.parse()
                .map_err(|e: postgres::Error| ClinicError::Address {
                    given: hidden.clone(),
                    why: e.to_string(),
                })?;
        config
            .connect_timeout(CONNECT_TIMEOUT)
            .application_name("formcheck");
        Ok(ServerAddress {
            config,
            shown: hidden,
        })
    }
}

/// `url` with the password, if any (in the user part or as a `password`
/// parameter), replaced by `***`.
fn hide_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some(("password", _)) => "password=***".to_string(),
                    _ => pair.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// Maps a driver error met while doing `context` on `server`.
pub(super) fn sql(server: &str, context: &str) -> impl Fn(postgres::Error) -> ClinicError {
    let (server, context) = (server.to_string(), context.to_string());
    move |source| ClinicError::Sql {
        server: server.clone(),
        context: context.clone(),
        source,
    }
}

/// What one delivery stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Rows written (each row once, however often it changed).
    pub rows: usize,
    /// Outbox entries delivered (none: the outbox was empty).
    pub entries: usize,
    /// The last outbox entry the server now has.
    pub through: i64,
}

/// A connection to the clinic's server, its schema up to date.
pub struct Server {
    client: Client,
    address: ServerAddress,
    /// Each delivered table's upsert, prepared once per connection.
    upserts: HashMap<&'static str, Statement>,
}

impl Server {
    /// Connects to `address` and brings its schema up to date.
    pub fn connect(address: &ServerAddress) -> Result<Server, ClinicError> {
        let client = address
            .config
            .connect(NoTls)
            .map_err(|source| ClinicError::Unreachable {
                server: address.to_string(),
                source,
            })?;
        let mut server = Server {
            client,
            address: address.clone(),
            upserts: HashMap::new(),
        };
        server.migrate()?;
        Ok(server)
    }

    /// The connection, for one-off work (an account, a look-up).
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// Applies the migrations the server lacks, one transaction each; the
    /// advisory lock makes stations starting together take turns.
    fn migrate(&mut self) -> Result<(), ClinicError> {
        let server = self.address.to_string();
        let err = |context: &str| sql(&server, context);
        loop {
            let mut tx = self
                .client
                .transaction()
                .map_err(err("cannot upgrade the schema"))?;
            tx.batch_execute(&format!(
                "SELECT pg_advisory_xact_lock({SCHEMA_LOCK});
                 CREATE TABLE IF NOT EXISTS formcheck_schema (version BIGINT NOT NULL);
                 INSERT INTO formcheck_schema (version)
                     SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM formcheck_schema);"
            ))
            .map_err(err("cannot upgrade the schema"))?;
            let version: i64 = tx
                .query_one("SELECT version FROM formcheck_schema", &[])
                .map_err(err("cannot read the schema version"))?
                .get(0);
            if version > current_version() {
                return Err(ClinicError::Newer {
                    server,
                    found: version,
                    supported: current_version(),
                });
            }
            let Some(migration) = usize::try_from(version)
                .ok()
                .and_then(|v| MIGRATIONS.get(v))
            else {
                return Ok(());
            };
            let next = version + 1;
            tx.batch_execute(&migration.postgres())
                .map_err(err(&format!("cannot upgrade the schema to version {next}")))?;
            tx.execute("UPDATE formcheck_schema SET version = $1", &[&next])
                .map_err(err("cannot record the schema version"))?;
            tx.commit().map_err(err("cannot upgrade the schema"))?;
            tracing::info!("{server}: schema version {next}");
        }
    }

    /// Delivers the next rows of `station`'s outbox, at most `limit`
    /// entries: in one transaction, the rows (inserted, or updated to their
    /// values now) and the station's delivered sequence number, so a
    /// delivery interrupted anywhere is all applied or not at all, and an
    /// entry the server has is never applied again. The journal's outbox is
    /// emptied up to what the server has afterwards.
    pub fn deliver(
        &mut self,
        station: &Station,
        outbox: &mut Outbox,
        limit: usize,
    ) -> Result<Delivered, ClinicError> {
        for &table in crate::store::DELIVERED_TABLES {
            if !self.upserts.contains_key(table) {
                let statement = self
                    .client
                    .prepare(&upsert_sql(table, outbox)?)
                    .map_err(sql(
                        &self.address.shown,
                        &format!("cannot prepare the writes of {table}"),
                    ))?;
                self.upserts.insert(table, statement);
            }
        }
        let server = self.address.to_string();
        let err = |context: &str| sql(&server, context);
        let mut tx = self
            .client
            .transaction()
            .map_err(err("cannot start a delivery"))?;
        let after = registered(&mut tx, station, &server)?;
        let batch = outbox.pending(after, limit)?;
        if batch.entries == 0 {
            // Nothing to write: the transaction ends without a commit.
            return Ok(Delivered {
                rows: 0,
                entries: 0,
                through: after,
            });
        }
        for row in &batch.rows {
            let params: Vec<Param<'_>> = row.values.iter().map(Param).collect();
            let refs: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            tx.execute(&self.upserts[row.table], &refs)
                .map_err(|source| ClinicError::Sql {
                    server: server.clone(),
                    context: format!("cannot store a row of {} (entry {})", row.table, row.seq),
                    source,
                })?;
        }
        tx.execute(
            "UPDATE stations SET delivered_seq = $2, last_seen = $3 WHERE uid = $1",
            &[&station.uid, &batch.through, &crate::store::now()],
        )
        .map_err(err("cannot record the delivery"))?;
        tx.commit().map_err(err("cannot commit the delivery"))?;
        outbox.delivered(batch.through)?;
        Ok(Delivered {
            rows: batch.rows.len(),
            entries: batch.entries,
            through: batch.through,
        })
    }

    /// Records what `station` is doing now (JSON, for the live board).
    pub fn report_live(&mut self, station: &Station, live: &str) -> Result<(), ClinicError> {
        let server = self.address.to_string();
        let err = || sql(&server, "cannot update the live board");
        let update = "UPDATE stations SET live = $2, last_seen = $3 WHERE uid = $1";
        let mut tx = self.client.transaction().map_err(err())?;
        // A station is registered once (its first delivery or report); the
        // board's twice-a-second report is then one statement.
        let params: [&(dyn ToSql + Sync); 3] = [&station.uid, &live, &crate::store::now()];
        if tx.execute(update, &params).map_err(err())? == 0 {
            registered(&mut tx, station, &server)?;
            tx.execute(update, &params).map_err(err())?;
        }
        tx.commit().map_err(err())
    }
}

/// Registers `station` on its first visit; the last outbox entry the
/// server has from it (its row is locked until `tx` ends, so one station's
/// deliveries never interleave).
fn registered(
    tx: &mut Transaction<'_>,
    station: &Station,
    server: &str,
) -> Result<i64, ClinicError> {
    let sql_err = |context: &str| sql(server, context);
    let clash = tx
        .query_opt(
            "SELECT uid FROM stations WHERE id_base = $1 AND uid <> $2",
            &[&station.id_base, &station.uid],
        )
        .map_err(sql_err("cannot look the station up"))?;
    if let Some(other) = clash {
        let other: String = other.get(0);
        return Err(ClinicError::Station {
            server: server.to_string(),
            why: format!(
                "station `{}` drew the id range of station {other}: give it a new journal (--journal)",
                station.name
            ),
        });
    }
    tx.execute(
        "INSERT INTO stations (uid, name, id_base) VALUES ($1, $2, $3)
         ON CONFLICT (uid) DO UPDATE SET name = EXCLUDED.name",
        &[&station.uid, &station.name, &station.id_base],
    )
    .map_err(sql_err("cannot register the station"))?;
    let row = tx
        .query_one(
            "SELECT id_base, delivered_seq FROM stations WHERE uid = $1 FOR UPDATE",
            &[&station.uid],
        )
        .map_err(sql_err("cannot read the station's delivery"))?;
    let id_base: i64 = row.get(0);
    if id_base != station.id_base {
        return Err(ClinicError::Station {
            server: server.to_string(),
            why: format!(
                "station `{}` ({}) is known with another id range: its journal was replaced; \
                 give it a new journal (--journal)",
                station.name, station.uid
            ),
        });
    }
    Ok(row.get(1))
}

/// `INSERT ... ON CONFLICT (key) DO UPDATE` of every column of `table`.
fn upsert_sql(table: &str, outbox: &Outbox) -> Result<String, ClinicError> {
    let shape = outbox.shape(table).ok_or_else(|| {
        ClinicError::Journal(crate::store::StoreError::Invalid(format!(
            "the journal has no table {table}"
        )))
    })?;
    let marks: Vec<String> = (1..=shape.columns.len()).map(|i| format!("${i}")).collect();
    let updates: Vec<String> = shape
        .columns
        .iter()
        .filter(|c| !shape.key.contains(c))
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect();
    let on_conflict = if updates.is_empty() {
        "DO NOTHING".to_string()
    } else {
        format!("DO UPDATE SET {}", updates.join(", "))
    };
    Ok(format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT ({}) {on_conflict}",
        shape.columns.join(", "),
        marks.join(", "),
        shape.key.join(", ")
    ))
}

/// An SQLite value sent as the PostgreSQL column's type: integers as
/// `BIGINT`, reals as `DOUBLE PRECISION`, text as `TEXT` (the schema maps
/// one onto the other, [`crate::store::Migration::postgres`]).
#[derive(Debug)]
struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match (self.0, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Integer(i), &Type::INT8) => i.to_sql(ty, out),
            #[allow(clippy::cast_precision_loss)] // an integer in a REAL column
            (Value::Integer(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Value::Real(r), &Type::FLOAT8) => r.to_sql(ty, out),
            (Value::Text(t), &Type::TEXT) => t.as_str().to_sql(ty, out),
            (value, ty) => {
                Err(format!("a journal value {value:?} for a column of type {ty}").into())
            }
        }
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::INT8 | Type::FLOAT8 | Type::TEXT)
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_never_shown() {
        assert_eq!(
            hide_password("postgres://therapist:s3cret@db.clinic:5433/formcheck"),
            "postgres://therapist:***@db.clinic:5433/formcheck"
        );
        assert_eq!(
            hide_password("postgres://formcheck@127.0.0.1/formcheck"),
            "postgres://formcheck@127.0.0.1/formcheck"
        );
        assert_eq!(
            hide_password("postgres://f@db/formcheck?sslmode=disable&password=s3cret"),
            "postgres://f@db/formcheck?sslmode=disable&password=***"
        );
        let address =
            ServerAddress::parse("postgres://a:b@localhost/x").unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{address} {address:?}").contains(":b@"));
    }

    #[test]
    fn a_url_is_told_from_a_file() {
        assert!(ServerAddress::is_url("postgres://x@y/z"));
        assert!(ServerAddress::is_url("postgresql://x@y/z"));
        assert!(!ServerAddress::is_url(
            "/var/lib/formcheck/formcheck.sqlite"
        ));
    }
}
