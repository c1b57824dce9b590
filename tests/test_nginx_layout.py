"""The Nginx config tree (no Docker): locations apart from fragments, no two files with one name,
each file saying what it does, and every include pointing at a file that exists."""

import re
from collections import Counter
from pathlib import Path

NGINX = Path(__file__).resolve().parent.parent / "nginx"
CONFIG_DIRS = ("conf.d", "sites", "locations", "snippets", "demo")
FILES = sorted(p for d in CONFIG_DIRS for p in (NGINX / d).glob("*.conf"))
INCLUDE = re.compile(r"^\s*include\s+apibundle/(\S+);", re.M)


def code(path: Path) -> str:
    return "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())


def test_no_two_files_share_a_name():
    names = Counter(p.name for p in FILES)
    assert [n for n, c in names.items() if c > 1] == []


def test_every_file_opens_with_a_comment():
    assert [str(p) for p in FILES if not p.read_text().startswith("# ")] == []


def test_fragments_hold_no_location_blocks_and_locations_nothing_else():
    def has_location(p: Path) -> bool:
        return bool(re.search(r"^\s*location\b", code(p), re.M))

    assert [p.name for p in FILES if p.parent.name in ("snippets", "conf.d") and has_location(p)] == []
    location_files = [*(NGINX / "locations").glob("*.conf"), NGINX / "demo" / "locations.conf"]
    assert all(has_location(p) for p in location_files)
    # Outside a location block, a locations/ file has only comments and blank lines.
    for p in location_files:
        depth, stray = 0, []
        for line in code(p).splitlines():
            if depth == 0 and line.strip() and not line.lstrip().startswith("location"):
                stray.append(line)
            depth += line.count("{") - line.count("}")
        assert stray == [], (p.name, stray)


def test_includes_resolve():
    # The entrypoint writes includes into /tmp/nginx/ (the demo's rules) and renders
    # locations/api.conf there with API_PREFIX: both count as including.
    sources = [NGINX / "nginx.conf", *FILES, NGINX / "docker-entrypoint.sh"]
    missing = [(p.name, inc) for p in sources for inc in INCLUDE.findall(code(p)) if not (NGINX / inc).is_file()]
    assert missing == []
    included = {inc for p in sources for inc in INCLUDE.findall(code(p))}
    rendered = set(re.findall(r"apibundle/(\w+/[\w.-]+\.conf)", (NGINX / "docker-entrypoint.sh").read_text()))
    assert {p.relative_to(NGINX).as_posix() for p in FILES} <= included | rendered  # nothing orphaned
