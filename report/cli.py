"""The command line (SPEC §5). The only module that prints or exits."""

from __future__ import annotations

import json
import os
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any, NoReturn

import click

from . import __version__
from .errors import ReportError, UsageError, WorkbookHasErrors
from .findings import Finding, summary
from .formatting import signed
from .safety import C1, INVISIBLE, LINE_BREAKS, terminal


def _echo(line: object = "", err: bool = False, file: IO[Any] | None = None) -> None:
    """Print one line. Every line the command prints goes through here, and through safety.terminal: text from
    a message, a workbook or the history shows its control and line-break characters as escapes, never raw."""
    click.echo(terminal(str(line)), err=err, file=file)


def _json_text(value: object) -> str:
    """JSON for the terminal: json.dumps escapes C0 controls itself; C1 controls, Unicode line breaks and
    invisible characters are written as \\u escapes too (the same JSON, nothing raw)."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return _RAW_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


_RAW_IN_JSON = re.compile("[" + "".join(sorted(C1 | INVISIBLE | (LINE_BREAKS - {"\n"}))) + "]")


def _fail(error: BaseException, debug: bool) -> NoReturn:
    if debug:
        for line in traceback.format_exc().splitlines():  # a traceback quotes paths and values: escaped too
            _echo(line, err=True)
    if isinstance(error, WorkbookHasErrors):
        result = error.args[0]
        errors = len(result.errors)
        _echo(f"The workbook has {errors} error{'s' if errors != 1 else ''}: nothing was written. "
              f"Fix {'them' if errors != 1 else 'it'} (see below) and build again.", err=True)
        _print_findings(result.findings, err=True)
        sys.exit(1)
    if isinstance(error, ReportError):
        _echo(f"Error: {error}", err=True)
        sys.exit(error.exit_code)
    _echo(f"Error: an unexpected problem stopped the command ({type(error).__name__}: {error}); "
               "run it again with --debug and report what it shows.", err=True)
    sys.exit(2)


STDOUT_CLOSED = 141  # 128 + SIGPIPE: what a Unix tool's shell reports when its reader went away


def _stdout_closed() -> NoReturn:
    """The reader closed stdout (`report history | head -1`): stop quietly, as Unix tools do. Python would
    otherwise complain again while flushing at exit, so stdout is pointed at /dev/null first."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # not a real file descriptor (a test's captured output): nothing to flush later
    sys.exit(STDOUT_CLOSED)


def _print_findings(findings: list[Finding], err: bool = False) -> None:
    for finding in findings:
        _echo(finding.line(), err=err)
    _echo(summary(findings), err=err)


class _SentenceFirst(click.UsageError):
    """A usage error that prints its sentence first, then the usage (click prints the usage first)."""

    def show(self, file: IO[Any] | None = None) -> None:
        stream = file if file is not None else sys.stderr
        _echo(f"Error: {self.format_message()}", file=stream)
        if self.ctx is not None:
            for line in self.ctx.get_usage().splitlines():
                _echo(line, file=stream)
            _echo(f"Try '{self.ctx.command_path} {self.ctx.help_option_names[0]}' for help.", file=stream)


