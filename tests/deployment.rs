//! The image a user would deploy, as far as a machine without Docker can run it: the
//! release binary built by the Dockerfile's own `RUN cargo build` line, started the way
//! `deploy/kubernetes/deployment.yaml` starts the container (the image's `ENV`, then the
//! container's `env`, its port, its user and security context), and driven the way the
//! kubelet drives it: the startup, readiness and liveness probes' gRPC health checks, a
//! real `Export`, the preStop pause and SIGTERM. Every figure comes from the Dockerfile and
//! the manifest, so a change to either that breaks their assumptions fails here.
//!
//! Only loopback traffic is allowed where this runs, so the server listens on 127.0.0.1
//! instead of the manifest's 0.0.0.0, on the manifest's port unless it is taken.

mod common;

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use broadsheet::pb;
use broadsheet::pb::export_service_client::ExportServiceClient;
use common::{seed, seed_collection};
use futures::StreamExt;
use serde_json::Value;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What the Dockerfile says about building and starting the image.
#[derive(Debug)]
struct Image {
    /// The build stage's `RUN cargo build …`, word by word.
    build: Vec<String>,
    /// The binary the final stage copies, relative to the build stage's `WORKDIR` (the
    /// repository, which `COPY . .` puts there).
    binary: PathBuf,
    /// Where the final stage puts it.
    installed_as: String,
    /// The final stage's `ENV`, in order.
    env: Vec<(String, String)>,
    expose: Vec<u16>,
    user: String,
    entrypoint: Vec<String>,
    cmd: Vec<String>,
}

/// Reads the Dockerfile: comments dropped, continued lines joined, and the instructions of
/// the final stage and of the stage it copies the binary from.
fn dockerfile() -> Image {
    let text = std::fs::read_to_string(repo().join("Dockerfile")).expect("the Dockerfile");
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(start) => {
                current.push_str(start);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    // Each stage: its name (`AS name`) and its instructions.
    let mut stages: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in lines {
        let (instruction, rest) = line.split_once(char::is_whitespace).unwrap_or((&line, ""));
        let instruction = instruction.to_ascii_uppercase();
        let rest = rest.trim().to_owned();
        if instruction == "FROM" {
            let words: Vec<&str> = rest.split_whitespace().collect();
            let name = match words.as_slice() {
                [_, r#as, name] if r#as.eq_ignore_ascii_case("as") => (*name).to_owned(),
                _ => String::new(),
            };
            stages.push((name, Vec::new()));
        } else {
            stages
                .last_mut()
                .expect("FROM comes first")
                .1
                .push((instruction, rest));
        }
    }
    let (_, last) = stages.last().expect("a stage");
    let all = |wanted: &str, stage: &[(String, String)]| -> Vec<String> {
        stage
            .iter()
            .filter(|(i, _)| i == wanted)
            .map(|(_, rest)| rest.clone())
            .collect()
    };
    let copies = all("COPY", last);
    let (from, source, installed_as) = copies
        .iter()
        .find_map(|c| {
            let words: Vec<&str> = c.split_whitespace().collect();
            match words.as_slice() {
                [flag, source, target] => flag
                    .strip_prefix("--from=")
                    .map(|from| (from.to_owned(), source.to_string(), target.to_string())),
                _ => None,
            }
        })
        .expect("the final stage copies the binary from the build stage");
    let (_, build_stage) = stages
        .iter()
        .find(|(name, _)| *name == from)
        .unwrap_or_else(|| panic!("no stage named {from}"));
    let workdir = all("WORKDIR", build_stage)
        .pop()
        .expect("the build stage's WORKDIR");
    let binary = Path::new(&source)
        .strip_prefix(&workdir)
        .unwrap_or_else(|_| panic!("{source} is outside the build stage's WORKDIR {workdir}"))
        .to_owned();
    let run = all("RUN", build_stage)
        .into_iter()
        .find(|r| r.contains("cargo build"))
        .expect("the build stage's RUN cargo build");
    assert!(
        !run.contains(['&', '|', ';', '$', '"', '\'', '`']),
        "this test runs `{run}` without a shell, word by word; keep it one plain command"
    );
    let mut env = Vec::new();
    for line in all("ENV", last) {
        if !line.contains('=') {
            // The old `ENV key value` form.
            let (key, value) = line.split_once(char::is_whitespace).expect("ENV key value");
            env.push((key.to_owned(), value.trim().to_owned()));
            continue;
        }
        for pair in line.split_whitespace() {
            let (key, value) = pair.split_once('=').expect("ENV key=value");
            env.push((key.to_owned(), value.trim_matches('"').to_owned()));
        }
    }
    let exec_form = |line: Option<String>| -> Vec<String> {
        line.map(|l| {
            serde_json::from_str(&l).unwrap_or_else(|e| panic!("not the exec form {l}: {e}"))
        })
        .unwrap_or_default()
    };
    Image {
        build: run.split_whitespace().map(str::to_owned).collect(),
        binary,
        installed_as,
        env,
        expose: all("EXPOSE", last)
            .iter()
            .flat_map(|e| {
                e.split_whitespace()
                    .map(|p| p.trim_end_matches("/tcp").to_owned())
            })
            .map(|p| p.parse().expect("EXPOSE a port"))
            .collect(),
        user: all("USER", last).pop().unwrap_or_default(),
        entrypoint: exec_form(all("ENTRYPOINT", last).pop()),
        cmd: exec_form(all("CMD", last).pop()),
    }
}

/// The user and group an image `USER` names, as numbers. The distroless images' own
/// `/etc/passwd` gives `nonroot` 65532 and `root` 0.
fn uid_of(name: &str) -> Option<u32> {
    match name {
        "" | "root" => Some(0),
        "nonroot" => Some(65532),
        number => number.parse().ok(),
    }
}

/// The manifests' YAML documents as JSON, through Python's PyYAML (which kubernetes-validate
/// brings); `None` when PyYAML is missing (outside CI).
fn manifests(file: &str) -> Option<Vec<Value>> {
    let path = repo().join("deploy/kubernetes").join(file);
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml\nprint(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))",
        ])
        .arg(&path)
        .output();
    match output {
        Ok(output) if output.status.success() => {
            Some(serde_json::from_slice(&output.stdout).expect("PyYAML gives JSON"))
        }
        _ => {
            common::validators::missing(
                "PyYAML",
                "pip install kubernetes-validate==1.37.0 (it brings PyYAML), as .ci/run does",
            );
            None
        }
    }
}

/// The Deployment's pod spec.
fn pod_spec() -> Option<Value> {
    let deployment = manifests("deployment.yaml")?
        .into_iter()
        .find(|d| d["kind"] == "Deployment")
        .expect("deployment.yaml holds a Deployment");
    Some(deployment["spec"]["template"]["spec"].clone())
}

/// The one container of the pod.
fn container(pod: &Value) -> &Value {
    let containers = pod["containers"].as_array().expect("containers");
    assert_eq!(containers.len(), 1, "one container, the server");
    &containers[0]
}

fn number(value: &Value, default: u64) -> u64 {
    if value.is_null() {
        default
    } else {
        value
            .as_u64()
            .unwrap_or_else(|| panic!("{value} is a number"))
    }
}

/// A gRPC probe, with the Kubernetes defaults for what the manifest leaves out.
#[derive(Debug)]
struct Probe {
    port: u16,
    service: String,
    initial_delay: Duration,
    period: Duration,
    timeout: Duration,
    failure_threshold: u64,
}

impl Probe {
    fn of(container: &Value, kind: &str) -> Probe {
        let probe = &container[kind];
        let grpc = &probe["grpc"];
        assert!(grpc.is_object(), "the {kind} is a gRPC probe: {probe}");
        Probe {
            port: u16::try_from(number(&grpc["port"], 0)).expect("a port"),
            service: grpc["service"].as_str().unwrap_or_default().to_owned(),
            initial_delay: Duration::from_secs(number(&probe["initialDelaySeconds"], 0)),
            period: Duration::from_secs(number(&probe["periodSeconds"], 10)),
            timeout: Duration::from_secs(number(&probe["timeoutSeconds"], 1)),
            failure_threshold: number(&probe["failureThreshold"], 3),
        }
    }

    /// One probe as the kubelet makes it: a new connection, one health `Check`, at most
    /// `timeoutSeconds`.
    async fn check(&self, port: u16) -> Result<ServingStatus, String> {
        let endpoint = Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
            .expect("a URL")
            .connect_timeout(self.timeout);
        let attempt = async {
            let channel = endpoint.connect().await.map_err(|e| e.to_string())?;
            let response = HealthClient::new(channel)
                .check(HealthCheckRequest {
                    service: self.service.clone(),
                })
                .await
                .map_err(|s| format!("{:?}: {}", s.code(), s.message()))?;
            Ok(response.into_inner().status())
        };
        tokio::time::timeout(self.timeout, attempt)
            .await
            .map_err(|_| format!("no answer within {:?}", self.timeout))?
    }
}

