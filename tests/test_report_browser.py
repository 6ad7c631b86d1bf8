"""The report as a person sees it: report.html from the real `snakemake` run on
config/test.yaml (conftest's test_run), opened in headless Chromium (every figure loaded, no
JavaScript error, sortable tables, headline numbers equal to summary.tsv; a
full-page screenshot is kept under results/ for CI), and Snakemake's own
`--report` archive.

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
JSON messages separated by NUL bytes, fd 3 into the browser, fd 4 out of it), so
nothing beyond Debian's `chromium` package is needed. Without Chromium the
browser tests skip; they never install anything."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, run_snakemake
from tbio.report.page import FIGURES

SCREENSHOT = ROOT / "results" / "report" / "screenshot.png"

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
    "--remote-debugging-pipe",
]


def chromium_binary() -> str | None:
    candidates = [os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"]
    return next((shutil.which(c) for c in candidates if c and shutil.which(c)), None)


# --- a minimal DevTools-protocol client over a pipe ----------------------------------------


class Chromium:
    """Headless Chromium with its DevTools protocol on fds 3 (commands in) and 4 (replies out)."""

    def __init__(self, binary: str, user_data_dir: Path, timeout: float = 60):
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()
        # copies at fd >= 10, so that moving them onto 3 and 4 in the child cannot clobber one another
        child_in = fcntl.fcntl(commands_read, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(replies_write, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(commands_read)
        os.close(replies_write)

        def onto_3_and_4():
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.process = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=(3, 4),
            preexec_fn=onto_3_and_4,
        )
        os.close(child_in)
        os.close(child_out)
        self.timeout = timeout
        self._next_id = 0
        self._buffer = b""
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._replies], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium closed the pipe: {self.stderr_tail()}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, event: str) -> dict:
        deadline = time.monotonic() + self.timeout
        for seen in self.events:
            if seen.get("method") == event:
                return seen
        while True:
            message = self._read_message(deadline)
            self.events.append(message)
            if message.get("method") == event:
                return message

    def stderr_tail(self) -> str:
        if self.process.poll() is None:
            return ""
        return self.process.stderr.read().decode(errors="replace")[-2000:]

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._replies)


class Page:
    """One tab: navigate, evaluate JavaScript, screenshot, and the errors it raised."""

    def __init__(self, browser: Chromium, width: int = 1280, height: int = 900):
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def send(self, method: str, params: dict | None = None) -> dict:
        return self.browser.send(method, params, self.session)

    def open(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})
        self.browser.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """Uncaught exceptions, console.error calls and error-level log entries."""
        found = []
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(json.dumps(params["exceptionDetails"])[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(json.dumps(params.get("args"))[:500])
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", "")[:500])
        return found

    def screenshot(self, path: Path) -> tuple[int, int]:
        """A full-page PNG; returns its CSS size (width, height)."""
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        width, height = int(size["width"]), int(size["height"])
        shot = self.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return width, height


@pytest.fixture(scope="module")
def rendered(test_run, tmp_path_factory):
    """report.html of the toy run, loaded in headless Chromium."""
    binary = chromium_binary()
    if binary is None:
        pytest.skip("Chromium not found (Debian: apt-get install -y chromium); set CHROMIUM to its path")
    browser = Chromium(binary, tmp_path_factory.mktemp("chromium-profile"))
    try:
        page = Page(browser)
        page.open((test_run / "results" / "report" / "report.html").as_uri())
        yield page
    finally:
        browser.close()


# --- what a reader sees -----------------------------------------------------------------


def test_screenshot_of_the_whole_page_is_kept(rendered):
    width, height = rendered.screenshot(SCREENSHOT)
    assert SCREENSHOT.stat().st_size > 50_000, "the screenshot is nearly empty"
    assert width >= 800 and height > 3000, f"the page is {width}x{height} px: sections missing?"


def test_every_figure_loaded_and_no_javascript_error(rendered):
    images = rendered.evaluate(
        "Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete, width: i.naturalWidth, src: i.src.slice(0, 22)}))"
    )
    assert len(images) == len(FIGURES)
    broken = [image["alt"] for image in images if not image["complete"] or image["width"] == 0]
    assert not broken, f"figures that did not load: {broken}"
    assert all(image["src"].startswith("data:image/png;base64") for image in images), "figures must be embedded"
    assert rendered.errors() == []


def test_the_page_needs_nothing_from_outside(rendered):
    external = rendered.evaluate("""Array.from(document.querySelectorAll('[src], link[href]'))
             .map(e => e.getAttribute('src') || e.getAttribute('href'))
             .filter(u => !u.startsWith('data:'))""")
    assert external == []


def test_every_section_is_there(rendered):
    sections = rendered.evaluate("Array.from(document.querySelectorAll('section[id]')).map(s => s.id)")
    assert sections == ["findings", "dna", "protein", "cost", "models", "provenance"]
    provenance = rendered.evaluate("document.getElementById('provenance').textContent")
    for fact in (
        "git commit",
        "Python",
        "torch",
        "numpy",
        "snakemake",
        "biopython",
        "CPU count",
        "GPU",
        "seeds",
        "date",
    ):
        assert fact in provenance, f"provenance lacks {fact}"
    assert "distances:" in provenance, "the config (as YAML) is missing"


def test_clicking_a_header_sorts_the_table(rendered):
    column = rendered.evaluate("""(() => {
            const table = document.getElementById('summary');
            const headers = Array.from(table.tHead.rows[0].cells);
            const index = headers.findIndex(h => h.textContent === 'test_accuracy');
            headers[index].click();
            const up = Array.from(table.tBodies[0].rows).map(r => parseFloat(r.cells[index].dataset.sort));
            headers[index].click();
            const down = Array.from(table.tBodies[0].rows).map(r => parseFloat(r.cells[index].dataset.sort));
            return {up, down};
        })()""")
    assert column["up"] == sorted(column["up"])
    assert column["down"] == sorted(column["down"], reverse=True)
    assert rendered.errors() == []


def _page_numbers(page) -> dict[str, list[tuple[float, str]]]:
    found = page.evaluate(
        "Array.from(document.querySelectorAll('#findings .num, .tiles .num')).map(n => [n.dataset.key, n.dataset.value, n.textContent])"
    )
    numbers: dict[str, list[tuple[float, str]]] = {}
    for key, value, text in found:
        numbers.setdefault(key, []).append((float(value), text))
    return numbers


def _shown(text: str) -> float:
    """The number a reader sees: '51.3%' -> 0.513, '1,024' -> 1024, '3.2×' -> 3.2."""
    number = float(re.sub(r"[^0-9.\-]", "", text))
    return number / 100 if text.strip().endswith("%") else number


def test_headline_numbers_equal_summary_tsv(rendered, test_run):
    """Recompute the DNA and protein headline numbers from summary.tsv, without
    the report's code, and compare with what the page shows."""
    summary = pd.read_csv(test_run / "results" / "report" / "summary.tsv", sep="\t")
    numbers = _page_numbers(rendered)
    dna = summary[summary["task"] == "dna"]
    receptive_field = int(dna.loc[dna["model"] == "cnn", "receptive_field_bp"].iloc[0])
    beyond = dna[dna["distance_bp"] >= receptive_field / 2]
    inside = dna[dna["distance_bp"] < receptive_field / 2]
    expected = {"cnn_receptive_field_bp": receptive_field}
    for model in ("cnn", "enformer"):
        if len(beyond):
            expected[f"{model}_beyond_accuracy"] = beyond.loc[beyond["model"] == model, "test_accuracy"].mean()
        if len(inside):
            expected[f"{model}_inside_accuracy"] = inside.loc[inside["model"] == model, "test_accuracy"].mean()
    for model in ("performer", "transformer"):
        expected[f"{model}_accuracy"] = summary.loc[summary["model"] == model, "test_accuracy"].mean()

    assert {"cnn_receptive_field_bp", "performer_accuracy", "transformer_accuracy"} <= set(numbers)
    assert ("cnn_beyond_accuracy" in numbers) == bool(len(beyond))
    for key, value in expected.items():
        assert key in numbers, f"the page does not show {key}"
        for exact, text in numbers[key]:
            assert exact == pytest.approx(value, abs=1e-9), key
            assert _shown(text) == pytest.approx(
                value, abs=0.0006 if "%" in text else 0.5
            ), f"{key} shows {text}, expected {value}"