class _Group(click.Group):
    """Turns every ReportError into one line and an exit code; --debug shows the traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            if isinstance(error, _SentenceFirst):
                raise
            message = error.format_message()
            extra = message.partition("unexpected extra argument")[2].strip(" ()s")
            if extra and all(word in FORMAT_NAMES for word in extra.split()):
                # `--format html eml` reads like the usage line: say how to give several.
                message = (f"'{extra}' is not an argument: give each format its own --format, or list them "
                           "with commas: --format html,eml.")
            raise _SentenceFirst(message, error.ctx) from error
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except BrokenPipeError:
            _stdout_closed()
        except Exception as error:  # noqa: BLE001 - the last line of defence
            _fail(error, bool(ctx.meta.get("debug")))


def _smtp_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The SMTP options `send` and `desk` share, with one help text and one --timeout rule."""
    for option in reversed((
        click.option("--smtp", default="localhost:25", show_default=True, help="The SMTP server, HOST:PORT."),
        click.option("--starttls", is_flag=True, help="Upgrade the connection with STARTTLS."),
        click.option("--ssl", "use_ssl", is_flag=True, help="Connect over TLS from the start (usually port 465)."),
        click.option("--cafile", type=click.Path(path_type=Path, dir_okay=False, exists=True),
                     help="Trust this CA certificate file (PEM) as well as the system's."),
        click.option("--user", help="Log in as NAME; the password comes from REPORT_SMTP_PASSWORD."),
        click.option("--timeout", "deadline", default="120", show_default=True,
                     help="Give up on a send that has not finished within this many seconds (1 to 3600)."),
    )):
        command = option(command)
    return command


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="report")
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn the desk's workbook into the weekly bifurcation briefing."""
    ctx.meta["debug"] = debug
    if not debug:
        # A library's warning (a site-packages path and a class name) never reaches the editor: what
        # matters is said in a sentence or a finding.
        warnings.simplefilter("ignore")


@cli.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--sample", is_flag=True, help="Fill the workbook with the sample story.")
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def init(path: Path, sample: bool, force: bool) -> None:
    """Write a new editable workbook at PATH (.xlsx)."""
    from .new_workbook import write_template

    write_template(path, with_sample=sample, force=force)
    _echo(f"Wrote {path}{' with the sample story' if sample else ''}. Fill it in, then run: report check {path}")


@cli.command()
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as a JSON list.")
@click.option("--edition", help="Check for this edition, YYYY-MM-DD (default: Settings' Edition date, or today).")
@click.option("--annotate", "annotate_path", type=click.Path(path_type=Path),
              help="Also write a copy of WORKBOOK to this .xlsx with every problem marked at its cell.")
@click.option("--force", is_flag=True, help="Replace the --annotate file if it exists.")
def check(workbook: Path, as_json: bool, edition: str | None, annotate_path: Path | None = None,
          force: bool = False) -> None:
    """Check WORKBOOK for an edition and list every problem with its cell."""
    from . import api

    result = api.check(workbook, edition)
    if annotate_path is not None:
        from .annotate import annotate

        done = annotate(workbook, annotate_path, list(result.findings), result.sha256, force=force)
        marked = done.marked
        # On stderr, so that --json stays one JSON document on stdout.
        _echo(f"Wrote {annotate_path}: {marked} cell{'s' if marked != 1 else ''} marked; its first sheet, "
              "Fix list, lists every finding.", err=True)
        for old, new in done.renamed:
            _echo(f"The workbook's own sheet '{old}' is kept in the copy as '{new}'.", err=True)
    if as_json:
        click.echo(_json_text([f.as_json() for f in result.findings]))
    else:
        _print_findings(list(result.findings))
    sys.exit(0 if result.ok else 1)


FORMAT_NAMES = ("xlsx", "html", "eml")


def _formats(ctx: click.Context, param: click.Parameter, given: tuple[str, ...]) -> tuple[str, ...]:
    """--format html,eml and --format html --format eml alike, each name checked."""
    names = [name.strip().lower() for value in given for name in value.split(",") if name.strip()]
    for name in names:
        if name not in FORMAT_NAMES:
            raise click.BadParameter(f"'{name}' is not a format: choose from {', '.join(FORMAT_NAMES)} "
                                     "(e.g. --format html,eml).", ctx, param)
    return tuple(dict.fromkeys(names))


@cli.command()
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=True))
@click.option("-o", "--outdir", type=click.Path(path_type=Path, file_okay=False), default=Path("out"),
              show_default=True, help="Where to write the briefing.")
@click.option("--edition", help="The edition date, YYYY-MM-DD (default: Settings' Edition date, or today).")
@click.option("--format", "formats", multiple=True, metavar="xlsx|html|eml", callback=_formats,
              help="Write only these formats: repeat the option or list them, e.g. --format html,eml "
                   "(default all three).")
@click.option("--history", "history_path", type=click.Path(path_type=Path, dir_okay=False),
              help="The history database (default OUTDIR/history.sqlite).")
