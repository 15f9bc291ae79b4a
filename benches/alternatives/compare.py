#!/usr/bin/env python3
"""Broadsheet beside Typst, WeasyPrint and pandoc: the table of issue 14, in one run.

    python3 benches/alternatives/compare.py            # everything, three rounds, about 7 minutes
    python3 benches/alternatives/compare.py --quick    # shorter runs, to try the script

It installs the alternatives when they are missing (PyPI pins in benches/requirements.txt,
Debian's pandoc and poppler-utils), builds the same articles for every tool from
tests/fixtures, times every side on this machine in this run, prints a Markdown table,
writes it to benches/alternatives/results.md and draws benches/ratios.png.

How each side is timed:
- Broadsheet: unary Export over loopback gRPC against `broadsheet serve`, p50 of
  `broadsheet bench --concurrency 1`, the network included; PDF and EPUB with
  `--fresh-text` (a new serial before every paragraph and the headline of every request).
- Typst: one `typst.Compiler` reused (warm, in process), tagged (its default), every
  paragraph and the headline new text in every compile, so memoisation cannot replay them.
- WeasyPrint: warm, in process, one FontConfiguration reused, tagged, fresh text each time.
- pandoc: a process per document, Markdown to EPUB3 (`pandoc -o out.epub`), fresh text.
Every alternative gets a warm-up first; figures are medians, taken in interleaved rounds
(each side of a row next to the other) and then the median of the rounds. The server is built by
`cargo build --release`; this script only runs target/release/broadsheet.
"""

from __future__ import annotations

import argparse
import base64
import copy
import datetime as dt
import glob
import html
import importlib
import io
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
REQUIREMENTS = ROOT / "benches" / "requirements.txt"
PINS = {"typst": "0.15.2", "weasyprint": "70.0", "matplotlib": "3.10.7"}


# ---------------------------------------------------------------------------- installing

def pinned(name: str) -> bool:
    from importlib import metadata

    try:
        return metadata.version(name) == PINS[name]
    except metadata.PackageNotFoundError:
        return False


