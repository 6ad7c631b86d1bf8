"""The report as a person sees it: report.html from the real `snakemake` run on
config/test.yaml (conftest's test_run), opened in headless Chromium (every figure loaded, no
JavaScript error, sortable tables, headline numbers equal to summary.tsv; a
full-page screenshot is kept under results/ for CI), and Snakemake's own
`--report` archive.

Chromium is driven by Selenium (pinned in envs/dev-requirements.txt) through Debian's
`chromedriver` (package chromium-driver, installed with chromium by
tests/install_system_deps.sh). Without either, the browser tests skip; they never
install or download anything (the driver is given by path, so Selenium Manager
stays idle)."""

from __future__ import annotations

import base64
import os
import re
import posixpath
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, run_snakemake
from tbio.report.findings import MODEL_NAMES
from tbio.report.page import FIGURES

SCREENSHOT = ROOT / "results" / "report" / "screenshot.png"

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
    "--window-size=1280,900",
]


def _which(*names: str | None) -> str | None:
    return next((shutil.which(n) for n in names if n and shutil.which(n)), None)


class Page:
    """One headless Chromium showing one file: evaluate JavaScript, screenshot, and the errors it raised."""

    def __init__(self, path: Path, profile: Path):
        webdriver = pytest.importorskip(
            "selenium.webdriver", reason="selenium is not installed (envs/dev-requirements.txt)"
        )
        from selenium.webdriver.chrome.service import Service

        binary = _which(os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome")
        driver = _which(os.environ.get("CHROMEDRIVER"), "chromedriver")
        if binary is None or driver is None:
            pytest.skip(
                "Chromium or chromedriver not found (Debian: apt-get install -y chromium chromium-driver); "
                "set CHROMIUM / CHROMEDRIVER to their paths"
            )
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
            options.add_argument(flag)
        # uncaught exceptions, console.error/assert and failed loads come back as SEVERE entries
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(driver), options=options)
        self._log: list[dict] = []
        self.driver.get(path.as_uri())  # returns after the load event

    def evaluate(self, expression: str):
        return self.driver.execute_script(f"return ({expression});")

    def errors(self) -> list[str]:
        """Uncaught exceptions, console.error/assert calls and error-level log entries so far."""
        self._log += self.driver.get_log("browser")  # each read empties the browser's buffer
        return [entry["message"][:500] for entry in self._log if entry["level"] == "SEVERE"]

    def screenshot(self, path: Path) -> tuple[int, int]:
        """A full-page PNG; returns its CSS size (width, height)."""
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        width, height = int(size["width"]), int(size["height"])
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return width, height

    def close(self) -> None:
        self.driver.quit()


