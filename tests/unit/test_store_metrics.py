from collections.abc import Sequence

from prometheus_client import CollectorRegistry, generate_latest

from app.adapters.store import Activity, JobDurations, RepositoryActivity
from app.web.metrics import JOB_BUCKETS, StoreCollector


class Source:
    def __init__(self) -> None:
        self.reads = 0
        self.fail = False

    def __call__(self, buckets: Sequence[float]) -> Activity:
        self.reads += 1
        if self.fail:
            raise OSError("database is gone")
        repo = RepositoryActivity("octo/a", 1.5, {"failure": 2}, 40, 30)
        cumulative = tuple(1 if b >= 5 else 0 for b in buckets)
        jobs = JobDurations("octo/a", "analyse", "published", 1, 4.2, cumulative)
        return Activity((repo,), (jobs,))


def exposition(collector: StoreCollector) -> str:
    registry = CollectorRegistry()
    registry.register(collector)
    return generate_latest(registry).decode()


def test_store_figures_are_exposed_with_their_labels() -> None:
    text = exposition(StoreCollector(Source()))
    assert 'ai_gate_repository_estimated_usd_month{repository="octo/a"} 1.5' in text
    assert 'ai_gate_repository_pull_requests{conclusion="failure",repository="octo/a"} 2.0' in text
    assert 'ai_gate_repository_ai_added_lines{repository="octo/a"} 30.0' in text

    def bucket(le: str) -> str:
        labels = f'kind="analyse",le="{le}",outcome="published",repository="octo/a"'
        return f"ai_gate_job_duration_seconds_bucket{{{labels}}}"

    assert f"{bucket('2.5')} 0.0" in text
    assert f"{bucket('5.0')} 1.0" in text
    assert f"{bucket('+Inf')} 1.0" in text
    assert "ai_gate_store_up 1.0" in text
    assert len(JOB_BUCKETS) == text.count("ai_gate_job_duration_seconds_bucket") - 1


def test_reads_are_cached_and_a_failing_store_reports_down_without_raising() -> None:
    source, now = Source(), [0.0]
    collector = StoreCollector(source, ttl=10, clock=lambda: now[0])
    exposition(collector)
    exposition(collector)
    assert source.reads == 1
    now[0] = 11.0
    source.fail = True
    text = exposition(collector)
    assert "ai_gate_store_up 0.0" in text
    assert "ai_gate_repository" not in text
