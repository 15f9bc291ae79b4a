//! Transport security: TLS (optionally mutual) through rustls, and bearer tokens.
//!
//! Tokens are checked in a tower layer in front of every service but gRPC health, so probes
//! keep working without credentials. They are compared in constant time and never logged.

use std::path::Path;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::{Either, Ready, ready};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use subtle::ConstantTimeEq;
use tokio_rustls::rustls;

use super::error::Error;
use crate::settings::{Setting, SettingError};

/// Builds the TLS configuration from PEM files: the server's certificate chain and key,
/// and, for mutual TLS, the CA that client certificates must chain to. Each error names the
/// setting whose file is at fault.
pub fn tls_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> Result<Arc<rustls::ServerConfig>, SettingError> {
    let at = |setting: Setting, path: &Path| {
        let path = path.display().to_string();
        move |e: &dyn std::fmt::Display| SettingError::new(setting, format!("{path}: {e}"))
    };
    let cert_error = at(Setting::TlsCert, cert);
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| cert_error(&e))?
        .collect::<Result<_, _>>()
        .map_err(|e| cert_error(&e))?;
    if chain.is_empty() {
        return Err(cert_error(&"no certificate in the file"));
    }
    let key_error = at(Setting::TlsKey, key);
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| key_error(&e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| cert_error(&e))?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let ca_error = at(Setting::TlsClientCa, path);
            let mut roots = rustls::RootCertStore::empty();
            for ca in CertificateDer::pem_file_iter(path).map_err(|e| ca_error(&e))? {
                let ca = ca.map_err(|e| ca_error(&e))?;
                roots.add(ca).map_err(|e| ca_error(&e))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .map_err(|e| ca_error(&e))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| key_error(&format!("does not match the certificate: {e}")))?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// A tower layer that requires `authorization: Bearer <token>` on every call except gRPC
/// health checks. With no tokens configured it lets everything through.
#[derive(Clone)]
pub(crate) struct RequireToken<S> {
    inner: S,
    tokens: Arc<Vec<String>>,
}

impl<S> RequireToken<S> {
    pub(crate) fn new(inner: S, tokens: Arc<Vec<String>>) -> Self {
        RequireToken { inner, tokens }
    }

    fn allows<B>(&self, request: &http::Request<B>) -> bool {
        if self.tokens.is_empty() || request.uri().path().starts_with("/grpc.health.v1.Health/") {
            return true;
        }
        let Some(presented) = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        else {
            return false;
        };
        // Compare with every token, so the time taken says nothing about which matched.
        self.tokens
            .iter()
            .fold(subtle::Choice::from(0), |found, token| {
                found | token.as_bytes().ct_eq(presented)
            })
            .into()
    }
}

impl<S, B, ResBody> tower::Service<http::Request<B>> for RequireToken<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<ResBody>>,
    ResBody: Default,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<S::Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if self.allows(&request) {
            Either::Right(self.inner.call(request))
        } else {
            let status = tonic::Status::from(Error::Unauthenticated);
            Either::Left(ready(Ok(status.into_http())))
        }
    }
}
