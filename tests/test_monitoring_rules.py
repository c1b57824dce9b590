"""The monitoring config as Prometheus' own tool reads it (issue 11): `promtool check config`,
`promtool check rules` and `promtool test rules` run inside the bundle's Prometheus image on the
working tree's monitoring/ files, and each check is shown to fail on a broken input, so a green
run means something. The structural checks below them need no Docker."""

import os
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml

from tests.alert_rules import RULE_FILES, alerts

ROOT = Path(__file__).resolve().parent.parent
MONITORING = ROOT / "monitoring"
TEST_FILES = sorted((MONITORING / "tests").glob("*.test.yml"))
CONF = "/etc/apibundle/prometheus"  # where prometheus.Dockerfile puts the files


# --- promtool, in the image ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def image():
    """The Prometheus image as compose builds it (base from scripts/images.sh's exports when set)."""
    tag = f"apibundle/prometheus-test:{uuid.uuid4().hex[:6]}"
    base = os.environ.get("PROMETHEUS_IMAGE")
    args = [f"--build-arg=PROMETHEUS_IMAGE={base}"] if base else []
    subprocess.run(
        ["docker", "build", "--quiet", "-f", str(MONITORING / "prometheus.Dockerfile"), "--tag", tag, *args,
         str(MONITORING)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    yield tag
    subprocess.run(["docker", "rmi", "--force", tag], capture_output=True)


def promtool(image: str, *args: str, mount: Path = MONITORING) -> subprocess.CompletedProcess:
    cmd = ["docker", "run", "--rm", "--network", "none", "--user", "65534:65534", "-v", f"{mount}:{CONF}:ro",
           "--entrypoint", "/bin/promtool", image, *args]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.containers
def test_promtool_accepts_the_config_and_its_rule_files(image):
    r = promtool(image, "check", "config", f"{CONF}/prometheus.yml")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"SUCCESS: {len(RULE_FILES)} rule files found" in r.stdout, r.stdout


@pytest.mark.containers
def test_promtool_accepts_the_rules(image):
    files = [f"{CONF}/rules/{f.name}" for f in RULE_FILES]
    r = promtool(image, "check", "rules", "--lint=all", "--lint-fatal", *files)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("SUCCESS") == len(RULE_FILES), r.stdout


@pytest.mark.containers
def test_every_alert_fires_in_its_unit_test(image):
    r = promtool(image, "test", "rules", *(f"{CONF}/tests/{f.name}" for f in TEST_FILES))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("SUCCESS") == len(TEST_FILES), r.stdout


@pytest.mark.containers
def test_promtool_rejects_a_broken_rule_and_a_wrong_expectation(image, tmp_path):
    # The same checks on a copy with a syntax error in a rule, and with an alert expected that
    # cannot fire: both must fail, or the green runs above prove nothing.
    for d in (tmp_path / "rules", tmp_path / "tests"):
        d.mkdir()
    for d in (tmp_path, tmp_path / "rules", tmp_path / "tests"):
        d.chmod(0o755)  # read by promtool as nobody (65534) through the bind mount
    (tmp_path / "prometheus.yml").write_text((MONITORING / "prometheus.yml").read_text())
    broken = (MONITORING / "rules/targets.yml").read_text().replace("expr: up == 0", "expr: up ==")
    (tmp_path / "rules/targets.yml").write_text(broken)
    for check in (["check", "rules", f"{CONF}/rules/targets.yml"], ["check", "config", f"{CONF}/prometheus.yml"]):
        r = promtool(image, *check, mount=tmp_path)
        assert r.returncode != 0 and "FAILED" in r.stdout + r.stderr, (check, r.stdout, r.stderr)

    (tmp_path / "rules/targets.yml").write_text((MONITORING / "rules/targets.yml").read_text())
    good = (MONITORING / "tests/targets.test.yml").read_text()
    wrong = good.replace('values: "1 1 0 0 0 0"', 'values: "1 1 1 1 1 1"', 1)  # the exporter never goes down
    assert wrong != good
    (tmp_path / "tests/targets.test.yml").write_text(wrong)
    r = promtool(image, "test", "rules", f"{CONF}/tests/targets.test.yml", mount=tmp_path)
    assert r.returncode != 0 and "TargetDown" in r.stdout + r.stderr, r.stdout + r.stderr


# --- structure (no Docker) ---------------------------------------------------------------------


def test_the_four_failures_of_issue_11_have_alerts():
    names = {a["alert"] for a in alerts()}
    assert {"ApiErrorRatioHigh", "ApiLatencyP95High", "WorkerRestartsLooping", "TargetDown"} <= names


def test_every_alert_has_a_severity_a_summary_and_a_description():
    for a in alerts():
        assert a["labels"]["severity"] in ("warning", "critical"), a["alert"]
        assert a["annotations"]["summary"] and a["annotations"]["description"], a["alert"]


def test_every_alert_is_unit_tested_firing_and_quiet():
    firing, quiet = set(), set()
    for f in TEST_FILES:
        for case in yaml.safe_load(f.read_text())["tests"]:
            for t in case.get("alert_rule_test", []):
                (firing if t.get("exp_alerts") else quiet).add(t["alertname"])
    names = {a["alert"] for a in alerts()}
    assert names <= firing, names - firing
    assert names <= quiet, names - quiet


def test_prometheus_loads_every_rule_file_the_image_carries():
    conf = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    assert conf["rule_files"] == [f"{CONF}/rules/*.yml"]
    assert RULE_FILES and TEST_FILES
    assert {f.name for f in RULE_FILES} == {Path(p).name for t in TEST_FILES
                                            for p in yaml.safe_load(t.read_text())["rule_files"]}  # fmt: skip
