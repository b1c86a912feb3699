"""The Dockerfile and the lock files, checked without a Docker daemon: the worker image has its
own probe, and images install exactly the locked versions of the tools that decide findings."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Stage:
    name: str
    parent: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [rest for kw, rest in self.instructions if kw == keyword]


def stages(dockerfile: str) -> dict[str, Stage]:
    """The Dockerfile's stages by name, each with its own instructions (continuations joined)."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    found: dict[str, Stage] = {}
    current: Stage | None = None
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.upper() == "FROM":
            parent, _, name = rest.partition(" AS ")
            current = Stage(name.strip(), parent.strip())
            found[current.name] = current
        elif current is not None:
            current.instructions.append((keyword.upper(), rest.strip()))
    return found


def ancestry(all_stages: dict[str, Stage], name: str) -> list[Stage]:
    """The stage and every stage it is built FROM, nearest first."""
    chain = [all_stages[name]]
    while chain[-1].parent in all_stages:
        chain.append(all_stages[chain[-1].parent])
    return chain


def test_the_worker_image_has_its_own_probe_and_never_the_webs() -> None:
    all_stages = stages((ROOT / "Dockerfile").read_text())

    worker = ancestry(all_stages, "worker")
    probes = [probe for stage in worker for probe in stage.args("HEALTHCHECK")]

    assert len(probes) == 1
    assert probes[0].endswith('CMD ["ai-gate", "health", "worker"]')
    assert "web" not in [s.name for s in worker]
    assert all_stages["worker"].args("CMD") == ['["ai-gate", "worker", "--concurrency", "2"]']
    web_probes = [p for stage in ancestry(all_stages, "web") for p in stage.args("HEALTHCHECK")]
    assert [p.split("CMD ", 1)[1] for p in web_probes] == ['["ai-gate", "health", "web"]']


def test_the_default_target_is_the_web_app_running_as_a_numeric_non_root_user() -> None:
    text = (ROOT / "Dockerfile").read_text()
    all_stages = stages(text)

    assert list(all_stages)[-1] == "web"  # `docker build .` builds the last stage
    users = [u for stage in ancestry(all_stages, "web") for u in stage.args("USER")]
    assert users
    assert users[0].isdigit()  # numeric, so runAsNonRoot can verify it
    assert users[0] != "0"


def test_the_image_installs_the_lock_file_with_hashes_before_the_project_without_deps() -> None:
    builder = stages((ROOT / "Dockerfile").read_text())["builder"]
    steps = [(kw, rest) for kw, rest in builder.instructions if kw in ("COPY", "RUN")]

    locked = next(i for i, (kw, rest) in enumerate(steps) if "-r requirements.lock" in rest)
    project = next(
        i
        for i, (kw, rest) in enumerate(steps)
        if rest.endswith("install --no-cache-dir --no-deps .")
    )
    assert "--require-hashes" in steps[locked][1]
    assert ("COPY", "requirements.lock ./") in steps[:locked]
    assert locked < project
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "requirements.lock" not in ignored


def _pins(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_the_locks_pin_ruff_and_mypy_with_hashes_and_agree_with_each_other() -> None:
    runtime, dev = _pins(ROOT / "requirements.lock"), _pins(ROOT / "requirements-dev.lock")

    assert {"ruff", "mypy"} <= runtime.keys()
    assert {name: dev[name] for name in runtime} == runtime
    text = (ROOT / "requirements.lock").read_text()
    entries = re.findall(r"^[A-Za-z0-9_.-]+==.*?(?=^[A-Za-z0-9_.-]+==|\Z)", text, re.M | re.S)
    assert len(entries) == len(runtime)
    assert all("--hash=sha256:" in entry for entry in entries)


def test_every_runtime_dependency_of_pyproject_is_locked() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _pins(ROOT / "requirements.lock")

    for requirement in project["dependencies"]:
        name = re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower()
        assert name.replace("_", "-") in runtime, requirement


def test_compose_builds_each_service_from_its_own_target() -> None:
    compose = yaml.safe_load((ROOT / "deploy/docker-compose.yml").read_text())

    assert compose["services"]["web"]["build"]["target"] == "web"
    assert compose["services"]["worker"]["build"]["target"] == "worker"
