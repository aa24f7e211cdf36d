"""The static HTML report: content, escaping, empty databases, and a real render in headless Chromium."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_explore import build_db, build_empty_db  # noqa: E402

CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars"]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    from pipeline.report import write_report

    d = tmp_path_factory.mktemp("report")
    return write_report(build_db(d / "r.duckdb"), d / "report.html")


def test_report_content(report):
    html = report.read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 4  # jurisdiction, language, heatmap, instruments
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched at view time
    for title in ("关于加快量子科技发展的意见", "National Quantum Initiative Act", "A note with no challenge mentions"):
        assert title in html
    assert html.count('<article class="doc"') == 5
    assert "No challenge area detected in this document." in html  # the EU note
    assert "C6 supply chain &amp; self-reliance" in html  # legend, escaped
    assert "&lt;secret&gt;" in html and "<secret>" not in html  # error message escaped
    assert "the Director" in html and "1.20B" in html and "USD" in html  # measures table
    assert "<mark>量子</mark>" in html  # evidence terms marked
    assert 'class="sortable" id="doc-table"' in html and "addEventListener" in html
    assert re.search(r'<td>CN</td><td class="num">2</td>', html)  # profile table row


def test_report_on_an_empty_database(tmp_path):
    from pipeline.report import write_report

    out = write_report(build_empty_db(tmp_path / "e.duckdb"), tmp_path / "sub" / "e.html")
    html = out.read_text(encoding="utf-8")
    assert "holds no documents yet" in html and "data:image/png" not in html
    assert '<b id="n-docs">0</b>' in html


def test_cli_report(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import main

    db = build_db(tmp_path / "c.duckdb")
    r = CliRunner().invoke(main, ["report", "--db", str(db), "--out", str(tmp_path / "x.html")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "x.html").stat().st_size > 50_000
    r = CliRunner().invoke(main, ["report", "--db", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path / "y.html")])
    assert r.exit_code == 2 and not (tmp_path / "y.html").exists()


def _chromium(exe: str, html: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.iterdir()))}"
    profile.mkdir()
    return subprocess.run([exe, *CHROME_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                           *extra, html.as_uri()], capture_output=True, text=True, timeout=90)


def _page_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines()
            if "CONSOLE" in line and ("ERROR" in line or "Uncaught" in line) or "Uncaught" in line]


def test_report_renders_in_chromium(report, chromium, tmp_path):
    from PIL import Image

    shot = tmp_path / "report.png"
    run = _chromium(chromium, report, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000")
    assert shot.exists(), run.stderr[-2000:]
    assert _page_errors(run.stderr) == [], _page_errors(run.stderr)
    img = Image.open(shot).convert("RGB")
    assert img.size == (1280, 2000)
    small = img.resize((320, 500))
    pixels = list(small.getdata())
    non_white = sum(1 for p in pixels if sum(p) < 720) / len(pixels)
    assert len(set(pixels)) > 200 and non_white > 0.15, (len(set(pixels)), non_white)
    # the header band is the report's dark blue, i.e. the CSS was applied
    assert img.getpixel((20, 20)) == (0x1F, 0x2A, 0x3A)

    dom = _chromium(chromium, report, tmp_path, "--dump-dom")
    assert 'data-report-ready="1"' in dom.stdout  # the inline script ran to its end
    assert "National Quantum Initiative Act" in dom.stdout
    assert _page_errors(dom.stderr) == []


def test_console_error_check_can_fail(report, chromium, tmp_path):
    """Negative control: a page whose script throws is caught by the same check."""
    bad = tmp_path / "bad.html"
    bad.write_text(report.read_text(encoding="utf-8").replace(
        '"use strict";', '"use strict"; throw new Error("deliberate failure");', 1), encoding="utf-8")
    run = _chromium(chromium, bad, tmp_path, "--dump-dom")
    assert 'data-report-ready="1"' not in run.stdout
    assert any("deliberate failure" in line for line in _page_errors(run.stderr)), run.stderr[-2000:]
