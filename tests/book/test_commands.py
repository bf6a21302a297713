"""Every shell command that README.md, chapters/how_to_read.md and chapters/teaching.md print works.

The commands are extracted from the pages themselves (fenced ``bash`` blocks, ``text`` blocks that
show a ``$ command`` with its error, and inline code that is a whole command such as
``python -m lib.rerun chapters/how_to_read.md --list``), so a page cannot drift from what runs.
Each runs with ``bash`` from the repository root with ``.venv/bin`` first on PATH (the pages say
``python`` for the book's environment). Output folders are redirected into a temporary folder:
``--out X``, paths under ``/tmp/`` and ``~/``, the screenshot file, and ``make rerun`` gets an
``--out`` in its ARGS. A ``text`` block's command must fail with the message the page shows.

Not run, with the reason printed by pytest (``-rs``):

* ``make book``, ``make book-all``, ``make test``, ``make test-fast``: they are the build and this
  very test suite (CI runs them); ``make check-html`` needs a built book and CI runs it after
  ``make book-all``; ``make pdf`` needs a built book too; ``make bench``: the performance page
  runs the same scripts in every build;
* ``make lock`` (re-resolves from PyPI) and ``apt-get install`` (installs system packages; .ci/run
  installs Chromium);
* ``make clean`` and ``make clean-reruns``: they delete the build other checks read;
* ``xdg-open``: opens a desktop browser;
* the Dask cluster commands (``dask scheduler``, ``dask worker``, ``--scheduler tcp://HOST:...``):
  they start long-running processes on several machines; the local-cluster sweep runs the same
  code;
* patterns with placeholders (``NB=... ARGS="..."``).

Altered, and why: a sweep's grid is cut to its first and last value of each axis (the printed
22-point grid takes minutes; the command line is otherwise the printed one); ``NOTEBOOK`` is
replaced by the notebook the surrounding text is about.

The Chromium screenshot needs Chromium and a built book (``_build/html``): skipped without them.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from lib.book.check_html import find_chromium

REPO = Path(__file__).resolve().parents[2]
DOCS = ["README.md", "chapters/how_to_read.md", "chapters/teaching.md"]
VENV_BIN = Path(sys.executable).parent

pytestmark = pytest.mark.notebook  # most commands rerun a notebook: kept out of `make test-fast`

# inline code that is a whole command
INLINE_START = re.compile(r"^(python -m lib\.|\.venv/bin/|make |jupytext |papermill |chromium )")
PLACEHOLDERS = {"NOTEBOOK": "chapters/offshoring/03_comparative_statics.md"}

SKIPS = [
    (r"^make (book|book-all|test|test-fast)\b", "the build / this test suite itself (CI runs it)"),
    (r"^make check-html\b", "needs a built book; CI runs it after make book-all"),
    (r"^make bench-build\b", "builds the whole book twice (minutes); its result is data/performance/build_times.csv"),
    (r"^make bench\b", "the performance page runs the same benchmark scripts in every build"),
    (r"^make pdf\b", "needs a built book and writes into it; lib.book.pdf is tested on its own"),
    (r"^make lock\b", "re-resolves requirements.lock from PyPI"),
    (r"^make clean", "deletes the build that other checks read"),
    (r"apt-get install", "installs system packages (.ci/run installs Chromium)"),
    (r"^xdg-open\b", "opens a desktop browser"),
    (r"^dask (scheduler|worker)\b|--scheduler tcp://HOST", "starts a Dask cluster of long-running "
     "processes; the local-cluster sweep runs the same code"),
    (r"\.\.\.", "a pattern with placeholders, not a command"),
]


@dataclass(frozen=True)
class Command:
    doc: str
    line: int
    text: str
    expect_error: str = ""  # a `text` block: the command must fail with this message

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def _logical_lines(block: list[tuple[int, str]]):
    """Join backslash continuations; yield (first line number, command)."""
    buf, start = "", None
    for lineno, line in block:
        if start is None:
            start = lineno
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        if buf.strip():
            yield start, buf.strip()
        buf, start = "", None


def extract_commands(doc: str) -> list[Command]:
    """The shell commands a page prints, in page order, without duplicates."""
    lines = (REPO / doc).read_text().splitlines()
    out: list[Command] = []
    i = 0
    while i < len(lines):
        m = re.match(r"^```(.*)$", lines[i])
        if m:  # a fence (code, code-cell or directive): read to its end
            lang, body = m.group(1).strip(), []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append((i + 1, lines[i]))
                i += 1
            if lang in ("bash", "sh", "shell"):
                out += [Command(doc, n, c) for n, c in _logical_lines(body) if not c.startswith("#")]
            elif lang in ("text", "console"):
                for k, (n, line) in enumerate(body):
                    if line.startswith("$ "):
                        rest = [l for _, l in body[k + 1:]]
                        expected = rest[0].split("...")[0].strip() if rest else ""
                        out.append(Command(doc, n, line[2:].strip(), expect_error=expected))
        else:
            for span in re.findall(r"`([^`]+)`", lines[i]):
                if INLINE_START.match(span) and " " in span:
                    out.append(Command(doc, i + 1, span.strip()))
        i += 1
    seen, unique = set(), []
    for c in out:
        if c.text not in seen:
            seen.add(c.text)
            unique.append(c)
    return unique


ALL = [c for doc in DOCS for c in extract_commands(doc)]


def skip_reason(cmd: Command) -> str | None:
    for pattern, reason in SKIPS:
        if re.search(pattern, cmd.text):
            return reason
    return None


def localise(text: str, tmp: Path) -> str:
    """Send every output of the command into ``tmp`` (see the module docstring)."""
    for name, value in PLACEHOLDERS.items():
        text = re.sub(rf"\b{name}\b", value, text)
    text = re.sub(r"(?<![\w/])/tmp/", f"{tmp}/", text)
    text = re.sub(r"(?<![\w/])~/", f"{tmp}/home/", text)
    text = re.sub(r"--out (?!" + re.escape(str(tmp)) + r")(\S+)",
                  lambda m: f"--out {tmp}/{m.group(1).strip('/').replace('/', '_')}", text)
    text = text.replace("--screenshot=page.png", f"--screenshot={tmp}/page.png")
    if text.startswith("make rerun") and "--out" not in text:
        text = re.sub(r'ARGS="([^"]*)"', rf'ARGS="\1 --out {tmp}/make_rerun"', text)
    if text.startswith(("python -m lib.rerun", ".venv/bin/python -m lib.rerun")) and "--out" not in text \
            and "--list" not in text:
        text += f" --out {tmp}/rerun_default"
    if "lib.sweep" in text:  # first and last value of each grid axis
        def shrink(m):
            name, spec = m.group(1), m.group(2)
            if ":" in spec:
                lo, hi, _n = spec.split(":")
                return f"--grid {name}={lo}:{hi}:2"
            vals = spec.split(",")
            return f"--grid {name}={vals[0]}" + (f",{vals[-1]}" if len(vals) > 1 else "")
        text = re.sub(r"--grid (\w+)=(\S+)", shrink, text)
    return text


def test_commands_were_found():
    docs = {c.doc for c in ALL}
    assert docs == set(DOCS), f"no commands found in {set(DOCS) - docs}"
    assert any(c.expect_error for c in ALL), "the how_to_read error example was not found"


@pytest.mark.parametrize("cmd", ALL, ids=lambda c: c.id)
def test_command_runs(cmd: Command, tmp_path):
    reason = skip_reason(cmd)
    if reason:
        pytest.skip(f"{cmd.text[:60]!r}: {reason}")
    if cmd.text.startswith("chromium"):
        if not find_chromium() or not (REPO / "_build/html/chapters/how_to_read.html").exists():
            pytest.skip("needs Chromium and a built book")
    text = localise(cmd.text, tmp_path)
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               HOME=str(tmp_path / "home"))
    (tmp_path / "home").mkdir(exist_ok=True)
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", text], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=1500, stdin=subprocess.DEVNULL)
    output = proc.stdout + proc.stderr
    if cmd.expect_error:
        assert proc.returncode != 0, f"{cmd.id}: `{text}` should fail as the page shows"
        assert cmd.expect_error in output, f"{cmd.id}: expected {cmd.expect_error!r} in:\n{output[-2000:]}"
        return
    assert proc.returncode == 0, f"{cmd.id}: `{text}` exited {proc.returncode}:\n{output[-3000:]}"
    for out_dir in re.findall(r"--out ([^\s\"]+)", text):
        assert Path(out_dir).exists(), f"{cmd.id}: {out_dir} was not created"
    if "--screenshot=" in text:
        assert (tmp_path / "page.png").stat().st_size > 10_000


def test_localise_keeps_outputs_out_of_the_repository(tmp_path):
    t = localise('make rerun NB=chapters/how_to_read.md ARGS="-p theta 6.0"', tmp_path)
    assert f"--out {tmp_path}/make_rerun" in t
    t = localise("python -m lib.student a.md --out ~/course/week3", tmp_path)
    assert t.endswith(f"--out {tmp_path}/home/course/week3")
    t = localise("python -m lib.sweep nb.md --grid sigma=3:5:11 --grid k=3.4,4.0,5 --out /tmp/s", tmp_path)
    assert "sigma=3:5:2" in t and "k=3.4,5" in t and f"--out {tmp_path}/s" in t
    assert shlex.split(t)