/// The manifest's `env` as name and value.
fn container_env(container: &Value) -> Vec<(String, String)> {
    container["env"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|e| {
            let value = e["value"]
                .as_str()
                .unwrap_or_else(|| panic!("a literal value (valueFrom is not modelled here): {e}"));
            (
                e["name"].as_str().expect("a name").to_owned(),
                value.to_owned(),
            )
        })
        .collect()
}

fn env_value<'a>(env: &'a [(String, String)], name: &str) -> Option<&'a str> {
    env.iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// A security setting: the container's, else the pod's.
fn security(pod: &Value, container: &Value, key: &str) -> Value {
    let own = &container["securityContext"][key];
    if own.is_null() {
        pod["securityContext"][key].clone()
    } else {
        own.clone()
    }
}

/// The container's port named `grpc`.
fn grpc_port(container: &Value) -> u16 {
    let port = container["ports"]
        .as_array()
        .expect("ports")
        .iter()
        .find(|p| p["name"] == "grpc")
        .expect("a port named grpc");
    u16::try_from(number(&port["containerPort"], 0)).expect("a port")
}

#[test]
fn the_manifests_agree_with_the_image_and_with_each_other() {
    let Some(pod) = pod_spec() else { return };
    let image = dockerfile();
    let container = container(&pod);
    let port = grpc_port(container);
    assert!(
        image.expose.contains(&port),
        "the image EXPOSEs {:?}, the container port is {port}",
        image.expose
    );
    let env: Vec<(String, String)> = image
        .env
        .iter()
        .cloned()
        .chain(container_env(container))
        .collect();
    let listen = env_value(&env, "BROADSHEET_LISTEN").expect("BROADSHEET_LISTEN is set");
    assert!(
        listen.ends_with(&format!(":{port}")),
        "BROADSHEET_LISTEN {listen} is the container port {port}"
    );
    for kind in ["startupProbe", "readinessProbe", "livenessProbe"] {
        assert_eq!(Probe::of(container, kind).port, port, "the {kind} port");
    }
    assert_eq!(
        Probe::of(container, "readinessProbe").service,
        "broadsheet.v1.ExportService",
        "readiness follows the service that turns NOT_SERVING on a drain"
    );
    // The Service sends its traffic to the container's named port.
    let services = manifests("service.yaml").unwrap_or_default();
    for service in services.iter().filter(|d| d["kind"] == "Service") {
        for p in service["spec"]["ports"].as_array().expect("ports") {
            let target = &p["targetPort"];
            assert!(
                target == "grpc" || target.as_u64() == Some(u64::from(port)),
                "the Service's targetPort {target} is the container's grpc port"
            );
        }
    }
    // The drain fits in the grace period after the pause.
    let pause = number(&container["lifecycle"]["preStop"]["sleep"]["seconds"], 0);
    let grace = number(&pod["terminationGracePeriodSeconds"], 30);
    let drain: u64 = env_value(&env, "BROADSHEET_GRACE_PERIOD")
        .unwrap_or("30")
        .parse()
        .expect("seconds");
    assert!(
        pause + drain <= grace,
        "preStop {pause} s + BROADSHEET_GRACE_PERIOD {drain} s fit in terminationGracePeriodSeconds {grace} s"
    );
}

#[test]
fn the_image_user_passes_the_kubelets_run_as_non_root_check() {
    // With `runAsNonRoot` and no `runAsUser`, the kubelet must see a numeric, non-zero
    // user in the image, or it refuses to start the container ("image has non-numeric
    // user, cannot verify user is non-root").
    let Some(pod) = pod_spec() else { return };
    let image = dockerfile();
    let container = container(&pod);
    let context = |key: &str| security(&pod, container, key);
    if context("runAsNonRoot") != true {
        return;
    }
    let uid = match context("runAsUser").as_u64() {
        Some(uid) => uid,
        None => {
            let user = image.user.split(':').next().unwrap_or_default();
            user.parse().unwrap_or_else(|_| {
                panic!(
                    "the Deployment sets runAsNonRoot but no runAsUser, and the image's USER \
                     {:?} is not numeric, so the kubelet cannot verify it and will not start \
                     the container; use `USER 65532:65532` in the Dockerfile or set runAsUser \
                     and runAsGroup 65532 in the manifest",
                    image.user
                )
            })
        }
    };
    assert_ne!(uid, 0, "runAsNonRoot with uid 0 is refused");
}

