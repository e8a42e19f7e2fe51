"""The review report in a real browser: headless Chromium opens it, logs no console message, shows it whole.

Debian's ``chromium`` package (``.ci/run`` installs it when missing). The
page forbids every request with its Content-Security-Policy, so a figure or
style that tried to load anything would be blocked and logged: "no console
message" also means "nothing external". The full-page screenshot goes to the
test's temporary folder; docs/images/report-screenshot.png is made the same
way (see docs/reports.md).
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from report_pages import render

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
BROWSER = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--enable-logging=stderr", "--log-level=0"]

pytestmark = pytest.mark.skipif(BROWSER is None, reason="no headless browser: install Debian's chromium "
                                                       "(apt-get install -y chromium), as .ci/run does")


def browse(url: str, profile, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={profile}", *args, url], capture_output=True,
                          text=True, timeout=120, check=False)


def console_messages(stderr: str) -> list[str]:
    """What the page said on the console (errors, warnings, blocked requests): Chromium logs it as CONSOLE."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def full_page_screenshot(url: str, profile, path, width: int = 1300, height: int = 16000) -> None:
    """A screenshot of the whole page: a tall window, then the empty space below the page cut off."""
    from PIL import Image, ImageChops

    done = browse(url, profile, f"--window-size={width},{height}", f"--screenshot={path}")
    assert path.exists(), done.stderr[-2000:]
    image = Image.open(path).convert("RGB")
    blank = Image.new("RGB", image.size, image.getpixel((width - 1, height - 1)))
    box = ImageChops.difference(image, blank).getbbox()
    assert box is not None, "the page is blank"
    image.crop((0, 0, width, min(height, box[3] + 24))).save(path)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    render(folder / "review.html")
    return folder


def test_page_opens_without_console_messages_and_is_whole(report):
    url = (report / "review.html").as_uri()
    done = browse(url, report / "profile", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    dom = done.stdout
    for section in ("verdicts", "comparison", "topology", "availability", "attribution", "importance", "cutsets",
                    "incidents", "glossary"):
        assert f'<section id="{section}">' in dom, section
    source = (report / "review.html").read_text()
    assert dom.count("<svg") == source.count("<svg") >= 15  # every figure parsed as SVG


def test_full_page_screenshot(report):
    from PIL import Image

    shot = report / "review.png"
    full_page_screenshot((report / "review.html").as_uri(), report / "profile-shot", shot)
    image = Image.open(shot)
    width, height = image.size
    assert width == 1300 and height > 5000  # the whole report, not one screen
    colours = image.convert("RGB").resize((64, 256)).getcolors(64 * 256)
    assert colours is not None and len(colours) > 50  # drawn figures, not an empty page


def test_console_messages_are_caught(tmp_path):
    """The check above can fail: a page that loads an outside image under the same policy is reported."""
    page = tmp_path / "bad.html"
    page.write_text('<html><head><meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
                    '</head><body><img src="https://127.0.0.1:9/x.png"></body></html>')
    done = browse(page.as_uri(), tmp_path / "profile", "--dump-dom")
    assert any(re.search(r"Content Security Policy|x\.png", m) for m in console_messages(done.stderr))