def test_headline_scaling_numbers_equal_attention_scaling_tsv(rendered, test_run):
    """Recompute crossover and memory ratio from attention_scaling.tsv."""
    scaling = pd.read_csv(test_run / "results" / "report" / "attention_scaling.tsv", sep="\t")
    numbers = _page_numbers(rendered)
    seconds = scaling.pivot_table(index="seq_len", columns="method", values="seconds_fwd_bwd").dropna()
    longest = int(seconds.index.max())
    assert {value for value, _ in numbers["longest_common_len"]} == {longest}

    faster = (seconds["favor"] < seconds["exact"]).sort_index()
    if faster.iloc[-1]:
        # the first length of the last run of lengths where FAVOR+ is faster
        slower = faster.index[~faster.to_numpy()]
        crossover = min(length for length in faster.index if not len(slower) or length > slower.max())
        assert numbers["crossover_len"][0][0] == crossover
    else:
        assert "crossover_len" not in numbers

    peaks = scaling.pivot_table(index="seq_len", columns="method", values="peak_mb")
    ratio = peaks.loc[longest, "exact"] / peaks.loc[longest, "favor"] if longest in peaks.index else float("nan")
    if ratio > 0 and ratio != float("inf"):
        key, expected = ("favor_memory_saving", ratio) if ratio >= 1 else ("favor_memory_excess", 1 / ratio)
        for shown_ratio, text in numbers[key]:
            assert shown_ratio == pytest.approx(expected)
            assert _shown(text) == pytest.approx(expected, abs=0.05)


# --- Snakemake's own report ------------------------------------------------------------


def test_snakemake_report_archive_has_the_figures_in_their_categories(test_run):
    run_snakemake(test_run, "--configfile", "config/test.yaml", "--report", "results/report.zip", timeout=300)
    with zipfile.ZipFile(test_run / "results" / "report.zip") as archive:
        names = archive.namelist()
        # Snakemake's page is the shallowest report.html; ours is in data/raw/<id>/
        main_page = min((n for n in names if n.endswith("report.html")), key=lambda n: n.count("/"))
        page = archive.read(main_page).decode(errors="replace")
    for figure in (
        "accuracy_vs_distance.png",
        "contributions.png",
        "attention.png",
        "approximation.png",
        "attention_scaling.png",
        "cost.png",
    ):
        assert any(name.endswith(figure) for name in names), f"{figure} is not in the archive"
    assert any(name.endswith("summary.tsv") for name in names)
    for category in ("DNA", "Protein", "Cost"):
        assert f'"{category}"' in page, f"category {category} missing from Snakemake's report"
    assert "receptive field" in page, "the workflow description is missing"