/// A program on the `PATH`.
fn program(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs the Dockerfile's `RUN cargo build …` in the repository (what `COPY . .` gives the
/// build stage) and the usual target folder, and returns the binary the image copies.
fn build_like_the_dockerfile(image: &Image) -> PathBuf {
    let started = Instant::now();
    let status = Command::new(&image.build[0])
        .args(&image.build[1..])
        .current_dir(repo())
        .status()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", image.build));
    assert!(status.success(), "{:?} failed", image.build);
    eprintln!(
        "release build ({}): {:.1} s",
        image.build.join(" "),
        started.elapsed().as_secs_f64()
    );
    match (
        image.binary.strip_prefix("target"),
        std::env::var_os("CARGO_TARGET_DIR"),
    ) {
        (Ok(rest), Some(target)) => PathBuf::from(target).join(rest),
        _ => repo().join(&image.binary),
    }
}

/// The image's file system, as far as the server sees it: the binary where the final stage
/// puts it and a working folder (distroless `nonroot`'s home) that nobody may write.
struct Root {
    dir: tempfile::TempDir,
    binary: PathBuf,
    workdir: PathBuf,
}

fn install(image: &Image, built: &Path) -> Root {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join(image.installed_as.trim_start_matches('/'));
    std::fs::create_dir_all(binary.parent().unwrap()).unwrap();
    // A hard link, so that a later build in `target/` cannot swap the binary under us.
    if std::fs::hard_link(built, &binary).is_err() {
        std::fs::copy(built, &binary).unwrap();
    }
    let workdir = dir.path().join("home/nonroot");
    std::fs::create_dir_all(&workdir).unwrap();
    for folder in binary.ancestors().skip(1).chain(workdir.ancestors()) {
        if folder.starts_with(dir.path()) {
            chmod(folder, 0o755);
        }
    }
    chmod(&binary, 0o755);
    chmod(&workdir, 0o555);
    Root {
        dir,
        binary,
        workdir,
    }
}

/// How the container's process is started: as the pod's user, with the container's
/// security context as far as util-linux can give it.
struct Sandbox {
    /// The user and group the process runs as, when we are root and can change them.
    user: Option<(u32, u32)>,
    /// `unshare --mount` and a script that remounts `/` read-only for this process only.
    read_only_root: Option<Vec<OsString>>,
    /// `setpriv` and its options.
    setpriv: Vec<OsString>,
}

impl Sandbox {
    /// The sandbox the manifest asks for, or `None` if a tool it needs is missing (outside
    /// CI).
    fn for_pod(pod: &Value, container: &Value, image: &Image) -> Option<Sandbox> {
        let context = |key: &str| security(pod, container, key);
        let (user, group) = image.user.split_once(':').unwrap_or((&image.user, ""));
        let id = |setting: &str, name: &str| {
            context(setting)
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .or_else(|| uid_of(name))
                .unwrap_or_else(|| panic!("{setting} or a known USER, not {name:?}"))
        };
        let uid = id("runAsUser", user);
        let gid = id("runAsGroup", if group.is_empty() { user } else { group });
        if !std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0) {
            eprintln!(
                "*** NOTE: not root, so the server runs as this user, not as {uid}:{gid} ***"
            );
            return Some(Sandbox {
                user: None,
                read_only_root: None,
                setpriv: Vec::new(),
            });
        }
        let Some(setpriv) = program("setpriv") else {
            common::validators::missing("setpriv", "apt-get install util-linux");
            return None;
        };
        let mut setpriv: Vec<OsString> = vec![
            setpriv.into(),
            format!("--reuid={uid}").into(),
            format!("--regid={gid}").into(),
            "--clear-groups".into(),
        ];
        if context("allowPrivilegeEscalation") == false {
            setpriv.push("--no-new-privs".into());
        }
        let drops = &container["securityContext"]["capabilities"]["drop"];
        if drops
            .as_array()
            .is_some_and(|d| d.iter().any(|c| c == "ALL"))
        {
            setpriv.extend(["--bounding-set=-all".into(), "--inh-caps=-all".into()]);
        }
        setpriv.push("--".into());
        let mut read_only_root = None;
        if context("readOnlyRootFilesystem") == true {
            if let (Some(unshare), Some(mount)) = (program("unshare"), program("mount")) {
                // `bind` changes this mount namespace's view of `/` only, not the disk.
                let script = format!("{} -o remount,bind,ro / && exec \"$@\"", mount.display());
                let wrap: Vec<OsString> = vec![
                    unshare.into(),
                    "--mount".into(),
                    "--propagation".into(),
                    "private".into(),
                    "/bin/sh".into(),
                    "-c".into(),
                    script.into(),
                    "sh".into(),
                ];
                let works = Command::new(&wrap[0])
                    .args(&wrap[1..])
                    .arg("true")
                    .status()
                    .is_ok_and(|s| s.success());
                if works {
                    read_only_root = Some(wrap);
                }
            }
            if read_only_root.is_none() {
                eprintln!(
                    "*** NOTE: cannot remount / read-only in a mount namespace here; only the working folder is unwritable ***"
                );
            }
        }
        Some(Sandbox {
            user: Some((uid, gid)),
            read_only_root,
            setpriv,
        })
    }

    fn command(&self, program: &Path, args: &[String]) -> Command {
        let mut words: Vec<OsString> = Vec::new();
        words.extend(self.read_only_root.iter().flatten().cloned());
        words.extend(self.setpriv.iter().cloned());
        words.push(program.into());
        words.extend(args.iter().map(OsString::from));
        let mut command = Command::new(&words[0]);
        command.args(&words[1..]);
        command
    }

    /// Checks that the sandbox holds: nothing can be written in the working folder, nor in
    /// the temporary folder when the root is read-only.
    fn assert_unwritable(&self, workdir: &Path) {
        let mut paths = vec![workdir.join("probe")];
        if self.read_only_root.is_some() {
            let name = format!("broadsheet-probe-{}", std::process::id());
            paths.push(std::env::temp_dir().join(name));
        }
        let touch = program("touch").expect("touch");
        for path in &paths {
            let touched = self
                .command(&touch, &[path.display().to_string()])
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(!touched.success(), "{} is writable", path.display());
        }
    }
}

