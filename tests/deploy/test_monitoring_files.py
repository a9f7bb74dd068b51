"""The Grafana dashboard, Prometheus and Caddy files beside compose match what the bot serves."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.observability.metrics import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROMQL_WORDS = {"sum", "by", "rate", "increase", "max", "min", "count", "time", "le"}
PROMQL_WORDS |= {"histogram_quantile", "outcome", "status", "platform", "kind", "flow", "job"}


def dashboard() -> dict:
    return json.loads((DEPLOY / "grafana" / "dashboards" / "consultbot.json").read_text())


def exposed_names() -> set[str]:
    """Every series name the bot's /metrics can show, plus Prometheus' own `up`."""
    names = {"up"}
    for family in REGISTRY.collect():
        names.add(family.name)
        names |= {sample.name for sample in family.samples}
        if family.type == "counter":
            names.add(family.name + "_total")
        if family.type == "histogram":
            names |= {family.name + suffix for suffix in ("_bucket", "_count", "_sum")}
    return names


def test_every_dashboard_query_reads_a_metric_the_bot_exposes() -> None:
    """A renamed metric breaks this test, not a panel on the day of a broadcast."""
    exposed = exposed_names()
    for panel in dashboard()["panels"]:
        for target in panel["targets"]:
            words = set(re.findall(r"[a-z_][a-z0-9_]*", re.sub(r'"[^"]*"', "", target["expr"])))
            metrics = {word for word in words if "_" in word or word == "up"} - PROMQL_WORDS
            assert metrics and metrics <= exposed, (panel["title"], metrics - exposed)


def test_dashboard_covers_what_the_issue_asks() -> None:
    """Updates by outcome, latency, outbox depth and age, sends, 429s and reminders have panels."""
    queries = " ".join(t["expr"] for p in dashboard()["panels"] for t in p["targets"])
    for metric in (
        "consultbot_updates_total",
        "consultbot_update_duration_seconds_bucket",
        "consultbot_outbox_depth",
        "consultbot_outbox_oldest_age_seconds",
        "consultbot_outbox_sends_total",
        "consultbot_rate_limited_total",
        "consultbot_reminders_sent_total",
    ):
        assert metric in queries


def test_grafana_provisioning_points_at_the_dashboard_and_prometheus() -> None:
    """The provisioned data source is the compose Prometheus; dashboards load from the mount."""
    provisioning = DEPLOY / "grafana" / "provisioning"
    source = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())
    assert source["datasources"][0]["url"] == "http://prometheus:9090"
    boards = yaml.safe_load((provisioning / "dashboards" / "consultbot.yml").read_text())
    assert boards["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_prometheus_scrapes_every_replica() -> None:
    """DNS discovery of the compose service finds each replica's /metrics on port 8080."""
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    [job] = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["dns_sd_configs"] == [
        {"names": ["bot"], "type": "A", "port": 8080, "refresh_interval": "15s"}
    ]


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool is not installed")
def test_promtool_accepts_the_prometheus_config() -> None:
    """Prometheus' own checker validates deploy/prometheus.yml."""
    result = subprocess.run(
        ["promtool", "check", "config", str(DEPLOY / "prometheus.yml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_caddy_exposes_the_platform_endpoints_only() -> None:
    """Webhooks and the dashboard are proxied to every replica; metrics and probes are not."""
    text = (DEPLOY / "Caddyfile").read_text()
    [paths] = re.findall(r"@platforms path (.+)", text)
    assert set(paths.split()) == {
        "/telegram/webhook",
        "/slack/events",
        "/whatsapp/webhook",
        "/dashboard",
        "/dashboard/*",
    }
    assert "dynamic a bot 8080" in text and "respond 404" in text
    assert "/metrics" not in paths and "/readyz" not in paths


@pytest.mark.skipif(not shutil.which("caddy"), reason="caddy is not installed")
def test_caddy_accepts_the_caddyfile() -> None:
    """Caddy's own adapter parses deploy/Caddyfile."""
    result = subprocess.run(
        ["caddy", "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        env={"PUBLIC_HOSTNAME": "bot.example.org", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert '"bot.example.org"' in result.stdout
