//! A real PostgreSQL server for the integration tests of the clinic store.
//!
//! Each [`PgServer`] is a cluster of its own (`initdb` in a temporary
//! folder), listening on a free port of 127.0.0.1 and on a socket folder
//! inside that temporary folder, with `trust` authentication: nothing outside
//! this machine can reach it, and it is removed when dropped. PostgreSQL
//! refuses to run as root, so a test that runs as root runs the server as
//! the unprivileged user `nobody` (through `runuser`).

use std::fs;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};

use tempfile::TempDir;

/// The role and the database that the tests use.
const NAME: &str = "formcheck";

/// The user that runs the server when the tests run as root.
const SERVER_USER: &str = "nobody";

/// How many free ports `start` tries before giving up (another process may
/// take the port between choosing and binding it).
const PORT_TRIES: usize = 3;

/// A PostgreSQL server of its own for a test: a fresh cluster in a temporary
/// folder, listening on a free loopback port, stopped and removed when dropped.
pub struct PgServer {
    /// The temporary folder: `data` (the cluster), `sock` (the socket
    /// folder) and `log` (the server's log). Removed when dropped.
    dir: TempDir,
    /// The folder of `initdb`, `pg_ctl`, `psql` and the rest.
    bin: PathBuf,
    /// The loopback port that the server listens on.
    port: u16,
    /// Whether the server runs as `nobody` (the tests run as root).
    as_server_user: bool,
    /// Whether commits wait for the disk, as on a clinic's server (for
    /// benchmarks); tests run without.
    durable: bool,
}

impl PgServer {
    /// Creates a cluster in a temporary folder, starts it on a free port of
    /// 127.0.0.1 and creates the database `formcheck` (owned by the role
    /// `formcheck`). Panics with the command, its output and the tail of
    /// the server's log at any failure, and with the fix (`make setup`)
    /// when PostgreSQL is not installed.
    pub fn start() -> PgServer {
        PgServer::start_with(false)
    }

    /// [`PgServer::start`] with PostgreSQL's default durability: every
    /// commit waits for the disk, as on a clinic's server (benchmarks).
    pub fn start_durable() -> PgServer {
        PgServer::start_with(true)
    }

    fn start_with(durable: bool) -> PgServer {
        let bin = server_binaries().unwrap_or_else(|| {
            panic!(
                "the PostgreSQL server (initdb, pg_ctl) is not installed \
                 (looked in /usr/lib/postgresql/*/bin and `pg_config --bindir`): run `make setup`"
            )
        });
        let dir = tempfile::tempdir().unwrap();
        let as_server_user = nix::unistd::geteuid().is_root();
        fs::create_dir(dir.path().join("sock")).unwrap();
        if as_server_user {
            let user = nix::unistd::User::from_name(SERVER_USER)
                .unwrap()
                .unwrap_or_else(|| {
                    panic!(
                        "running as root, and there is no user {SERVER_USER} to run PostgreSQL as"
                    )
                });
            for path in [dir.path(), &dir.path().join("sock")] {
                std::os::unix::fs::chown(path, Some(user.uid.as_raw()), Some(user.gid.as_raw()))
                    .unwrap();
            }
        }
        let mut server = PgServer {
            dir,
            bin,
            port: 0,
            as_server_user,
            durable,
        };
        let mut initdb = server.server_command("initdb");
        initdb.arg("-D").arg(server.data()).args([
            "-U",
            NAME,
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ]);
        server.run(&mut initdb);
        // From here on a panic drops `server`, which stops what was started.
        for attempt in 1..=PORT_TRIES {
            server.port = free_port();
            let out = server.pg_ctl_start();
            if out.status.success() {
                break;
            }
            let log = server.log_tail();
            if attempt == PORT_TRIES || !log.contains("could not bind") {
                server.fail("pg_ctl start", &out);
            }
        }
        let mut createdb = server.client_command("createdb");
        createdb.arg(NAME);
        server.run(&mut createdb);
        server
    }

    /// The URL of the database `formcheck` as the role `formcheck`, such
    /// as `postgres://formcheck@127.0.0.1:5432/formcheck`.
    pub fn url(&self) -> String {
        format!("postgres://{NAME}@127.0.0.1:{}/{NAME}", self.port)
    }

    /// The loopback port that the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (`pg_ctl stop -m fast`: disconnects the clients,
    /// then writes a checkpoint) and waits until it has stopped.
    pub fn stop(&self) {
        let mut stop = self.server_command("pg_ctl");
        stop.arg("-D")
            .arg(self.data())
            .args(["-w", "-t", "30", "-m", "fast", "stop"]);
        self.run(&mut stop);
    }