/// The server process, killed if the test ends without stopping it, with its log lines.
struct Container {
    child: Child,
    started: Instant,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Container {
    fn start(mut command: Command) -> Container {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = command.spawn().expect("the server starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let logs = Arc::new(Mutex::new(Vec::new()));
        {
            let logs = Arc::clone(&logs);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    logs.lock().unwrap_or_else(|e| e.into_inner()).push(line);
                }
            });
        }
        Container {
            child,
            started,
            logs,
        }
    }

    fn logs(&self) -> String {
        self.logs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .join("\n")
    }

    /// The process's real uid, from `/proc`.
    fn uid(&self) -> String {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits for the process to exit; fails after `within`.
    async fn exit(&mut self, within: Duration, since: Instant) -> std::process::ExitStatus {
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                since.elapsed() < within,
                "still running after {within:?}:\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port to serve on: the manifest's, unless something here already holds it.
fn free_port_like(port: u16) -> u16 {
    if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
        return port;
    }
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let other = free.local_addr().unwrap().port();
    eprintln!("*** NOTE: port {port} is taken here; serving on {other} instead ***");
    other
}

/// The process's command line: the container's `command` or the image's ENTRYPOINT, then
/// its `args` or the image's CMD, as Kubernetes combines them.
fn argv(container: &Value, image: &Image) -> Vec<String> {
    let strings = |list: &Value| -> Option<Vec<String>> {
        list.as_array().map(|items| {
            items
                .iter()
                .map(|i| i.as_str().expect("a string").to_owned())
                .collect()
        })
    };
    let command = strings(&container["command"]);
    let args = strings(&container["args"]);
    let mut argv = command.clone().unwrap_or_else(|| image.entrypoint.clone());
    match (args, command) {
        (Some(args), _) => argv.extend(args),
        (None, None) => argv.extend(image.cmd.iter().cloned()),
        (None, Some(_)) => {}
    }
    argv
}

/// The startup probe as the kubelet runs it: from the container's start, after
/// initialDelaySeconds, every periodSeconds until it passes or has failed failureThreshold
/// times.
async fn startup(probe: &Probe, port: u16, server: &Container) {
    let mut outcome = Err(String::from("never probed"));
    for attempt in 0..probe.failure_threshold {
        let at = server.started + probe.initial_delay + probe.period * attempt as u32;
        tokio::time::sleep_until(at.into()).await;
        outcome = probe.check(port).await;
        if outcome == Ok(ServingStatus::Serving) {
            eprintln!(
                "startup probe passed at attempt {} ({:.2} s after start; it may take {:?})",
                attempt + 1,
                server.started.elapsed().as_secs_f64(),
                probe.initial_delay + probe.period * probe.failure_threshold as u32
            );
            return;
        }
    }
    panic!(
        "the startup probe failed {} times, {:?} apart ({outcome:?}):\n{}",
        probe.failure_threshold,
        probe.period,
        server.logs()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deployed_image_starts_probes_serves_and_drains_on_sigterm() {
    let Some(pod) = pod_spec() else { return };
    let image = dockerfile();
    let container = container(&pod);
    let Some(sandbox) = Sandbox::for_pod(&pod, container, &image) else {
        return;
    };
    let root = install(&image, &build_like_the_dockerfile(&image));
    sandbox.assert_unwritable(&root.workdir);

    // The environment: the image's ENV, then the container's env, which wins; the listen
    // address on loopback.
    let mut env: Vec<(String, String)> = image.env.clone();
    env.extend(container_env(container));
    let port = grpc_port(container);
    let listen = env_value(&env, "BROADSHEET_LISTEN").expect("BROADSHEET_LISTEN");
    let (_, listen_port) = listen.rsplit_once(':').expect("host:port");
    let serving_port = free_port_like(listen_port.parse().expect("a port"));
    env.push((
        "BROADSHEET_LISTEN".to_owned(),
        format!("127.0.0.1:{serving_port}"),
    ));
    let port_of = |probe: &Probe| {
        if probe.port == port {
            serving_port
        } else {
            probe.port
        }
    };

    let argv = argv(container, &image);
    assert_eq!(
        argv.first(),
        Some(&image.installed_as),
        "the container runs the binary the image installs"
    );
    let mut command = sandbox.command(&root.binary, &argv[1..]);
    command
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(&root.workdir);
    let mut server = Container::start(command);
    let pid = server.child.id();

    let startup_probe = Probe::of(container, "startupProbe");
    startup(&startup_probe, port_of(&startup_probe), &server).await;

    // It is the pod's user, it is the process the signal goes to (no wrapper left in
    // between), and it logs JSON with the manifest's settings.
    if let Some((uid, _)) = sandbox.user {
        assert_eq!(server.uid(), uid.to_string(), "the server's uid");
    }
    assert_eq!(
        std::fs::read_link(format!("/proc/{pid}/exe")).unwrap(),
        root.binary,
        "the container's process is the server itself"
    );
    let listening: Value = server
        .logs()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["message"] == "listening")
        .unwrap_or_else(|| panic!("a JSON `listening` line:\n{}", server.logs()));
    assert_eq!(listening["address"], format!("127.0.0.1:{serving_port}"));
    for (name, field) in [
        (
            "BROADSHEET_MAX_CONCURRENT_RENDERS",
            "max_concurrent_renders",
        ),
        ("BROADSHEET_MAX_QUEUE", "max_queue"),
    ] {
        if let Some(value) = env_value(&env, name) {
            assert_eq!(listening[field].to_string(), value, "{name}");
        }
    }

    // Ready and live, and a real Export.
    let readiness = Probe::of(container, "readinessProbe");
    let liveness = Probe::of(container, "livenessProbe");
    let ready = readiness.check(port_of(&readiness)).await;
    assert_eq!(ready, Ok(ServingStatus::Serving), "readiness");
    let live = liveness.check(port_of(&liveness)).await;
    assert_eq!(live, Ok(ServingStatus::Serving), "liveness");
    let channel = Channel::from_shared(format!("http://127.0.0.1:{serving_port}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = ExportServiceClient::new(channel.clone())
        .max_decoding_message_size(256 * 1024 * 1024)
        .max_encoding_message_size(256 * 1024 * 1024);
    let document = client.export(seed("pdf")).await.unwrap().into_inner();
    assert!(document.content.starts_with(b"%PDF-"));

    // The pod is deleted: first the preStop pause, while balancers may still send work.
    let pause = Duration::from_secs(number(
        &container["lifecycle"]["preStop"]["sleep"]["seconds"],
        0,
    ));
    tokio::time::sleep(pause).await;
    let ready = readiness.check(port_of(&readiness)).await;
    assert_eq!(ready, Ok(ServingStatus::Serving), "the pause stops nothing");
    client.export(seed("text")).await.unwrap();

    // Work in flight when SIGTERM comes: a watch on the readiness status, an open batch
    // stream, and a long unary render.
    let mut health = HealthClient::new(channel.clone());
    let watch = HealthCheckRequest {
        service: readiness.service.clone(),
    };
    let mut watch = health.watch(watch).await.unwrap().into_inner();
    let status = watch.next().await.unwrap().unwrap().status();
    assert_eq!(status, ServingStatus::Serving);
    let (batch_tx, batch_rx) = tokio::sync::mpsc::channel::<pb::ExportRequest>(4);
    let mut results = client
        .export_batch(tokio_stream::wrappers::ReceiverStream::new(batch_rx))
        .await
        .unwrap()
        .into_inner();
    let mut before = seed("text");
    before.request_id = "before".to_owned();
    batch_tx.send(before).await.unwrap();
    assert_eq!(results.next().await.unwrap().unwrap().request_id, "before");
    let long = {
        let mut client = client.clone();
        tokio::spawn(async move {
            let result = client.export(seed_collection(300, "pdf")).await;
            (result, Instant::now())
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!long.is_finished(), "the long render is still running");

    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let signalled = Instant::now();

    // Readiness turns NOT_SERVING at once, well before the readiness probe's failures take
    // the pod out of the endpoints, and a new probe is refused or sees it.
    let unready = readiness.period * readiness.failure_threshold as u32;
    let next = tokio::time::timeout(unready, watch.next())
        .await
        .expect("the readiness status changes");
    let status = next.unwrap().unwrap().status();
    assert_eq!(status, ServingStatus::NotServing, "a drain is not ready");
    drop(watch);
    assert_ne!(
        readiness.check(port_of(&readiness)).await,
        Ok(ServingStatus::Serving),
        "a new readiness probe after SIGTERM does not see SERVING"
    );

    // What was in flight finishes: the batch stream takes one more item, and the long
    // render arrives whole.
    let mut after = seed_collection(5, "pdf");
    after.request_id = "after".to_owned();
    batch_tx.send(after).await.unwrap();
    drop(batch_tx);
    let result = results.next().await.unwrap().unwrap();
    assert_eq!(result.request_id, "after");
    let Some(pb::batch_result::Outcome::Document(document)) = result.outcome else {
        panic!("the batch item sent during the drain is rendered: {result:?}");
    };
    assert!(document.content.starts_with(b"%PDF-"));
    assert!(results.next().await.is_none(), "the stream ends cleanly");
    let (long_result, finished) = long.await.unwrap();
    let long_document = long_result
        .unwrap_or_else(|s| panic!("the long render was cut off by the drain: {s:?}"))
        .into_inner();
    assert!(long_document.content.starts_with(b"%PDF-"));
    assert!(
        finished > signalled,
        "the long render was in flight at SIGTERM"
    );
    drop((results, client, health, channel));

    // And the process exits 0 before the kubelet's SIGKILL.
    let grace = Duration::from_secs(number(&pod["terminationGracePeriodSeconds"], 30));
    let budget = grace.saturating_sub(pause);
    let exit = server.exit(budget, signalled).await;
    eprintln!(
        "exited {:.2} s after SIGTERM (terminationGracePeriodSeconds minus preStop: {budget:?}); the long render ended {:.2} s after it",
        signalled.elapsed().as_secs_f64(),
        finished.duration_since(signalled).as_secs_f64()
    );
    assert!(exit.success(), "exit status {exit}:\n{}", server.logs());
    // The log reader takes the last lines.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let logs = server.logs();
    for line in logs.lines() {
        assert!(
            serde_json::from_str::<Value>(line).is_ok_and(|v| v.is_object()),
            "every log line is JSON (BROADSHEET_LOG_FORMAT): {line}"
        );
    }
    assert!(logs.contains("\"message\":\"stopped\""), "{logs}");
    drop(root.dir);
}
