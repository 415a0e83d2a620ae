"""Pure: Briefing -> Presentation, everything a reader sees, decided once for every format.

The analysis decides the facts (dates as dates, numbers as numbers, the verdict's facts as `Fact`s); this
package decides how they read: every sentence (the headline, the score's gloss, the facts, what changed, the
data-health summary, captions, the xlsx's sheet notes), labels and lab roles, the one house date style,
signed figures, colour keys, the sentence an empty section shows, how many rows each list shows and the
"N more" note that says where the rest are, the email's subject and preheader. The page, the email (HTML
and text) and the xlsx take a `Presentation` alone and only place what it holds; none of them formats a
date, a weight or a sentence of its own, cuts a list or picks a colour (tests/test_layouts_decide_nothing.py).

`present(briefing, limits, workbook_beside)` returns a frozen `Presentation` for the page; `for_email(limits)`
gives the email's (fewer rows, notes saying "in the attached workbook"). `Limits` sets how many rows each list
shows; `email_limits(n)` caps them for the email, trying `EMAIL_ROW_LIMITS` in turn. That is the package's
face; the renderers and commands that need a piece by itself import it from its module:

- words.py: small values and the verdict in words (`Day`, `house_date`, `plural`, `weight_text`, `EMPTY`,
  `LAB_ROLES`, `headline`, `score_gloss`, `fact_sentence`, `change_call`, `subject`, `preheader`,
  `verdict_line` ...).
- rows.py: long lists (`Limits`, `Rows`, `Lines`, `more_note`, `summary_note`).
- views.py: the frozen views below (`MastheadView`, `VerdictView`, `ChangesView`, `TrendView` ...).
- verdict.py (masthead, verdict, key figures), what_changed.py, evidence.py (lab board, evidence, signals),
  timeline.py (timeline, watchlist), health.py (data health, sources), trend.py (trend, correction): each
  section's view from the Briefing. charts.py: what the evidence and timeline charts draw and every word they
  write (the trend chart's are on `TrendView`). notes.py: captions, the xlsx's sheet notes, the closing line.

The `Presentation`'s fields, in SPEC §6 order:

- `sections`: ((id, heading), ...), the order every format follows.
- `subject`, `preheader`: the email's Subject (verdict first, under 80 characters) and the preheader
  (what the subject does not say).
- `masthead` (`MastheadView`): title, publication, editor, `edition` (a `Day`), `week` ("2026-W23"),
  `days_since_pivot` ("42 days") and `days` (42), `pivot_line` (one sentence: who closed what, when),
  `pivot_date` (a `Day`), `dateline` (the email's and text part's one line).
- `verdict` (`VerdictView`): `state` ("TOO EARLY"), `key` ("too-early", for CSS classes), `fill`/`ink`
  (the state's colours, from report/palette.py), `headline` (no figure in it; "no evidence yet" when no
  signal counts), `score_label` ("Score −0.60") and `score_gloss` (the score in plain words: the score is
  said once in the lead), `facts` (sentences, their dates in the house style), `signals` (`ReasonLine`s:
  weight text, direction, text, detail, source), `signals_lead`, `no_signals`, `signals_more`,
  `change_call` (what would change the call, in one sentence: report/moves.py's moves, worded here).
- `figures`: four `FigureView` cards (label, value, note) for the page and the email; `figure_cells`:
  the xlsx's key-figure rows (`FigureCell`: label, defined name, number or `Day`, kind, note).
- `changes` (`ChangesView`): `note` (compared with which edition, or the first-edition sentence), `lead`
  (the verdict, the score's move and the key figures that moved: always shown), `counts` (per sheet:
  "Signals: 14 added, 1 changed."), `rows` (`Rows` of `ChangeLine`, those that matter most first: the
  pivot lab reverting, followers, counted signals by weight, each with its `tag`), `lines` (all of them,
  for the xlsx's What changed sheet).
- `labs` (`LabsView`): `rows` (`LabLine`, every lab), `shown` (up to the limit, the pivot lab and followers
  always), `more`, `columns` (the optional columns some row fills), `empty`.
- `evidence` (`EvidenceView`): `quarters` (`QuarterLine`), `margin` (the ±Call margin), `caption`,
  `empty`; `latest` (`Rows` of the latest quarter's `SignalLine`s, largest weight first), `latest_heading`,
  `all_signals` (every signal, for the xlsx); `chart` (`EvidenceChart`: what the page's, the email's and the
  xlsx's charts draw, with their title, alt text and legend).
- `timeline` (`Rows` of `EventLine`): the shown rows are the latest events up to the limit, oldest first;
  `timeline_chart` (`TimelineChart`) holds the events both timeline charts (page and email) draw, and their words.
- `watchlist` (`Rows` of `WatchLine`): `due` reads "1 Jun 2026", or "by end of 2026-Q4" for a quarter.
- `health` (`HealthView`): `sentences` (the readers' summary, in every output: how much evidence is stale
  or unsourced and what that means; no cell, no chore), `items` (`Rows` of `HealthLine`, the desk's rows:
  only the xlsx's Data health sheet lists them), `left_out` (what the edition left out, said once).
- `sources` (`Rows` of `SourceLine`): the cited sources, most cited first, with "N rows" each; the note
  counts the ones left out and those on file that no row cites.
- `workbook` (the xlsx edition's file name, linked when it is written beside the page), `closing`,
  `captions`, `notes` (the xlsx's), `inks` (a key's colour, for the email's inline styles).
- `trend` (`TrendView`, issue 21): the trend across editions: `sentence` (in words; the first edition says
  there is none to compare), `points` (`TrendPointLine`: the editions dated before this one, at most 12, then
  this one), `margin`, `caption`, `alt` and the chart's words; `correction` (`CorrectionView`): "Corrected on DATE", its note and
  what changed from the sent version, or None; `web_url`, `archive_url` and `web_link` ("Read on the web"),
  set only with the Web address setting.

`Rows` holds `all` (every row, for the xlsx), `shown` (up to the limit, for the page and the email),
`more` ("3 more in the workbook edition", or None) and `empty` (the sentence when there are none);
`filled(field)` says whether any shown row fills a field (a column empty in every row is not shown).
Dates are `Day`s: `text` in the house style with non-breaking spaces ("1 Jun 2026"), `iso` for
machine-readable attributes, and `value` (the date) for the xlsx.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .. import palette
from ..briefing import Briefing, Link, Mailing
from .charts import timeline_chart
from .evidence import evidence_view, lab_role, labs_shown, labs_view
from .health import health_view, source_rows, sources_shown
from .notes import closing_line, page_captions, sheet_notes
from .rows import EMAIL_ROW_LIMITS, EMAIL_WHERE, PAGE_WHERE, Limits, Rows, email_limits, more_note, rows_of
from .timeline import timeline_rows, timeline_shown, watchlist_rows, watchlist_shown
from .trend import correction_view, trend_view
from .verdict import figure_views, masthead_view, verdict_view
from .views import (
    ChangesView,
    CorrectionView,
    EventLine,
    EvidenceView,
    FigureCell,
    FigureView,
    HealthView,
    LabsView,
    MastheadView,
    SheetNotes,
    SourceLine,
    TimelineChart,
    TrendView,
    VerdictView,
    WatchLine,
)
from .what_changed import changes_view
from .words import NBSP, preheader, subject

__all__ = ["EMAIL_ROW_LIMITS", "Limits", "Presentation", "email_limits", "present"]

# The text colour of each key a line carries (direction, weights, attention, why a change matters), for the
# layouts that cannot use the page's CSS classes (the email's inline styles); from the one palette.
INKS: dict[str, str] = {
    "pays": palette.PAYS, "reverts": palette.REVERTS, "neutral": palette.MUTED, "closed": palette.CLOSED,
    "open": palette.OPEN, "overdue": palette.ALERT, "soon": palette.SOON, "follower": palette.PAYS,
    "reversal": palette.REVERTS, "": palette.INK, "done": palette.MUTED,
}


@dataclass(frozen=True, slots=True)
class Presentation:
    """What every format shows, in SPEC §6 order (see the package docstring for each field)."""

    sections: tuple[tuple[str, str], ...]
    subject: str
    preheader: str
    masthead: MastheadView
    verdict: VerdictView
    figures: tuple[FigureView, ...]
    figure_cells: tuple[FigureCell, ...]
    changes: ChangesView
    labs: LabsView
    evidence: EvidenceView
    timeline: Rows[EventLine]
    watchlist: Rows[WatchLine]
    health: HealthView
    sources: Rows[SourceLine]
    stem: str  # briefing-2026-06-01
    limits: Limits
    where: str = PAGE_WHERE  # where a cut list's other rows are, as this output says it
    workbook: Link | None = None  # the xlsx edition: linked (relative) when it sits beside the page
    closing: str = ""  # the last line: which workbook this edition comes with
    # The events both timeline charts draw: every event since the pivot (the chart is the whole story, bounded by
    # its lanes and columns; the table under it lists the latest), so a follower's move never drops off.
    timeline_chart: TimelineChart | None = None
    sender: str | None = None  # how the email is addressed (report/eml.py reads these)
    recipients: tuple[str, ...] = ()
    mailing: Mailing = field(default_factory=Mailing)
    notes: SheetNotes | None = None  # the xlsx sheets' notes
    captions: dict[str, str] = field(default_factory=dict)  # the page's table and chart captions, by name
    became: str = "became"  # what a before → after arrow says to a screen reader
    inks: dict[str, str] = field(default_factory=lambda: dict(INKS))  # a key's text colour (the email's inline styles)
    trend: TrendView | None = None  # the trend across editions (issue 21)
    correction: CorrectionView | None = None  # set when this edition corrects one already sent
    web_url: str | None = None  # this edition's page in the web archive, when the Web address is set
    archive_url: str | None = None  # the web archive's index (the email's List-Archive), with the Web address
    web_link: Link | None = None  # "Read on the web", to `web_url`

    def heading(self, section: str) -> str:
        return dict(self.sections)[section]

    def limited(self, limits: Limits, where: str | None = None) -> Presentation:
        """The same presentation showing at most `limits` rows of each long list (the email asks for fewer),
        its "N more" notes saying `where` the rest are (the email: the attached workbook).

        Only the shown rows and their notes change; every row stays as `present` made it."""
        where = where or self.where
        if limits == self.limits and where == self.where:
            return self
        v = self.verdict
        shown = v.all_signals[: limits.reasons]
        c = self.changes
        return replace(
            self,
            verdict=replace(v, signals=shown, signals_more=more_note(v.signals_count - len(shown), where)),
            changes=replace(c, rows=rows_of(c.rows.all, tuple(c.rows.all[: limits.changes]), c.rows.empty, where)),
            labs=labs_shown(self.labs, limits.labs, where),
            evidence=replace(self.evidence, latest=rows_of(self.evidence.latest.all,
                                                           tuple(self.evidence.latest.all[: limits.signals]),
                                                           self.evidence.latest.empty, where)),
            timeline=rows_of(self.timeline.all, timeline_shown(self.timeline.all, limits.timeline),
                             self.timeline.empty, where),
            watchlist=rows_of(self.watchlist.all, watchlist_shown(self.watchlist.all, limits.watchlist),
                              self.watchlist.empty, where),
            health=replace(self.health, items=rows_of(self.health.items.all,
                                                      tuple(self.health.items.all[: limits.health]),
                                                      self.health.items.empty, where)),
            sources=sources_shown(self.sources.all, limits.sources, where),
            limits=limits,
            where=where,
            closing=closing_line(self.stem, where),
        )

    def for_email(self, limits: Limits) -> Presentation:
        """The email's presentation: at most `limits` rows a list, the rest in the attached workbook."""
        return self.limited(limits, EMAIL_WHERE)



