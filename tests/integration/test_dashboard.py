"""The dashboard end to end in a real headless browser: sign in through the fake GitHub's OAuth
flow, read the figures the store holds, open a service, export CSV; a user without access to a
private repository sees no trace of it; forged and expired sessions are refused. Screenshots
of the pages are kept in test-artefacts/dashboard/."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from app.adapters.figures import Figures, Scope
from app.adapters.outcomes import AnalysedPR, Budget, Outcome, Outcomes
from app.adapters.store import SqlStore
from app.core.services import CheckCounts, ServiceSlice
from app.web.session import SESSION_COOKIE, Sealer
from tests.fakes.github_server import FakeGitHub
from tests.integration.browser import ROOT, Browser, browser  # noqa: F401 - the fixture
from tests.integration.conftest import INSTALLATION_ID, Process, app_env, serve

ORG = "octo-org"
PUBLIC = f"{ORG}/dash-public"
SECRET_REPO = f"{ORG}/dash-secret"
SECRET_TITLE = "Classified rocket engine"
ARTEFACTS = ROOT / "test-artefacts" / "dashboard"


@dataclass(frozen=True)
class Dashboard:
    url: str
    store: SqlStore
    github: FakeGitHub


def _pr(
    repository: str,
    number: int,
    title: str,
    slices: tuple[ServiceSlice, ...],
    tool: str = "claude-code",
) -> AnalysedPR:
    return AnalysedPR(
        repository=repository,
        pull_request=number,
        head_sha=f"{number:040x}",
        title=title,
        url=f"https://github.com/{repository}/pull/{number}",
        ai=tool != "human",
        tool=tool,
        model="claude-sonnet-4-5" if tool != "human" else "unknown",
        added_lines=sum(s.added_lines for s in slices),
        ai_added_lines=sum(s.ai_added_lines for s in slices),
        findings=sum(c.ai + c.human for s in slices for c in s.findings),
        slices=slices,
        installation_id=INSTALLATION_ID,
    )


def seed(store: SqlStore, now: datetime) -> None:
    """PRs of a public and a private repository, booked and closed as the jobs would."""
    outcomes = Outcomes(store)
    ruff = (CheckCounts("ruff", 3, 1),)
    plan = [
        # repository, number, title, spend, slices, outcome, days ago
        (
            PUBLIC,
            1,
            "Add the payments API",
            12.5,
            (ServiceSlice("api", 300, 240, 0.8, ruff), ServiceSlice("web", 100, 60, 0.2)),
            "merged",
            20,
        ),
        (PUBLIC, 2, "Try a new cache", 4.25, (ServiceSlice("api", 80, 80, 1.0),), "closed", 10),
        (PUBLIC, 3, "Fix the login page", 0.0, (ServiceSlice("web", 40, 0, 1.0),), "merged", 5),
        (PUBLIC, 4, "Work in progress", 2.0, (ServiceSlice("web", 50, 50, 1.0),), "open", 1),
        (
            SECRET_REPO,
            7,
            SECRET_TITLE,
            987.65,
            (ServiceSlice("engine", 900, 900, 1.0, ruff),),
            "merged",
            3,
        ),
    ]
    for repo, number, title, usd, slices, state, days in plan:
        at = now - timedelta(days=days, hours=1)
        store.record_cost(repo, number, f"{number:040x}", usd, at)
        tool = "human" if not any(s.ai_added_lines for s in slices) else "claude-code"
        budgets = [Budget("api", 50.0, 0.8)] if repo == PUBLIC else []
        outcomes.record_analysis(_pr(repo, number, title, slices, tool), at, budgets)
        if state != "open":
            merge = f"{number + 100:040x}" if state == "merged" else None
            outcomes.record_outcome(Outcome(repo, number, state, at + timedelta(minutes=30), merge))


@pytest.fixture(scope="module")
def dashboard(github: FakeGitHub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    data = tmp_path_factory.mktemp("dashboard")
    store = SqlStore(f"sqlite:///{data / 'ai-gate.db'}")
    seed(store, datetime.now(UTC))
    oauth = github.oauth
    oauth.grant("alice", INSTALLATION_ID, ORG, [PUBLIC, SECRET_REPO])
    oauth.grant("bob", INSTALLATION_ID, ORG, [PUBLIC])
    oauth.set_private(SECRET_REPO)
    # With a client id, the App's JWTs name it as their issuer (GitHub takes either).
    github.client_id = oauth.client_id
    env = app_env(github, redis=False, data=data) | {
        "GITHUB_CLIENT_ID": oauth.client_id,
        "GITHUB_CLIENT_SECRET": oauth.client_secret,
    }
    proc: Process
    proc, url = serve(env, data)
    try:
        yield Dashboard(url, store, github)
    finally:
        proc.stop()
        store.close()


def since_90_days() -> datetime:
    return datetime.now(UTC) - timedelta(days=90)


def figure(page: Browser, name: str) -> float | None:
    raw = page.attr(f"[data-figure='{name}']", "data-value")
    return float(raw) if raw else None


def sign_in(page: Browser, url: str, login: str) -> str:
    """Open the dashboard and sign in on the fake GitHub's page; the URL landed on."""
    opened = page.goto(f"{url}/dashboard")
    assert "/login/oauth/authorize" in opened["url"], opened
    assert "Sign in to GitHub" in page.text("h1")
    page.fill("#login_field", login)
    return page.click("#authorize")


