"""The review commands `qualdsl diff` and `qualdsl backtest`: thin click wrappers over
``qualdsl.diff`` and ``qualdsl.backtest``. Register them on the main group with
``main.add_command(diff)`` and ``main.add_command(backtest)``.

Exit codes: 0 success; 1 a policy has errors, or (diff) --fail-over was exceeded;
2 wrong usage, or a file (or a git revision) that cannot be read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from qualdsl import backtest as bt
from qualdsl import diff as df
from qualdsl.batch import FORMATS, BadLine, InputError, detect_format, open_input, read_records
from qualdsl.cli_support import EXIT_POLICY, fail, now_option, policy_or_exit
from qualdsl.errors import Diagnostic
from qualdsl.policy import Policy

DIFF_EXIT_HELP = """\b
Exit codes:
  0  success (records that cannot be decided are listed, not fatal)
  1  a policy has errors, or an outcome moved by more than --fail-over
  2  wrong usage, or a file or git revision that cannot be read"""

BACKTEST_EXIT_HELP = """\b
Exit codes:
  0  success (rows without a readable result are counted and skipped)
  1  a policy has errors
  2  wrong usage, a file that cannot be read, or no row with a readable result"""

T = TypeVar("T")


def _load(path: str, ref: str | None = None) -> Policy:
    """The policy at ``path`` (at git revision ``ref`` when given); exits 1 on policy errors,
    2 when the file cannot be read at that revision."""
    if ref is None:
        return policy_or_exit(path, "nothing was compared")
    found = df.git_reader(ref)(path)
    if isinstance(found, Diagnostic):
        fail(found.message)
    return policy_or_exit(path, "nothing was compared", lambda p: df.load_at(p, ref), f"{path} at {ref}")


def _with_leads(path: str, input_format: str, run: Callable[[Iterator[Mapping[str, Any] | BadLine]], T]) -> T:
    """``run`` over the records of the leads file; exits 2 when the file cannot be read."""
    try:
        fmt = detect_format(path, input_format)
        with open_input(path) as stream:
            return run(read_records(stream, fmt))
    except InputError as exc:
        fail(str(exc))
    except UnicodeDecodeError as exc:
        fail(f"`{path}` is not UTF-8 text ({exc.reason} at byte {exc.start})")


def _write(text: str, output: str) -> None:
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")


def _common(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options diff and backtest share: the leads, how to read them, the time, the output."""
    options = [
        click.option("--leads", "leads_path", required=True, metavar="FILE",
                     type=click.Path(allow_dash=True, dir_okay=False),
                     help="The sample of leads: CSV, JSONL or a JSON array (`-` reads JSONL from stdin)."),
        click.option("--input-format", type=click.Choice(["auto", *FORMATS]), default="auto", show_default=True,
                     help="Format of --leads; auto decides by the file name (.csv, .jsonl, .json)."),
        click.option("--now", "now_text", metavar="DATETIME",
                     help="The evaluation time (ISO 8601); default: now, in UTC. Fix it to get the same report twice."),
        click.option("--id-column", metavar="NAME", help="Name leads in the report by this column (else by row number)."),
        click.option("--events-key", default="events", show_default=True, metavar="KEY",
                     help="The JSON key that holds a lead's events ({type, at} objects)."),
        click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
                     show_default=True, help="text for a terminal, markdown for a pull-request comment, or json."),
        click.option("-o", "--output", type=click.Path(allow_dash=True, dir_okay=False), default="-",
                     show_default=True, help="Where to write the report."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


# ---- qualdsl diff ----------------------------------------------------------------------------------

@click.command(epilog=DIFF_EXIT_HELP)
@click.argument("paths", nargs=-1, metavar="OLD NEW | --base REF POLICY",
                type=click.Path(exists=True, dir_okay=False))
@_common
@click.option("--base", "base_ref", metavar="REF",
              help="Take OLD from git: POLICY (and every file it `use`s) as it was at revision REF.")
@click.option("--examples", type=click.IntRange(min=0), default=5, show_default=True, metavar="N",
              help="Example leads shown for each move from one outcome to another.")
@click.option("--fail-over", type=click.FloatRange(min=0), metavar="PCT",
              help="Exit 1 when the volume of a checked outcome moves by more than PCT percent of its OLD volume.")
@click.option("--outcome", "outcomes", multiple=True, metavar="NAME",
              help="An outcome --fail-over checks (repeat for several); default: every outcome but `otherwise`'s.")
def diff(paths: tuple[str, ...], leads_path: str, input_format: str, now_text: str | None, id_column: str | None,
         events_key: str, fmt: str, output: str, base_ref: str | None, examples: int, fail_over: float | None,
         outcomes: tuple[str, ...]) -> None:
    """Compare policy OLD with NEW on a sample of leads: which leads move, and why.

    Decides every lead in --leads with both policies and reports the outcome transition
    matrix, the volume per outcome and per segment, how each score changed, and for each
    move (old outcome -> new outcome) example leads with the rule that chose the outcome on
    each side. It also lists the declarations that were added, removed or changed.

    With --base REF, give one POLICY: OLD is that file as it was at git revision REF
    (a commit, branch or tag), and NEW is the file as it is now.
    """
    expected = 1 if base_ref is not None else 2
    if len(paths) != expected:
        raise click.UsageError("give OLD and NEW, or --base REF and one POLICY")
    old_path, new_path = paths[0], paths[-1]
    now = now_option(now_text, "--now")
    old = _load(old_path, base_ref)
    new = _load(new_path)
    known = set(old.model.outcomes) | set(new.model.outcomes)
    unknown = [o for o in outcomes if o not in known]
    if unknown:
        raise click.BadParameter(f"`{unknown[0]}` is not an outcome; the outcomes are {', '.join(sorted(known))}",
                                 param_hint="--outcome")
    labels = (f"{old_path} at {base_ref}" if base_ref is not None else old_path, new_path)
    report = _with_leads(leads_path, input_format, lambda records: df.diff_leads(
        old, new, records, now, labels=labels, source=leads_path, id_column=id_column, examples=examples,
        events_key=events_key))
    checked = outcomes or df.checked_outcomes(report)
    breaches = df.volume_breaches(report, checked, fail_over) if fail_over is not None else ()
    if fmt == "json":
        payload = report.to_dict()
        if fail_over is not None:
            payload["volume_check"] = {"limit_percent": fail_over, "outcomes": list(checked), "passed": not breaches,
                                       "exceeded": [v.to_dict() for v in breaches]}
        text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    else:
        text = df.render(report, markdown=fmt == "markdown")
        if fail_over is not None:
            text += "\n" + df.render_breaches(breaches, fail_over, markdown=fmt == "markdown")
    _write(text, output)
    if breaches:
        click.echo(df.render_breaches(breaches, fail_over or 0.0, markdown=False).rstrip(), err=True)
        sys.exit(EXIT_POLICY)


# ---- qualdsl backtest ---------------------------------------------------------------------------------

@click.command(epilog=BACKTEST_EXIT_HELP)
@click.argument("policy_path", metavar="POLICY", type=click.Path(exists=True, dir_okay=False))
@_common
@click.option("--outcome-column", required=True, metavar="NAME",
              help="The column that says whether the lead converted: 1/0, yes/no or true/false.")
@click.option("--compare", "compare_path", metavar="OTHER.qual", type=click.Path(exists=True, dir_okay=False),
              help="A second policy, reported side by side (e.g. a stricter or looser definition).")
@click.option("--qualified", "qualified", multiple=True, metavar="NAME",
              help="An outcome that counts as qualified (repeat for several); default: every outcome but the "
                   "`otherwise` one and those whose name starts with `disqualif`.")
@click.option("--band-width", type=click.IntRange(min=1), metavar="POINTS",
              help=f"Cut each score into bands this many points wide (default {bt.DEFAULT_BAND_WIDTH}).")
@click.option("--quantiles", type=click.IntRange(min=2), metavar="N",
              help="Cut each score into N bands of about as many leads each, instead of fixed widths.")
def backtest(policy_path: str, leads_path: str, input_format: str, now_text: str | None, id_column: str | None,
             events_key: str, fmt: str, output: str, outcome_column: str, compare_path: str | None,
             qualified: tuple[str, ...], band_width: int | None, quantiles: int | None) -> None:
    """Decide leads with a known result again and see how well POLICY picked the converters.

    For each outcome and each score band: how many leads, and how many converted. For the
    qualified outcomes: precision (the share of qualified leads that converted), recall (the
    share of conversions that were qualified), the share of all conversions captured and the
    lift over the base rate. With --compare, the same for a second policy, side by side.
    Rows whose result column is missing or unreadable are counted and skipped.
    """
    if band_width is not None and quantiles is not None:
        raise click.UsageError("give --band-width or --quantiles, not both")
    now = now_option(now_text, "--now")
    policies = [(_load(policy_path), policy_path)]
    if compare_path is not None:
        policies.append((_load(compare_path), compare_path))
    known = {o for policy, _ in policies for o in policy.model.outcomes}
    unknown = [q for q in qualified if q not in known]
    if unknown:
        raise click.BadParameter(f"`{unknown[0]}` is not an outcome; the outcomes are {', '.join(sorted(known))}",
                                 param_hint="--qualified")
    for policy, label in policies:
        if not bt.qualified_outcomes(policy, qualified):
            raise click.BadParameter(f"no outcome of {label} counts as qualified", param_hint="--qualified")
    banding = bt.Banding(band_width or bt.DEFAULT_BAND_WIDTH, quantiles)
    report = _with_leads(leads_path, input_format, lambda records: bt.backtest(
        policies, records, now, outcome_column, qualified=qualified, banding=banding, source=leads_path,
        id_column=id_column, events_key=events_key))
    if report.labelled == 0:
        fail(f"no record of `{leads_path}` has a readable `{outcome_column}` (1/0, yes/no, true/false); "
              f"{report.records} record(s) read")
    if fmt == "json":
        text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    else:
        text = bt.render(report, markdown=fmt == "markdown")
    _write(text, output)