def present(briefing: Briefing, limits: Limits | None = None, workbook_beside: bool = True) -> Presentation:
    """What every format shows, decided once (see the module docstring). The page's notes name the xlsx
    edition, linked when it is written beside the page (`workbook_beside`); `for_email` words them for the email."""
    limits = limits or Limits()
    cards, cells = figure_views(briefing)
    timeline = timeline_rows(briefing, limits)
    xlsx = f"{briefing.stem}.xlsx"
    p = Presentation(
        sections=briefing.sections,
        subject=subject(briefing).replace(NBSP, " "),
        preheader=preheader(briefing),
        masthead=masthead_view(briefing),
        verdict=verdict_view(briefing, limits),
        figures=cards,
        figure_cells=cells,
        changes=changes_view(briefing.changes, limits),
        labs=labs_view(briefing, limits),
        evidence=evidence_view(briefing, limits),
        timeline=timeline,
        watchlist=watchlist_rows(briefing, limits),
        health=health_view(briefing, limits),
        sources=source_rows(briefing, limits),
        stem=briefing.stem,
        limits=limits,
        workbook=Link(xlsx, xlsx if workbook_beside else None),
        closing=closing_line(briefing.stem, PAGE_WHERE),
        timeline_chart=timeline_chart(briefing.timeline, briefing.masthead.pivot_date, briefing.masthead.edition,
                                      {lab.lab: role for lab in briefing.labs if (role := lab_role(lab)).marked}),
        sender=briefing.sender,
        recipients=briefing.recipients,
        mailing=briefing.mailing,
        trend=trend_view(briefing),
        correction=correction_view(briefing),
        web_url=briefing.mailing.page_url(briefing.masthead.edition),
        archive_url=f"{briefing.mailing.web_address}index.html" if briefing.mailing.web_address else None,
        web_link=(Link("Read on the web", briefing.mailing.page_url(briefing.masthead.edition))
                  if briefing.mailing.web_address else None),
    )
    return replace(p, notes=sheet_notes(p), captions=page_captions(p))
