"""The workbook's shape: sheets, columns, types, choices and help text (SPEC §3).

This module is the single source of truth for the workbook. The template writer, the README
sheet, the reader and the checker all derive from it; nothing else lists the columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "text",  # free text
    "date",  # a date cell, an Excel serial number or an unambiguous text date
    "number",  # a number, or a number typed as text
    "value",  # a number or text
    "choice",  # one of `choices`, matched ignoring case and surrounding spaces
    "lab",  # the name of a row on the Labs sheet
    "quarter",  # 2026-Q2, Q2 2026, 2026Q2 or 2026 Q2
    "due",  # a date, or a quarter meaning its last day
    "strength",  # 1, 2 or 3
    "url",  # an http or https URL
    "source",  # a Sources name or an http(s) URL
    "emails",  # addresses separated by ; or ,
    "email",  # one address
    "mailto",  # an address or a mailto: link
]


@dataclass(frozen=True)
class Column:
    """One column of a table sheet, or one row of the Settings sheet."""

    name: str
    kind: Kind = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    default: object = None
    help: str = ""
    example: str = ""
    width: int = 16
    one_line: bool = False  # the text reaches the email's Subject line, so no line breaks
    positive: bool = False  # a number that must be above zero

    @property
    def key(self) -> str:
        """The header as matched: case- and space-insensitive."""
        return header_key(self.name)

    @property
    def attr(self) -> str:
        """The model attribute that holds this column's value."""
        return self.name.lower().replace(" ", "_").replace("-", "_")


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook: a header row, then one record per row."""

    name: str
    help: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # the natural key, by column name
    unique: tuple[str, ...] = ()  # columns whose values must not repeat

    def column(self, name: str) -> Column:
        """The column called `name` (exact schema spelling)."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


def header_key(text: object) -> str:
    """A header as compared: case-insensitive, ignoring all spaces and the required mark '*'."""
    return "".join(str(text).replace("*", " ").split()).casefold()


WEIGHTS = ("Open", "Closed")
YES_NO = ("Yes", "No")
EVENT_KINDS = ("Closed flagship", "Reopened flagship", "Open-weight release", "Disclosure", "Other")
POINTS_TO = ("Pays", "Reverts", "Neutral")
CONFIDENCES = ("Confirmed", "Reported", "Rumoured")
MILESTONE_STATUSES = ("Upcoming", "Happened", "Missed")

CONFIDENCE_FACTOR = {"Confirmed": 1.0, "Reported": 0.6, "Rumoured": 0.3}
DIRECTION = {"Pays": 1, "Reverts": -1, "Neutral": 0}

SOURCE_HELP = "A name from the Sources sheet, or an http(s) link."

SETTINGS_FIELDS: tuple[Column, ...] = (
    Column("Title", required=True, one_line=True, help="The briefing's title, shown in the masthead and the email subject.",
           example="The bifurcation briefing"),
    Column("Publication", help="Who publishes the briefing.", example="The desk"),
    Column("Editor", help="The editor in charge; shown as the xlsx author.", example="A. Editor"),
    Column("Pivot lab", kind="lab", required=True, one_line=True, help="The lab whose pivot we track; a name on the Labs sheet.",
           example="Alibaba"),
    Column("Pivot model", required=True, one_line=True, help="The model that moved to closed weights.",
           example="Qwen 3.6 Max-Preview"),
    Column("Pivot date", kind="date", required=True, help="The day of the pivot, e.g. 2026-04-20.",
           example="2026-04-20"),
    Column("Stale after days", kind="number", default=28, positive=True,
           help="A signal observed longer ago than this many days is flagged as stale (default 28).",
           example="28"),
    Column("Call margin", kind="number", default=2.0, positive=True,
           help="The score must reach this size before the verdict leans one way (default 2.0).",
           example="2.0"),
    Column("Recipients", kind="emails", help="Who gets the email: addresses separated by ; or ,",
           example="desk@example.com; editor@example.com"),
    Column("Sender", kind="email", help="The email's From address.", example="briefing@example.com"),
    Column("Edition date", kind="date", help="The edition's date; leave blank for today.", example=""),
    # Sending like a newsletter (README "Sending"): optional, so older workbooks still check.
    Column("Sign-off required", kind="choice", choices=YES_NO, default="No",
           help="Yes: 'report send' refuses an edition until someone has run 'report approve' on its email "
                "(default No).", example="No"),
    Column("List address", kind="email",
           help="The email's visible To (and its List-Id); recipients are always in Bcc. Blank: the Sender.",
           example=""),
    Column("Reply-To", kind="email", help="Where replies go, if not to the Sender.", example=""),
    Column("Unsubscribe", kind="mailto",
           help="An address or mailto: link readers can write to to leave the list (List-Unsubscribe).",
           example=""),
    # The web archive (report archive): optional, so older workbooks still check.
    Column("Web address", kind="url",
           help="Where the web archive is published, e.g. https://intranet.example.com/briefing/ : the email "
                "links to its page there. Blank: no web links.", example=""),
)

SETTINGS = Sheet(
    name="Settings",
    help="One setting per row: its name in column A, its value in column B. Rows marked * are required.",
    columns=(
        Column("Setting", required=True, help="The setting's name; do not rename.", width=22),
        Column("Value", help="The setting's value.", width=44),
        Column("About", help="What the setting does (for the editor; not read).", width=70),
    ),
    key=("Setting",),
)