    /// Starts the stopped server again, on the same port and the same
    /// cluster, and waits until it accepts connections.
    pub fn restart(&self) {
        let out = self.pg_ctl_start();
        if !out.status.success() {
            self.fail("pg_ctl start", &out);
        }
    }

    /// Runs `sql` (one or more statements) with `psql -At` against the
    /// database `formcheck` and returns its standard output, trimmed: one
    /// line per row, the columns separated by `|`. Panics with the error
    /// when a statement fails.
    pub fn psql(&self, sql: &str) -> String {
        let mut psql = self.client_command("psql");
        psql.args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", NAME, "-c", sql]);
        self.run(&mut psql).trim().to_owned()
    }

    /// The cluster's folder.
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The server's log.
    fn log(&self) -> PathBuf {
        self.dir.path().join("log")
    }

    /// `pg_ctl start`, waiting until the server accepts connections.
    /// `fsync=off` unless durable: a test's cluster need not survive a
    /// crash of the machine, and it spares the tests the disk's flushes (a
    /// start, the checkpoint of each stop and each commit would wait on
    /// one).
    fn pg_ctl_start(&self) -> Output {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync={}",
            self.port,
            self.dir.path().join("sock").display(),
            if self.durable { "on" } else { "off" }
        );
        let mut start = self.server_command("pg_ctl");
        start
            .arg("-D")
            .arg(self.data())
            .args(["-w", "-t", "30", "-l"])
            .arg(self.log())
            .args(["-o", &options, "start"]);
        output(&mut start)
    }

    /// A command of the server (`initdb`, `pg_ctl`): run as `nobody` when
    /// the tests run as root, in the temporary folder (a folder that
    /// `nobody` can enter).
    fn server_command(&self, program: &str) -> Command {
        let mut command = if self.as_server_user {
            let mut command = Command::new("runuser");
            command
                .args(["-u", SERVER_USER, "--"])
                .arg(self.bin.join(program));
            command
        } else {
            Command::new(self.bin.join(program))
        };
        command.current_dir(self.dir.path());
        command
    }

    /// A client command (`psql`, `createdb`) connected to the server over
    /// TCP as the role `formcheck`; clients may run as root.
    fn client_command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        command
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", NAME])
            .arg("-w")
            .env("PGCONNECT_TIMEOUT", "10")
            .current_dir(self.dir.path());
        command
    }

    /// Runs `command` and returns its standard output; panics with the
    /// command, its output and the tail of the server's log when it fails.
    fn run(&self, command: &mut Command) -> String {
        let out = output(command);
        if !out.status.success() {
            self.fail(&format!("{command:?}"), &out);
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Panics with what `what` printed and the tail of the server's log.
    fn fail(&self, what: &str, out: &Output) -> ! {
        panic!(
            "PostgreSQL test server: {what} failed ({})\nstderr:\n{}\nstdout:\n{}\nserver log ({}), last lines:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end(),
            String::from_utf8_lossy(&out.stdout).trim_end(),
            self.log().display(),
            self.log_tail()
        )
    }

    /// The last lines of the server's log, or why there are none.
    fn log_tail(&self) -> String {
        match fs::read_to_string(self.log()) {
            Ok(log) => {
                let lines: Vec<&str> = log.lines().collect();
                lines[lines.len().saturating_sub(30)..].join("\n")
            }
            Err(error) => format!("(no log: {error})"),
        }
    }
}

impl Drop for PgServer {
    /// Stops the server at once (`pg_ctl stop -m immediate`; errors ignored,
    /// as when it is stopped already) and removes the temporary folder.
    /// Files written by `nobody` are removable by root.
    fn drop(&mut self) {
        if self.data().join("postmaster.pid").exists() {
            let mut stop = self.server_command("pg_ctl");
            stop.arg("-D")
                .arg(self.data())
                .args(["-w", "-t", "30", "-m", "immediate", "stop"]);
            let _ = stop.output();
        }
    }
}

/// Runs `command` to its end, collecting its output; panics when it cannot
/// be started at all.
fn output(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"))
}

/// The folder of the server's programs: the newest
/// `/usr/lib/postgresql/VERSION/bin` that holds `initdb`, else what
/// `pg_config --bindir` says (when it holds `initdb`).
fn server_binaries() -> Option<PathBuf> {
    let newest = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version: Vec<u32> = entry
                .file_name()
                .to_str()?
                .split('.')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, bin)| bin);
    newest.or_else(|| {
        let out = Command::new("pg_config").arg("--bindir").output().ok()?;
        let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        (out.status.success() && bin.join("initdb").is_file()).then_some(bin)
    })
}

/// A loopback port that is free now (the system's choice).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
