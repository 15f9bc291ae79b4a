#!/usr/bin/env python3
"""Soak: mixed load against a release server for a long while, proving its memory is flat.

    python3 benches/soak.py [--duration SECONDS] [--port PORT]

It starts `target/release/broadsheet serve` on 127.0.0.1:PORT (a private copy of the binary,
so a rebuild during the soak changes nothing) with a large `--max-queue`, and for DURATION
seconds (default 900) drives it with our own load tools, all on loopback:

- `broadsheet bench` in rounds of 30 s (a fifth of DURATION if that is less): 4 clients, formats text, pdf, epub and html in
  rotation, `--mix-sizes` (the article and a ten-article collection of it), one fixture a
  round in turn: seed, multilingual, hostile, newsroom and digest (a collection, so it is
  sent as it is); every other round with `--fresh-text` when the binary has it (a serial in
  every headline and paragraph, so each request is new text and the per-thread word caches
  keep meeting new words: a cache that grew without bound would show here, where repeated
  fixtures would only ever fill it once);
- `broadsheet faults` in a loop alongside, over the article fixtures in turn: clients that
  hang up mid-stream, deadlines that expire mid-render, a flood of oversized messages and
  decompression bombs, each followed by a check that a plain request still succeeds
  (without `--server-pid`, whose scenario stops the server), with a 2 s pause between runs;
- a sampler that reads the server's VmRSS from /proc/PID/status every second into
  benches/soak.csv (`seconds,rss_mb`, seconds since the server started, MB = MiB).

Every loop is bounded in time: a bench round never runs past the end, no faults run starts
in the last 15 s, and every child process has a timeout after which it is killed and counted
as a failure.

It passes when all of these hold:

- memory is flat: over the window (the last 5 minutes of a 15-minute soak; the last third
  of any soak, so a 60 s try uses the last 20 s), RSS grows less than 5 %. "Grows" is the
  median of the samples in the window's last fifth (its last minute) against the median of
  the samples in its first fifth (its first minute): medians of a minute each, so a single
  allocation spike or a freed arena at either edge does not decide the verdict. A
  least-squares slope over all the window's samples is reported too, in MB per minute, as a
  second view of the trend (it is reported, not judged);
- no request got an unexpected code: every bench round says `errors: none` and exits 0,
  every faults run exits 0 (all its scenarios behaved as expected), and the server's own
  request log shows no code but OK, INVALID_ARGUMENT (the bombs), DEADLINE_EXCEEDED and
  CANCELLED (the expired deadlines and hang-ups), and no ERROR line or panic;
- the server is still alive at the end, and after SIGTERM it exits with status 0.

The server inherits the environment, so glibc's allocator can be tuned for a comparison:
`MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=131072 python3 benches/soak.py`; the summary
names any MALLOC_* setting it ran with.

It prints a one-screen summary (requests by kind, RSS at start, after warm-up, peak and end,
growth, slope, verdict), writes benches/soak.csv and benches/soak.png (RSS over time with
the window shaded and the verdict in the title), and exits 0 on a pass, 1 on a failure.

Python 3.11 with the standard library and matplotlib (3.10.7) only.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import hashlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
BENCH_FIXTURES = ["seed", "multilingual", "hostile", "newsroom", "digest"]
COLLECTIONS = {"digest"}
FAULT_FIXTURES = ["seed", "multilingual", "hostile", "newsroom"]
FORMATS = "text,pdf,epub,html"
EXPECTED_SERVER_CODES = {"Ok", "InvalidArgument", "DeadlineExceeded", "Cancelled"}
GROWTH_LIMIT_PCT = 5.0


@dataclass
class Round:
    """One bench round."""

    start: float
    end: float
    fixture: str
    ok: int
    errors: str
    rc: int | None
    fresh: bool = False
    problem: str | None = None


@dataclass
class FaultRun:
    """One faults run."""

    start: float
    end: float
    fixture: str
    rc: int | None
    outcomes: dict[str, collections.Counter] = field(default_factory=dict)
    problem: str | None = None
    output: str = ""


class Soak:
    def __init__(self, args: argparse.Namespace, binary: Path, workdir: Path) -> None:
        self.args = args
        self.binary = binary
        self.workdir = workdir
        self.url = f"http://127.0.0.1:{args.port}"
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.children: set[subprocess.Popen] = set()
        self.samples: list[tuple[float, float]] = []
        self.loads: list[float] = []
        self.rounds: list[Round] = []
        self.faults: list[FaultRun] = []
        self.t0 = 0.0
        self.server: subprocess.Popen | None = None
        self.binary_info = "?"
        help_text = subprocess.run([str(binary), "bench", "--help"], capture_output=True,
                                   text=True, timeout=30).stdout
        self.fresh_text = "--fresh-text" in help_text

    def now(self) -> float:
        return time.monotonic() - self.t0

    def log(self, message: str) -> None:
        print(f"[{self.now():7.1f} s] {message}", flush=True)

    # Child processes, each bounded in time.
    def run_child(self, cmd: list[str], timeout: float) -> tuple[int | None, str]:
        child = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )
        with self.lock:
            self.children.add(child)
        try:
            out, _ = child.communicate(timeout=timeout)
            return child.returncode, out
        except subprocess.TimeoutExpired:
            child.kill()
            out, _ = child.communicate()
            return None, out + f"\n(killed after {timeout:.0f} s)"
        finally:
            with self.lock:
                self.children.discard(child)

    def kill_children(self) -> None:
        with self.lock:
            for child in list(self.children):
                if child.poll() is None:
                    child.kill()

    # The server.
    def start_server(self) -> None:
        log = open(self.workdir / "server.log", "wb")
        self.t0 = time.monotonic()
        self.server = subprocess.Popen(
            [str(self.binary), "serve", "--listen", f"127.0.0.1:{self.args.port}",
             "--max-queue", str(self.args.max_queue)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise SystemExit(f"the server exited at start-up with {self.server.returncode}; "
                                 f"see {self.workdir / 'server.log'}")
            try:
                with socket.create_connection(("127.0.0.1", self.args.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the server did not listen within 30 s")

    def rss_mb(self) -> float | None:
        try:
            status = Path(f"/proc/{self.server.pid}/status").read_text()
        except OSError:
            return None
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        return int(match.group(1)) / 1024 if match else None

    def hwm_mb(self) -> float | None:
        try:
            status = Path(f"/proc/{self.server.pid}/status").read_text()
        except OSError:
            return None
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
        return int(match.group(1)) / 1024 if match else None

    def sampler(self, csv: Path) -> None:
        """Every second, on a fixed schedule: the server's RSS; every 10 s, the load average."""
        with open(csv, "w") as out:
            out.write("seconds,rss_mb\n")
            tick = 0
            while not self.stop.is_set():
                t = self.now()
                mb = self.rss_mb()
                if mb is not None and self.server.poll() is None:
                    self.samples.append((t, mb))
                    out.write(f"{t:.1f},{mb:.1f}\n")
                    out.flush()
                if tick % 10 == 0:
                    self.loads.append(os.getloadavg()[0])
                tick += 1
                self.stop.wait(max(0.0, tick - self.now()))

    # The load.
    def bench_loop(self, end: float) -> None:
        i = 0
        while not self.stop.is_set():
            left = end - self.now()
            if left < 2:
                break
            # Rounds of --round seconds, shorter in a short soak so every fixture gets one.
            seconds = min(self.args.round, self.args.duration / len(BENCH_FIXTURES), left)
            name = BENCH_FIXTURES[i % len(BENCH_FIXTURES)]
            i += 1
            cmd = [str(self.binary), "bench", "--server", self.url,
                   "--concurrency", str(self.args.concurrency),
                   "--duration", f"{seconds:.1f}", "--format", FORMATS]
            if name not in COLLECTIONS:
                cmd.append("--mix-sizes")
            fresh = self.fresh_text and i % 2 == 0
            if fresh:
                cmd.append("--fresh-text")
            cmd.append(str(FIXTURES / f"{name}.json"))
            start = self.now()
            rc, out = self.run_child(cmd, timeout=seconds + 60)
            ok = re.search(r"\bok (\d+)", out)
            errors = re.search(r"^errors: (.*)$", out, re.M)
            r = Round(start, self.now(), name, int(ok.group(1)) if ok else 0,
                      errors.group(1) if errors else "?", rc, fresh)
            if rc != 0:
                r.problem = f"bench exited with {rc}: {out.strip()[-300:]}"
            elif r.errors != "none":
                r.problem = f"bench errors: {r.errors}"
            self.rounds.append(r)
            self.log(f"bench {name + (' fresh' if fresh else ''):<18} {r.ok:6d} ok  {r.ok / max(r.end - r.start, 1e-9):6.1f}/s  "
                     f"errors: {r.errors}" + (f"  <- {r.problem}" if r.problem else ""))

    def faults_loop(self, end: float) -> None:
        j = 0
        while not self.stop.is_set() and end - self.now() >= 15:
            name = FAULT_FIXTURES[j % len(FAULT_FIXTURES)]
            j += 1
            start = self.now()
            rc, out = self.run_child(
                [str(self.binary), "faults", "--server", self.url,
                 str(FIXTURES / f"{name}.json")],
                timeout=self.args.faults_timeout,
            )
            run = FaultRun(start, self.now(), name, rc, output=out)
            for line in out.splitlines():
                m = re.match(r"^(PASS|FAIL)\s+(.+?)\s{2,}(.*)$", line)
                if not m:
                    continue
                counts = collections.Counter()
                for part in m.group(3).split(":")[0].split(","):
                    kv = part.strip().rsplit(" ", 1)
                    if len(kv) == 2 and kv[1].isdigit():
                        counts[kv[0]] += int(kv[1])
                run.outcomes[m.group(2)] = counts
            if rc != 0:
                run.problem = f"faults exited with {rc}: {out.strip()[-400:]}"
            self.faults.append(run)
            if run.problem or j % 25 == 1:
                self.log(f"faults run {j} ({name}): "
                         + ("ok" if not run.problem else run.problem))
            self.stop.wait(self.args.faults_pause)

    def watchdog(self, end: float) -> None:
        while not self.stop.is_set() and self.now() < end:
            if self.server.poll() is not None:
                self.log(f"the server died with {self.server.returncode}")
                self.stop.set()
                self.kill_children()
                return
            time.sleep(0.5)

    def run(self) -> int:
        args = self.args
        self.start_server()
        sampler = threading.Thread(target=self.sampler, args=(args.csv,), daemon=True)
        sampler.start()
        time.sleep(1.5)  # an idle sample or two before the load
        load_start = self.now()
        load_end = load_start + args.duration
        self.log(f"server pid {self.server.pid} on {self.url}; load for {args.duration:.0f} s")
        loops = [threading.Thread(target=f, args=(load_end,), daemon=True)
                 for f in (self.bench_loop, self.faults_loop)]
        for t in loops:
            t.start()
        self.watchdog(load_end)
        for t in loops:
            t.join()
        finished = self.now()
        alive = self.server.poll() is None
        time.sleep(1.1)  # one last sample after the load
        hwm = self.hwm_mb()
        self.stop.set()
        sampler.join()

        exit_code = None
        if alive:
            self.server.send_signal(signal.SIGTERM)
            try:
                exit_code = self.server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        else:
            exit_code = self.server.returncode
        return self.report(load_start, finished, alive, exit_code, hwm)

    # The verdict.
    def server_log_tally(self) -> tuple[collections.Counter, list[str]]:
        tally = collections.Counter()
        bad = []
        pattern = re.compile(r'method="(\w+)".*?\bcode=(\w+)')
        with open(self.workdir / "server.log", errors="replace") as log:
            for line in log:
                m = pattern.search(line)
                if m:
                    tally[(m.group(1), m.group(2))] += 1
                    if m.group(2) not in EXPECTED_SERVER_CODES:
                        bad.append(line.strip())
                elif " ERROR " in line or "panicked" in line:
                    bad.append(line.strip())
        return tally, bad

    def report(self, load_start: float, finished: float, alive: bool,
               exit_code: int | None, hwm: float | None) -> int:
        args = self.args
        problems: list[str] = []
        window = args.window if args.window else args.duration / 3
        edge = window / 5
        w_end = finished
        w_start = w_end - window
        in_window = [(t, mb) for t, mb in self.samples if w_start <= t <= w_end]
        first = [mb for t, mb in in_window if t < w_start + edge]
        last = [mb for t, mb in in_window if t > w_end - edge]
        growth = slope = first_med = last_med = None
        if first and last and len(in_window) >= 3:
            first_med = statistics.median(first)
            last_med = statistics.median(last)
            growth = (last_med - first_med) / first_med * 100
            slope = statistics.linear_regression(
                [t for t, _ in in_window], [mb for _, mb in in_window]).slope * 60
            if growth >= GROWTH_LIMIT_PCT:
                problems.append(f"RSS grew {growth:+.2f} % over the window (limit {GROWTH_LIMIT_PCT} %)")
        else:
            problems.append("too few RSS samples in the window")

        for r in self.rounds:
            if r.problem:
                problems.append(f"bench round {r.fixture} at {r.start:.0f} s: {r.problem}")
        for f in self.faults:
            if f.problem:
                problems.append(f"faults run {f.fixture} at {f.start:.0f} s: {f.problem}")
        tally, bad = self.server_log_tally()
        if bad:
            problems.append(f"{len(bad)} unexpected lines in the server log, first: {bad[0][:300]}")
        if not alive:
            problems.append(f"the server died during the soak (status {self.server.returncode})")
        elif exit_code != 0:
            problems.append(f"after SIGTERM the server exited with {exit_code}")
        passed = not problems
        verdict = "PASS" if passed else "FAIL"

        # The summary.
        rss = [mb for _, mb in self.samples]
        date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        print()
        print(f"Soak {verdict}  {date}  nproc {os.cpu_count()}  "
              f"load {finished - load_start:.0f} s (asked {args.duration:.0f} s)  "
              f"window last {window:.0f} s")
        by_fixture = collections.Counter()
        rounds_by_fixture = collections.Counter()
        for r in self.rounds:
            by_fixture[r.fixture] += r.ok
            rounds_by_fixture[r.fixture] += 1
        bench_ok = sum(by_fixture.values())
        fresh_ok = sum(r.ok for r in self.rounds if r.fresh)
        print(f"binary: {args.bin} (modified {self.binary_info})")
        tuning = " ".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                          if k.startswith("MALLOC_") or k == "GLIBC_TUNABLES")
        if tuning:
            print(f"allocator settings in the environment: {tuning}")
        print(f"bench: {len(self.rounds)} rounds, {bench_ok} requests OK "
              f"({bench_ok / max(finished - load_start, 1):.1f}/s), "
              f"{sum(1 for r in self.rounds if r.problem)} rounds with errors; "
              f"{args.concurrency} clients, {FORMATS}; "
              + (f"{fresh_ok} OK with --fresh-text" if self.fresh_text
                 else "no --fresh-text in this binary"))
        print("  " + ", ".join(f"{n} {by_fixture[n]} ({rounds_by_fixture[n]} rounds)"
                               for n in BENCH_FIXTURES if rounds_by_fixture[n]))
        per_scenario: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for f in self.faults:
            for name, counts in f.outcomes.items():
                per_scenario[name].update(counts)
        failed_runs = sum(1 for f in self.faults if f.problem)
        print(f"faults: {len(self.faults)} runs, {len(self.faults) - failed_runs} exited 0, "
              f"{failed_runs} failed")
        for name, counts in per_scenario.items():
            print(f"  {name:<22} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        methods = collections.defaultdict(list)
        for (method, code), n in sorted(tally.items()):
            methods[method].append(f"{code} {n}")
        print(f"server log: {sum(tally.values())} requests: "
              + "; ".join(f"{m} " + ", ".join(codes) for m, codes in methods.items()))
        if rss:
            print(f"RSS MB: start {rss[0]:.1f}, after warm-up {first_med or float('nan'):.1f} "
                  f"(window's first {edge:.0f} s), peak {max(rss):.1f} (VmHWM "
                  f"{hwm if hwm is not None else float('nan'):.1f}), end {rss[-1]:.1f} "
                  f"(window's last {edge:.0f} s: {last_med or float('nan'):.1f}); "
                  f"{len(rss)} samples")
        if growth is not None:
            print(f"growth over the window: {growth:+.2f} % (limit < {GROWTH_LIMIT_PCT:.0f} %), "
                  f"least-squares slope {slope:+.3f} MB/min")
        if self.loads:
            print(f"load average (1 min) during the soak: min {min(self.loads):.2f}, "
                  f"median {statistics.median(self.loads):.2f}, max {max(self.loads):.2f}")
        if alive:
            print(f"server alive at the end: yes; exit status after SIGTERM: {exit_code}")
        else:
            print(f"server alive at the end: no (it died with status {exit_code})")
        for p in problems[:8]:
            print(f"  problem: {p}")
        if len(problems) > 8:
            print(f"  … and {len(problems) - 8} more")
        print(f"verdict: {verdict}   (csv {args.csv}, plot {args.png})")

        span = f"{window / 60:.3g} min" if window >= 120 else f"{window:.0f} s"
        title = (f"Broadsheet soak: {verdict}, RSS {growth:+.2f} % over the last {span}"
                 if growth is not None else f"Broadsheet soak: {verdict}")
        plot(self.samples, w_start, w_end, first_med, last_med, slope, span, title, args.png)
        return 0 if passed else 1


def plot(samples, w_start, w_end, first_med, last_med, slope, span, title, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    xs = [t / 60 for t, _ in samples]
    ys = [mb for _, mb in samples]
    ax.axvspan(w_start / 60, w_end / 60, color="tab:green", alpha=0.12,
               label=f"window judged (last {span})")
    ax.plot(xs, ys, color="tab:blue", linewidth=1.2, label="server RSS (1 s samples)")
    if first_med is not None:
        edge = (w_end - w_start) / 5
        ax.hlines([first_med], w_start / 60, (w_start + edge) / 60, colors="tab:orange",
                  linewidth=2.5, label="medians of the window's first and last fifth")
        ax.hlines([last_med], (w_end - edge) / 60, w_end / 60, colors="tab:orange",
                  linewidth=2.5)
    if slope is not None:
        ax.text(0.99, 0.04, f"least-squares slope over the window: {slope:+.3f} MB/min",
                transform=ax.transAxes, fontsize=9, color="0.25", ha="right")
    ax.set_ylim(0, max(ys, default=1) * 1.25)
    ax.set_xlim(0, max(xs, default=1))
    ax.set_xlabel("minutes since the server started")
    ax.set_ylabel("RSS (MB)")
    ax.set_title(title, fontsize=11)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    fig.tight_layout()
    fig.savefig(png)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=900,
                        help="seconds of load (default 900)")
    parser.add_argument("--port", type=int, default=50390, help="the server's port (default 50390)")
    parser.add_argument("--window", type=float, default=None,
                        help="seconds at the end judged for growth (default: a third of "
                             "--duration, 300 for 900)")
    parser.add_argument("--round", type=float, default=30, help="seconds per bench round (30)")
    parser.add_argument("--concurrency", type=int, default=4, help="bench clients (4)")
    parser.add_argument("--max-queue", type=int, default=4096, help="the server's --max-queue")
    parser.add_argument("--faults-pause", type=float, default=2,
                        help="seconds between faults runs (2)")
    parser.add_argument("--faults-timeout", type=float, default=180,
                        help="seconds a faults run may take before it is killed (180)")
    parser.add_argument("--bin", type=Path, default=ROOT / "target" / "release" / "broadsheet",
                        help="the release binary")
    parser.add_argument("--csv", type=Path, default=ROOT / "benches" / "soak.csv")
    parser.add_argument("--png", type=Path, default=ROOT / "benches" / "soak.png")
    args = parser.parse_args()
    if args.duration < 15:
        parser.error("--duration must be at least 15 s")
    if args.window is not None and not 0 < args.window <= args.duration:
        parser.error("--window must be between 0 and --duration")
    if not args.bin.is_file():
        parser.error(f"{args.bin} is missing: cargo build --release")

    workdir = Path(tempfile.mkdtemp(prefix="broadsheet-soak-"))
    binary = workdir / "broadsheet"
    shutil.copy2(args.bin, binary)
    soak = Soak(args, binary, workdir)
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()[:12]
    modified = datetime.datetime.fromtimestamp(binary.stat().st_mtime, datetime.timezone.utc)
    soak.binary_info = f"{modified:%Y-%m-%d %H:%M} UTC, sha256 {digest}…"
    code = 1
    try:
        code = soak.run()
    finally:
        soak.stop.set()
        soak.kill_children()
        if soak.server and soak.server.poll() is None:
            soak.server.kill()
            soak.server.wait()
        binary.unlink(missing_ok=True)
        if code == 0:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"server log kept in {workdir / 'server.log'}")
    return code


if __name__ == "__main__":
    sys.exit(main())
