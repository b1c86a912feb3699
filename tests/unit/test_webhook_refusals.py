"""A delivery the queue cannot take is refused with 503, and GitHub's redelivery of the same
delivery id is then accepted (not mistaken for a duplicate)."""

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.adapters.intake import MemoryIntake
from app.adapters.state import MemoryJobState
from app.jobs.model import Job
from app.jobs.queue import QueueFull
from app.web.metrics import WebMetrics
from app.web.signature import sign
from app.web.webhooks import webhook_route

SECRET = "s3cret"
PAYLOAD = {
    "action": "opened",
    "number": 7,
    "pull_request": {"number": 7, "head": {"sha": "a" * 40}, "draft": False, "state": "open"},
    "repository": {"full_name": "octo/app"},
    "installation": {"id": 1},
}


class FlakyQueue:
    def __init__(self, error: Exception | None) -> None:
        self.error = error
        self.jobs: list[Job] = []

    def enqueue(self, job: Job) -> None:
        if self.error is not None:
            raise self.error
        self.jobs.append(job)

    def ready(self) -> bool:
        return True


def test_refused_delivery_is_accepted_when_redelivered() -> None:
    queue = FlakyQueue(QueueFull("embedded queue is full"))
    app = FastAPI()
    intake = MemoryIntake(MemoryJobState(), queue, 3600)
    app.router.routes.append(webhook_route(SECRET, intake, WebMetrics()))
    client = TestClient(app)
    body = json.dumps(PAYLOAD).encode()
    headers = {
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": "delivery-1",
        "X-Hub-Signature-256": sign(SECRET, body),
        "Content-Type": "application/json",
    }

    refused = client.post("/api/github/webhooks", content=body, headers=headers)
    assert refused.status_code == 503
    assert "redeliver later" in refused.json()["message"]

    queue.error = None
    again = client.post("/api/github/webhooks", content=body, headers=headers)
    assert again.status_code == 202, again.text
    assert [(j.repository, j.pull_number) for j in queue.jobs] == [("octo/app", 7)]


def test_a_malformed_field_is_refused_with_400_naming_it_and_nothing_queued() -> None:
    queue = FlakyQueue(None)
    app = FastAPI()
    app.router.routes.append(
        webhook_route(SECRET, MemoryIntake(MemoryJobState(), queue, 3600), WebMetrics())
    )
    client = TestClient(app)
    # 2**64 is parsed as a float by orjson, and a Celery message could not carry it anyway.
    payload = json.loads(json.dumps(PAYLOAD))
    payload["pull_request"]["number"] = 2**64
    body = json.dumps(payload).encode()
    headers = {
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": "delivery-2",
        "X-Hub-Signature-256": sign(SECRET, body),
    }
    refused = client.post("/api/github/webhooks", content=body, headers=headers)
    assert refused.status_code == 400
    assert refused.json()["message"].startswith(
        "malformed pull_request payload: pull_request.number"
    )
    assert queue.jobs == []


def test_a_label_change_is_queued_and_a_malformed_label_refused() -> None:
    """`pull_request.labeled` / `unlabeled` are answered 202 with a label job for the head;
    a label name that is not a string is a 400 naming it."""
    queue = FlakyQueue(None)
    app = FastAPI()
    app.router.routes.append(
        webhook_route(SECRET, MemoryIntake(MemoryJobState(), queue, 3600), WebMetrics())
    )
    client = TestClient(app)

    def post(action: str, name: object, delivery: str) -> tuple[int, str]:
        body = json.dumps(PAYLOAD | {"action": action, "label": {"name": name}}).encode()
        headers = {
            "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": sign(SECRET, body),
        }
        answer = client.post("/api/github/webhooks", content=body, headers=headers)
        return answer.status_code, answer.json()["message"]

    assert post("labeled", "skip-ai-gate", "delivery-3")[0] == 202
    assert post("unlabeled", "skip-ai-gate", "delivery-4")[0] == 202
    assert [(j.kind, j.label, j.event) for j in queue.jobs] == [
        ("label", "skip-ai-gate", "pull_request.labeled"),
        ("label", "skip-ai-gate", "pull_request.unlabeled"),
    ]
    status, message = post("labeled", 7, "delivery-5")
    assert status == 400
    assert message.startswith("malformed pull_request payload: label.name")
    assert len(queue.jobs) == 2
