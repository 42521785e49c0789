"""``qualdsl serve POLICY_DIR``: a thin click command over ``create_app`` and uvicorn.

Register it in the main command group with ``main.add_command(serve)``. Importing this
module needs only click; Starlette and uvicorn are imported when the command runs, and
when they are missing it says to install ``qualdsl[server]`` and exits with code 2.
"""

from __future__ import annotations

import copy
import json
import logging.config
import os
import sys
from pathlib import Path
from typing import Any

import click

from qualdsl.server.settings import DEFAULT_HOST, DEFAULT_PORT, MIB, Settings

EXIT_USAGE = 2
MISSING_EXTRA = ("error: `qualdsl serve` needs Starlette and uvicorn, which are not installed; "
                 "install qualdsl[server]:  pip install 'qualdsl[server]'")


def read_token(path: str) -> str:
    token = Path(path).read_text(encoding="utf-8").strip()
    if not token or any(c.isspace() for c in token):
        raise click.BadParameter(f"`{path}` must hold one token: no spaces, not empty", param_hint="--token-file")
    return token


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging set-up, with qualdsl's own messages (reloads, refusals, errors) on the same handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["qualdsl"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("policy_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="The address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535))
@click.option("--token-file", type=click.Path(exists=True, dir_okay=False),
              help="A file holding a bearer token: requests must send `Authorization: Bearer <token>` "
                   "(except /healthz and /readyz).")
@click.option("--max-body-bytes", default=MIB, show_default=True, type=click.IntRange(1),
              help="Larger request bodies get 413.")
@click.option("--max-batch", default=1000, show_default=True, type=click.IntRange(1),
              help="Batches with more leads get 413.")
@click.option("--reload-interval", default=1.0, show_default=True, type=click.FloatRange(0),
              help="Seconds between looks at the policy files for changes; 0 turns hot reload off.")
@click.option("--decision-log", type=click.Path(dir_okay=False), help="Append every decision to this JSON Lines file.")
@click.option("--log-max-bytes", default=100 * MIB, show_default=True, type=click.IntRange(0),
              help="Rotate the decision log when it would grow past this size (0: never).")
@click.option("--log-keep", default=5, show_default=True, type=click.IntRange(0),
              help="Rotated decision logs kept (FILE.1 is the newest).")
@click.option("--mask-field", "mask_fields", multiple=True, metavar="NAME",
              help="A lead key written as \"***\" in the decision log (repeat for more).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1),
              help="Worker processes (each loads the policies and keeps its own metrics).")
@click.option("--access-log/--no-access-log", default=False, show_default=True, help="Log every request.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve(policy_dir: str, host: str, port: int, token_file: str | None, max_body_bytes: int, max_batch: int,
          reload_interval: float, decision_log: str | None, log_max_bytes: int, log_keep: int,
          mask_fields: tuple[str, ...], workers: int, access_log: bool, log_level: str) -> None:
    """Serve decisions over HTTP for every policy in POLICY_DIR (see docs/server.md)."""
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        click.echo(MISSING_EXTRA, err=True)
        sys.exit(EXIT_USAGE)
    from qualdsl.server.app import ENV_CONFIG, create_app

    settings = Settings(
        token=read_token(token_file) if token_file else None, max_body_bytes=max_body_bytes, max_batch=max_batch,
        reload_interval=reload_interval, decision_log=decision_log, log_max_bytes=log_max_bytes, log_keep=log_keep,
        mask_fields=mask_fields,
    )
    options: dict[str, Any] = {
        "host": host, "port": port, "access_log": access_log, "log_level": log_level, "log_config": log_config(log_level),
        "timeout_graceful_shutdown": 10,
    }
    if workers == 1:
        logging.config.dictConfig(options["log_config"])  # so the first loading of the policies is logged too
        uvicorn.run(create_app(policy_dir, settings), **options)
        return
    # each worker process builds its own app; the token is read from its file there, not passed around
    os.environ[ENV_CONFIG] = json.dumps({
        "policy_dir": os.path.abspath(policy_dir), "token_file": os.path.abspath(token_file) if token_file else None,
        "settings": {**settings.to_dict(), "token": None},
    })
    uvicorn.run("qualdsl.server.app:app_from_env", factory=True, workers=workers, **options)
