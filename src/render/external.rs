//! External renderers: formats provided by programs named in a TOML file (`--renderers`),
//! in the manner of mdBook's `CmdRenderer`, so a format can be added without a recompile.
//!
//! ```toml
//! [renderer.markdown]
//! command = ["python3", "to-markdown.py"]   # run with no shell; relative to this file
//! media_type = "text/markdown; charset=utf-8"
//! extension = "md"
//! description = "Markdown for the web team's static site"
//! supports_collections = false              # default false
//! timeout_ms = 30000                        # default 30000
//! ```
//!
//! The program reads the validated, cleaned request on standard input as canonical proto3
//! JSON (`ExportRequest`, every option resolved), writes the document's bytes to standard
//! output and may write warnings to standard error, one a line. It runs inside the server's
//! render pool like any built-in format. A non-zero exit, a timeout or output over the
//! message limit fails the render with a one-line reason; the caller's deadline kills it.
//! The program runs in its own process group, and the whole group is killed, so nothing it
//! started outlives the request.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::{RenderContext, RenderError, Rendered, Renderer};
use crate::settings::{Setting, SettingError};

/// The longest a program may run when its table sets no `timeout_ms`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The most a program's standard error is read, in bytes; the rest is discarded.
const STDERR_BYTES: usize = 64 * 1024;
/// The most warnings taken from standard error, and the longest each may be.
const WARNINGS: usize = 20;
const WARNING_CHARS: usize = 500;

/// A format rendered by an external program.
#[derive(Debug, Clone)]
pub struct ExternalRenderer {
    id: String,
    media_type: String,
    extension: String,
    description: String,
    supports_collections: bool,
    program: PathBuf,
    args: Vec<String>,
    timeout: Duration,
    max_output: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    renderer: BTreeMap<String, Table>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    command: Vec<String>,
    media_type: String,
    extension: String,
    description: String,
    #[serde(default)]
    supports_collections: bool,
    timeout_ms: Option<u64>,
}

/// Reads a renderers file. Every program must exist and be executable now, so a mistake is
/// found at start-up rather than by the first request; `max_output` caps what a program may
/// write (the server's message limit).
pub fn load(path: &Path, max_output: usize) -> Result<Vec<ExternalRenderer>, SettingError> {
    let error = |reason: String| {
        SettingError::new(Setting::Renderers, format!("{}: {reason}", path.display()))
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    let file: File = toml::from_str(&text).map_err(|e| error(e.message().to_owned()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    file.renderer
        .into_iter()
        .map(|(id, table)| {
            let in_table = |reason: String| error(format!("[renderer.{id}]: {reason}"));
            let valid_id = !id.is_empty()
                && id.len() <= 32
                && id.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                });
            if !valid_id {
                return Err(in_table(
                    "a format id is 1 to 32 lowercase ASCII letters, digits, `-` or `_`".to_owned(),
                ));
            }
            let Some((program, args)) = table.command.split_first() else {
                return Err(in_table(
                    "`command` is empty; give the program and its arguments".to_owned(),
                ));
            };
            let program = find_program(program, base).map_err(in_table)?;
            for (key, value) in [
                ("media_type", &table.media_type),
                ("extension", &table.extension),
                ("description", &table.description),
            ] {
                if value.trim().is_empty() || value.chars().any(char::is_control) {
                    return Err(in_table(format!("`{key}` must be one non-empty line")));
                }
            }
            let timeout = match table.timeout_ms {
                None => DEFAULT_TIMEOUT,
                Some(ms @ 1..=3_600_000) => Duration::from_millis(ms),
                Some(ms) => {
                    return Err(in_table(format!("`timeout_ms` is {ms}; use 1 to 3600000")));
                }
            };
            Ok(ExternalRenderer {
                id,
                media_type: table.media_type,
                extension: table.extension.trim_start_matches('.').to_owned(),
                description: table.description,
                supports_collections: table.supports_collections,
                program,
                args: args.to_vec(),
                timeout,
                max_output,
            })
        })
        .collect()
}

/// The program to run: a path with a slash, relative to the renderers file, or a name looked
/// up on `PATH`. It must be an executable file.
fn find_program(program: &str, base: &Path) -> Result<PathBuf, String> {
    let candidates: Vec<PathBuf> = if program.contains('/') {
        vec![base.join(program)]
    } else {
        std::env::var_os("PATH")
            .map(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join(program))
                    .collect()
            })
            .unwrap_or_default()
    };
    candidates
        .into_iter()
        .find(|p| is_executable(p))
        .ok_or_else(|| format!("the program `{program}` does not exist or is not executable"))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// What ended the wait for a program.
enum Ended {
    Exited(std::process::ExitStatus, Vec<u8>),
    TooMuchOutput,
    TimedOut,
    Deadline,
}

impl ExternalRenderer {
    fn fail(&self, reason: impl Into<String>) -> RenderError {
        RenderError::failed(&self.id, reason)
    }

