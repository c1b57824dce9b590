"""The alert rules as monitoring/rules/*.yml write them: the one list that the rule tests
(test_monitoring_rules.py) and the running Prometheus's loaded rules (test_monitoring.py) are
both checked against."""

from pathlib import Path

import yaml

RULE_FILES = sorted((Path(__file__).resolve().parent.parent / "monitoring" / "rules").glob("*.yml"))


def alerts() -> list[dict]:
    return [r for f in RULE_FILES for g in yaml.safe_load(f.read_text())["groups"] for r in g["rules"] if "alert" in r]


def alert_rules() -> set[tuple[str, str, str, tuple]]:
    """Every alert as (file name, group, alert, sorted labels): what Prometheus reports loaded."""
    return {(f.name, g["name"], r["alert"], tuple(sorted(r.get("labels", {}).items())))
            for f in RULE_FILES for g in yaml.safe_load(f.read_text())["groups"]
            for r in g["rules"] if "alert" in r}  # fmt: skip
