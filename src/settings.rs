//! Errors in the settings a server or a command starts with, named by the setting rather
//! than by how it was given, so the library never speaks of command-line flags; the CLI maps
//! each [`Setting`] to its flag. Also the reader of token files, which the server
//! (`auth_token_file`) and the export client (`token_file`) share.

use std::fmt;
use std::path::Path;

/// A setting that can be wrong at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The server's TLS certificate chain.
    TlsCert,
    /// The private key of the TLS certificate.
    TlsKey,
    /// The CA that client certificates must chain to.
    TlsClientCa,
    /// The server's file of accepted bearer tokens.
    AuthTokenFile,
    /// The client's file holding the bearer token to send.
    TokenFile,
    /// The CA a client trusts for its servers.
    Ca,
    /// Folders of extra fonts.
    FontDirs,
    /// The file of external renderers.
    Renderers,
    /// The address the gRPC service listens on.
    Listen,
    /// The address the metrics listener binds.
    MetricsListen,
}

impl Setting {
    /// The setting's name, as configuration files and logs spell it: `tls_cert`.
    pub fn name(self) -> &'static str {
        match self {
            Setting::TlsCert => "tls_cert",
            Setting::TlsKey => "tls_key",
            Setting::TlsClientCa => "tls_client_ca",
            Setting::AuthTokenFile => "auth_token_file",
            Setting::TokenFile => "token_file",
            Setting::Ca => "ca",
            Setting::FontDirs => "font_dirs",
            Setting::Renderers => "renderers",
            Setting::Listen => "listen",
            Setting::MetricsListen => "metrics_listen",
        }
    }
}

/// A setting whose value cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    /// The setting.
    pub setting: Setting,
    /// What is wrong, lowercase, usually starting with the file or value at fault.
    pub reason: String,
}

impl SettingError {
    /// An error in `setting`.
    pub fn new(setting: Setting, reason: impl Into<String>) -> Self {
        SettingError {
            setting,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.setting.name(), self.reason)
    }
}

impl std::error::Error for SettingError {}

/// Reads bearer tokens, one a line; blank lines and lines starting with `#` are skipped. A
/// file with no token is an error, as is a token that cannot travel in an HTTP header.
pub fn read_tokens(setting: Setting, path: &Path) -> Result<Vec<String>, SettingError> {
    let error =
        |reason: String| SettingError::new(setting, format!("{}: {reason}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    let tokens: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    if tokens.is_empty() {
        return Err(error("no token in the file".to_owned()));
    }
    if tokens
        .iter()
        .any(|t| !t.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(error(
            "a token holds characters that cannot travel in a header".to_owned(),
        ));
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tokens_and_skips_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        std::fs::write(&path, "# ops\n\n  alpha \nbeta\n").unwrap();
        assert_eq!(
            read_tokens(Setting::AuthTokenFile, &path).unwrap(),
            ["alpha", "beta"]
        );
    }

    #[test]
    fn a_file_without_tokens_names_the_setting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        std::fs::write(&path, "# nothing\n").unwrap();
        let err = read_tokens(Setting::TokenFile, &path).unwrap_err();
        assert_eq!(err.setting, Setting::TokenFile);
        assert!(err.to_string().starts_with("token_file: "));
        let missing = read_tokens(Setting::AuthTokenFile, &dir.path().join("none")).unwrap_err();
        assert_eq!(missing.setting, Setting::AuthTokenFile);
    }
}
