"""The report in a real browser: headless Chromium (Debian's ``chromium``) shows the cards and their charts.

``scripts/browser-bootstrap.sh`` installs Chromium.  Under CI (``CI=true``) a missing browser fails
the test; elsewhere it is skipped with the reason.
"""

import html as htmlmod
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
from matplotlib import image

from tests.browser import headless

CHECK = """<script>
window.addEventListener("load", () => {
  const cards = [...document.querySelectorAll("article.card")].map((card) => {
    const box = card.getBoundingClientRect();
    const style = getComputedStyle(card);
    const img = card.querySelector("img");
    return {
      id: card.id, width: box.width, height: box.height,
      shown: style.display !== "none" && style.visibility !== "hidden" && style.opacity !== "0",
      img: img && {natural: [img.naturalWidth, img.naturalHeight], width: img.getBoundingClientRect().width,
                   complete: img.complete},
    };
  });
  const out = document.createElement("pre");
  out.id = "browser-check";
  out.textContent = JSON.stringify(cards);
  document.body.appendChild(out);
});
</script>
"""
WINDOW = (1280, 1400)


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    return headless(args, tmp_path, WINDOW)


def test_cards_and_their_charts_are_visible(written, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(written["html"].read_text().replace("</body>", CHECK + "</body>"), encoding="utf-8")
    proc = _run(["--virtual-time-budget=10000", "--dump-dom", page.as_uri()], tmp_path)
    found = re.search(r'<pre id="browser-check">(.*?)</pre>', proc.stdout, flags=re.S)
    assert found, f"no result from the page (exit {proc.returncode}): {proc.stderr[-2000:]}"
    cards = json.loads(htmlmod.unescape(found.group(1)))
    names = ("gunicorn", "nginx", "workers", "alternatives", "middleware", "static")
    assert [c["id"] for c in cards] == [f"card-{name}" for name in names]
    for card in cards:
        assert card["shown"] and card["width"] > 300 and card["height"] > 200, card
        assert card["img"]["complete"] and min(card["img"]["natural"]) > 100 and card["img"]["width"] > 250, card


def test_screenshot_of_the_cards_is_not_blank(written, tmp_path):
    shot = tmp_path / "report.png"
    proc = _run([f"--screenshot={shot}", written["html"].as_uri()], tmp_path)
    assert shot.exists(), proc.stderr[-2000:]
    pixels = image.imread(shot)[..., :3]
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0])
    cards = pixels[300:, :]  # below the title: the answer cards
    assert cards.std() > 0.05  # text, badges and charts, not a blank page
    # the charts' colours: a fair share of pixels neither white nor grey
    colourful = np.ptp(cards, axis=2) > 0.2
    assert colourful.mean() > 0.01
    keep = os.environ.get("REPORT_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)
