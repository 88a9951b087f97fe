"""The sample alert rules and Grafana dashboard in resources/monitoring/: every packstation metric they
use is one the station exposes, and promtool (Debian's ``prometheus`` package) accepts the rules and
passes their unit tests."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from packstation.adapters.metrics import METRIC_NAMES

FOLDER = Path(__file__).resolve().parents[2] / "resources" / "monitoring"
RULES = FOLDER / "packstation-alerts.yml"
RULE_TESTS = FOLDER / "packstation-alerts.test.yml"
DASHBOARD = FOLDER / "packstation-dashboard.json"
METRIC = re.compile(r"\bpackstation_[a-z_]+\b")


def _rule_exprs() -> list[str]:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    exprs += [variable["query"] for variable in dashboard["templating"]["list"]]
    return exprs


def unknown_metrics(exprs: list[str]) -> set[str]:
    return {name for expr in exprs for name in METRIC.findall(expr)} - METRIC_NAMES


def test_the_checker_finds_a_metric_the_station_does_not_expose():
    assert unknown_metrics(["rate(packstation_labels_total[5m]) > 0"]) == {"packstation_labels_total"}


def test_every_metric_in_the_alert_rules_exists():
    exprs = _rule_exprs()
    assert len(exprs) >= 8
    assert unknown_metrics(exprs) == set()


def test_every_metric_in_the_dashboard_exists_and_panels_are_well_formed():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert all(
        panel["targets"] and panel["datasource"]["type"] == "prometheus" for panel in dashboard["panels"]
    )
    assert unknown_metrics(_dashboard_exprs()) == set()
    used = {name for expr in _dashboard_exprs() for name in METRIC.findall(expr)}
    # the dashboard shows each of the metrics: outbox, attention, print jobs, latency, scans, ...
    assert {
        "packstation_online",
        "packstation_outbox_operations",
        "packstation_needs_attention",
        "packstation_print_jobs",
        "packstation_label_latency_seconds_bucket",
        "packstation_scans_total",
        "packstation_scan_errors_total",
        "packstation_packing_sessions",
        "packstation_info",
        "packstation_last_api_success_timestamp_seconds",
    } <= used


PROMTOOL = shutil.which("promtool")


@pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (Debian package prometheus; dev.sh installs it)"
)
@pytest.mark.parametrize("check", [["check", "rules", RULES.name], ["test", "rules", RULE_TESTS.name]])
def test_promtool_accepts_the_rules(check):
    done = subprocess.run(
        [str(PROMTOOL), *check], cwd=FOLDER, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout
