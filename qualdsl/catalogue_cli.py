"""`qualdsl explain-error CODE`: what a diagnostic code means and how to fix it.

Register it on the main command group with ``main.add_command(explain_error)``.
"""

from __future__ import annotations

import sys

import click

from qualdsl.catalogue import close_codes, lookup, render_list, render_text

EXIT_OK = 0
EXIT_USAGE = 2


@click.command(
    name="explain-error",
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="\b\nExit codes:\n  0  the code was explained (or listed)\n  2  an unknown code, or no code given",
)
@click.argument("code", required=False)
@click.option("--list", "list_all", is_flag=True, help="List every code with its title.")
def explain_error(code: str | None, list_all: bool) -> None:
    """Explain a diagnostic CODE of `qualdsl check` (such as E102): what it means, an
    example policy with the problem, what check says about it, and how to fix it."""
    if list_all:
        click.echo(render_list(), nl=False)
        return
    if not code:
        click.echo("error: give a code, such as `qualdsl explain-error E102`, or --list for all codes", err=True)
        sys.exit(EXIT_USAGE)
    entry = lookup(code)
    if entry is None:
        close = close_codes(code)
        message = f"error: `{code}` is not a qualdsl diagnostic code"
        if close:
            message += "; close codes: " + ", ".join(close)
        click.echo(message, err=True)
        click.echo("`qualdsl explain-error --list` lists every code", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(render_text(entry), nl=False)