def install(skip: bool) -> None:
    """PyPI pins from benches/requirements.txt; pandoc and poppler-utils from Debian."""
    if not all(pinned(name) for name in PINS):
        if skip:
            sys.exit(f"missing a pin of {REQUIREMENTS}; run without --no-install")
        print(f"installing {REQUIREMENTS.relative_to(ROOT)}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True)
        importlib.invalidate_caches()
    missing = [pkg for tool, pkg in (("pandoc", "pandoc"), ("pdftoppm", "poppler-utils"))
               if shutil.which(tool) is None]
    if missing:
        if skip:
            sys.exit(f"missing {', '.join(missing)}; run without --no-install")
        print(f"installing {' '.join(missing)} from Debian", flush=True)
        apt = ["apt-get"] if os.geteuid() == 0 else ["sudo", "apt-get"]
        if subprocess.run(apt + ["install", "-y", "-qq"] + missing).returncode != 0:
            subprocess.run(apt + ["update", "-qq"], check=True)
            subprocess.run(apt + ["install", "-y", "-qq"] + missing, check=True)


# ---------------------------------------------------------------------------- the inputs

def latin(text: str) -> bool:
    """Text every tool sets with DejaVu Serif alone, so no one pays for font fallback."""
    return all(ord(c) < 0x250 or 0x2000 <= ord(c) <= 0x206F for c in text)


def fixture_articles():
    for path in sorted(FIXTURES.glob("*.json")):
        if path.stem == "hostile":
            continue
        data = json.loads(path.read_text())
        if "article" in data:
            yield data["article"]
        for article in data.get("collection", {}).get("articles", []):
            yield article


def paragraph_pool() -> tuple[list[str], list[str]]:
    """Every distinct plain paragraph and headline in Latin script from the fixtures."""
    paragraphs, headlines = [], []
    for article in fixture_articles():
        if latin(article["headline"]) and article["headline"] not in headlines:
            headlines.append(article["headline"])
        for block in article.get("body", []):
            text = block.get("paragraph", {}).get("text")
            if text and latin(text) and text not in paragraphs:
                paragraphs.append(text)
    return paragraphs, headlines


def seed_article() -> dict:
    return json.loads((FIXTURES / "seed.json").read_text())["article"]


def briefing(count: int) -> dict:
    """A collection of `count` articles shaped like the seed, every paragraph distinct: each
    article takes ten paragraphs from the fixtures' pool in its own order, and every
    paragraph, headline and standfirst carries the article's serial."""
    seed = seed_article()
    paragraphs, headlines = paragraph_pool()
    articles = []
    for i in range(count):
        article = copy.deepcopy(seed)
        article["id"] = f"briefing-{i + 1}"
        article["headline"] = f"{i + 1}. {headlines[i % len(headlines)]}"
        article["summary"] = f"Story {i + 1}: {seed['summary']}"
        article["body"] = [
            {"paragraph": {"text": f"[{i + 1}.{j + 1}] {paragraphs[(i * 7 + j * 3) % len(paragraphs)]}"}}
            for j in range(10)
        ]
        articles.append(article)
    return {"title": "Morning Briefing", "subtitle": "The day's essential stories",
            "publisher": "CRBC News", "date": "2025-12-03T06:00:00Z", "language": "en",
            "articles": articles}


def cover_jpeg() -> bytes:
    """A 1200×1600 JPEG: the lead image that stands in for a generated cover."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 1600), (32, 44, 70))
    draw = ImageDraw.Draw(image)
    for y in range(0, 1600, 8):
        shade = 40 + y * 150 // 1600
        draw.rectangle([0, y, 1200, y + 8], fill=(shade, shade // 2 + 40, 120 - shade // 3))
    for k in range(12):
        draw.ellipse([80 * k, 300 + 60 * k, 80 * k + 400, 700 + 60 * k], outline=(230, 200, 120), width=6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def fresh(doc: dict, serial: int) -> dict:
    """The document with every paragraph and headline prefixed by a serial unique to this
    render: `--fresh-text` for the alternatives."""
    doc = copy.deepcopy(doc)
    counter = 0
    for article in doc.get("articles", [doc]):
        counter += 1
        article["headline"] = f"r{serial}.{counter} {article['headline']}"
        for block in article["body"]:
            counter += 1
            para = block["paragraph"]
            para["text"] = f"r{serial}.{counter} {para['text']}"
    return doc


# Formatting shared by the three writers: what Broadsheet prints above and below a story.

ROLE_WORDS = {"ROLE_REPORTING": "Reporting", "ROLE_EDITING": "Editing", "ROLE_WRITING": "Writing"}


def date_line(article: dict) -> str:
    published = dt.datetime.fromisoformat(article["publishedAt"].replace("Z", "+00:00"))
    line = f"{article.get('dateline', '')} · {published:%B} {published.day}, {published:%Y %H:%M} UTC"
    if article.get("updatedAt"):
        updated = dt.datetime.fromisoformat(article["updatedAt"].replace("Z", "+00:00"))
        line += f" · Updated {updated:%H:%M} UTC"
    return line


def byline(article: dict) -> str:
    names = [c["name"] for c in article["contributors"] if c["role"] == "ROLE_REPORTING"]
    return "By " + " and ".join(names) if names else ""


def credits(article: dict) -> str:
    by_role: dict[str, list[str]] = {}
    for c in article["contributors"]:
        by_role.setdefault(ROLE_WORDS.get(c["role"], "Contributors"), []).append(c["name"])
    parts = []
    for role, names in by_role.items():
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        parts.append(f"{role}: {joined}.")
    return " ".join(parts)


def kicker(article: dict) -> str:
    return f"{article['publication']} · {article['section']}"


def paragraphs_of(article: dict) -> list[str]:
    return [b["paragraph"]["text"] for b in article["body"]]


# Typst markup.

TYPST_SPECIAL = re.compile(r"([\\#*_`$<>@\[\]~/=+\-])")


def t(text: str) -> str:
    return TYPST_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def tstr(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def typst_article(a: dict) -> str:
    out = [
        f"#block(below: 3pt, text(size: 8pt, weight: \"bold\", upper[{t(kicker(a))}]))",
        "#line(length: 100%, stroke: 0.8pt)",
        f"= {t(a['headline'])}",
        f"#block(below: 8pt, par(justify: false, text(size: 12pt, style: \"italic\", hyphenate: false)[{t(a['summary'])}]))",
        f"#block(below: 4pt, text(size: 8pt)[#strong[{t(byline(a))}] \\ {t(date_line(a))}])",
        "#line(length: 100%, stroke: 0.4pt)",
        "",
    ]
    for p in paragraphs_of(a):
        out += [t(p), ""]
    out += [f"#emph[{t(credits(a))}]", "", "#line(length: 100%, stroke: 0.4pt)", "== Similar articles"]
    for r in a.get("related", []):
        summary = f" \\ {t(r['summary'])}" if r.get("summary") else ""
        out.append(f"#block(below: 5pt, par(justify: false)[#link({tstr(r['url'])})[*{t(r['title'])}*]{summary}"
                   f" \\ #text(size: 7.5pt, {tstr(r['url'])})])")
    out.append(f"#text(size: 8pt)[{t(a.get('copyright', ''))}]")
    return "\n".join(out) + "\n"


def typst_doc(doc: dict, preamble: str) -> str:
    if "articles" not in doc:
        authors = ", ".join(tstr(c["name"]) for c in doc["contributors"])
        return (f"#set document(title: {tstr(doc['headline'])}, author: ({authors},))\n"
                + preamble + typst_article(doc))
    out = [f"#set document(title: {tstr(doc['title'])}, author: {tstr(doc['publisher'])})", preamble,
           "#v(20mm)", "#line(length: 100%, stroke: 0.8pt)",
           f"#align(center)[#text(size: 7pt, weight: \"bold\", upper[{t(doc['publisher'])}]) \\",
           f"#text(size: 26pt, weight: \"bold\")[{t(doc['title'])}] \\",
           f"#text(size: 12pt, style: \"italic\")[{t(doc['subtitle'])}] \\ #text(size: 7pt)[3 December 2025]]",
           "#line(length: 100%, stroke: 0.8pt)", "#pagebreak()",
           "#outline(title: [Contents], depth: 1)"]
    for article in doc["articles"]:
        out += ["#pagebreak()", typst_article(article)]
    return "\n".join(out)


# HTML for WeasyPrint.

def h(text: str) -> str:
    return html.escape(" ".join(text.split()), quote=True)


def html_article(a: dict, anchor: str) -> str:
    out = [f'<p class="kicker">{h(kicker(a))}</p>', f'<h1 id="{anchor}">{h(a["headline"])}</h1>',
           f'<p class="standfirst">{h(a["summary"])}</p>',
           f'<p class="byline"><b>{h(byline(a))}</b>{h(date_line(a))}</p>']
    out += [f"<p>{h(p)}</p>" for p in paragraphs_of(a)]
    out += [f'<p class="credits">{h(credits(a))}</p>', '<section class="related"><h2>Similar articles</h2>']
    for r in a.get("related", []):
        summary = f"<br>{h(r['summary'])}" if r.get("summary") else ""
        out.append(f'<p><a href="{h(r["url"])}">{h(r["title"])}</a>{summary}<small>{h(r["url"])}</small></p>')
    out.append(f'</section><p class="copyright">{h(a.get("copyright", ""))}</p>')
    return "\n".join(out)


def html_doc(doc: dict, css: str) -> str:
    head = f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><style>{css}</style>'
    if "articles" not in doc:
        authors = ", ".join(c["name"] for c in doc["contributors"])
        return (head + f'<title>{h(doc["headline"])}</title><meta name="author" content="{h(authors)}">'
                "</head><body>" + html_article(doc, "a1") + "</body></html>")
    out = [head + f'<title>{h(doc["title"])}</title><meta name="author" content="{h(doc["publisher"])}">'
           "</head><body>",
           f'<div class="cover"><p class="kicker">{h(doc["publisher"])}</p><p class="title">{h(doc["title"])}</p>'
           f'<p class="standfirst">{h(doc["subtitle"])}</p><p>3 December 2025</p></div>',
           '<section class="toc"><h2>Contents</h2>']
    out += [f'<p><a href="#a{i + 1}">{h(a["headline"])}</a></p>' for i, a in enumerate(doc["articles"])]
    out.append("</section>")
    out += [f"<article>{html_article(a, f'a{i + 1}')}</article>" for i, a in enumerate(doc["articles"])]
    return "\n".join(out) + "</body></html>"


# Markdown for pandoc.

MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+!$|~^@&=%])")


def m(text: str) -> str:
    return MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_article(a: dict, level: str) -> str:
    out = []
    if level:
        out.append(f"{level} {m(a['headline'])}\n")
    out += [f"*{m(kicker(a))}*\n", f"*{m(a['summary'])}*\n", f"**{m(byline(a))}** — {m(date_line(a))}\n"]
    out += [m(p) + "\n" for p in paragraphs_of(a)]
    out += [f"*{m(credits(a))}*\n", "**Similar articles**\n"]
    for r in a.get("related", []):
        summary = f" — {m(r['summary'])}" if r.get("summary") else ""
        out.append(f"- [{m(r['title'])}]({r['url']}){summary}")
    out.append(f"\n{m(a.get('copyright', ''))}\n")
    return "\n".join(out)


def markdown_doc(doc: dict) -> str:
    if "articles" not in doc:
        meta = {"title": doc["headline"], "author": [c["name"] for c in doc["contributors"]],
                "lang": "en", "date": doc["publishedAt"][:10], "publisher": doc["publication"],
                "rights": doc.get("copyright", ""), "description": doc["summary"]}
        body = md_article(doc, "")
    else:
        meta = {"title": doc["title"], "subtitle": doc["subtitle"], "author": doc["publisher"],
                "lang": "en", "date": doc["date"][:10], "publisher": doc["publisher"]}
        body = "\n".join(md_article(a, "#") for a in doc["articles"])
    # JSON is YAML; pandoc reads each value as Markdown, so escape the strings.
    meta = {k: ([m(x) for x in v] if isinstance(v, list) else m(v)) for k, v in meta.items()}
    return "---\n" + "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in meta.items()) + "\n---\n\n" + body


# ---------------------------------------------------------------------------- timing

def timed(run, min_reps: int, min_seconds: float, max_seconds: float) -> dict:
    """Median of `run()` in ms after one warm-up: at least `min_reps` repetitions (5 when a
    call takes over half a second) and `min_seconds`, stopping at `max_seconds`."""
    start = time.perf_counter()
    run(0)
    warm = time.perf_counter() - start
    need = 5 if warm > 0.5 else min_reps
    samples = []
    begun = time.perf_counter()
    n = 1
    while len(samples) < need or time.perf_counter() - begun < min_seconds:
        if samples and time.perf_counter() - begun > max_seconds and len(samples) >= 5:
            break
        samples.append(run(n))
        n += 1
    return {"ms": statistics.median(samples) * 1000, "reps": len(samples), "warmup_ms": warm * 1000}


class Alternatives:
    def __init__(self, work: Path):
        import typst
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        self.typst, self.weasyprint = typst, weasyprint
        self.work = work
        self.compiler = typst.Compiler()  # reused: warm, in process
        self.font_config = FontConfiguration()
        self.preamble = (HERE / "style.typ").read_text()
        self.css = (HERE / "style.css").read_text()
        self.last: dict[str, bytes] = {}

    def typst_pdf(self, doc: dict, name: str, opts) -> dict:
        return self._time_pdf(
            name,
            opts,
            lambda n: typst_doc(fresh(doc, n), self.preamble).encode(),
            # pdf_tags=True by default
            lambda source: self.compiler.compile(input=source, format="pdf"),
        )

    def weasy_pdf(self, doc: dict, name: str, opts) -> dict:
        return self._time_pdf(
            name,
            opts,
            lambda n: html_doc(fresh(doc, n), self.css),
            lambda source: self.weasyprint.HTML(string=source).write_pdf(
                font_config=self.font_config, pdf_tags=True
            ),
        )

    def _time_pdf(self, name: str, opts, source_of, render) -> dict:
        """Times `render` on fresh source for every repetition (making the source is not
        timed), keeps the last PDF and checks that it holds the last serial."""

        def run(n):
            source = source_of(n)
            start = time.perf_counter()
            pdf = render(source)
            took = time.perf_counter() - start
            self.last[name] = pdf
            self.serial = n
            return took

        result = timed(run, opts.min_reps, opts.min_seconds, opts.max_seconds)
        path = self.work / f"{name}.pdf"
        path.write_bytes(self.last[name])
        result["check"] = check_pdf_serial(path, self.serial)
        return result

    def pandoc_epub(self, doc: dict, name: str, opts, cover: Path | None = None) -> dict:
        out = self.work / f"{name}.epub"
        extra = [f"--epub-cover-image={cover}"] if cover else []

        def run(n):
            source = markdown_doc(fresh(doc, n)).encode()
            start = time.perf_counter()
            subprocess.run(["pandoc", "-f", "markdown", "-t", "epub3", "-o", str(out)] + extra,
                           input=source, check=True)
            took = time.perf_counter() - start
            self.serial = n
            return took

        result = timed(run, opts.min_reps, opts.min_seconds, opts.max_seconds)
        with zipfile.ZipFile(out) as z:
            text = "".join(z.read(i).decode("utf-8", "replace") for i in z.namelist() if i.endswith(".xhtml"))
        result["check"] = "fresh text seen" if f"r{self.serial}.2 " in text else "FRESH TEXT NOT FOUND"
        return result


def check_pdf_serial(path: Path, serial: int) -> str:
    """The last compile's PDF holds the last compile's serial: the input really was re-read."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    seen = f"r{serial}.2 " in text and f"r{serial - 1}.2 " not in text
    return "fresh text seen" if seen else "FRESH TEXT NOT FOUND"


# ---------------------------------------------------------------------------- Broadsheet

class Server:
    def __init__(self, binary: Path, port: int, log: Path):
        self.binary, self.port = binary, port
        self.log = open(log, "w")
        self.proc = subprocess.Popen([str(binary), "serve", "--listen", f"127.0.0.1:{port}"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"the server exited at start-up; see {log}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        sys.exit("the server did not start listening in 30 s")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Ours:
    def __init__(self, binary: Path, server: Server):
        self.binary, self.server = binary, server
        help_text = subprocess.run([str(binary), "bench", "--help"], capture_output=True, text=True).stdout
        self.has_fresh = "--fresh-text" in help_text
        self.has_floor = "--floor" in help_text
        self.runs: list[dict] = []

    def bench(self, path: Path, fmt: str, seconds: float, concurrency: int = 1, fresh: bool = False,
              floor: bool = False, min_ok: int = 20) -> dict:
        args = [str(self.binary), "bench", "--server", f"http://127.0.0.1:{self.server.port}",
                "--concurrency", str(concurrency), "--format", fmt]
        if fresh and self.has_fresh:
            args.append("--fresh-text")
        # Warm-up: a short run of the same requests (at least one is sent).
        subprocess.run(args + ["--duration", "0.3", str(path)], capture_output=True, text=True, check=True)
        if floor and self.has_floor:
            args.append("--floor")
        for attempt in range(3):
            out = subprocess.run(args + ["--duration", str(seconds), str(path)],
                                 capture_output=True, text=True, check=True).stdout
            result = parse_bench(out)
            if result["ok"] >= min_ok or attempt == 2:
                break
            seconds *= max(2.0, 1.2 * min_ok / max(result["ok"], 1))
        result.update(fresh=fresh and self.has_fresh, cmd=" ".join(args[1:] + ["--duration", str(seconds),
                                                                                 str(path.relative_to(ROOT))]))
        result["cmd"] = result["cmd"].replace(str(self.server.port), "PORT")
        if result["errors"] != "none":
            print(f"  errors from {path.name} {fmt}: {result['errors']}", file=sys.stderr)
        self.runs.append(result)
        return result


def parse_bench(out: str) -> dict:
    rates = [float(x) for x in re.findall(r"rate ([0-9.]+) req/s", out)]
    p50s = [float(x) for x in re.findall(r"p50 ([0-9.]+)", out)]
    oks = [int(x) for x in re.findall(r"\bok (\d+)", out)]
    errors = re.findall(r"^errors: (.*)$", out, re.M)
    pct = re.findall(r"throughput: ([0-9.]+) % of the floor", out)
    result = {"p50": p50s[0], "rate": rates[0], "ok": oks[0], "errors": errors[0] if errors else "?",
              "raw": out}
    if pct:
        result["floor_pct"] = float(pct[-1])
        result["floor_p50"] = p50s[-1]
        result["floor_rate"] = rates[-1] if len(rates) > 1 else rates[0] * 100 / float(pct[-1])
    return result


# ---------------------------------------------------------------------------- the table

def fmt_ms(ms: float) -> str:
    return f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def machine() -> dict:
    def sh(cmd):
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()

    return {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "nproc": sh("nproc"), "lscpu": sh("lscpu | head -n 12"), "uptime": sh("uptime"),
            "busy": sh("ps -eo pcpu,pid,comm --sort=-pcpu | head -n 6"),
            "python": platform.python_version(), "pandoc": sh("pandoc --version | head -n 1"),
            "commit": sh(f"git -C {ROOT} describe --always --dirty")}


def draw_chart(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [("speed-up over the alternative (×)", "speed", True),
              ("% of the transport floor", "floor", False),
              ("200 articles ÷ 20 articles (×)", "growth", False)]
    widths = [max(1, sum(1 for r in rows if r["kind"] == kind)) for _, kind, _ in groups]
    fig, axes = plt.subplots(1, 3, figsize=(8, 4.5), dpi=100, gridspec_kw={"width_ratios": widths})
    for ax, (title, kind, log) in zip(axes, groups):
        chosen = [r for r in rows if r["kind"] == kind and r.get("value") is not None]
        xs = range(len(chosen))
        colours = ["#8a8a8a" if not r.get("goal_value") else "#2b7a3d" if r["met"] else "#b8432f"
                   for r in chosen]
        ax.bar(xs, [r["value"] - 1 if log else r["value"] for r in chosen], color=colours, width=0.6,
               bottom=1 if log else 0)
        for x, r in zip(xs, chosen):
            if r.get("goal_value"):
                ax.hlines(r["goal_value"], x - 0.4, x + 0.4, colors="black", linestyles="--", linewidth=1.2)
            label = f"{r['value']:.0f}%" if kind == "floor" else f"{r['value']:.1f}×"
            ax.text(x, r["value"], label, ha="center", va="bottom", fontsize=7)
        ax.set_xticks(list(xs))
        ax.set_xticklabels([r["short"] for r in chosen], fontsize=6.5)
        ax.set_title(title, fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        if log:
            ax.set_yscale("log")
            ax.set_ylim(1, max([r["value"] for r in chosen] + [1]) * 2.5)
        if kind == "floor":
            ax.set_ylim(0, 110)
        if not chosen:
            why = ("floor invalid:\necho slower\nthan the server" if any(r.get("invalid") for r in rows)
                   else "no --floor in\nthis build")
            ax.text(0.5, 0.5, why, transform=ax.transAxes, ha="center", va="center", fontsize=7.5)
            ax.set_xticks([])
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("Broadsheet against the alternatives, one run: green goal met, red not, grey no goal; dashes: the goal",
                 fontsize=8.5)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def previews(work: Path) -> None:
    """First pages at 40 dpi, and a side-by-side of the three PDFs of each kind."""
    from PIL import Image

    for kind, page in (("seed", 1), ("briefing", 3)):
        images = []
        for tool in ("broadsheet", "typst", "weasyprint"):
            pdf = work / f"{kind}-{tool}.pdf"
            if not pdf.exists():
                continue
            prefix = work / f"{kind}-{tool}-p"
            subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", str(page), "-l", str(page), "-singlefile",
                            str(pdf), str(prefix)], check=True, stderr=subprocess.DEVNULL)
            images.append(Image.open(f"{prefix}.png"))
        if images:
            w = sum(i.width for i in images) + 10 * (len(images) - 1)
            sheet = Image.new("RGB", (w, max(i.height for i in images)), "grey")
            x = 0
            for i in images:
                sheet.paste(i, (x, 0))
                x += i.width + 10
            sheet.save(work / f"{kind}-side-by-side.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", type=Path, default=ROOT / "target" / "release" / "broadsheet")
    parser.add_argument("--port", type=int, default=50271)
    parser.add_argument("--work", type=Path, default=ROOT / "target" / "alternatives",
                        help="where the inputs and outputs go")
    parser.add_argument("--seconds", type=float, default=3.0, help="each Broadsheet run (fast inputs)")
    parser.add_argument("--slow-seconds", type=float, default=12.0, help="each 200-article PDF run")
    parser.add_argument("--min-reps", type=int, default=20, help="repetitions of a fast alternative")
    parser.add_argument("--min-seconds", type=float, default=2.0, help="least time per alternative row")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="most time per alternative row")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every measurement; medians of rounds")
    parser.add_argument("--quick", action="store_true", help="short runs, to try the script")
    parser.add_argument("--no-install", action="store_true")
    parser.add_argument("--chart-only", action="store_true", help="redraw the chart from the last run's rows")
    opts = parser.parse_args()
    if opts.chart_only:
        draw_chart(json.loads((opts.work / "rows.json").read_text()), ROOT / "benches" / "ratios.png")
        return
    if opts.quick:
        (opts.seconds, opts.slow_seconds, opts.min_reps, opts.min_seconds, opts.max_seconds,
         opts.rounds) = 1.0, 3.0, 5, 0.5, 5.0, 1
    if not opts.binary.exists():
        sys.exit(f"{opts.binary} is missing: cargo build --release")
    install(opts.no_install)
    work = opts.work
    work.mkdir(parents=True, exist_ok=True)
    began = time.time()
    box = {"start": machine()}

    # The same documents for everyone.
    seed = seed_article()
    brief20, brief200 = briefing(20), briefing(200)
    jpeg = cover_jpeg()
    (work / "cover.jpg").write_bytes(jpeg)
    seed_lead = copy.deepcopy(seed)
    seed_lead["leadFigure"] = {"image": {"data": base64.b64encode(jpeg).decode(), "mediaType": "image/jpeg",
                                         "altText": "An abstract cover"},
                               "caption": "The lead image, which is the cover", "credit": "Broadsheet"}
    inputs = {}
    for name, doc in (("seed", seed), ("seed-lead", seed_lead), ("briefing-20", brief20),
                      ("briefing-200", brief200)):
        key = "collection" if "articles" in doc else "article"
        inputs[name] = work / f"{name}.json"
        inputs[name].write_text(json.dumps({"requestId": name, "format": "pdf", key: doc}, ensure_ascii=False))
    (work / "seed.typ").write_text(typst_doc(fresh(seed, 0), (HERE / "style.typ").read_text()))
    (work / "seed.html").write_text(html_doc(fresh(seed, 0), (HERE / "style.css").read_text()))
    (work / "seed.md").write_text(markdown_doc(fresh(seed, 0)))
    (work / "briefing-20.typ").write_text(typst_doc(fresh(brief20, 0), (HERE / "style.typ").read_text()))

    # A private copy of the binary, so a rebuild during the run changes nothing.
    binary_built = dt.datetime.fromtimestamp(opts.binary.stat().st_mtime, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    binary = work / "broadsheet"
    shutil.copy2(opts.binary, binary)
    opts.binary = binary

    # Every side of a row is timed next to the other, in rounds, so a machine that is busy
    # for a while (a build, another bench) weighs on both; each figure is the median of the
    # rounds' figures.
    alt = Alternatives(work)
    server = Server(opts.binary, opts.port, work / "server.log")
    cover = work / "cover.jpg"
    S, SLOW = opts.seconds, opts.slow_seconds
    steps = [  # (key, side, what): side "alt" runs a function, "ours" a bench
        ("typst-seed", "alt", lambda: alt.typst_pdf(seed, "seed-typst", opts)),
        ("seed-pdf", "ours", ("seed", "pdf", S, True)),
        ("weasy-seed", "alt", lambda: alt.weasy_pdf(seed, "seed-weasyprint", opts)),
        ("typst-brief", "alt", lambda: alt.typst_pdf(brief20, "briefing-typst", opts)),
        ("brief-pdf", "ours", ("briefing-20", "pdf", 2 * S, True)),
        ("weasy-brief", "alt", lambda: alt.weasy_pdf(brief20, "briefing-weasyprint", opts)),
        ("pandoc-seed", "alt", lambda: alt.pandoc_epub(seed, "seed-pandoc", opts)),
        ("seed-epub", "ours", ("seed", "epub", S, True)),
        ("seed-epub-lead", "ours", ("seed-lead", "epub", S, True)),
        ("pandoc-seed-cover", "alt", lambda: alt.pandoc_epub(seed, "seed-pandoc-cover", opts, cover=cover)),
        ("pandoc-brief", "alt", lambda: alt.pandoc_epub(brief20, "briefing-pandoc", opts)),
        ("brief-epub", "ours", ("briefing-20", "epub", S, True)),
        # Linear growth: each 200-article run right after its 20-article run.
        ("b20-pdf", "ours", ("briefing-20", "pdf", 2 * S, True)),
        ("b200-pdf", "ours", ("briefing-200", "pdf", SLOW, True)),
        ("b20-epub", "ours", ("briefing-20", "epub", S, True)),
        ("b200-epub", "ours", ("briefing-200", "epub", SLOW / 2, True)),
        ("b20-html", "ours", ("briefing-20", "html", S, False)),
        ("b200-html", "ours", ("briefing-200", "html", SLOW / 2, False)),
        ("b20-text", "ours", ("briefing-20", "text", S, False)),
        ("b200-text", "ours", ("briefing-200", "text", SLOW / 2, False)),
    ]
    per_round: dict[str, list[dict]] = {}
    try:
        ours = Ours(opts.binary, server)
        for round_ in range(1, opts.rounds + 1):
            for key, side, what in steps:
                if side == "alt":
                    r = what()
                    line = f"{fmt_ms(r['ms'])}, median of {r['reps']} ({r['check']})"
                else:
                    name, fmt, seconds, fresh_text = what
                    r = ours.bench(inputs[name], fmt, seconds, fresh=fresh_text,
                                   min_ok=5 if "200" in name else 20)
                    line = f"p50 {fmt_ms(r['p50'])} of {r['ok']}"
                per_round.setdefault(key, []).append(r)
                print(f"round {round_}: {key}: {line}", flush=True)
            for conc in (32, 1):
                r = ours.bench(inputs["seed"], "text", S, concurrency=conc, floor=True)
                per_round.setdefault(f"text-c{conc}", []).append(r)
                print(f"round {round_}: text c{conc}: {r['rate']:.0f} req/s, "
                      f"{r.get('floor_pct', 'no')} % of the floor", flush=True)
            box[f"round {round_}"] = machine()
    finally:
        server.stop()

    def combine(runs: list[dict]) -> dict:
        out = {"rounds": runs}
        for field in ("ms", "p50", "rate", "floor_pct", "floor_rate", "floor_p50"):
            if field in runs[0]:
                out[field] = statistics.median(r[field] for r in runs)
        for field in ("reps", "ok"):
            if field in runs[0]:
                out[field] = sum(r[field] for r in runs)
        if "check" in runs[0]:
            checks = {r["check"] for r in runs}
            out["check"] = checks.pop() if len(checks) == 1 else "; ".join(sorted(checks))
        return out

    a = {k: combine(v) for k, v in per_round.items() if "ms" in v[0]}
    o = {k: combine(v) for k, v in per_round.items() if "p50" in v[0]}

    # Sample outputs of ours for the side-by-side look.
    for name, fmt, out in (("seed", "pdf", "seed-broadsheet.pdf"), ("briefing-20", "pdf", "briefing-broadsheet.pdf"),
                           ("seed", "epub", "seed-broadsheet.epub")):
        subprocess.run([str(opts.binary), "render", "-f", fmt, str(inputs[name]), "-o", str(work / out)],
                       check=True, capture_output=True)

    rows = []

    def spread(values: list[float], unit: str) -> str:
        return f" ({min(values):.1f}–{max(values):.1f}{unit})" if len(values) > 1 else ""

    def speed(work_, short, ours_key, ours_note, alt_name, alt_key, goal):
        ours_r, alt_r = o[ours_key], a[alt_key]
        ratio = alt_r["ms"] / ours_r["p50"]
        rounds = [x["ms"] / y["p50"] for x, y in zip(alt_r["rounds"], ours_r["rounds"])]
        rows.append({"kind": "speed", "work": work_, "short": short,
                     "ours": f"{fmt_ms(ours_r['p50'])}{ours_note}",
                     "alt": f"{alt_name}: {fmt_ms(alt_r['ms'])}", "ratio": f"{ratio:.1f}×{spread(rounds, '')}",
                     "value": ratio, "goal": f"≥ {goal}×" if goal else "—", "goal_value": goal,
                     "met": ratio >= (goal or 0), "spread": max(rounds) / min(rounds)})

    f_note = "" if ours.has_fresh else " ¹"
    speed("seed article to PDF, tagged", "Typst\nseed", "seed-pdf", f_note,
          "Typst (fresh text)", "typst-seed", 5)
    speed("20-article briefing to PDF, every paragraph distinct", "Typst\n20 art.",
          "brief-pdf", f_note, "Typst (fresh text)", "typst-brief", 5)
    speed("seed article to PDF, tagged", "Weasy\nseed", "seed-pdf", f_note,
          "WeasyPrint", "weasy-seed", None)
    speed("20-article briefing to PDF", "Weasy\n20 art.", "brief-pdf", f_note,
          "WeasyPrint", "weasy-brief", None)
    speed("seed article to EPUB, with the generated cover", "pandoc\ngen.\ncover", "seed-epub",
          f_note, "pandoc, no cover", "pandoc-seed", 30)
    speed("seed article to EPUB, no generated cover (lead image as cover)", "pandoc\nno gen.\ncover",
          "seed-epub-lead", f_note, "pandoc, no cover", "pandoc-seed", 100)
    speed("seed article to EPUB, both with the same cover image", "pandoc\nsame\ncover",
          "seed-epub-lead", f_note, "pandoc `--epub-cover-image`", "pandoc-seed-cover", None)
    speed("20-article briefing to EPUB (ours with its generated cover)", "pandoc\n20 art.",
          "brief-epub", f_note, "pandoc, no cover", "pandoc-brief", None)
    for conc, label in ((32, "seed as text, throughput at concurrency 32"), (1, "the same at concurrency 1")):
        r = o[f"text-c{conc}"]
        if "floor_pct" in r and r["floor_p50"] > 2 * r["p50"]:
            # An echo slower than the real server is no floor: report it, do not quote it.
            rows.append({"kind": "floor", "work": label, "short": f"c{conc}", "ours": f"{r['rate']:.0f} req/s",
                         "alt": f"echo RPC {r['floor_rate']:.0f} req/s, p50 {r['floor_p50']:.1f} ms against our "
                                f"{r['p50']:.2f} ms: not a floor ³", "ratio": f"({r['floor_pct']:.0f} %)",
                         "value": None, "goal": "≥ 80 %", "goal_value": 80, "met": False, "invalid": True})
        elif "floor_pct" in r:
            rows.append({"kind": "floor", "work": label, "short": f"c{conc}", "ours": f"{r['rate']:.0f} req/s",
                         "alt": f"same-size echo RPC (transport floor): {r['floor_rate']:.0f} req/s",
                         "ratio": f"{r['floor_pct']:.1f} % of the floor"
                                  f"{spread([x['floor_pct'] for x in r['rounds']], ' %')}", "value": r["floor_pct"],
                         "goal": "≥ 80 %", "goal_value": 80, "met": r["floor_pct"] >= 80})
        else:
            rows.append({"kind": "floor", "work": label, "short": f"c{conc}", "ours": f"{r['rate']:.0f} req/s",
                         "alt": "no `--floor` in this build ²", "ratio": "—", "value": None,
                         "goal": "≥ 80 %", "goal_value": 80, "met": False})
    for fmt in ("pdf", "epub", "html", "text"):
        r20, r200 = o[f"b20-{fmt}"], o[f"b200-{fmt}"]
        ratio = r200["p50"] / r20["p50"]
        rounds = [y["p50"] / x["p50"] for x, y in zip(r20["rounds"], r200["rounds"])]
        note = f_note if fmt in ("pdf", "epub") else ""
        rows.append({"kind": "growth", "work": f"linear growth, {fmt.upper()}: 200 articles ÷ 20",
                     "short": fmt.upper(), "ours": f"20: {fmt_ms(r20['p50'])}; 200: {fmt_ms(r200['p50'])}{note}",
                     "alt": "—", "ratio": f"{ratio:.1f}×{spread(rounds, '')}", "value": ratio, "goal": "≤ 11×", "goal_value": 11,
                     "spread": max(rounds) / min(rounds),
                     "met": ratio <= 11})

    table = ["| work | Broadsheet | alternative | ratio | goal |", "| --- | --- | --- | --- | --- |"]
    table += [f"| {r['work']} | {r['ours']} | {r['alt']} | {r['ratio']} | {r['goal']} |" for r in rows]
    notes = []
    if not ours.has_fresh:
        notes.append("¹ This build of `broadsheet bench` has no `--fresh-text`: Broadsheet was timed on the "
                     "same request over and over (its caches may replay paragraphs), the alternatives on fresh text.")
    if any(r.get("invalid") for r in rows):
        notes.append("³ The echo service of `broadsheet bench --floor` answered slower than the real server "
                     "(its p50 is over twice ours), so it measured no floor and the ratio is not quoted. A p50 "
                     "near 40 ms is Nagle's algorithm meeting delayed ACKs: the echo's accepted sockets need "
                     "TCP_NODELAY, which the real server sets.")
    if not ours.has_floor:
        notes.append("² This build of `broadsheet bench` has no `--floor`; the text rows show our throughput only.")
    unsteady = [r["work"] + (f" ({r['alt'].split(':')[0]})" if r["kind"] == "speed" else "")
                for r in rows if r.get("spread") and r["spread"] > 1.3]
    if unsteady:
        notes.append(f"⚠ Rounds disagree by more than 30 % on {len(unsteady)} row(s): "
                     + "; ".join(unsteady) + ". The machine was busy (see the load below); "
                     "rerun on a quiet one before quoting those.")
    ratio_note = (f"Medians of {opts.rounds} interleaved round(s); in brackets the lowest and highest round. "
                  "Ratios: alternative ÷ Broadsheet (higher is better for us); for the floor rows, our "
                  "throughput as a share of the echo RPC's; for growth, 200-article p50 ÷ 20-article p50.")
    reps = ", ".join(f"{k} {v['reps']}" for k, v in a.items())
    oks = ", ".join(f"{k} {v['ok']}" for k, v in o.items())
    m0 = box["start"]
    text = "\n".join([
        f"# Broadsheet against the alternatives: {m0['date']}", "",
        *table, "", ratio_note, "", *notes, "",
        f"Machine: {m0['nproc']} cores; {platform.platform()}; Python {m0['python']}; {m0['pandoc']}; "
        f"typst {PINS['typst']} (PyPI), weasyprint {PINS['weasyprint']}. Broadsheet at {m0['commit']}, "
        f"binary built {binary_built}.", "",
        "```", m0["lscpu"], "```", "",
        "Load while timing (at the start and after each round):", "",
        "```", *(f"{k}: {box[k]['uptime']}\n{box[k]['busy']}" for k in box), "```", "",
        f"Repetitions of the alternatives (median of): {reps}.", "",
        f"Broadsheet requests per run (p50 of): {oks}.", "",
        "Fresh-text checks: " + ", ".join(f"{k}: {v['check']}" for k, v in a.items()) + ".", "",
        "Broadsheet commands (against `broadsheet serve --listen 127.0.0.1:PORT`):", "",
        "```", *dict.fromkeys(f"broadsheet {r['cmd']}" for r in ours.runs), "```", "",
        f"Whole run: {time.time() - began:.0f} s.", ""])
    (HERE / "results.md").write_text(text)
    (work / "rows.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    draw_chart(rows, ROOT / "benches" / "ratios.png")
    previews(work)
    print()
    print("\n".join(table))
    print()
    print("\n".join([ratio_note] + notes))
    print(f"\nwrote {(HERE / 'results.md').relative_to(ROOT)}, benches/ratios.png; outputs in {work}")


if __name__ == "__main__":
    main()
