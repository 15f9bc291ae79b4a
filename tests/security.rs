//! TLS, mutual TLS and bearer tokens, against a real server with a real tonic client.

mod common;

use std::sync::Arc;

use broadsheet::pb::export_service_client::ExportServiceClient;
use broadsheet::server::{Config, tls_config};
use broadsheet::settings::Setting;
use common::{TestServer, seed};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tonic::Code;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

/// A CA, a server certificate for localhost, and a client certificate, as PEM files.
struct Pki {
    dir: tempfile::TempDir,
    ca_pem: String,
    client_cert_pem: String,
    client_key_pem: String,
}

impl Pki {
    fn new() -> Self {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let server_key = KeyPair::generate().unwrap();
        let server = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&server_key, &ca)
            .unwrap();
        let client_key = KeyPair::generate().unwrap();
        let client = CertificateParams::new(vec!["client".to_owned()])
            .unwrap()
            .signed_by(&client_key, &ca)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("server.pem"), server.pem()).unwrap();
        std::fs::write(dir.path().join("server.key"), server_key.serialize_pem()).unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        Pki {
            ca_pem: ca.pem(),
            client_cert_pem: client.pem(),
            client_key_pem: client_key.serialize_pem(),
            dir,
        }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }
}

async fn secure_server(pki: &Pki, mutual: bool) -> TestServer {
    let ca = pki.path("ca.pem");
    let tls = tls_config(
        &pki.path("server.pem"),
        &pki.path("server.key"),
        mutual.then_some(ca.as_path()),
    )
    .unwrap();
    let config = Config {
        tls: Some(tls),
        tokens: Arc::new(vec!["s3cret-token".to_owned(), "another".to_owned()]),
        ..Config::default()
    };
    TestServer::start_with(config, common::builtin()).await
}

async fn channel(
    server: &TestServer,
    pki: &Pki,
    identity: bool,
) -> Result<Channel, tonic::transport::Error> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(&pki.ca_pem))
        .domain_name("localhost");
    if identity {
        tls = tls.identity(Identity::from_pem(
            &pki.client_cert_pem,
            &pki.client_key_pem,
        ));
    }
    Channel::from_shared(format!("https://{}", server.addr))
        .unwrap()
        .tls_config(tls)?
        .connect()
        .await
}

fn with_token(token: Option<&str>) -> tonic::Request<broadsheet::pb::ExportRequest> {
    let mut request = tonic::Request::new(seed("text"));
    if let Some(token) = token {
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    request
}

#[tokio::test]
async fn tls_with_tokens_refuses_missing_and_wrong_tokens_and_keeps_health_open() {
    let pki = Pki::new();
    let server = secure_server(&pki, false).await;
    let channel = channel(&server, &pki, false).await.unwrap();
    let mut client = ExportServiceClient::new(channel.clone());

    let missing = client.export(with_token(None)).await.unwrap_err();
    assert_eq!(missing.code(), Code::Unauthenticated);
    let wrong = client.export(with_token(Some("guess"))).await.unwrap_err();
    assert_eq!(wrong.code(), Code::Unauthenticated);
    let right = client
        .export(with_token(Some("s3cret-token")))
        .await
        .unwrap();
    assert!(!right.into_inner().content.is_empty());
    client.export(with_token(Some("another"))).await.unwrap();

    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    let health = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: "broadsheet.v1.ExportService".to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        health.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
}

#[tokio::test]
async fn mutual_tls_needs_a_client_certificate() {
    let pki = Pki::new();
    let server = secure_server(&pki, true).await;
    // Without a certificate the handshake fails, or the first call does.
    let refused = match channel(&server, &pki, false).await {
        Err(_) => true,
        Ok(channel) => ExportServiceClient::new(channel)
            .export(with_token(Some("s3cret-token")))
            .await
            .is_err(),
    };
    assert!(refused, "a client without a certificate was served");
    let channel = channel(&server, &pki, true).await.unwrap();
    ExportServiceClient::new(channel)
        .export(with_token(Some("s3cret-token")))
        .await
        .unwrap();
}

#[test]
fn bad_tls_files_are_reported_by_setting() {
    let pki = Pki::new();
    let missing = tls_config(&pki.path("nope.pem"), &pki.path("server.key"), None).unwrap_err();
    assert_eq!(missing.setting, Setting::TlsCert, "{missing}");
    let wrong_key = tls_config(&pki.path("server.pem"), &pki.path("ca.pem"), None).unwrap_err();
    assert_eq!(wrong_key.setting, Setting::TlsKey, "{wrong_key}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_export_speaks_tls_and_sends_its_token() {
    let pki = Pki::new();
    let server = secure_server(&pki, false).await;
    let inputs = pki.path("in");
    std::fs::create_dir_all(&inputs).unwrap();
    for i in 0..3 {
        std::fs::write(
            inputs.join(format!("a{i}.json")),
            format!(r#"{{"headline": "Article {i}", "body": [{{"paragraph": {{"text": "Text {i}."}}}}]}}"#),
        )
        .unwrap();
    }
    std::fs::write(pki.path("token"), "# the export token\ns3cret-token\n").unwrap();
    let url = format!("https://localhost:{}", server.addr.port());
    let run = |token: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_broadsheet"));
        command
            .args(["export", "--server", &url, "--format", "text", "--ca"])
            .arg(pki.path("ca.pem"))
            .arg("--out")
            .arg(pki.path(if token { "out" } else { "refused" }))
            .arg(&inputs);
        if token {
            command.arg("--token-file").arg(pki.path("token"));
        }
        command
    };
    let mut without = run(false);
    let refused = tokio::task::spawn_blocking(move || without.output().unwrap())
        .await
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("Unauthenticated")
            || String::from_utf8_lossy(&refused.stderr).contains("Bearer")
    );
    let mut with = run(true);
    let accepted = tokio::task::spawn_blocking(move || with.output().unwrap())
        .await
        .unwrap();
    assert!(
        accepted.status.success(),
        "{}",
        String::from_utf8_lossy(&accepted.stderr)
    );
    assert_eq!(std::fs::read_dir(pki.path("out")).unwrap().count(), 3);
}
