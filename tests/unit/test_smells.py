import ast
import textwrap

import pytest

from app.core.checks.smells import RULES, smell_findings, smells
from app.core.config.checks import ChecksConfig, CostSmellsConfig
from app.core.config.model import Config
from app.core.pipeline import analyse, patch_lines
from tests.builders import FakeLinters, make_commit, make_file, make_snapshot

CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"


def rules(source: str) -> list[tuple[str, int]]:
    return sorted((rule, line) for rule, line, _ in smells(ast.parse(textwrap.dedent(source))))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('rows = db.execute("SELECT * FROM orders")\n', [("AIG101", 1)]),
        ('rows = db.execute("select * from public.orders;")\n', [("AIG101", 1)]),
        ("users = session.query(User).all()\n", [("AIG101", 1)]),
    ],
)
def test_aig101_whole_table_loads(source: str, expected: list[tuple[str, int]]) -> None:
    assert rules(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        'db.execute("SELECT * FROM orders WHERE id = %s", (1,))\n',
        'db.execute("SELECT * FROM orders LIMIT 10")\n',
        'db.execute("SELECT id, total FROM orders")\n',
        "users = session.query(User).filter(User.active).all()\n",
        'print("select * from the menu")\n',
    ],
)
def test_aig101_leaves_bounded_queries_alone(source: str) -> None:
    assert rules(source) == []


def test_aig102_a_query_or_http_call_per_row() -> None:
    source = """
    for order in session.query(Order).filter(Order.open).all():
        customer = session.query(Customer).get(order.customer_id)
    for row in cursor.fetchall():
        requests.get(f"https://api/x/{row[0]}", timeout=5)
    """
    assert [r for r in rules(source) if r[0] == "AIG102"] == [("AIG102", 2), ("AIG102", 4)]


def test_aig102_not_for_loops_over_plain_data() -> None:
    source = """
    for name in names:
        session.query(User).filter_by(name=name).first()
    for row in cursor.fetchall():
        total += row[1]
    """
    assert rules(source) == []


def test_aig103_redis_keys_without_expiry() -> None:
    source = """
    redis_client.set(key, value)
    self.redis.set(key, value, ex=60)
    redis_client.set(key, value, px=500)
    redis_client.set(key, value, **opts)
    cache.set(key, value)
    redis_client.setex(key, 60, value)
    """
    assert rules(source) == [("AIG103", 2)]


def test_aig104_sync_clients_inside_async_def() -> None:
    source = """
    async def handler():
        conn = sqlite3.connect("db.sqlite")
        r = redis.Redis()
        def in_thread():
            return psycopg2.connect(dsn)
        return await loop.run_in_executor(None, in_thread)

    def sync():
        return sqlite3.connect("db.sqlite")
    """
    assert rules(source) == [("AIG104", 3), ("AIG104", 4)]


def test_aig105_http_without_timeout_where_ruff_does_not_look() -> None:
    source = """
    urllib.request.urlopen(url)
    urllib.request.urlopen(url, timeout=10)
    urlopen(url, None, 10)
    http.client.HTTPSConnection(host)
    http.client.HTTPSConnection(host, timeout=5)
    client = httpx.Client(timeout=None)
    client = httpx.Client()
    requests.get(url)
    """
    # httpx.Client() has a default timeout; requests.get without one is ruff's S113.
    assert rules(source) == [("AIG105", 2), ("AIG105", 5), ("AIG105", 7)]


def test_aig106_polling_without_a_pause() -> None:
    source = """
    while True:
        status = requests.get(url, timeout=5).json()
        if status["done"]:
            break
    while True:
        status = requests.get(url, timeout=5).json()
        time.sleep(2)
    while True:
        item = queue.get()
    while attempts < 3:
        requests.get(url, timeout=5)
    """
    assert rules(source) == [("AIG106", 2)]


def test_aig106_paging_batching_and_database_loops_are_no_polls() -> None:
    source = """
    while True:
        r = requests.get(url, params={"page": page}, timeout=5)
        if not r.json():
            break
        page += 1
    while True:
        cursor.execute("DELETE FROM q WHERE id = (SELECT id FROM q LIMIT 1) RETURNING id")
        if cursor.fetchone() is None:
            break
    while True:
        line = input("> ")
        requests.post(url, json={"q": line}, timeout=5)
    """
    assert rules(source) == []


def test_aig107_swallowed_errors_in_request_handlers() -> None:
    source = """
    @app.get("/orders")
    def orders():
        try:
            return load()
        except Exception:
            return []

    @router.post("/pay")
    async def pay():
        try:
            charge()
        except Exception:
            logger.exception("charge failed")
            raise

    def helper():
        try:
            load()
        except Exception:
            pass

    @app.get("/x")
    def x():
        try:
            load()
        except ValueError:
            return None
    """
    assert rules(source) == [("AIG107", 6)]


def test_each_rule_has_a_readme_page() -> None:
    from pathlib import Path

    readme = Path("README.md").read_text()
    for rule in RULES:
        assert f"#### {rule.code} " in readme, rule.code


def test_findings_are_notices_on_added_lines_outside_tests_and_configurable() -> None:
    code = ['rows = db.execute("SELECT * FROM orders")', "redis_client.set(k, v)"]
    snapshot = make_snapshot(
        commits=[make_commit(trailers=[CLAUDE])],
        files=[make_file("app/q.py", code), make_file("tests/test_q.py", code)],
    )
    report = analyse(snapshot, Config(), FakeLinters())
    found = [(f.path, f.rule, f.level) for f in report.findings if f.check == "cost"]
    assert found == [("app/q.py", "AIG101", "notice"), ("app/q.py", "AIG103", "notice")]
    assert report.verdict.conclusion == "success"  # never failing by default
    config = Config(checks=ChecksConfig(cost=CostSmellsConfig(level="warning", ignore=("AIG103",))))
    lines = {"app/q.py": patch_lines(snapshot)["app/q.py"]}
    tests = config.checks.test_paths
    found_now = smell_findings(snapshot, config.checks.cost, lines, tests)
    assert [(f.rule, f.level) for f in found_now] == [("AIG101", "warning")]
    off = CostSmellsConfig(enabled=False)
    assert smell_findings(snapshot, off, lines, tests) == []