    fn run(
        &self,
        input: Vec<u8>,
        deadline: Option<Instant>,
    ) -> Result<(Ended, Vec<u8>), RenderError> {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .spawn()
            .map_err(|e| self.fail(format!("cannot start {}: {e}", self.program.display())))?;
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            kill(&mut child);
            return Err(self.fail("the program's pipes could not be opened"));
        };
        // A program that exits without reading its input breaks the pipe; its exit status
        // says what happened, so the write error itself is of no interest.
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let errors = std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = stderr.take(STDERR_BYTES as u64).read_to_end(&mut text);
            text
        });
        let (sender, output) = mpsc::channel();
        let limit = self.max_output;
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let read = stdout.take(limit as u64 + 1).read_to_end(&mut bytes);
            let _ = sender.send(match read {
                Ok(_) if bytes.len() > limit => None,
                _ => Some(bytes),
            });
        });

        let started = Instant::now();
        let timeout_at = started + self.timeout;
        let until = deadline.map_or(timeout_at, |d| d.min(timeout_at));
        let why_stopped = |now: Instant| {
            if deadline.is_some_and(|d| now >= d && d <= timeout_at) {
                Ended::Deadline
            } else {
                Ended::TimedOut
            }
        };
        let ended = match output.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(Some(bytes)) => {
                // Standard output is closed; the program is finishing.
                let mut pause = Duration::from_micros(200);
                loop {
                    match child.try_wait() {
                        Ok(Some(status)) => break Ended::Exited(status, bytes),
                        Ok(None) if Instant::now() >= until => {
                            kill(&mut child);
                            break why_stopped(Instant::now());
                        }
                        Ok(None) => {
                            std::thread::sleep(pause);
                            pause = (pause * 2).min(Duration::from_millis(10));
                        }
                        Err(e) => {
                            kill(&mut child);
                            return Err(self.fail(format!("cannot wait for the program: {e}")));
                        }
                    }
                }
            }
            Ok(None) => {
                kill(&mut child);
                Ended::TooMuchOutput
            }
            Err(_) => {
                kill(&mut child);
                why_stopped(Instant::now())
            }
        };
        let errors = errors.join().unwrap_or_default();
        Ok((ended, errors))
    }
}

/// Kills a program and everything in its process group, and reaps it.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the program leads
        // (it was started with `process_group(0)`); it touches no memory of ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The signal that ended a program, where the platform has signals.
fn signal_of(status: &std::process::ExitStatus) -> Option<i32> {
    #[cfg(unix)]
    {
        std::os::unix::process::ExitStatusExt::signal(status)
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        None
    }
}

/// The first non-empty line of a program's standard error, for a one-line reason.
fn first_line(errors: &[u8]) -> String {
    String::from_utf8_lossy(errors)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| l.chars().take(WARNING_CHARS).collect())
        .unwrap_or_default()
}

impl Renderer for ExternalRenderer {
    fn id(&self) -> &str {
        &self.id
    }

    fn media_type(&self) -> &str {
        &self.media_type
    }

    fn extension(&self) -> &str {
        &self.extension
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn supports_collections(&self) -> bool {
        self.supports_collections
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Rendered, RenderError> {
        let mut request = cx.job.to_pb();
        request.format.clone_from(&self.id);
        let input = crate::json::request_to_json(&request)
            .map_err(|e| self.fail(e.to_string()))?
            .into_bytes();
        let (ended, errors) = self.run(input, cx.deadline)?;
        match ended {
            Ended::Exited(status, content) if status.success() => {
                let warnings = String::from_utf8_lossy(&errors)
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .take(WARNINGS)
                    .map(|l| l.chars().take(WARNING_CHARS).collect())
                    .collect();
                Ok(Rendered::new(content, 0).with_warnings(warnings))
            }
            Ended::Exited(status, _) => {
                let how = match (status.code(), signal_of(&status)) {
                    (Some(code), _) => format!("the program exited with status {code}"),
                    (None, Some(signal)) => format!("the program was killed by signal {signal}"),
                    (None, None) => format!("the program failed ({status})"),
                };
                let line = first_line(&errors);
                Err(self.fail(if line.is_empty() {
                    how
                } else {
                    format!("{how}: {line}")
                }))
            }
            Ended::TooMuchOutput => Err(self.fail(format!(
                "the program wrote more than {} bytes, the message limit; it was stopped",
                self.max_output
            ))),
            Ended::TimedOut => Err(self.fail(format!(
                "the program ran past its timeout of {} ms and was stopped",
                self.timeout.as_millis()
            ))),
            Ended::Deadline => Err(RenderError::DeadlineExceeded {
                format: self.id.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_a_renderers_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "renderers.toml",
            "[renderer.md]\ncommand = [\"sh\", \"-c\", \"cat\"]\nmedia_type = \"text/markdown\"\nextension = \".md\"\ndescription = \"Markdown\"\ntimeout_ms = 500\n",
        );
        let renderers = load(&file, 1024).unwrap();
        assert_eq!(renderers.len(), 1);
        assert_eq!(renderers[0].id(), "md");
        assert_eq!(renderers[0].extension(), "md");
        assert!(!renderers[0].supports_collections());
        assert_eq!(renderers[0].timeout, Duration::from_millis(500));
    }

    #[test]
    fn refuses_a_missing_program_and_names_the_setting() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "renderers.toml",
            "[renderer.md]\ncommand = [\"./no-such-program\"]\nmedia_type = \"text/markdown\"\nextension = \"md\"\ndescription = \"Markdown\"\n",
        );
        let err = load(&file, 1024).unwrap_err();
        assert_eq!(err.setting, Setting::Renderers);
        assert!(err.reason.contains("no-such-program"), "{err}");
    }

    #[test]
    fn refuses_unknown_keys_and_bad_ids() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "renderers.toml",
            "[renderer.md]\ncommand = [\"sh\"]\nmedia_type = \"a\"\nextension = \"md\"\ndescription = \"d\"\nshell = true\n",
        );
        assert!(load(&file, 1024).is_err());
        let file = write(
            dir.path(),
            "renderers.toml",
            "[renderer.\"Bad Id\"]\ncommand = [\"sh\"]\nmedia_type = \"a\"\nextension = \"md\"\ndescription = \"d\"\n",
        );
        assert!(load(&file, 1024).unwrap_err().reason.contains("format id"));
    }
}