def build(workbook: Path, outdir: Path, edition: str | None, formats: tuple[str, ...],
          history_path: Path | None) -> None:
    """Build this week's briefing from WORKBOOK."""
    from . import api

    result = api.build(workbook, outdir, edition, formats or FORMAT_NAMES, history_path)
    # The same lines `report check` prints for this workbook and edition, then the build's own.
    if result.findings:
        _print_findings(list(result.findings), err=True)
    for warning in result.warnings:
        _echo(f"WARNING {warning}", err=True)
    # The headline holds no figure (the page says the score once, under it); the producer's line says both.
    _echo(result.line)
    for path in result.paths:
        _echo(str(path))


@cli.command()
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--edition", help="Explain this edition, YYYY-MM-DD (default: Settings' Edition date, or today).")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
def explain(workbook: Path, edition: str | None, as_json: bool) -> None:
    """Show the verdict's working, traced to the workbook's cells."""
    from . import api

    done = api.explain(workbook, edition)
    if as_json:
        click.echo(json.dumps(done.as_json(), indent=2, ensure_ascii=False))
        return
    from .safety import escape

    for line in _explain_lines(done):
        click.echo(escape(line))  # cell text shown as one line, line breaks and invisible characters escaped


def _explain_lines(e: Any) -> list[str]:
    """The explanation as lines for the terminal."""

    lines = [(f"Edition {e.edition.isoformat()}: {e.state}, {e.days_since_pivot} days since the pivot "
              f"({e.pivot_lab}, {e.pivot_model}, {e.pivot_date.isoformat()})"), "",
             "Rules, in order; the first that holds decides:"]
    for rule in e.rules:
        cells = f" [{', '.join(rule.cells)}]" if rule.cells else ""
        lines.append(f"  {rule.state:<16} {'holds' if rule.holds else 'does not hold'}: {rule.why}{cells}")
    lines += ["", f"Followers ({len(e.followers)}):" if e.followers else "Followers: none"]
    for follower in e.followers:
        cells = ", ".join(f"{what} {cell}" for what, cell in follower.cells)
        lines.append(f"  {follower.lab}: {follower.why} [{cells}]")
    watched = ", ".join(f"{w.lab} ({w.cell})" if w.cell else w.lab for w in e.watched)
    lines.append(f"Watched labs ({len(e.watched)}): {watched or 'none'}")
    lines += ["", (f"Score {signed(e.score)} = pays {e.pays:.2f} \u2212 reverts {e.reverts:.2f}, "
                   f"from {len(e.terms)} term{'s' if len(e.terms) != 1 else ''} "
                   f"(sign \u00d7 strength \u00d7 confidence); the call needs \u00b1{e.margin:.1f}:")]
    for t in e.terms:
        lines.append(f"  {t.cell or f'Signals row {t.row}':<12} {signed(t.weight):>6} = {signed(t.sign, 0)} \u00d7 "
                     f"{t.strength} \u00d7 {t.confidence} {t.factor:g}  {t.signal}")
    if e.left_out:
        lines.append(f"Left out of the score ({len(e.left_out)}):")
        for o in e.left_out:
            lines.append(f"  {o.cell or f'Signals row {o.row}':<12} {o.why}: {o.signal}")
    lines += ["", f"Days since the pivot: {e.days_since_pivot}",
              (f"Stale signals: {e.stale} (observed more than {e.stale_after_days:g} days before the edition); "
               f"signals without a source: {e.unsourced}"), "", e.change_call]
    if e.contradictions:
        lines += ["", "Contradictions (see report check):"]
        lines += [f"  {f.line()}" for f in e.contradictions]
    return lines


@cli.command()
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=True))
@click.option("-o", "--outdir", type=click.Path(path_type=Path, file_okay=False), default=Path("out"),
              show_default=True, help="Where to write the page.")
