"""The command line: thin wrappers over the Python API.

Exit codes: 0 success; 1 a policy has errors (or a policy test failed);
2 usage error or an input file that cannot be read; 3 some input records could
not be read (each got an error record, the rest were decided).
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import click

import qualdsl
from qualdsl.batch import (
    FORMATS,
    InputError,
    Writer,
    close_input,
    detect_format,
    evaluate_stream,
    open_input,
    read_records,
    result_dict,
)
from qualdsl.catalogue_cli import explain_error
from qualdsl.cli_support import EXIT_OK, EXIT_POLICY, EXIT_RECORDS, fail, now_option, policy_or_exit
from qualdsl.errors import Diagnostic, RecordError, render
from qualdsl.fmt import format_source, unified_diff
from qualdsl.graph import dot, mermaid
from qualdsl.history import History, iter_sorted, read_history
from qualdsl.loader import read_source
from qualdsl.parquet import ParquetWriter, read_parquet
from qualdsl.policy import Policy, check_file
from qualdsl.report import LeadOutcome, build_report
from qualdsl.report import render as render_report
from qualdsl.review_cli import backtest, diff
from qualdsl.server.cli import serve
from qualdsl.source import Source
from qualdsl.sql.cli import run_eval_duckdb
from qualdsl.sql.cli import sql as sql_command
from qualdsl.testing import coverage, render_coverage, run_tests

EXIT_CODES_HELP = """\b
Exit codes:
  0  success
  1  a policy has errors, or a policy test failed
  2  wrong usage, or an input file cannot be read
  3  some input records could not be read (each has an error record)"""


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(qualdsl.__version__, prog_name="qualdsl")
def main() -> None:
    """qualdsl: write down what a qualified lead is, check it, and decide leads with it."""


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="How to print the diagnostics; `github` prints workflow annotations for pull requests.")
def check(files: tuple[str, ...], fmt: str) -> None:
    """Parse and type-check policy FILES; print every error with its place and a hint."""
    reports = [check_file(f) for f in files]
    if fmt == "github":
        for report in reports:
            for diagnostic in report.diagnostics:
                click.echo(github_annotation(diagnostic))
    elif fmt == "json":
        payload = [
            {"path": r.path, "ok": r.ok, "library": r.library, "diagnostics": [d.to_dict() for d in r.diagnostics]}
            for r in reports
        ]
        click.echo(json.dumps(payload, indent=2))
    else:
        for report in reports:
            for diagnostic in report.diagnostics:
                click.echo(render(diagnostic, report.sources) + "\n", err=not report.ok)
            errors = sum(1 for d in report.diagnostics if d.is_error)
            warnings = len(report.diagnostics) - errors
            if report.ok:
                kind = " (library: its names are checked where it is used)" if report.library else ""
                extra = f", {warnings} warning(s)" if warnings else ""
                click.echo(f"{report.path}: ok{extra}{kind}")
            else:
                click.echo(f"{report.path}: {errors} error(s), {warnings} warning(s)", err=True)
    sys.exit(EXIT_OK if all(r.ok for r in reports) else EXIT_POLICY)


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github_annotation(diagnostic: Diagnostic) -> str:
    """A GitHub Actions workflow command that shows the diagnostic on the changed line."""
    span = diagnostic.span
    kind = "error" if diagnostic.is_error else "warning"
    props = (f"file={_github_escape(span.path, True)},line={span.line},col={span.column},"
             f"endLine={span.end_line},endColumn={span.end_column},title={diagnostic.code}")
    message = diagnostic.message + (f" (hint: {diagnostic.hint})" if diagnostic.hint else "")
    return f"::{kind} {props}::{_github_escape(message)}"


def _count_lines(path: str) -> int | None:
    if path == "-" or not os.path.isfile(path):
        return None
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def _jobs_option(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value < 0:
        raise click.BadParameter(f"{value} processes; give 1 or more, or 0 for one per CPU")
    return value


@main.command(name="eval", epilog=EXIT_CODES_HELP)
@click.argument("policy_path", metavar="POLICY", type=click.Path(exists=True, dir_okay=False))
@click.argument("input_path", metavar="INPUT", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--input-format", type=click.Choice(["auto", *FORMATS, "parquet"]), default="auto", show_default=True,
              help="Format of INPUT; auto decides by the file name (.csv, .jsonl, .json, .parquet; `-` is JSONL). "
                   "Parquet needs the extra qualdsl[parquet].")
@click.option("-o", "--output", type=click.Path(allow_dash=True, dir_okay=False), default="-", show_default=True,
              help="Where to write the decisions.")
@click.option("--output-format", type=click.Choice(["jsonl", "csv", "parquet"]), default="jsonl", show_default=True,
              help="parquet: the CSV output's columns, to a file given with -o (extra qualdsl[parquet]).")
@click.option("--now", "now_text", metavar="DATETIME", help="The evaluation time (ISO 8601); default: now, in UTC.")
@click.option("--id-column", help="Copy this input column into each output record as `id`.")
@click.option("--explain", is_flag=True, help="Add the full explanation to each JSONL record.")
@click.option("--events-key", default="events", show_default=True,
              help="The JSON key that holds a lead's events ({type, at} objects).")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar (default: when stderr is a terminal and INPUT is a file).")
@click.option("--engine", type=click.Choice(["python", "duckdb"]), default="python", show_default=True,
              help="duckdb runs the policy as one SQL query over CSV/Parquet files (extra qualdsl[sql]; docs/sql.md).")
@click.option("--events", "events_path", type=click.Path(exists=True, dir_okay=False),
              help="With --engine duckdb: a CSV/Parquet file of events (lead_id, type, at), joined on --id-column.")
@click.option("--jobs", type=int, default=1, show_default=True, metavar="N", callback=_jobs_option,
              help="Decide in N processes (0: one per CPU), for large files; same output, same order. "
                   "Python engine only.")
def eval_(policy_path: str, input_path: str, input_format: str, output: str, output_format: str,
          now_text: str | None, id_column: str | None, explain: bool, events_key: str,
          progress: bool | None, engine: str, events_path: str | None, jobs: int) -> None:
    """Decide every lead in INPUT (CSV, JSONL, a JSON array or Parquet; `-` reads stdin).

    Input columns are matched to lead fields by field name, or by the column named
    with `from "..."` in the policy. Every input record yields exactly one output
    record, in order: a decision, or an error naming the field and the value.
    """
    if engine == "duckdb":
        _check_duckdb_options(jobs, explain, events_key)
    policy = policy_or_exit(policy_path)
    now = now_option(now_text)
    if engine == "duckdb":
        run_eval_duckdb(policy, input_path, events_path, now, output, output_format, id_column)
        return
    if events_path is not None:
        raise click.UsageError("--events goes with --engine duckdb; with the Python engine, events come under --events-key")
    if jobs == 0:
        jobs = os.cpu_count() or 1
    try:
        fmt = detect_format(input_path, input_format)
    except InputError as exc:
        fail(str(exc))
    parquet = fmt == "parquet" or output_format == "parquet"
    if parquet:
        _check_parquet_options(input_path, fmt, output, output_format, jobs)
    # standard input in one process, and Parquet: a record at a time; other files in chunks
    # (qualdsl.parallel: about a third less CPU per lead), over --jobs processes
    one_at_a_time = parquet or (jobs == 1 and input_path == "-")
    stream: IO[str] | None = None
    try:
        if one_at_a_time and fmt != "parquet":
            stream = open_input(input_path)
        elif input_path != "-" and fmt != "parquet":  # qualdsl.parallel opens it: a file that cannot be
            open_input(input_path).close()  # read is reported here, before the output is created
    except InputError as exc:
        fail(str(exc))
    out_stream: IO[str] | None = None
    try:
        if output_format != "parquet":
            out_stream = sys.stdout if output == "-" else open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:
        if stream is not None:
            close_input(stream, input_path)
        fail(f"cannot write `{output}`: {exc.strerror or exc}")
    show_progress = progress if progress is not None else (sys.stderr.isatty() and input_path != "-")
    failures = 0
    try:
        total = _count_lines(input_path) if show_progress and fmt != "parquet" else None
        with click.progressbar(length=total or 0, label="deciding leads", file=sys.stderr,
                               hidden=not show_progress) as bar:
            if one_at_a_time:
                records = read_parquet(input_path) if fmt == "parquet" else read_records(stream, fmt)  # type: ignore[arg-type]
                with _result_writer(policy, out_stream, output, output_format, id_column) as writer:
                    for result in _guarded(evaluate_stream(policy, records, now, events_key)):
                        writer.write(result_dict(result, id_column, explain))
                        failures += result.error is not None
                        bar.update(1)
            else:
                assert out_stream is not None
                written = 0

                def advance(records: int) -> None:  # called after each chunk with the records written so far
                    nonlocal written
                    bar.update(records - written)
                    written = records

                failures = _eval_parallel(policy, policy_path, input_path, fmt, out_stream, now, jobs, id_column,
                                          explain, events_key, output_format, advance)
    except InputError as exc:
        fail(str(exc))
    finally:
        if stream is not None:
            close_input(stream, input_path)
        if out_stream is not None and out_stream is not sys.stdout:
            out_stream.close()
    if failures:
        click.echo(f"{failures} record(s) could not be read; see their `error` entries", err=True)
        sys.exit(EXIT_RECORDS)


def _check_duckdb_options(jobs: int, explain: bool, events_key: str) -> None:
    if jobs != 1:
        raise click.UsageError("--jobs goes with the Python engine; DuckDB already runs its query on every CPU")
    if explain:
        raise click.UsageError("--explain goes with the Python engine: the SQL query gives the outcome, the scores, "
                               "each criterion and the deciding rule, not the full explanation")
    if events_key != "events":
        raise click.UsageError("--events-key goes with the Python engine; with --engine duckdb, events come "
                               "from the file given with --events")


def _check_parquet_options(input_path: str, fmt: str, output: str, output_format: str, jobs: int) -> None:
    if fmt == "parquet" and input_path == "-":
        raise click.UsageError("Parquet input is read from a file, not from standard input")
    if output_format == "parquet" and output == "-":
        raise click.UsageError("--output-format parquet writes a file: give it with -o, e.g. -o decisions.parquet")
    if jobs != 1:
        raise click.UsageError("--jobs reads CSV, JSONL and JSON files; Parquet is read and written in one process")


@contextlib.contextmanager
def _result_writer(policy: Policy, out_stream: IO[str] | None, output: str, output_format: str,
                   id_column: str | None) -> Iterator[Writer | ParquetWriter]:
    """Where ``eval`` writes its records one at a time: a JSONL/CSV stream, or a Parquet file."""
    scores = tuple(policy.model.scores)
    if output_format != "parquet":
        assert out_stream is not None
        yield Writer(out_stream, output_format, scores, id_column is not None)
        return
    try:
        parquet_writer = ParquetWriter(output, scores, id_column is not None)
    except OSError as exc:
        raise InputError(f"cannot write `{output}`: {exc.strerror or exc}") from exc
    with parquet_writer:
        yield parquet_writer


def _eval_parallel(policy: Policy, policy_path: str, input_path: str, fmt: str, out_stream: IO[str], now: Any,
                   jobs: int, id_column: str | None, explain: bool, events_key: str, output_format: str,
                   advance: Callable[[int], None]) -> int:
    """``eval`` of a file, or ``--jobs N`` (N > 1): the input in chunks, over N worker processes (1: in
    this one), written in input order (``qualdsl.parallel``, imported here so that other commands
    do not load multiprocessing)."""
    from concurrent.futures.process import BrokenProcessPool

    from qualdsl.parallel import evaluate_file_parallel

    try:
        _, failures = evaluate_file_parallel(policy_path, input_path, fmt, out_stream, now, jobs, id_column, explain,
                                             events_key, output_format, policy=policy, progress=advance)
    except BrokenProcessPool:
        out_stream.flush()
        click.echo("error: a worker process stopped unexpectedly (killed, or out of memory); the output is "
                   "incomplete. Run again with fewer --jobs", err=True)
        sys.exit(EXIT_POLICY)
    return failures


def _guarded(results: Iterator[Any]) -> Iterator[Any]:
    try:
        yield from results
    except UnicodeDecodeError as exc:
        raise InputError(f"the input is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("policy_path", metavar="POLICY", type=click.Path(exists=True, dir_okay=False))
@click.argument("lead_path", metavar="LEAD.json", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--now", "now_text", metavar="DATETIME", help="The evaluation time (ISO 8601); default: now, in UTC.")
@click.option("--json", "as_json", is_flag=True, help="Print the decision and its explanation as JSON.")
@click.option("--events-key", default="events", show_default=True, help="The key that holds the lead's events.")
def explain(policy_path: str, lead_path: str, now_text: str | None, as_json: bool, events_key: str) -> None:
    """Decide one lead (a JSON object, its events under "events") and say why, in plain words."""
    policy = policy_or_exit(policy_path)
    now = now_option(now_text)
    try:
        text = sys.stdin.read() if lead_path == "-" else Path(lead_path).read_text(encoding="utf-8-sig")
        lead = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"cannot read the lead from `{lead_path}`: {exc}")
    if not isinstance(lead, dict):
        fail(f"`{lead_path}` must hold one JSON object (a lead)")
    events = lead.get(events_key) or []
    try:
        decision = policy.evaluate(lead, events, now)
        explanation = decision.explain()
    except RecordError as exc:
        fail(f"the lead cannot be read: {exc}", EXIT_RECORDS)
    if as_json:
        payload = decision.to_dict()
        payload["explanation"] = explanation.to_dict()
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        title = " ".join(part for part in (policy.name, policy.version) if part)
        click.echo(f"{title} ({policy.content_hash}), now {now.isoformat()}\n")
        click.echo(explanation.render())


DEFAULT_EXCLUDES = (".*", ".venv", "venv", "node_modules", "golden")


def _policy_files(paths: tuple[str, ...], excludes: tuple[str, ...]) -> list[str]:
    """The .qual files named, or found below the folders named (skipping excluded folder names)."""
    found: list[str] = []
    for path in paths or (".",):
        if not os.path.isdir(path):
            found.append(path)
            continue
        for candidate in sorted(Path(path).rglob("*.qual")):
            folders = candidate.relative_to(path).parts[:-1]
            if not any(fnmatch.fnmatch(part, pattern) for part in folders for pattern in excludes):
                found.append(str(candidate))
    return found


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("-v", "--verbose", is_flag=True, help="List every test, not only failures.")
@click.option("--exclude", "excludes", multiple=True, default=DEFAULT_EXCLUDES, show_default=True,
              help="Folder names (glob patterns) to skip when searching folders; repeat for several.")
@click.option("--coverage", "show_coverage", is_flag=True, help="List the rules no test exercised, per policy.")
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None, metavar="PERCENT",
              help="Fail (exit 1) when a policy's tests exercise less than PERCENT of its rules.")
def test(paths: tuple[str, ...], verbose: bool, excludes: tuple[str, ...], show_coverage: bool,
         min_coverage: float | None) -> None:
    """Run the `test` blocks of the policies in PATHS (files or folders; default: here).

    Coverage counts each qualify rule that chose an outcome, score rule that gave
    points, segment or framework criterion that held, and lifecycle transition that
    fired, in some test."""
    passed = failed = broken = below = 0
    for path in _policy_files(paths, excludes):
        report = check_file(path)
        if report.library:
            continue
        if not report.ok:
            for diagnostic in report.diagnostics:
                click.echo(render(diagnostic, report.sources) + "\n", err=True)
            broken += 1
            continue
        policy = qualdsl.load(path)
        results = run_tests(policy)
        if (show_coverage or min_coverage is not None) and results:
            cov = coverage(policy, results)
            for line in render_coverage(path, cov):
                click.echo(line)
            if min_coverage is not None and cov.percent < min_coverage:
                click.echo(f"  below the minimum of {min_coverage:g}%")
                below += 1
        for result in results:
            if result.passed:
                passed += 1
                if verbose:
                    click.echo(f"PASS {path}:{result.line} {result.name}")
                continue
            failed += 1
            click.echo(f"FAIL {path}:{result.line} {result.name}")
            for failure in result.failures:
                click.echo(f"  {failure}")
            if result.explanation:
                click.echo("  " + result.explanation.replace("\n", "\n  "))
    summary = f"{passed} passed, {failed} failed"
    if broken:
        summary += f", {broken} policy file(s) with errors"
    if below:
        summary += f", {below} policy file(s) below the coverage minimum"
    click.echo(summary)
    sys.exit(EXIT_OK if not failed and not broken and not below else EXIT_POLICY)


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--check", "check_only", is_flag=True, help="Change nothing; exit 1 if a file is not formatted.")
@click.option("--diff", "show_diff", is_flag=True, help="Change nothing; print what would change as a diff.")
def fmt(files: tuple[str, ...], check_only: bool, show_diff: bool) -> None:
    """Rewrite policy FILES in the one canonical layout, keeping every comment."""
    unformatted = broken = 0
    for path in files:
        source = read_source(path)
        result = format_source(source) if isinstance(source, Source) else source
        if isinstance(result, Diagnostic):
            sources = {path: source} if isinstance(source, Source) else {}
            click.echo(render(result, sources) + "\n", err=True)
            broken += 1
            continue
        assert isinstance(source, Source)
        if result == source.text:
            continue
        unformatted += 1
        if show_diff:
            click.echo(unified_diff(path, source.text, result), nl=False)
        elif check_only:
            click.echo(f"{path}: not formatted (run `qualdsl fmt {path}`)", err=True)
        else:
            Path(path).write_text(result, encoding="utf-8")
            click.echo(f"formatted {path}")
    if broken or ((check_only or show_diff) and unformatted):
        sys.exit(EXIT_POLICY)


def _history_or_exit(policy: Policy, path: str, input_format: str, id_key: str) -> History:
    if policy.model.lifecycle is None:
        fail(f"policy `{policy.name}` has no lifecycle block")
    try:
        fmt = detect_format(path, input_format)
        if fmt == "json":
            raise InputError("a history is JSONL (one row per line) or CSV; pass --input-format jsonl|csv")
        with open_input(path) as stream:
            return read_history(stream, fmt, policy.model, id_key)
    except (InputError, UnicodeDecodeError) as exc:
        fail(str(exc))


def _replay_all(policy: Policy, history: History, now: Any, label: str) -> Iterator[tuple[LeadOutcome | None, str | None]]:
    leads = list(iter_sorted(history))
    show = sys.stderr.isatty() and len(leads) > 1000
    with click.progressbar(leads, label=label, file=sys.stderr, hidden=not show) as bar:
        for item in bar:
            try:
                timeline = policy.replay(item.lead, item.events, now, item.entries)
                timers = policy.sla_status_of(timeline, item.events, now)
                yield LeadOutcome(item.lead_id, timeline, tuple(timers)), None
            except RecordError as exc:
                yield None, f"lead {item.lead_id}: {exc}"


HISTORY_EXIT_HELP = """\b
Exit codes:
  0  success
  1  the policy has errors
  2  wrong usage, or the history file cannot be read
  3  some history rows or leads had problems (listed; the rest was used)"""

HISTORY_HELP = """\b
HISTORY is JSONL (rows {"lead_id", "type", "at", "reason"} for events,
{"lead_id", "stage", "at"} for recorded stage entries, {"lead_id", "lead": {...}} for fields)
or CSV (one row per lead: lead_id, <stage>_at and <event>_at columns, other columns are fields)."""


@main.command(epilog=HISTORY_EXIT_HELP, help="Replay each lead's HISTORY through the lifecycle: its stages, when, "
              "owner and time in each.\n\n" + HISTORY_HELP)
@click.argument("policy_path", metavar="POLICY", type=click.Path(exists=True, dir_okay=False))
@click.argument("history_path", metavar="HISTORY", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--now", "now_text", metavar="DATETIME", help="The time of the replay (ISO 8601); default: now, in UTC.")
@click.option("--input-format", type=click.Choice(["auto", "jsonl", "csv"]), default="auto", show_default=True)
@click.option("--id-key", default="lead_id", show_default=True, help="The key (or CSV column) holding the lead id.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "text"]), default="jsonl", show_default=True)
def lifecycle(policy_path: str, history_path: str, now_text: str | None, input_format: str, id_key: str,
              fmt: str) -> None:
    policy = policy_or_exit(policy_path)
    now = now_option(now_text)
    history = _history_or_exit(policy, history_path, input_format, id_key)
    for problem in history.problems:
        click.echo(f"row {problem.row}: {problem.message}", err=True)
    failed = bool(history.problems)
    for outcome, error in _replay_all(policy, history, now, "replaying leads"):
        if outcome is None:
            click.echo(error, err=True)
            failed = True
            continue
        for trouble in outcome.timeline.problems:
            click.echo(f"lead {outcome.lead_id}: {trouble}", err=True)
            failed = True
        if fmt == "jsonl":
            click.echo(json.dumps({"lead_id": outcome.lead_id, **outcome.timeline.to_dict(now)}))
        else:
            path = " -> ".join(f"{v.stage} ({v.entered_at:%Y-%m-%d %H:%M})" for v in outcome.timeline.visits)
            click.echo(f"{outcome.lead_id}: {path}")
    sys.exit(EXIT_RECORDS if failed else EXIT_OK)


@main.command(epilog=HISTORY_EXIT_HELP, help="Report SLA compliance over HISTORY: per SLA, owner and month; breaches "
              "and leads at risk; time to act; volume commitments; stage conversion and time in stage.\n\n"
              + HISTORY_HELP)
@click.argument("policy_path", metavar="POLICY", type=click.Path(exists=True, dir_okay=False))
@click.argument("history_path", metavar="HISTORY", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--now", "now_text", metavar="DATETIME", required=True,
              help="The moment the report is made for (ISO 8601): running timers are judged against it.")
@click.option("--input-format", type=click.Choice(["auto", "jsonl", "csv"]), default="auto", show_default=True)
@click.option("--id-key", default="lead_id", show_default=True, help="The key (or CSV column) holding the lead id.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(allow_dash=True, dir_okay=False), default="-", show_default=True)
def sla(policy_path: str, history_path: str, now_text: str, input_format: str, id_key: str, fmt: str,
        output: str) -> None:
    policy = policy_or_exit(policy_path)
    now = now_option(now_text)
    history = _history_or_exit(policy, history_path, input_format, id_key)
    outcomes = []
    problems = [p.to_dict() for p in history.problems]
    for outcome, error in _replay_all(policy, history, now, "replaying leads"):
        if outcome is None:
            problems.append({"row": None, "lead_id": None, "message": error})
        else:
            outcomes.append(outcome)
            problems.extend({"row": None, "lead_id": outcome.lead_id, "message": p} for p in outcome.timeline.problems)
    report = build_report(policy.model, outcomes, now, history.rows, problems)
    text = json.dumps(report, indent=2) + "\n" if fmt == "json" else render_report(report, markdown=fmt == "markdown")
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
    sys.exit(EXIT_RECORDS if problems else EXIT_OK)


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("policy_path", metavar="POLICY", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
def graph(policy_path: str, fmt: str) -> None:
    """Draw the lifecycle: stages (with owners), transitions with their guards, recycle edges dashed."""
    policy = policy_or_exit(policy_path)
    if policy.model.lifecycle is None:
        fail(f"policy `{policy.name}` has no lifecycle block")
    click.echo(mermaid(policy.model.lifecycle) if fmt == "mermaid" else dot(policy.model.lifecycle), nl=False)


main.add_command(diff)
main.add_command(backtest)
main.add_command(serve)
main.add_command(explain_error)
main.add_command(sql_command)


if __name__ == "__main__":  # pragma: no cover
    main()
