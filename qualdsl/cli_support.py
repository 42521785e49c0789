"""What every qualdsl command shares: the exit codes, failing with a message, loading a policy or
exiting, reading --now."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import NoReturn

import click

import qualdsl
from qualdsl.errors import PolicyError, RecordError
from qualdsl.policy import Policy, normalize_now

EXIT_OK = 0
EXIT_POLICY = 1  # a policy has errors (or a policy test failed)
EXIT_USAGE = 2  # wrong usage, or an input that cannot be read
EXIT_RECORDS = 3  # some input records could not be read


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``error: message`` on standard error and exit with ``code``."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def policy_or_exit(
    path: str, consequence: str = "nothing was evaluated",
    load: Callable[[str], Policy] = qualdsl.load, shown: str | None = None,
) -> Policy:
    """The policy at ``path``; on policy errors, prints them and what did not happen, and exits 1."""
    try:
        return load(path)
    except PolicyError as exc:
        click.echo(exc.render(), err=True)
        click.echo(f"\n{shown or path}: {len(exc.errors)} error(s); {consequence}", err=True)
        sys.exit(EXIT_POLICY)


def now_option(value: str | None, param_hint: str | None = None) -> dt.datetime:
    """``--now`` as an aware datetime (absent: the current time, read once, here)."""
    try:
        return normalize_now(value)
    except RecordError as exc:
        raise click.BadParameter(f'"{value}" is not a date and time; write e.g. 2026-12-01T09:00:00Z',
                                 param_hint=param_hint) from exc
