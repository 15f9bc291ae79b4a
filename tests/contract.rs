//! The API contract, `proto/`, checked with buf: lint, formatting, and no breaking change
//! against the committed baseline `proto/baseline/broadsheet.v1.binpb`.
//!
//! buf is a pinned npm package in `tests/tools` (`npm ci` there). Without it these tests
//! skip and say so; with `CI=true` they fail. See "Changing the contract" in the README.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The baseline image, relative to `proto/`.
const BASELINE: &str = "baseline/broadsheet.v1.binpb";
/// The contract file, relative to `proto/`.
const CONTRACT: &str = "broadsheet/v1/broadsheet.proto";

/// Finds a program installed by `npm ci` in `tests/tools`, or in `$BROADSHEET_TOOLS` if set.
///
/// When it is missing, panics under `CI=true`; otherwise prints a loud SKIPPED line to
/// stderr and returns `None`, and the test should return early.
fn node_tool(name: &str) -> Option<PathBuf> {
    let tools = std::env::var_os("BROADSHEET_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools"));
    let program = tools.join("node_modules/.bin").join(name);
    if program.is_file() {
        return Some(program);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "{name} is required when CI=true but {} does not exist: run npm ci in tests/tools \
             (or set BROADSHEET_TOOLS to a folder where it was run)",
            program.display()
        );
    }
    eprintln!(
        "\n*** SKIPPED: {name} not installed (run npm ci in tests/tools); looked for {} ***\n",
        program.display()
    );
    None
}

/// The `proto/` folder of this checkout.
fn proto_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("proto")
}

/// The buf CLI, run offline with a throwaway cache.
struct Buf {
    program: PathBuf,
    cache: tempfile::TempDir,
}

impl Buf {
    fn find() -> Option<Buf> {
        let program = node_tool("buf")?;
        let cache = tempfile::tempdir().expect("a temporary buf cache");
        Some(Buf { program, cache })
    }

    /// Runs buf in `dir`. Nothing here needs the network: the contract has no buf.yaml
    /// `deps` and google/protobuf is built into buf. The cache goes to a temporary folder
    /// rather than `~/.cache/buf`, and a developer's BSR token is not passed on.
    fn run(&self, dir: &Path, args: &[&str]) -> Output {
        Command::new(&self.program)
            .args(args)
            .current_dir(dir)
            .env("BUF_CACHE_DIR", self.cache.path())
            .env_remove("BUF_TOKEN")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {} {args:?}: {e}", self.program.display()))
    }
}

/// What a run printed, for assertion messages.
fn printed(output: &Output) -> String {
    format!(
        "exit status: {}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Copies a folder tree.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of `proto/` in a temporary folder with the contract file edited: each `(from, to)`
/// replaces text that must occur exactly once, so an edit never silently does nothing.
fn edited_copy(edits: &[(&str, &str)]) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    copy_tree(&proto_dir(), copy.path());
    let file = copy.path().join(CONTRACT);
    let mut text = fs::read_to_string(&file).unwrap();
    for (from, to) in edits {
        let found = text.matches(from).count();
        assert_eq!(
            found, 1,
            "{from:?} occurs {found} times in {CONTRACT}, not once"
        );
        text = text.replacen(from, to, 1);
    }
    fs::write(&file, text).unwrap();
    copy
}

#[test]
fn contract_passes_buf_lint() {
    let Some(buf) = Buf::find() else { return };
    let output = buf.run(&proto_dir(), &["lint"]);
    assert!(
        output.status.success(),
        "buf lint failed; fix the proto, or, if a name is fixed, add a scoped exception with \
         its reason to proto/buf.yaml\n{}",
        printed(&output)
    );
}

#[test]
fn contract_is_formatted_as_buf_format_wants() {
    let Some(buf) = Buf::find() else { return };
    let output = buf.run(&proto_dir(), &["format", "-d", "--exit-code"]);
    assert!(
        output.status.success(),
        "buf format wants changes (apply them with `buf format -w` in proto/)\n{}",
        printed(&output)
    );
}

#[test]
fn contract_has_no_breaking_change_against_the_baseline() {
    let Some(buf) = Buf::find() else { return };
    let output = buf.run(&proto_dir(), &["breaking", "--against", BASELINE]);
    assert!(
        output.status.success(),
        "the contract breaks clients built against {BASELINE}; add instead of changing, or \
         see \"Changing the contract\" in the README\n{}",
        printed(&output)
    );
}

#[test]
fn additions_pass_buf_breaking() {
    let Some(buf) = Buf::find() else { return };
    let copy = edited_copy(&[
        (
            "  uint64 byte_size = 3;\n",
            "  uint64 byte_size = 3;\n  // Added by the test.\n  uint32 figure_count = 900;\n",
        ),
        (
            "  PAGE_SIZE_LEGAL = 4;\n",
            "  PAGE_SIZE_LEGAL = 4;\n  // Added by the test.\n  PAGE_SIZE_TEST_ONLY = 900;\n",
        ),
        (
            "// A thematic break. It has no fields.\n",
            "// Added by the test.\nmessage TestOnlyAddition {\n  // Added by the test.\n  \
             string note = 1;\n}\n\n// A thematic break. It has no fields.\n",
        ),
    ]);
    let against = proto_dir().join(BASELINE);
    let output = buf.run(
        copy.path(),
        &["breaking", "--against", against.to_str().unwrap()],
    );
    assert!(
        output.status.success(),
        "adding a field, an enum value and a message must be compatible\n{}",
        printed(&output)
    );
}

#[test]
fn an_incompatible_change_fails_buf_breaking() {
    let Some(buf) = Buf::find() else { return };
    let against = proto_dir().join(BASELINE);
    let against = against.to_str().unwrap();
    // Each change, and a piece of the message buf must give for it.
    let changes: [(&str, &str, &str, &str); 3] = [
        (
            "a field's type",
            "  uint32 page_count = 1;\n",
            "  uint64 page_count = 1;\n",
            r#"changed type from "uint32" to "uint64""#,
        ),
        (
            "a field's number",
            "  uint32 word_count = 2;\n",
            "  uint32 word_count = 20;\n",
            r#"field "2" with name "word_count" on message "DocumentInfo" was deleted"#,
        ),
        (
            "a deleted field",
            "  string alt_text = 3;\n",
            "",
            r#"field "3" with name "alt_text" on message "Image" was deleted"#,
        ),
    ];
    for (what, from, to, expected) in changes {
        let copy = edited_copy(&[(from, to)]);
        let output = buf.run(copy.path(), &["breaking", "--against", against]);
        let report = printed(&output);
        // Exit code 100 means buf found problems in the files, not that it failed to run.
        assert_eq!(
            output.status.code(),
            Some(100),
            "changing {what} must fail buf breaking\n{report}"
        );
        assert!(
            report.contains(expected),
            "buf breaking should report {expected:?} for {what}\n{report}"
        );
    }
}
