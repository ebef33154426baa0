//! TLS with libpq's `sslmode`, against a throwaway server that serves TLS on 127.0.0.1 with a
//! certificate from a CA made here, and accepts TCP connections only over TLS (`hostssl`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use model_core::pg::{self, Server, ThrowawayOptions};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

struct TlsServer {
    server: Server,
    dir: PathBuf,
}

/// Writes a CA and a server certificate for `localhost` (only: not for 127.0.0.1) signed by
/// it, plus an unrelated CA; returns the directory.
fn certificates() -> PathBuf {
    // Under target/ (the server is process-wide, so nothing runs at its end to remove them);
    // earlier runs' directories are removed here.
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    for entry in std::fs::read_dir(base).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with("tls-") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    let dir = base.join(format!("tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = |name: &str| {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
    };
    let ours = ca("model-migrate test CA");
    let other = ca("some other CA");
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &ours).unwrap();
    std::fs::write(dir.join("ca.pem"), ours.pem()).unwrap();
    std::fs::write(dir.join("other-ca.pem"), other.pem()).unwrap();
    std::fs::write(dir.join("server.crt"), cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
    // A client certificate for user postgres, from the same CA.
    let client_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "postgres");
    let client = params.signed_by(&client_key, &ours).unwrap();
    std::fs::write(dir.join("client.crt"), client.pem()).unwrap();
    std::fs::write(dir.join("client.key"), client_key.serialize_pem()).unwrap();
    dir
}

fn tls_server() -> &'static TlsServer {
    static SERVER: OnceLock<TlsServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let dir = certificates();
        let server = Server::throwaway_with(&ThrowawayOptions {
            tcp: true,
            tls: Some((dir.join("server.crt"), dir.join("server.key"))),
            client_ca: Some(dir.join("ca.pem")),
            // Database certdb also wants a client certificate from the CA.
            hba: Some(
                "local all all trust\n\
                 hostssl certdb all 127.0.0.1/32 trust clientcert=verify-ca\n\
                 hostssl all all 127.0.0.1/32 trust\n"
                    .to_string(),
            ),
        })
        .unwrap_or_else(|e| panic!("{e}"));
        server
            .connect_admin()
            .unwrap()
            .batch_execute("CREATE DATABASE certdb")
            .unwrap();
        TlsServer { server, dir }
    })
}

fn url(host: &str, extra: &str) -> String {
    let port = tls_server().server.tcp_port().unwrap();
    format!("host={host} hostaddr=127.0.0.1 port={port} user=postgres dbname=postgres connect_timeout=10 {extra}")
}

fn file(name: &str) -> String {
    let path: &Path = &tls_server().dir;
    path.join(name).display().to_string()
}