def assert_totals(page: Browser, figures: Figures, scope: Scope) -> None:
    totals = figures.totals(scope)
    assert figure(page, "merged_prs") == totals.merged_prs
    assert figure(page, "accepted_usd") == pytest.approx(totals.accepted_usd)
    assert figure(page, "discarded_usd") == pytest.approx(totals.discarded_usd)
    assert figure(page, "ai_share") == pytest.approx(totals.ai_share)
    assert figure(page, "usd_per_kloc") == pytest.approx(totals.usd_per_kloc)


def test_signing_in_shows_the_figures_the_store_holds(
    dashboard: Dashboard,
    browser: Browser,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    landed = sign_in(browser, dashboard.url, "alice")
    assert landed == f"{dashboard.url}/dashboard"
    figures = Figures(dashboard.store)
    everything = Scope(repositories=(PUBLIC, SECRET_REPO), since=since_90_days())
    assert_totals(browser, figures, everything)
    browser.screenshot(ARTEFACTS / "overview-alice.png")
    # A private repository the user may see is there, with its PR and a link to GitHub.
    html, _ = browser.content()
    assert SECRET_TITLE in html
    assert f"https://github.com/{SECRET_REPO}/pull/7" in html

    browser.click(f"a[href='/dashboard/org/{ORG}']")
    assert_totals(
        browser,
        figures,
        Scope(repositories=everything.repositories, organisation=ORG, since=since_90_days()),
    )
    browser.click(f"a[href='/dashboard/repo/{PUBLIC}']")
    repo_scope = Scope(
        repositories=everything.repositories, repository=PUBLIC, since=since_90_days()
    )
    assert_totals(browser, figures, repo_scope)
    browser.screenshot(ARTEFACTS / "repository.png")
    # The service's budget: what it booked this month against its $50.
    assert "$50.00" in browser.content()[0]

    landed = browser.click(f"a[href='/dashboard/repo/{PUBLIC}/service/api']")
    assert landed.endswith("/service/api")
    api = Scope(
        repositories=everything.repositories,
        repository=PUBLIC,
        service="api",
        since=since_90_days(),
    )
    assert_totals(browser, figures, api)
    assert figures.totals(api).merged_prs == 1  # PR 1; PR 2 was closed unmerged
    assert figures.totals(api).discarded_usd == pytest.approx(4.25)
    browser.screenshot(ARTEFACTS / "service-api.png")

    saved, filename = browser.download("#export-csv", tmp_path / "export.csv")
    assert filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(saved.read_text())))
    expected = figures.pulls(api)
    assert [(r["repository"], int(r["pull_request"]), r["state"]) for r in rows] == [
        (p.repository, p.pull_request, p.state) for p in expected
    ]
    assert [float(r["usd"]) for r in rows] == pytest.approx([p.usd for p in expected])
    assert rows[0]["url"].startswith("https://github.com/")