LABS = Sheet(
    name="Labs",
    help="One row per lab we watch, the pivot lab included. Lab names must be unique.",
    columns=(
        Column("Lab", required=True, one_line=True, help="The lab's short name, unique; other sheets refer to it.",
               example="DeepSeek", width=18),
        Column("Country", help="Where the lab is based.", example="China", width=12),
        Column("Flagship model", help="The lab's largest model.", example="Qwen 3.6 Max-Preview", width=24),
        Column("Flagship scale", help="Its size tier, e.g. trillion-parameter.", example="trillion-parameter",
               width=18),
        Column("Flagship weights", kind="choice", required=True, choices=WEIGHTS,
               help="Are the flagship's weights Open or Closed?", example="Open", width=12),
        Column("Flagship licence", help="The flagship's licence.", example="Apache-2.0", width=16),
        Column("Mid-scale model", help="The lab's mid-scale model.", example="Qwen 27B", width=18),
        Column("Mid-scale licence", help="The mid-scale model's licence.", example="Apache-2.0", width=16),
        Column("Status since", kind="date", help="Since when the flagship weights have been as stated.",
               example="2026-04-20", width=13),
        Column("Watch", kind="choice", choices=YES_NO, default="Yes",
               help="Yes: counts as a possible follower (default Yes).", example="Yes", width=8),
        Column("Source", kind="source", help=SOURCE_HELP, width=24),
        Column("Notes", help="Anything else.", width=30),
    ),
    key=("Lab",),
    unique=("Lab",),
)

EVENTS = Sheet(
    name="Events",
    help="Dated things that happened: closed or reopened flagships, releases, disclosures.",
    columns=(
        Column("Date", kind="date", required=True, help="When it happened, e.g. 2026-04-20.", example="2026-04-20",
               width=12),
        Column("Lab", kind="lab", required=True, help="Which lab; a name on the Labs sheet.", example="Alibaba",
               width=18),
        Column("Kind", kind="choice", required=True, choices=EVENT_KINDS, help="What kind of event.",
               example="Closed flagship", width=20),
        Column("Headline", required=True, help="One line saying what happened.", width=48),
        Column("Model", help="The model concerned.", width=22),
        Column("Source", kind="source", help=SOURCE_HELP, width=24),
        Column("Notes", help="Anything else.", width=30),
    ),
    key=("Date", "Lab", "Kind", "Headline"),
)

SIGNALS = Sheet(
    name="Signals",
    help="Quarterly evidence. Pays: closed weights pay at the flagship tier. Reverts: the open-weight "
    "default reasserts.",
    columns=(
        Column("Quarter", kind="quarter", required=True, help="The quarter, e.g. 2026-Q2.", example="2026-Q2",
               width=10),
        Column("Signal", required=True, help="What the evidence is, in one line.", width=48),
        Column("Lab", kind="lab", help="Which lab; leave blank for the industry.", width=18),
        Column("Value", kind="value", help="A figure, if there is one (number or text).", width=12),
        Column("Unit", help="The figure's unit.", width=10),
        Column("Points to", kind="choice", required=True, choices=POINTS_TO,
               help="Pays, Reverts or Neutral.", example="Pays", width=11),
        Column("Strength", kind="strength", default=1, help="1, 2 or 3 (default 1).", example="1", width=9),
        Column("Confidence", kind="choice", choices=CONFIDENCES, default="Reported",
               help="Confirmed, Reported or Rumoured (default Reported).", example="Reported", width=12),
        Column("Observed", kind="date", help="When the evidence was observed.", example="2026-05-27", width=12),
        Column("Source", kind="source", help=SOURCE_HELP, width=24),
        Column("Notes", help="Anything else.", width=30),
    ),
    key=("Quarter", "Signal", "Lab"),
)

MILESTONES = Sheet(
    name="Milestones",
    help="The watchlist: what is due, and when.",
    columns=(
        Column("Due", kind="due", required=True, help="A date, or a quarter meaning its last day.",
               example="2026-Q4", width=12),
        Column("Milestone", required=True, help="What we expect to happen.", width=44),
        Column("Why it matters", help="What it would tell us.", width=44),
        Column("Status", kind="choice", choices=MILESTONE_STATUSES, default="Upcoming",
               help="Upcoming, Happened or Missed (default Upcoming).", example="Upcoming", width=11),
        Column("Outcome", help="What happened, once it has.", width=30),
    ),
    key=("Due", "Milestone"),
)

SOURCES = Sheet(
    name="Sources",
    help="Where the facts come from. Other sheets name a source here, or give a link.",
    columns=(
        Column("Source", required=True, help="A short unique name that other sheets use.", width=36),
        Column("Publisher", help="Who published it.", width=20),
        Column("URL", kind="url", help="An http or https link.", width=40),
        Column("Published", kind="date", help="When it was published.", example="2026-05-27", width=12),
    ),
    key=("Source",),
    unique=("Source",),
)

TABLES: tuple[Sheet, ...] = (LABS, EVENTS, SIGNALS, MILESTONES, SOURCES)
SHEETS: tuple[Sheet, ...] = (SETTINGS, *TABLES)
README_SHEET = "README"
FIX_LIST_SHEET = "Fix list"  # written first by `report check --annotate`; never read as data


def sheet_named(name: str) -> Sheet:
    """The schema sheet called `name`."""
    for sheet in SHEETS:
        if sheet.name == name:
            return sheet
    raise KeyError(name)
