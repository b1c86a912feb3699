"""The `ai-gate` command: serve, worker, check, config."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import AiGateError, ConfigError, SettingsError, UsageError
from app.version import installed_version

if TYPE_CHECKING:
    from app.adapters.git import Git
    from app.core.config.model import Config
    from app.core.models import ConfigInfo, Report

EXIT_OK, EXIT_GATE, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ai-gate", description=__doc__)
    parser.add_argument("--version", action="version", version=f"ai-gate {installed_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web app (embedded mode without REDIS_URL)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    worker = sub.add_parser("worker", help="run a Celery worker (needs REDIS_URL)")
    worker.add_argument("--concurrency", type=int, default=2)
    check = sub.add_parser("check", help="analyse a local git checkout")
    check.add_argument("--repo", type=Path, default=Path())
    check.add_argument("--base")
    check.add_argument("--head")
    check.add_argument(
        "--staged",
        action="store_true",
        help="check the staged changes (HEAD against the index), as a pre-commit hook",
    )
    check.add_argument("--config", type=Path)
    check.add_argument("--format", choices=("text", "json", "sarif", "markdown"), default="text")
    check.add_argument("--output", type=Path)
    check.add_argument(
        "--time-limit",
        type=float,
        default=600.0,
        help="seconds after which linters still running are stopped and the report is "
        "given with a note (default 600)",
    )
    action = sub.add_parser(
        "action", help="the GitHub Action's entry point: analyse the workflow's pull request"
    )
    action.add_argument("--sarif-file", type=Path, help="default: $RUNNER_TEMP/ai-gate.sarif")
    action.add_argument("--time-limit", type=float, default=600.0)
    report = sub.add_parser(
        "report", help="what AI code cost and returned on a local checkout's history"
    )
    report.add_argument("--repo", type=Path, default=Path())
    report.add_argument("--branch", default="HEAD", help="the branch to read (default HEAD)")
    report.add_argument("--since", default="90d", help="how far back: 90d, 12w (default 90d)")
    report.add_argument("--config", type=Path)
    report.add_argument("--format", choices=("text", "json", "csv", "html"), default="text")
    report.add_argument("--output", type=Path)
    report.add_argument("--time-limit", type=float, default=600.0, help="per merged change")
    health = sub.add_parser("health", help="liveness probes for containers")
    health.add_argument("target", choices=("worker", "web"))
    health.add_argument("--url", default="http://127.0.0.1:3000", help="the web app (web)")
    config = sub.add_parser("config", help="validate a config file or print its JSON Schema")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    validate = config_sub.add_parser("validate")
    validate.add_argument("file", nargs="?", type=Path, default=Path(".ai-gate.yml"))
    config_sub.add_parser("schema")
    config_sub.add_parser("docs", help="regenerate README's reference and schema/ (developers)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = _parser().parse_args(argv)
    configure_logging(args.command)
    try:
        if args.command == "serve":
            return _serve(args.host, args.port)
        if args.command == "worker":
            return _worker(args.concurrency)
        if args.command == "check":
            return _check(args)
        if args.command == "health":
            return _health(args.target, args.url)
        if args.command == "action":
            return _action(args)
        if args.command == "report":
            return _report(args)
        return _config(args)
    except SettingsError as exc:
        print(f"ai-gate: environment variable {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (UsageError, ConfigError) as exc:
        print(f"ai-gate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AiGateError as exc:
        print(f"ai-gate: {exc}", file=sys.stderr)
        return EXIT_USAGE


def configure_logging(command: str) -> None:
    """INFO logs for the servers; a command-line run prints its report and nothing else
    (no library's request log on stderr): only its own warnings and any error."""
    if command in ("serve", "worker"):
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
        return
    logging.basicConfig(level=logging.ERROR, format="ai-gate: %(levelname)s %(message)s")
    logging.getLogger("app").setLevel(logging.WARNING)


def _serve(host: str, port: int) -> int:
    import uvicorn

    from app.settings import load_settings
    from app.web.main import create_app

    settings = load_settings()
    app = create_app(settings)
    mode = "Redis/Celery" if settings.redis_url else "embedded"
    logging.getLogger("ai-gate").info("serving on http://%s:%d (%s mode)", host, port, mode)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    return EXIT_OK


def _worker(concurrency: int) -> int:
    from app.settings import load_settings
    from workers.celery_app import configure

    settings = load_settings()
    if not settings.redis_url:
        raise SettingsError("REDIS_URL", "is not set; a worker needs the Redis broker")
    settings.require_app_credentials()
    import workers.tasks  # noqa: F401 - registers the task

    celery = configure(settings)
    celery.worker_main(
        [
            "worker",
            # Threads: a job mostly waits on git, ruff and mypy in their own processes, so one
            # process holds the app once instead of once per job (see README, "Worker").
            "--pool=threads",
            f"--concurrency={concurrency}",
            "--loglevel=INFO",
            "-Q",
            "ai-gate",
            "--without-gossip",
            "--without-mingle",
        ]
    )
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from app.adapters.localgit import open_checkout, resolve_range
    from app.adapters.registry import RegistryResolver
    from app.adapters.staged import STAGED_NOTE, staged_range
    from app.deadline import Deadline
    from app.engine import analyse_range
    from app.settings import load_settings

    config, info = _local_config(args)
    git = open_checkout(args.repo)
    settings = load_settings()
    span: AbstractContextManager[tuple[Git, str, str]]
    if args.staged:
        if args.base or args.head:
            raise UsageError("--staged checks HEAD against the index: give no --base or --head")
        # Whoever wrote them: the commit message, where agents put their trailers, is not
        # written yet, so most staged changes could not be told apart (see STAGED_NOTE).
        gate = config.gate.model_copy(update={"applies_to": "all"})
        config = config.model_copy(update={"gate": gate})
        span = staged_range(git, settings.git_index_file)
    else:
        span = nullcontext((git, *resolve_range(git, args.base, args.head)))
    # Looked up afresh each run (no Redis here): a local check rarely adds many dependencies.
    licences = RegistryResolver(settings.pypi_url, settings.npm_url)
    with span as (view, base_sha, head_sha):
        report = analyse_range(
            view,
            base_sha,
            head_sha,
            repository=args.repo.resolve().name,
            config=config,
            info=info,
            licences=licences,
            deadline=Deadline.after(args.time_limit),
            # Progress for a person watching a terminal; nothing in a pipe or a CI log.
            progress=_progress if sys.stderr.isatty() else lambda _: None,
        ).report
    if args.staged:
        report = report.model_copy(update={"notes": (*report.notes, STAGED_NOTE)})
    out = _render(report, args.format)
    if args.output:
        args.output.write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    return EXIT_OK if report.verdict.conclusion in ("success", "neutral") else EXIT_GATE


def _report(args: argparse.Namespace) -> int:
    from app.adapters.localgit import open_checkout
    from app.adapters.registry import RegistryResolver
    from app.publishers.figurepages import Page, render_view
    from app.publishers.figuretext import pulls_csv, view_json, view_text
    from app.report import build_report, parse_since
    from app.settings import load_settings

    config, info = _local_config(args)
    since = parse_since(args.since)
    git = open_checkout(args.repo)
    settings = load_settings()
    name = args.repo.resolve().name
    view = build_report(
        git,
        args.branch,
        since,
        repository=name,
        config=config,
        info=info,
        licences=RegistryResolver(settings.pypi_url, settings.npm_url),
        progress=_progress if sys.stderr.isatty() else lambda _: None,
        time_limit=args.time_limit,
    )
    title = f"{name}: the last {args.since} of {args.branch}"
    if args.format == "json":
        out = json.dumps(view_json(view), indent=2) + "\n"
    elif args.format == "csv":
        out = pulls_csv(view.pulls)
    elif args.format == "html":
        out = render_view(view, Page(title=title))
    else:
        out = view_text(view, title)
    if args.output:
        args.output.write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    return EXIT_OK


def _local_config(args: argparse.Namespace) -> tuple[Config, ConfigInfo]:
    """`--config`, else the checkout's `.ai-gate.yml`, else the defaults."""
    from app.core.config.file import parse_config
    from app.core.config.model import Config
    from app.core.models import ConfigInfo

    config_file = args.config or (args.repo / ".ai-gate.yml")
    if args.config is None and not config_file.exists():
        return Config(), ConfigInfo(sources=("defaults",))
    try:
        text = config_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read --config {config_file}: {exc.strerror}") from exc
    return parse_config(text, str(config_file)), ConfigInfo(sources=(str(config_file),))


def _render(report: Report, fmt: str) -> str:
    from app.publishers.markdown import render_summary
    from app.publishers.sarif import render_sarif
    from app.publishers.text import render_text

    if fmt == "json":
        return json.dumps(report.model_dump(mode="json"), indent=2) + "\n"
    if fmt == "sarif":
        return json.dumps(render_sarif(report, installed_version()), indent=2) + "\n"
    if fmt == "markdown":
        return render_summary(report, installed_version()) + "\n"
    return render_text(report)


def _action(args: argparse.Namespace) -> int:
    from app.action.environment import load_runner_environment
    from app.action.run import run_action
    from app.settings import load_settings

    report = run_action(
        load_runner_environment(),
        load_settings(),
        sarif_file=args.sarif_file,
        time_limit=args.time_limit,
        out=sys.stdout,
    )
    sys.stdout.flush()
    print(f"ai-gate: {report.verdict.conclusion}", file=sys.stderr)
    return EXIT_OK if report.verdict.conclusion in ("success", "neutral") else EXIT_GATE


def _health(target: str, url: str) -> int:
    """0 when alive: the worker's consumer beat recently, or the web app answers /healthz."""
    if target == "worker":
        from app.settings import load_settings
        from workers.health import alive

        return EXIT_OK if alive(load_settings().worker_heartbeat_file) else EXIT_GATE
    import httpx

    try:
        ok = httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        ok = False
    return EXIT_OK if ok else EXIT_GATE


def _progress(message: str) -> None:
    print(f"ai-gate: {message}…", file=sys.stderr, flush=True)


def _config(args: argparse.Namespace) -> int:
    from app.configdocs import SCHEMA_PATH, render_readme, schema_text
    from app.core.config.file import parse_config

    if args.config_command == "schema":
        sys.stdout.write(schema_text())
        return EXIT_OK
    if args.config_command == "docs":
        readme = Path("README.md")
        readme.write_text(render_readme(readme.read_text()))
        SCHEMA_PATH.parent.mkdir(exist_ok=True)
        SCHEMA_PATH.write_text(schema_text())
        return EXIT_OK
    path: Path = args.file
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc
    parse_config(text, str(path))
    print(f"{path}: valid")
    return EXIT_OK


def entry() -> None:
    sys.exit(main())