def test_a_user_without_access_sees_no_trace_of_a_private_repository(
    dashboard: Dashboard,
    browser: Browser,  # noqa: F811
) -> None:
    sign_in(browser, dashboard.url, "bob")
    figures = Figures(dashboard.store)
    assert_totals(browser, figures, Scope(repositories=(PUBLIC,), since=since_90_days()))
    browser.screenshot(ARTEFACTS / "overview-bob.png")
    pages = [browser.content()[0]]
    browser.click(f"a[href='/dashboard/org/{ORG}']")
    pages.append(browser.content()[0])
    for page in pages:
        for trace in (SECRET_REPO, "dash-secret", SECRET_TITLE, "engine", "987.65", "1,012"):
            assert trace not in page
    # Not even by its address: as if it did not exist.
    opened = browser.goto(f"{dashboard.url}/dashboard/repo/{SECRET_REPO}")
    assert opened["status"] == 404
    assert SECRET_TITLE not in browser.content()[0]
    # Nor in an export, asked for with bob's own session.
    cookies = {c["name"]: c["value"] for c in browser.cookies()}
    exported = httpx.get(f"{dashboard.url}/dashboard/org/{ORG}?format=csv", cookies=cookies)
    assert exported.status_code == 200
    assert f"{PUBLIC}," in exported.text
    assert "dash-secret" not in exported.text


def test_forged_and_expired_sessions_are_refused(
    dashboard: Dashboard,
    browser: Browser,  # noqa: F811
) -> None:
    secret = dashboard.github.oauth.client_secret
    host = dashboard.url.split("//", 1)[1].split(":")[0]
    token = dashboard.github.oauth.token_for("alice")
    expired, _ = Sealer(secret, clock=lambda: time.time() - 9 * 3600).seal_session(
        "alice", token, 3600
    )
    valid, _ = Sealer(secret).seal_session("alice", token, 3600)
    forged = valid[:-8] + ("A" * 8 if not valid.endswith("A" * 8) else "B" * 8)
    other_key, _ = Sealer("another secret").seal_session("alice", token, 3600)
    for name, value in (("expired", expired), ("forged", forged), ("other key", other_key)):
        answer = httpx.get(
            f"{dashboard.url}/dashboard", cookies={SESSION_COOKIE: value}, follow_redirects=False
        )
        assert answer.status_code == 302, name
        assert "/login/oauth/authorize" in answer.headers["location"], name
        assert "data-figure" not in answer.text, name
        browser.clear_cookies()
        browser.add_cookies([{"name": SESSION_COOKIE, "value": value, "domain": host, "path": "/"}])
        opened = browser.goto(f"{dashboard.url}/dashboard/repo/{PUBLIC}")
        assert "/login/oauth/authorize" in opened["url"], name
        assert "Sign in to GitHub" in browser.text("h1"), name
    # The genuine cookie is taken, so the refusals above were about the cookies themselves.
    answer = httpx.get(f"{dashboard.url}/dashboard", cookies={SESSION_COOKIE: valid})
    assert answer.status_code == 200
    assert "data-figure" in answer.text
    browser.screenshot(ARTEFACTS / "refused-session.png")


def test_a_forged_callback_state_is_refused(dashboard: Dashboard) -> None:
    answer = httpx.get(f"{dashboard.url}/auth/callback", params={"code": "x", "state": "made-up"})
    assert answer.status_code == 400
    started = httpx.get(f"{dashboard.url}/dashboard", follow_redirects=False)
    assert started.status_code == 302
    # The state cookie of one browser does not go with another state.
    answer = httpx.get(
        f"{dashboard.url}/auth/callback",
        params={"code": "x", "state": "made-up"},
        cookies=dict(started.cookies),
    )
    assert answer.status_code == 400


def test_the_root_page_links_the_dashboard_setup_and_docs(dashboard: Dashboard) -> None:
    answer = httpx.get(dashboard.url + "/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    for link in ("href='/dashboard'", "href='/setup'", "#readme"):
        assert link in answer.text


def test_metrics_carry_the_outcomes_by_tool_model_and_service(dashboard: Dashboard) -> None:
    text = httpx.get(f"{dashboard.url}/metrics").text
    assert f'ai_gate_service_estimated_usd_month{{repository="{PUBLIC}",service="api"}}' in text
    # PR 1 was merged this month or the last; PR 4 is open: only merged spend is accepted.
    lines = [line for line in text.splitlines() if line.startswith("ai_gate_accepted_usd_month{")]
    assert all('tool="' in line and 'model="' in line for line in lines)
    assert "ai_gate_rework_lines{" in text or "# TYPE ai_gate_rework_lines gauge" in text
