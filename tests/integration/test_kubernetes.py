"""deploy/kubernetes rendered with `kubectl kustomize` and validated offline: Kubernetes' own JSON
schemas (kubernetes-validate, strict: unknown fields fail), KEDA's ScaledObject as the models
generated from KEDA's CRD (cloudcoil), and what the manifests must say about ai-gate."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from cloudcoil.models.keda.v1alpha1 import ScaledObject

from tests.fakes.schemas import schema_errors

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy/kubernetes"
BASE, AUTOSCALING = DEPLOY / "base", DEPLOY / "overlays/autoscaling"
# The oldest Kubernetes the manifests are for, and the newest the schemas know.
VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
# README, Benchmarks: a 3,000-file PR's worker tree peaks near 300 MB.
PEAK_JOB_MIB = 300


def kubectl() -> str:
    """scripts/bootstrap's kubectl (.venv/bin) or the machine's."""
    local = Path(sys.executable).parent / "kubectl"
    found = str(local) if local.exists() else shutil.which("kubectl")
    if found is None:
        pytest.skip("no kubectl: scripts/bootstrap installs one on x86-64 Linux")
    return found


def render(path: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [kubectl(), "kustomize", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr  # no deprecated kustomization fields
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    [only] = deployment["spec"]["template"]["spec"]["containers"]
    return dict(only)


def mebibytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(Mi|Gi)", quantity).groups()  # type: ignore[union-attr]
    return float(number) * (1024 if unit == "Gi" else 1)


@pytest.fixture(scope="module")
def base() -> list[dict[str, Any]]:
    return render(BASE)


@pytest.fixture(scope="module")
def autoscaling() -> list[dict[str, Any]]:
    return render(AUTOSCALING)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_kubernetes_resource_is_valid_for_the_api_with_no_unknown_field(
    base: list[dict[str, Any]], autoscaling: list[dict[str, Any]], version: str
) -> None:
    docs = [d for d in base + autoscaling if d["kind"] != "ScaledObject"]
    assert {d["kind"] for d in docs} == {
        "ConfigMap",
        "Service",
        "Deployment",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
    }
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_scaled_object_is_valid_for_kedas_crd_with_no_unknown_field(
    autoscaling: list[dict[str, Any]],
) -> None:
    [doc] = [d for d in autoscaling if d["kind"] == "ScaledObject"]

    model = ScaledObject.model_validate(doc)

    # The CRD's models ignore unknown keys; a round trip that loses nothing has none.
    assert model.model_dump(by_alias=True, exclude_unset=True, mode="json") == doc


def test_the_kustomizations_are_valid_kustomization_files() -> None:
    for path in (BASE, AUTOSCALING):
        document = yaml.safe_load((path / "kustomization.yaml").read_text())
        assert schema_errors(document, "kustomization.yaml") == [], path


def test_both_deployments_probe_what_ai_gate_serves_for_it(base: list[dict[str, Any]]) -> None:
    deployments = by_kind(base, "Deployment")
    web, worker = container(deployments["ai-gate-web"]), container(deployments["ai-gate-worker"])

    port = web["ports"][0]["name"]
    assert web["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port}
    assert web["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port}
    assert web["command"][:2] == ["ai-gate", "serve"]
    health = {"command": ["ai-gate", "health", "worker"]}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert worker[probe]["exec"] == health
    assert worker["command"][:2] == ["ai-gate", "worker"]


def test_pods_run_as_non_root_on_a_read_only_root_with_writable_cache_and_tmp(
    base: list[dict[str, Any]],
) -> None:
    [config] = by_kind(base, "ConfigMap").values()
    settings = config["data"]
    for deployment in by_kind(base, "Deployment").values():
        pod = deployment["spec"]["template"]["spec"]
        box = container(deployment)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert box["securityContext"]["readOnlyRootFilesystem"] is True
        assert box["securityContext"]["allowPrivilegeEscalation"] is False
        assert box["securityContext"]["capabilities"]["drop"] == ["ALL"]
        mounts = {m["mountPath"]: m["name"] for m in box.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert "/tmp" in mounts
        assert all("emptyDir" in volumes[name] for name in mounts.values())
        refs = list(box["envFrom"])
        assert {"configMapRef": {"name": config["metadata"]["name"]}} in refs
        assert {"secretRef": {"name": "ai-gate-secrets"}} in refs
    worker = by_kind(base, "Deployment")["ai-gate-worker"]
    writable = [m["mountPath"] for m in container(worker)["volumeMounts"]]
    assert any(settings["AI_GATE_CACHE_DIR"].startswith(m + "/") for m in writable)
    assert any(settings["AI_GATE_HEARTBEAT_FILE"].startswith(m + "/") for m in writable)
    [cache] = [v for v in worker["spec"]["template"]["spec"]["volumes"] if v["name"] == "cache"]
    assert mebibytes(cache["emptyDir"]["sizeLimit"]) > int(settings["AI_GATE_CACHE_MAX_MB"])


def test_resources_fit_the_benchmarks_and_a_worker_finishes_its_jobs_on_shutdown(
    base: list[dict[str, Any]],
) -> None:
    [config] = by_kind(base, "ConfigMap").values()
    worker = by_kind(base, "Deployment")["ai-gate-worker"]
    box = container(worker)
    concurrency = int(box["command"][box["command"].index("--concurrency") + 1])

    limits, requests = box["resources"]["limits"], box["resources"]["requests"]
    assert mebibytes(limits["memory"]) >= concurrency * PEAK_JOB_MIB
    assert mebibytes(requests["memory"]) >= PEAK_JOB_MIB
    time_limit = int(config["data"]["AI_GATE_JOB_TIME_LIMIT"])
    assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > time_limit
    for deployment in by_kind(base, "Deployment").values():
        assert set(container(deployment)["resources"]) == {"requests", "limits"}


def test_disruption_budgets_cover_both_deployments(base: list[dict[str, Any]]) -> None:
    budgets = by_kind(base, "PodDisruptionBudget")
    for name, deployment in by_kind(base, "Deployment").items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = budgets[name]["spec"]["selector"]["matchLabels"]
        assert selector.items() <= labels.items()


def test_keda_scales_workers_on_the_celery_queue_by_one_workers_concurrency(
    autoscaling: list[dict[str, Any]],
) -> None:
    from app.settings import Settings
    from workers.celery_app import QUEUE, configure

    conf = configure(Settings(redis_url="redis://127.0.0.1:6379/0")).conf
    [scaled] = by_kind(autoscaling, "ScaledObject").values()
    worker = by_kind(autoscaling, "Deployment")["ai-gate-worker"]
    box = container(worker)
    concurrency = int(box["command"][box["command"].index("--concurrency") + 1])

    [trigger] = scaled["spec"]["triggers"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == worker["metadata"]["name"]
    assert trigger["type"] == "redis"
    assert trigger["metadata"]["listName"] == QUEUE == conf.task_default_queue
    # The list holds only jobs no worker has reserved when each reserves just what it runs.
    assert conf.worker_prefetch_multiplier == 1
    assert int(trigger["metadata"]["listLength"]) == concurrency
    assert scaled["spec"]["minReplicaCount"] >= 1


def test_the_autoscalers_own_the_replica_counts(autoscaling: list[dict[str, Any]]) -> None:
    deployments = by_kind(autoscaling, "Deployment")
    assert all("replicas" not in d["spec"] for d in deployments.values())
    [hpa] = by_kind(autoscaling, "HorizontalPodAutoscaler").values()
    assert hpa["spec"]["scaleTargetRef"]["name"] == "ai-gate-web"
    assert hpa["spec"]["minReplicas"] >= 2
