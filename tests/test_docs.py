"""The documentation: the MkDocs site builds with every link and anchor checked, the README
stays short, leads with the two commands and the answer, and its links resolve. No Docker, so
`make unit` runs it too."""

import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import yaml

from loadtest.report.questions import QUESTIONS

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"

LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def _prose(text: str) -> str:
    """The Markdown without its fenced code blocks and inline code (no links there)."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))


def _slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it (and MkDocs' toc, for these headings)."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip()).lower()
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", FENCE.sub("", path.read_text()), re.M)}


def test_the_site_builds_with_every_link_and_anchor_checked(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    pages = [next(iter(item.values())) for item in config["nav"]]
    for page in pages:
        assert (site / page.replace(".md", ".html")).is_file(), page
    # Offline: no web fonts, nothing fetched from a CDN by the pages themselves.
    assert config["theme"]["font"] is False
    assert "fonts.googleapis.com" not in (site / "index.html").read_text()


def test_the_strict_build_catches_a_broken_anchor(tmp_path):
    # The check above means something only if a broken link fails the build.
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\n[there](other.md#no-such-heading)\n")
    (docs / "other.md").write_text("# Other\n")
    config = (ROOT / "mkdocs.yml").read_text().replace("docs_dir: docs", f"docs_dir: {docs}")
    config = re.sub(r"(?ms)^nav:.*", "nav:\n  - Home: index.md\n  - Other: other.md\n", config)
    (tmp_path / "mkdocs.yml").write_text(config)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")]
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "no-such-heading" in done.stderr


def test_every_docs_page_is_in_the_nav():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    listed = {next(iter(item.values())) for item in config["nav"]}
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if "reference" not in p.parts}
    assert pages == listed


def test_the_readme_is_short():
    lines = README.read_text().splitlines()
    assert len(lines) < 260, len(lines)


def test_the_readme_leads_with_the_two_commands_and_the_answer():
    text = README.read_text()
    first_screen = "\n".join(text.splitlines()[:40])
    assert "make up APP_DIR=../myproject" in first_screen
    assert "make loadtest APP_DIR=../myproject" in first_screen and "`make test`" in first_screen
    assert "<!-- answer-table:start -->\n| question |" in first_screen  # the answer, not a link to it
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings[:4] == [
        "Two commands",
        "The answer, measured on 2 cores",
        "The demo, and what it needs",
        "Using your own app",
    ], headings


def test_every_relative_link_in_the_readme_resolves():
    text = _prose(README.read_text())
    targets = LINK.findall(text)
    assert len(targets) > 20, targets
    own = _anchors(README)
    broken = []
    for target in targets:
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (README.parent / path).resolve() if path else README
        if not file.exists():
            broken.append(target)
        elif anchor and (file.suffix != ".md" or anchor not in _anchors(file)):
            broken.append(target)
        elif not path and anchor not in own:
            broken.append(target)
    assert broken == []


# The answer table: one row per question, each naming the pair of topologies that answers it,
# so its figures can be checked against a reference run's results.json (docs/reference/).


def _answer_rows(path: Path) -> list[list[str]]:
    text = path.read_text()
    block = re.search(r"<!-- answer-table:start.*?-->\n(.*?)<!-- answer-table:end -->", text, re.S)
    assert block, f"{path.name}: no answer table"
    rows = [line for line in block.group(1).splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    header, rule, *body = cells
    runs = ["run 1: verdict, effect (CI)", "run 2: verdict, effect (CI)"]
    assert header == ["question", "measured as", *runs, "what it buys"]
    assert set("".join(rule)) <= set("-:")
    return body


def _pair(measured_as: str) -> tuple[str, str]:
    match = re.fullmatch(r"`([a-z0-9-]+)` vs `([a-z0-9-]+)`", measured_as)
    assert match, measured_as
    return match.group(1), match.group(2)


def test_the_answer_table_names_a_question_of_the_report_per_row():
    rows = _answer_rows(README)
    questions = {(q.a, q.b) for q in QUESTIONS}
    topologies = {p.stem for p in (ROOT / "compose" / "loadtest" / "topologies").glob("*.yml")}
    pairs = [_pair(row[1]) for row in rows]
    assert len(pairs) >= 5 and len(set(pairs)) == len(pairs)
    for a, b in pairs:
        assert a in topologies and b in topologies, (a, b)
        assert (a, b) in questions, (a, b)
    for row in rows:
        for run in row[2:4]:
            assert re.search(r"\*\*.+\*\*, [+−]\d+\.\d%", run), row  # a verdict, then an effect with its sign


def test_the_docs_home_page_gives_the_same_answer():
    readme = [[c.replace("](docs/", "](") for c in row] for row in _answer_rows(README)]
    assert readme == _answer_rows(DOCS / "index.md")