@pytest.fixture(scope="module")
def rendered(test_run, tmp_path_factory):
    """report.html of the toy run, loaded in headless Chromium."""
    page = Page(test_run / "results" / "report" / "report.html", tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield page
    finally:
        page.close()


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


def test_the_error_check_catches_a_broken_script(test_run, tmp_path):
    """A copy of the report with a failing script and a console.error: both must be reported."""
    page_html = (test_run / "results" / "report" / "report.html").read_text()
    broken = tmp_path / "report.html"
    script = '<script>console.error("logged on purpose"); null.boom();</script>'
    broken.write_text(page_html.replace("</body>", script + "</body>", 1))
    page = Page(broken, tmp_path / "chromium-profile")
    try:
        errors = page.errors()
    finally:
        page.close()
    assert any("logged on purpose" in e for e in errors), errors
    assert any("Uncaught TypeError" in e for e in errors), errors


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
    assert "windows:" in provenance, "the config (as YAML) is missing"


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
    """Recompute the DNA and protein headline numbers from summary.tsv (and
    the enhancer length from the test labels), without the report's code,
    and compare with what the page shows."""
    summary = pd.read_csv(test_run / "results" / "report" / "summary.tsv", sep="\t")
    numbers = _page_numbers(rendered)
    dna = summary[summary["task"] == "dna"]
    receptive_field = int(dna.loc[dna["model"] == "cnn", "receptive_field_bp"].iloc[0])
    labels = [pd.read_csv(path, sep="\t") for path in (test_run / "data" / "dna").glob("w*/test.labels.tsv")]
    enhancer_len = max(int((t["enhancer_end"] - t["enhancer_start"]).max()) for t in labels)
    # beyond: every enhancer wholly outside the CNN's view; inside: wholly within it
    beyond = dna[dna["distance_min_bp"] >= receptive_field / 2]
    inside = dna[dna["distance_max_bp"] + enhancer_len - 1 < receptive_field / 2]
    expected = {"cnn_receptive_field_bp": receptive_field}
    for model in ("cnn", "cnn_dilated", "cnn_global", "enformer"):
        if len(beyond):
            expected[f"{model}_beyond_accuracy"] = beyond.loc[beyond["model"] == model, "test_accuracy"].mean()
    for model in ("cnn", "enformer"):
        if len(inside):
            expected[f"{model}_inside_accuracy"] = inside.loc[inside["model"] == model, "test_accuracy"].mean()
    for model in ("performer", "transformer"):
        expected[f"{model}_accuracy"] = summary.loc[summary["model"] == model, "test_accuracy"].mean()

    assert {"cnn_receptive_field_bp", "performer_accuracy", "transformer_accuracy"} <= set(numbers)
    assert ("cnn_beyond_accuracy" in numbers) == bool(len(beyond))
    assert ("cnn_inside_accuracy" in numbers) == bool(len(inside))
    for key, value in expected.items():
        assert key in numbers, f"the page does not show {key}"
        for exact, text in numbers[key]:
            assert exact == pytest.approx(value, abs=1e-9), key
            assert _shown(text) == pytest.approx(
                value, abs=0.0006 if "%" in text else 0.5
            ), f"{key} shows {text}, expected {value}"


def test_the_page_tables_equal_the_rule_outputs(rendered, test_run):
    """The controls table of the page is controls.tsv averaged over seeds;
    accuracy_by_distance.tsv and controls.tsv carry their columns."""
    folder = test_run / "results" / "report"
    controls = pd.read_csv(folder / "controls.tsv", sep="\t")
    assert list(controls.columns[:5]) == ["model", "distance_bp", "seed", "control", "test_accuracy"]
    binned = pd.read_csv(folder / "accuracy_by_distance.tsv", sep="\t")
    assert list(binned.columns[:5]) == ["model", "seed", "distance_bp", "n", "accuracy"]
    shown = rendered.evaluate("""(() => {
            const table = document.getElementById('controls-by-window');
            const headers = Array.from(table.tHead.rows[0].cells).map(h => h.textContent);
            return Array.from(table.tBodies[0].rows).map(r =>
                Object.fromEntries(Array.from(r.cells).map((c, i) => [headers[i], c.dataset.sort ?? c.textContent])));
        })()""")
    means = controls.groupby(["model", "distance_min_bp", "control"])["test_accuracy"].mean()
    model_of = {name: model for model, name in MODEL_NAMES.items()}  # the page names models in words
    assert len(shown) == controls.groupby(["model", "distance_min_bp"]).ngroups
    for row in shown:
        key = (model_of[row["model"]], int(float(row["distance_min_bp"])))
        for control in ("none", "enhancer_masked", "promoter_masked", "untrained"):
            assert float(row[control]) == pytest.approx(means[(*key, control)]), (row, control)


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
        "controls.png",
        "contributions.png",
        "attention.png",
        "approximation.png",
        "attention_scaling.png",
        "cost.png",
    ):
        assert any(name.endswith(figure) for name in names), f"{figure} is not in the archive"
    for table in ("summary.tsv", "accuracy_by_distance.tsv", "controls.tsv"):
        assert any(name.endswith(table) for name in names), f"{table} is not in the archive"
    for category in ("DNA", "Protein", "Cost"):
        assert f'"{category}"' in page, f"category {category} missing from Snakemake's report"
    for subcategory in ("Long range", "Controls", "Interpretation", "FAVOR+ approximation", "Scaling"):
        assert f'"{subcategory}"' in page, f"subcategory {subcategory} missing from Snakemake's report"
    assert "receptive field" in page, "the workflow description is missing"


def test_every_link_in_the_snakemake_report_archive_resolves_inside_it(test_run):
    """Unzipped, every href and src of every page in the archive (ours
    included) points into the archive, into the page itself, or is data."""
    archive_path = test_run / "results" / "report-links.zip"
    run_snakemake(test_run, "--configfile", "config/test.yaml", "--report", str(archive_path), timeout=300)
    with zipfile.ZipFile(archive_path) as archive:
        names = set(archive.namelist())
        pages = {name: archive.read(name).decode(errors="replace") for name in names if name.endswith(".html")}
    ours = [text for name, text in pages.items() if name.endswith("report.html") and "/data/raw/" in name]
    assert ours, "our page is not in the archive"
    checked, broken = 0, []
    for name, text in pages.items():
        # attributes, and the item paths Snakemake's own page keeps in its script
        for link in re.findall(r'(?:href|src)="([^"]*)"', text) + re.findall(r'"(data/raw/[^"]+)"', text):
            if not link or link.startswith(("#", "data:", "javascript:", "mailto:", "http://", "https://", "{")):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), link.split("#")[0].split("?")[0]))
            checked += 1
            if target not in names:
                broken.append(f"{name}: {link}")
    assert checked and not broken, broken[:10]
