"""The layers of ARCHITECTURE.md hold: `scripts/check` runs import-linter over the contracts
in pyproject.toml, and the webhook path stays light enough to answer at the floor's rate."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
# What the webhook path must never load: the analysis, publishers, the store, the GitHub
# client, Celery, and the heavy packages behind them.
ANALYSIS_STACK = (
    "app.engine",
    "app.jobs.analyse",
    "app.jobs.reevaluate",
    "app.jobs.kinds",
    "app.jobs.runner",
    "app.jobs.deps",
    "app.core.pipeline",
    "app.core.checks",
    "app.adapters.github",
    "app.adapters.store",
    "app.adapters.linters",
    "app.publishers",
    "workers",
    "celery",
    "githubkit",
    "sqlalchemy",
    "detect_secrets",
    "license_expression",
    "genai_prices",
)


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the project's packages and contracts to break."""
    for package in ("app", "workers"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold_on_the_project() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "forbidden", "contract"),
    [
        ("app/core/gate.py", "from app.adapters import github", "app.core imports nothing"),
        # The cycle the config had: its settings classes importing the checks that read them.
        ("app/core/config/model.py", "from app.core.checks import ruff", "inside app.core"),
        ("app/core/checks/ruff.py", "from app.core.cost import usage", "inside app.core"),
        # Indirect: `ai-gate report` is allowed by name, the store it reads is not.
        ("app/web/routing.py", "import app.report", "the webhook path loads no analysis"),
        ("app/publishers/review.py", "from app.jobs import model", "publishers import no web"),
        ("app/adapters/state.py", "import app.web.dashboard", "adapters import no web"),
    ],
)
def test_a_forbidden_import_fails_the_check_naming_its_contract(
    tree: Path, module: str, forbidden: str, contract: str
) -> None:
    path = tree / module
    path.write_text(path.read_text() + f"\n{forbidden}  # noqa: E402\n")
    done = lint_imports(tree)
    assert done.returncode == 1, done.stdout + done.stderr
    broken = done.stdout[done.stdout.index("Broken contracts") :]
    assert contract in broken


def test_the_webhook_module_loads_none_of_the_analysis_stack() -> None:
    """Measured in a fresh interpreter: what `import app.web.webhooks` brings with it."""
    probe = (
        "import json, sys; before = set(sys.modules); import app.web.webhooks; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(done.stdout)
    heavy = [m for m in loaded if m.startswith(ANALYSIS_STACK)]
    assert heavy == []
    ours = [m for m in loaded if m.split(".")[0] in ("app", "workers")]
    # 84 of our modules (1,045 in all) before the job model moved out of the job layer.
    assert len(ours) <= 20, ours
