//! A private PostgreSQL cluster in a temporary directory.
//!
//! The server listens only on a Unix socket inside that directory, so it cannot clash with
//! another server or be reached from outside. A small watchdog shell process waits for this
//! process to end (however it ends: normal exit, panic, or kill) and then stops the server and
//! deletes the directory; static destructors do not run at exit, so nothing in this process
//! could do it reliably.

use std::fs;
use std::os::unix::fs::{chown, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use postgres::{Config, NoTls};

use super::PgError;

const PORT: u16 = 5432;
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running throwaway cluster.
pub(super) struct Cluster {
    dir: PathBuf,
    tcp_port: Option<u16>,
    _server: Child,
}

/// How to start a throwaway cluster beyond the defaults (a Unix socket only, no TLS).
#[derive(Debug, Clone, Default)]
pub struct ThrowawayOptions {
    /// Also listen on 127.0.0.1, on a free port (TLS needs TCP).
    pub tcp: bool,
    /// Serve TLS with this certificate chain and key (PEM files; copied into the cluster).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// With `tls`: the CA (PEM) whose client certificates the server accepts, for
    /// `clientcert=…` lines in `hba`.
    pub client_ca: Option<PathBuf>,
    /// The lines of pg_hba.conf, replacing initdb's (which trust every local connection).
    pub hba: Option<String>,
}

/// A system account to run the server as when this process is root (`initdb` refuses root).
pub(super) struct Account {
    pub(super) name: String,
    pub(super) uid: u32,
    pub(super) gid: u32,
}

impl Cluster {
    pub(super) fn start(options: &ThrowawayOptions) -> Result<Cluster, PgError> {
        let bindir = find_bindir()?;
        let account = run_as()?;
        let dir = make_private_dir(account.as_ref())?;
        let data = dir.join("data");
        let log_path = dir.join("server.log");

        let mut initdb = Command::new(bindir.join("initdb"));
        initdb.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        as_account(&mut initdb, account.as_ref());
        let output = initdb.output().map_err(|source| PgError::Io {
            context: format!("could not run {}", bindir.join("initdb").display()),
            error: source,
        })?;
        if !output.status.success() {
            let _ = fs::remove_dir_all(&dir);
            return Err(PgError::Command {
                command: "initdb".into(),
                status: output.status.to_string(),
                output: format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
            });
        }

        let io = |context: String| {
            move |source| PgError::Io {
                context,
                error: source,
            }
        };
        let mut settings: Vec<String> = Vec::new();
        // The port names the socket file too, so a TCP cluster uses its free port for both.
        let tcp_port = if options.tcp || options.tls.is_some() {
            settings.push("listen_addresses=127.0.0.1".into());
            Some(free_port()?)
        } else {
            settings.push("listen_addresses=".into());
            None
        };
        if let Some((cert, key)) = &options.tls {
            let mut files = vec![(cert, "server.crt"), (key, "server.key")];
            if let Some(ca) = &options.client_ca {
                files.push((ca, "root.crt"));
                settings.push("ssl_ca_file=root.crt".into());
            }
            for (from, to) in files {
                let target = data.join(to);
                fs::copy(from, &target)
                    .map_err(io(format!("could not copy {}", from.display())))?;
                fs::set_permissions(&target, fs::Permissions::from_mode(0o600))
                    .map_err(io(format!("could not restrict {}", target.display())))?;
                if let Some(account) = &account {
                    chown(&target, Some(account.uid), Some(account.gid))
                        .map_err(io(format!("could not give {} away", target.display())))?;
                }
            }
            settings.extend([
                "ssl=on".into(),
                "ssl_cert_file=server.crt".into(),
                "ssl_key_file=server.key".into(),
            ]);
        }
        if let Some(hba) = &options.hba {
            fs::write(data.join("pg_hba.conf"), hba)
                .map_err(io("could not write pg_hba.conf".into()))?;
        }
        let log = fs::File::create(&log_path).map_err(|source| PgError::Io {
            context: format!("could not create {}", log_path.display()),
            error: source,
        })?;
        let log_err = log.try_clone().map_err(|source| PgError::Io {
            context: "could not open the log".into(),
            error: source,
        })?;
        let mut postgres = Command::new(bindir.join("postgres"));
        postgres
            .arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(&dir)
            .arg("-p")
            .arg(tcp_port.unwrap_or(PORT).to_string())
            // A throwaway server: durability traded for speed.
            .args(settings.iter().flat_map(|s| ["-c", s.as_str()]))
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "max_connections=200"])
            // Replaying a large first revision locks every table it creates in one transaction.
            .args(["-c", "max_locks_per_transaction=1024"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            // Its own process group, so a Ctrl-C aimed at the tests does not hit it first.
            .process_group(0);
        as_account(&mut postgres, account.as_ref());
        let mut server = postgres.spawn().map_err(|source| PgError::Io {
            context: format!("could not run {}", bindir.join("postgres").display()),
            error: source,
        })?;
        spawn_watchdog(server.id(), &dir)?;

        let config = Config::from_str(&format!(
            "host={} port={} user=postgres dbname=postgres",
            dir.display(),
            tcp_port.unwrap_or(PORT)
        ))
        .map_err(|e| PgError::BadUrl {
            url: dir.display().to_string(),
            message: e.to_string(),
        })?;
        wait_until_ready(&config, &mut server, START_TIMEOUT, &log_path, "")?;
        Ok(Cluster {
            dir,
            tcp_port,
            _server: server,
        })
    }

    /// The TCP port on 127.0.0.1, when the cluster listens there.
    pub(super) fn tcp_port(&self) -> Option<u16> {
        self.tcp_port
    }

    pub(super) fn socket_dir(&self) -> &Path {
        &self.dir
    }

    pub(super) fn port(&self) -> u16 {
        self.tcp_port.unwrap_or(PORT)
    }
}

/// The directory holding `initdb` and `postgres`: `MODEL_PG_BINDIR`, then `initdb` on `PATH`
/// (following symlinks), then `pg_config --bindir`, then the newest `/usr/lib/postgresql/*/bin`.
pub fn find_bindir() -> Result<PathBuf, PgError> {
    let usable = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(dir) = std::env::var_os("MODEL_PG_BINDIR").map(PathBuf::from) {
        // An explicit choice that does not work is an error, not a reason to look elsewhere.
        return if usable(&dir) {
            Ok(dir)
        } else {
            Err(PgError::BadBindir(dir.display().to_string()))
        };
    }
    if let Some(path) = std::env::var_os("PATH") {
        for entry in std::env::split_paths(&path) {
            let initdb = entry.join("initdb");
            if let Ok(real) = fs::canonicalize(&initdb) {
                if let Some(dir) = real.parent().filter(|d| usable(d)) {
                    return Ok(dir.to_path_buf());
                }
            }
        }
    }
    if let Ok(output) = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if output.status.success() && usable(&dir) {
            return Ok(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry
                .file_name()
                .to_str()?
                .split('.')
                .next()?
                .parse()
                .ok()?;
            let dir = entry.path().join("bin");
            usable(&dir).then_some((version, dir))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, dir)| dir)
        .ok_or(PgError::NoServerBinaries)
}

/// The account to run a server as: an unprivileged one when this process is root (`initdb`
/// and PgBouncer refuse root), else this process's own.
pub(super) fn run_as() -> Result<Option<Account>, PgError> {
    if is_root() {
        unprivileged_account().map(Some)
    } else {
        Ok(None)
    }
}

/// Waits until `config` connects, failing with the end of the log at `log_path` if `child`
/// exits first or `limit` passes; `what` names the server in the message (empty for
/// PostgreSQL itself).
pub(super) fn wait_until_ready(
    config: &Config,
    child: &mut Child,
    limit: Duration,
    log_path: &Path,
    what: &str,
) -> Result<(), PgError> {
    let started = Instant::now();
    loop {
        if config.connect(NoTls).is_ok() {
            return Ok(());
        }
        let failure = match child.try_wait() {
            Ok(Some(status)) => Some(format!("exited during start-up ({status})")),
            _ if started.elapsed() > limit => Some(format!(
                "did not accept connections within {}s",
                limit.as_secs()
            )),
            _ => None,
        };
        if let Some(failure) = failure {
            return Err(PgError::Start {
                what: format!("{what}{failure}"),
                log_path: log_path.display().to_string(),
                log: tail(log_path, 20),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
pub(super) fn free_port() -> Result<u16, PgError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|source| PgError::Io {
            context: "could not find a free port on 127.0.0.1".into(),
            error: source,
        })
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `postgres` if the system has that account, else `nobody`.
fn unprivileged_account() -> Result<Account, PgError> {
    let passwd = fs::read_to_string("/etc/passwd").map_err(|source| PgError::Io {
        context: "could not read /etc/passwd".into(),
        error: source,
    })?;
    let accounts: Vec<Account> = passwd
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            Some(Account {
                name: fields.first()?.to_string(),
                uid: fields.get(2)?.parse().ok()?,
                gid: fields.get(3)?.parse().ok()?,
            })
        })
        .filter(|a| a.uid != 0)
        .collect();
    ["postgres", "nobody"]
        .iter()
        .find_map(|wanted| accounts.iter().find(|a| a.name == *wanted))
        .map(|a| Account { name: a.name.clone(), uid: a.uid, gid: a.gid })
        .ok_or_else(|| PgError::Command {
            command: "initdb".into(),
            status: "not run".into(),
            output: "running as root, and neither a `postgres` nor a `nobody` account exists to run the server as; \
                     create one (`useradd --system postgres`) or set DATABASE_URL"
                .into(),
        })
}

pub(super) fn as_account(command: &mut Command, account: Option<&Account>) {
    if let Some(account) = account {
        // std drops supplementary groups when changing from root to another uid.
        command
            .uid(account.uid)
            .gid(account.gid)
            .env("USER", &account.name)
            .env("HOME", "/");
    }
}

pub(super) fn make_private_dir(account: Option<&Account>) -> Result<PathBuf, PgError> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("model-pg-{}-{nanos:08x}", std::process::id()));
    let io = |context: String| {
        move |source| PgError::Io {
            context,
            error: source,
        }
    };
    fs::create_dir(&dir).map_err(io(format!("could not create {}", dir.display())))?;
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
        .map_err(io(format!("could not restrict {}", dir.display())))?;
    if let Some(account) = account {
        chown(&dir, Some(account.uid), Some(account.gid)).map_err(io(format!(
            "could not give {} to {}",
            dir.display(),
            account.name
        )))?;
    }
    Ok(dir)
}

/// Stops the server and removes `dir` once this process has ended.
pub(super) fn spawn_watchdog(server_pid: u32, dir: &Path) -> Result<(), PgError> {
    const SCRIPT: &str = r#"
owner=$1 server=$2 dir=$3
trap '' INT HUP TERM PIPE
while kill -0 "$owner" 2>/dev/null; do sleep 0.2; done
kill -INT "$server" 2>/dev/null
i=0
while kill -0 "$server" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -KILL "$server" 2>/dev/null
rm -rf "$dir"
"#;
    Command::new("sh")
        .arg("-c")
        .arg(SCRIPT)
        .arg("model-pg-watchdog")
        .arg(std::process::id().to_string())
        .arg(server_pid.to_string())
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map(drop)
        .map_err(|source| PgError::Io {
            context: "could not start the cluster's watchdog (sh)".into(),
            error: source,
        })
}

pub(super) fn tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