/// Connects and says whether the session is encrypted.
fn encrypted(url: &str) -> Result<bool, String> {
    let mut client = pg::connect(url).map_err(|e| e.to_string())?;
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

#[test]
fn require_and_prefer_encrypt_without_checking_the_certificate() {
    assert_eq!(encrypted(&url("localhost", "sslmode=require")), Ok(true));
    assert_eq!(
        encrypted(&url("localhost", "")),
        Ok(true),
        "prefer is the default"
    );
    // A URL works the same way.
    let port = tls_server().server.tcp_port().unwrap();
    assert_eq!(
        encrypted(&format!(
            "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=require"
        )),
        Ok(true)
    );
}

#[test]
fn verify_full_with_the_right_ca_connects_and_with_a_wrong_host_name_fails() {
    let root = format!("sslmode=verify-full sslrootcert={}", file("ca.pem"));
    assert_eq!(encrypted(&url("localhost", &root)), Ok(true));
    // The certificate names localhost only.
    let error = encrypted(&url("127.0.0.1", &root)).unwrap_err();
    assert!(
        error.contains("could not connect to host=127.0.0.1"),
        "{error}"
    );
    assert!(error.contains("not valid for name"), "{error}");
    // verify-ca checks the chain, not the name.
    let ca_only = format!("sslmode=verify-ca sslrootcert={}", file("ca.pem"));
    assert_eq!(encrypted(&url("127.0.0.1", &ca_only)), Ok(true));
}

#[test]
fn a_certificate_from_another_ca_is_refused() {
    for mode in ["verify-full", "verify-ca", "require"] {
        let error = encrypted(&url(
            "localhost",
            &format!("sslmode={mode} sslrootcert={}", file("other-ca.pem")),
        ))
        .unwrap_err();
        assert!(
            error.contains("invalid peer certificate") && error.contains("UnknownIssuer"),
            "{mode}: {error}"
        );
    }
}

#[test]
fn a_tls_only_server_refuses_a_plain_connection_clearly() {
    let error = encrypted(&url("localhost", "sslmode=disable")).unwrap_err();
    assert!(error.contains("no pg_hba.conf entry"), "{error}");
    assert!(
        error.contains("the server accepts only TLS connections here: use sslmode=require"),
        "{error}"
    );
    // allow: plain first, then TLS.
    assert_eq!(encrypted(&url("localhost", "sslmode=allow")), Ok(true));
}

#[test]
fn unusable_tls_settings_are_clear_errors() {
    let error = encrypted(&url(
        "localhost",
        "sslmode=verify-full sslrootcert=/nonexistent/ca.pem",
    ))
    .unwrap_err();
    assert!(
        error.contains("TLS: could not read /nonexistent/ca.pem"),
        "{error}"
    );
    let error = encrypted(&url("localhost", "sslmode=always")).unwrap_err();
    assert!(error.contains("sslmode `always` is not one of"), "{error}");
}

#[test]
fn the_platform_root_store_is_used_for_sslrootcert_system() {
    // The test CA is in no platform store, so the platform's roots are loaded and used: the
    // certificate is refused as from an unknown issuer (not "no roots" or a read error).
    let error = encrypted(&url("localhost", "sslmode=verify-full sslrootcert=system")).unwrap_err();
    assert!(error.contains("UnknownIssuer"), "{error}");
}

#[test]
fn a_client_certificate_is_sent_when_the_server_wants_one() {
    let certdb = |extra: &str| url("localhost", extra).replace("dbname=postgres", "dbname=certdb");
    let error = encrypted(&certdb("sslmode=require")).unwrap_err();
    assert!(error.contains("certificate"), "{error}");
    let with_cert = format!(
        "sslmode=verify-full sslrootcert={} sslcert={} sslkey={}",
        file("ca.pem"),
        file("client.crt"),
        file("client.key")
    );
    assert_eq!(encrypted(&certdb(&with_cert)), Ok(true));
    let error = encrypted(&certdb(&format!(
        "sslmode=require sslcert={}",
        file("client.crt")
    )))
    .unwrap_err();
    assert!(error.contains("sslcert and sslkey go together"), "{error}");
}

/// The example tokio application (`examples/startup`) upgrades a database that accepts only
/// TLS at startup, checking the server's certificate (`sslmode=verify-full`).
#[test]
fn a_tokio_application_upgrades_a_tls_only_database_at_startup() {
    let server = tls_server();
    let mut admin = server.server.connect_admin().unwrap();
    admin
        .batch_execute("DROP DATABASE IF EXISTS startupdb")
        .unwrap();
    admin.batch_execute("CREATE DATABASE startupdb").unwrap();
    let url = url(
        "localhost",
        &format!("sslmode=verify-full sslrootcert={}", file("ca.pem")),
    )
    .replace("dbname=postgres", "dbname=startupdb");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let applied = runtime
        .block_on(startup::migrate(&url))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(applied, ["a0cf7f5d705d", "960969e75871", "6e58a26e5c70"]);
    assert_eq!(encrypted(&url), Ok(true));
    let again = runtime.block_on(startup::migrate(&url)).unwrap();
    assert!(again.is_empty());
    // Plain TCP is refused: the upgrade really went over TLS.
    let plain = url.replace("sslmode=verify-full", "sslmode=disable");
    let error = runtime
        .block_on(startup::migrate(&plain))
        .unwrap_err()
        .to_string();
    assert!(error.contains("only TLS"), "{error}");
}
