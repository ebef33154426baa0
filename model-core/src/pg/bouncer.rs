//! A throwaway PgBouncer in front of a [`Server`], for tests of what the tool does behind a
//! pooler (most production PostgreSQL is reached through one).
//!
//! It listens on 127.0.0.1 at a free port, forwards every database name to the server, trusts
//! every user, and keeps few server connections so that clients really share them. Like the
//! throwaway cluster, a watchdog stops it and removes its directory when this process ends.

use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::chown;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::Duration;

use postgres::Config;

use super::cluster::{
    as_account, free_port, make_private_dir, run_as, spawn_watchdog, tail, wait_until_ready,
};
use super::{PgError, Server};

/// A running PgBouncer.
pub struct Bouncer {
    dir: PathBuf,
    port: u16,
    user: String,
    child: Child,
}

impl Bouncer {
    /// Starts PgBouncer in `pool_mode` (`transaction`, `session` or `statement`) in front of
    /// `server`, with at most `pool_size` server connections per database and user.
    pub fn start(server: &Server, pool_mode: &str, pool_size: u32) -> Result<Bouncer, PgError> {
        Bouncer::start_with(server, pool_mode, pool_size, "")
    }

    /// [`Bouncer::start`] with more `[pgbouncer]` settings (`settings`: lines of
    /// `pgbouncer.ini`, such as `query_wait_timeout = 5`).
    pub fn start_with(
        server: &Server,
        pool_mode: &str,
        pool_size: u32,
        settings: &str,
    ) -> Result<Bouncer, PgError> {
        let binary = find_pgbouncer()?;
        let account = run_as()?;
        let dir = make_private_dir(account.as_ref())?;
        let port = free_port()?;
        let admin = server.admin_config();
        let user = admin.get_user().unwrap_or("postgres").to_string();
        let mut target = String::new();
        match server.socket_dir() {
            Some(socket) => {
                let port = admin.get_ports().first().copied().unwrap_or(5432);
                let _ = write!(target, "host={} port={port}", socket.display());
            }
            None => {
                let host = match admin.get_hosts().first() {
                    Some(postgres::config::Host::Tcp(h)) => h.clone(),
                    Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
                    None => "localhost".into(),
                };
                let port = admin.get_ports().first().copied().unwrap_or(5432);
                let _ = write!(target, "host={host} port={port} user={user}");
                if let Some(password) = admin.get_password() {
                    let _ = write!(target, " password={}", String::from_utf8_lossy(password));
                }
            }
        }
        let io = |context: String| {
            move |source| PgError::Io {
                context,
                error: source,
            }
        };
        let users = dir.join("users.txt");
        fs::write(&users, format!("\"{user}\" \"\"\n"))
            .map_err(io("could not write PgBouncer's auth file".into()))?;
        let ini = dir.join("pgbouncer.ini");
        let log_path = dir.join("pgbouncer.log");
        fs::write(
            &ini,
            format!(
                "[databases]\n* = {target}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n\
                 unix_socket_dir =\nauth_type = trust\nauth_file = {}\npool_mode = {pool_mode}\n\
                 default_pool_size = {pool_size}\nmax_client_conn = 500\n\
                 ignore_startup_parameters = extra_float_digits,options\nlogfile = {}\n{settings}\n",
                users.display(),
                log_path.display()
            ),
        )
        .map_err(io("could not write pgbouncer.ini".into()))?;
        if let Some(account) = &account {
            for file in [&users, &ini] {
                chown(file, Some(account.uid), Some(account.gid))
                    .map_err(io(format!("could not give {} away", file.display())))?;
            }
        }
        let mut command = Command::new(&binary);
        command
            .arg(&ini)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        as_account(&mut command, account.as_ref());
        let child = command
            .spawn()
            .map_err(io(format!("could not run {}", binary.display())))?;
        spawn_watchdog(child.id(), &dir)?;
        let mut bouncer = Bouncer {
            dir,
            port,
            user,
            child,
        };
        let config =
            Config::from_str(&bouncer.url_for("postgres")).map_err(|e| PgError::BadUrl {
                url: bouncer.url_for("postgres"),
                message: e.to_string(),
            })?;
        wait_until_ready(
            &config,
            &mut bouncer.child,
            Duration::from_secs(20),
            &log_path,
            "(PgBouncer) ",
        )?;
        Ok(bouncer)
    }

    /// A connection string for database `dbname` through the pooler.
    pub fn url_for(&self, dbname: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user={} dbname={dbname} sslmode=disable",
            self.port, self.user
        )
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its log, for failure messages.
    pub fn log(&self) -> String {
        tail(&self.dir.join("pgbouncer.log"), 40)
    }
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// `pgbouncer` on PATH, or where Debian puts it.
fn find_pgbouncer() -> Result<PathBuf, PgError> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("pgbouncer"))
                .collect()
        })
        .unwrap_or_default();
    candidates.extend(["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"].map(PathBuf::from));
    candidates
        .into_iter()
        .find(|p| Path::new(p).is_file())
        .ok_or_else(|| PgError::Command {
            command: "pgbouncer".into(),
            status: "not found".into(),
            output: "PgBouncer is not installed (Debian/Ubuntu: `apt-get install pgbouncer`)"
                .into(),
        })
}
