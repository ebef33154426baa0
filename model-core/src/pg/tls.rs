//! TLS to PostgreSQL with libpq's `sslmode` semantics, through rustls (no system OpenSSL).
//!
//! | sslmode | TLS | certificate checked | host name checked |
//! |---|---|---|---|
//! | `disable` | never | | |
//! | `allow` | only if a plain connection is refused | no | no |
//! | `prefer` (default) | if the server offers it | no | no |
//! | `require` | always | only when `sslrootcert` is given (as libpq does) | no |
//! | `verify-ca` | always | yes | no |
//! | `verify-full` | always | yes | yes |
//!
//! Roots: `sslrootcert=FILE` (PEM), `sslrootcert=system` (the platform's store), or, when not
//! given, `~/.postgresql/root.crt` if it exists and the platform's store otherwise. A client
//! certificate comes from `sslcert` and `sslkey`. Unix-socket connections never use TLS, as
//! with libpq.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use super::PgError;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// Plain first; TLS if the server refuses plain.
    Allow,
    /// TLS when the server offers it (libpq's default).
    #[default]
    Prefer,
    /// TLS always.
    Require,
    /// TLS with a certificate signed by a trusted root.
    VerifyCa,
    /// TLS with a trusted certificate for the host name connected to.
    VerifyFull,
}

impl SslMode {
    /// Parses libpq's spelling.
    pub fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }
}

/// The TLS part of a connection string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// `sslmode`.
    pub mode: SslMode,
    /// `sslrootcert`: a PEM file, or `system`.
    pub root_cert: Option<String>,
    /// `sslcert`: the client certificate (PEM).
    pub client_cert: Option<PathBuf>,
    /// `sslkey`: its private key (PEM).
    pub client_key: Option<PathBuf>,
}

/// rustls's *ring* provider. rustls 0.23.48 deprecated it for lacking post-quantum key
/// exchange, which only its aws-lc-rs provider has; that one needs a C toolchain and CMake
/// to build, which a user's first `cargo build` should not. PostgreSQL's own TLS (OpenSSL)
/// negotiates classical groups with any client, so ring is kept, on purpose, and the
/// deprecation stays here rather than in every build that depends on this crate.
#[allow(deprecated)]
fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// The rustls configuration for `settings`.
pub(super) fn client_config(settings: &TlsSettings) -> Result<ClientConfig, PgError> {
    let provider = Arc::new(ring_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(format!("TLS set-up failed: {e}")))?;
    let verify = match settings.mode {
        SslMode::VerifyCa | SslMode::VerifyFull => true,
        // libpq: with a root certificate given, `require` checks the chain as verify-ca does.
        SslMode::Require => settings.root_cert.is_some(),
        _ => false,
    };
    let builder = if verify {
        let roots = Arc::new(roots(settings.root_cert.as_deref())?);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| tls_error(format!("TLS set-up failed: {e}")))?;
        if settings.mode == SslMode::VerifyFull {
            builder.with_webpki_verifier(webpki)
        } else {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki)))
        }
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
    };
    match (&settings.client_cert, &settings.client_key) {
        (Some(cert), Some(key)) => {
            let chain = certificates(cert)?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| tls_error(format!("could not read sslkey {}: {e}", key.display())))?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                tls_error(format!(
                    "sslcert and sslkey do not make a client certificate: {e}"
                ))
            })
        }
        (None, None) => Ok(builder.with_no_client_auth()),
        _ => Err(tls_error(
            "sslcert and sslkey go together: give both, or neither".into(),
        )),
    }
}

fn tls_error(message: String) -> PgError {
    PgError::Tls(message)
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, PgError> {
    let certs: Result<Vec<_>, _> = CertificateDer::pem_file_iter(path)
        .map_err(|e| tls_error(format!("could not read {}: {e}", path.display())))?
        .collect();
    let certs = certs.map_err(|e| tls_error(format!("could not read {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(tls_error(format!(
            "{} holds no PEM certificate",
            path.display()
        )));
    }
    Ok(certs)
}

fn roots(root_cert: Option<&str>) -> Result<RootCertStore, PgError> {
    let mut store = RootCertStore::empty();
    let default = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".postgresql/root.crt"))
        .filter(|p| p.is_file());
    let file = match root_cert {
        Some("system") => None,
        Some(path) => Some(PathBuf::from(path)),
        None => default,
    };
    match file {
        Some(path) => {
            for cert in certificates(&path)? {
                store
                    .add(cert)
                    .map_err(|e| tls_error(format!("sslrootcert {}: {e}", path.display())))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                // One odd certificate in the platform's store must not stop the rest.
                let _ = store.add(cert);
            }
            if store.is_empty() {
                return Err(tls_error(
                    "no trusted root certificates: the platform's store is empty; give sslrootcert=FILE"
                        .into(),
                ));
            }
        }
    }
    Ok(store)
}

/// verify-ca: the chain must lead to a trusted root; the name in it is not compared.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// prefer / require without a root: encrypted, not authenticated (libpq's behaviour). The
/// handshake's signatures are still checked, so the session is bound to the certificate.
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