def watch(workbook: Path, outdir: Path) -> None:
    """Check WORKBOOK and rebuild its page each time it is saved, until Ctrl-C."""
    from .errors import UnreadableWorkbook
    from .watch import watch as run_watch

    if not workbook.is_file():
        raise UnreadableWorkbook(f"There is no workbook at {workbook}: check the path and try again.")
    _echo(f"Watching {workbook}: each save is checked and the page rebuilt in {outdir}. Ctrl-C stops.")
    try:
        for outcome in run_watch(workbook, outdir):
            when = outcome.when.strftime("%H:%M:%S")
            if outcome.unusable:
                _echo(f"{when} {outcome.unusable} Waiting for the next save.")
                continue
            for finding in outcome.findings:
                _echo(finding.line())
            if not outcome.built:
                _echo(f"{when} {summary(outcome.findings)}: not rebuilt. Fix the errors and save again.")
                continue
            for warning in outcome.warnings:
                _echo(f"WARNING {warning}")
            _echo(f"{when} {outcome.verdict}")
            for path in outcome.paths:
                _echo(str(path))
    except KeyboardInterrupt:
        pass  # Ctrl-C is how the editor says they are done: not an error
    _echo("Stopped watching.")


@cli.command()
@click.argument("old", type=click.Path(path_type=Path, dir_okay=True))
@click.argument("new", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--force", is_flag=True, help="Replace NEW if it exists.")
def upgrade(old: Path, new: Path, force: bool) -> None:
    """Write NEW from the current template with every record of OLD."""
    from .upgrade import upgrade as run_upgrade

    done = run_upgrade(old, new, force=force)
    counts = ", ".join(f"{sheet} {count}" for sheet, count in done.carried.items())
    _echo(f"Wrote {new} from {old}, carrying across every record ({counts}).")
    if done.added:
        _echo(f"Added from the current template: {'; '.join(done.added)}.")
    if done.not_placed:
        _echo(f"WARNING not carried across, having no place in the template: {'; '.join(done.not_placed)}.",
              err=True)
    if done.no_value:
        _echo(f"WARNING not carried across, having no saved value (a formula never calculated): "
              f"{', '.join(done.no_value)}. Open {old} in Excel or LibreOffice, save it, and upgrade again.", err=True)
    _echo(f"Next: report check {new}")


@cli.command()
@click.option("--history", "history_path", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("out/history.sqlite"), show_default=True, help="The history database.")
@click.option("--json", "as_json", is_flag=True,
              help="Print editions, sends, approvals, corrections and desk actions as JSON.")
def history(history_path: Path, as_json: bool = False) -> None:
    """List editions built, emails sent, approvals, corrections and desk actions."""
    from . import api

    records = api.history(history_path)
    editions, sends, approved = list(records.editions), list(records.sends), list(records.approvals)
    corrections = list(records.corrections)
    if as_json:
        from .history import as_json as history_json

        click.echo(_json_text(history_json(editions, sends, approved, corrections, list(records.actions))))
        return
    if not editions:
        _echo("No editions yet.")
    else:
        _echo(f"{'Edition':<11} {'Verdict':<16} {'Score':>6} {'Signals':>7}  {'Workbook':<12} Built at")
    for row in editions:
        _echo(f"{row.edition.isoformat():<11} {row.state:<16} {row.score:>+6.2f} {row.signals:>7}  "
                   f"{row.workbook_sha256[:12]:<12} {row.built_at}")
    if sends:
        _table(f"{'Edition':<11} {'Sent at':<26} {'To':>3}  {'Kind':<10}  Message-ID",
               (f"{sent.edition.isoformat():<11} {sent.sent_at:<26} {sent.recipients:>3}  {sent.kind:<10}  "
                f"{sent.message_id}" for sent in sends))
    if approved:
        _table(f"{'Edition':<11} {'Approved at':<26} {'SHA-256':<16}  Approved by",
               (f"{approval.edition.isoformat():<11} {approval.approved_at:<26} {approval.sha256[:16]:<16}  "
                f"{approval.approved_by}" for approval in approved))
    if corrections:
        _table(f"{'Edition':<11} {'Corrected on':<12}  What changed from the sent version",
               (f"{edition.isoformat():<11} {corrected_on.isoformat():<12}  {what}"
                for edition, corrected_on, what in corrections))
    if records.actions:
        _table(f"{'Desk, at':<26} {'Action':<10} {'Edition':<11} Outcome",
               (f"{action.at:<26} {action.action:<10} {action.edition.isoformat() if action.edition else '-':<11} "
                f"{action.outcome}" for action in records.actions))


def _table(header: str, rows: Iterable[str]) -> None:
    """A table of the history after the first: a blank line, its header, its rows."""
    _echo("")
    _echo(header)
    for row in rows:
        _echo(row)


@cli.command()
@click.argument("site", metavar="SITE_DIR", type=click.Path(path_type=Path, file_okay=False))
@click.option("--history", "history_path", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("out/history.sqlite"), show_default=True, help="The history database.")
def archive(site: Path, history_path: Path) -> None:
    """Write the web archive: an index, one page per edition and an Atom feed."""
    from . import api

    result = api.archive(site, history_path)
    for note in result.notes:
        _echo(f"WARNING {note}", err=True)
    _echo(f"Archive of {result.editions} edition{'s' if result.editions != 1 else ''} in {site}: "
          f"{len(result.written)} file{'s' if len(result.written) != 1 else ''} written, "
          f"{result.unchanged} unchanged.")
    if len(result.written) <= LISTED_FILES:  # a week's run: the index, the feed, the new edition and its neighbour
        for name in result.written:
            _echo(str(site / name))
    else:  # the first run writes every edition's page and workbook: name where to start instead
        _echo(f"Open {site / 'index.html'}; the feed is {site / 'feed.xml'}.")


LISTED_FILES = 12  # `report archive` names each file it wrote up to this many


@cli.command()
@click.argument("target", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--to", "to", multiple=True, help="Send to this address instead of Recipients, visibly (repeat for more).")
@click.option("--bcc", "bcc", multiple=True, help="Send to this address as well, hidden (repeat for more).")
@_smtp_options
@click.option("--dry-run", is_flag=True, help="Check everything a send checks and show the plan; do not connect.")
@click.option("-o", "--outdir", type=click.Path(path_type=Path, file_okay=False), default=Path("out"),
              show_default=True, help="Where to build, when TARGET is a workbook.")
@click.option("--edition", help="The edition date, when TARGET is a workbook.")
@click.option("--history", "history_path", type=click.Path(path_type=Path, dir_okay=False),
              help="The history database (default OUTDIR/history.sqlite, or beside the .eml).")
@click.option("--correction", is_flag=True, help="This is a corrected edition of one already sent: send it as such.")
@click.option("--resend", is_flag=True, help="Send an edition already sent again, the same bytes (e.g. --to one reader).")
def send(target: Path, to: tuple[str, ...], bcc: tuple[str, ...], smtp: str, starttls: bool, use_ssl: bool,
         cafile: Path | None, user: str | None, deadline: str, dry_run: bool, outdir: Path, edition: str | None,
         history_path: Path | None, correction: bool = False, resend: bool = False) -> None:
    """Send the briefing: an .eml as it is, or a WORKBOOK built first."""
    from . import api

    if starttls and use_ssl:
        raise UsageError("Choose one of --starttls and --ssl, not both.")
    if correction and resend:
        raise UsageError("Choose one of --correction and --resend, not both.")
    lines = api.send(target, server=smtp, security="ssl" if use_ssl else "starttls" if starttls else "none",
                     user=user, password=os.environ.get("REPORT_SMTP_PASSWORD"), to=to, bcc=bcc, dry_run=dry_run,
                     outdir=outdir, edition=edition, history=history_path, cafile=cafile, deadline=deadline,
                     repeat="correction" if correction else "resend" if resend else None)
    for line in lines:
        _echo(line)


@cli.command()
@click.argument("workbook", type=click.Path(path_type=Path, dir_okay=True))
@click.option("-o", "--outdir", type=click.Path(path_type=Path, file_okay=False), default=Path("out"),
              show_default=True, help="Where Publish writes the briefing.")
@click.option("--history", "history_path", type=click.Path(path_type=Path, dir_okay=False),
              help="The history database (default OUTDIR/history.sqlite).")
@click.option("--port", type=click.IntRange(0, 65535), default=8750, show_default=True,
              help="The port to listen on (0: a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; anything but this machine's loopback lets others try to connect.")
@click.option("--no-browser", is_flag=True, help="Do not open the desk in the browser; just print its address.")
@_smtp_options
def desk(workbook: Path, outdir: Path, history_path: Path | None, port: int, host: str, no_browser: bool, smtp: str,
         starttls: bool, use_ssl: bool, cafile: Path | None, user: str | None, deadline: str) -> None:
    """Open the desk in the browser: check, preview, publish, sign off and send."""
    from . import smtp as smtp_module
    from .desk.desk import Config, Smtp
    from .desk.server import is_loopback, serve
    from .errors import UnreadableWorkbook

    if not workbook.is_file():
        raise UnreadableWorkbook(f"There is no workbook at {workbook}: check the path and try again.")
    if starttls and use_ssl:
        raise UsageError("Choose one of --starttls and --ssl, not both.")
    seconds = smtp_module.deadline_seconds(deadline)  # the rule `report send` applies (finite, 1 to 3600)
    security = "ssl" if use_ssl else "starttls" if starttls else "none"
    smtp_module.check_security(security)
    smtp_module.parse_server(smtp)
    if not is_loopback(host):
        click.echo(f"WARNING: the desk listens on {host}, not only on this machine: anyone who can reach it and "
                   "learns its token can publish and send. Use it only on a network you trust.", err=True)
    config = Config(workbook, outdir, history_path or outdir / "history.sqlite",
                    Smtp(smtp, security, cafile, user, seconds))

    def say(line: str) -> None:
        click.echo(line)
        sys.stdout.flush()

    try:
        serve(config, host, port, not no_browser, say)
    except KeyboardInterrupt:
        pass  # uvicorn raises Ctrl-C again once it has shut down: it is how the editor closes the desk
    click.echo("The desk is closed.")


@cli.command()
@click.argument("eml_path", metavar="EML", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--by", "by", required=True, help="Who approves it (recorded in the history).")
@click.option("--history", "history_path", type=click.Path(path_type=Path, dir_okay=False),
              help="The history database (default beside the .eml).")
def approve(eml_path: Path, by: str, history_path: Path | None) -> None:
    """Approve EML for sending (records who approved its exact bytes)."""
    from .send import approve as run_approve

    _echo(run_approve(eml_path, by, history_path))


@cli.command()
@click.argument("eml_path", metavar="EML", type=click.Path(path_type=Path, dir_okay=True))
def preflight(eml_path: Path) -> None:
    """Check EML before sending; exit 1 if anything hurts delivery."""
    from .eml import damaged, read_eml
    from .preflight import check as run_preflight

    message = read_eml(eml_path)
    with damaged(eml_path):
        problems = run_preflight(message)
    for problem in problems:
        _echo(problem.line())
    hurting = sum(1 for p in problems if p.hurts)
    _echo(f"{hurting} problem{'s' if hurting != 1 else ''} that would hurt delivery, "
               f"{len(problems) - hurting} note{'s' if len(problems) - hurting != 1 else ''}."
               if problems else "Nothing to fix: ready to send.")
    sys.exit(1 if hurting else 0)


def main(argv: list[str] | None = None) -> None:
    """The `report` command. `--debug` works before or after the subcommand."""
    args = list(sys.argv[1:] if argv is None else argv)
    end = args.index("--") if "--" in args else len(args)
    if "--debug" in args[:end]:
        args.remove("--debug")
        args.insert(0, "--debug")
    try:
        cli(args=args, prog_name="report")
    except BrokenPipeError:
        _stdout_closed()
    except SystemExit:
        try:
            sys.stdout.flush()  # what is still buffered, while a closed pipe can still be told apart
        except BrokenPipeError:
            _stdout_closed()
        raise
