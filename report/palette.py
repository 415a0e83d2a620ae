"""The one palette: every colour a reader sees, in the page's CSS, the email, the charts and the xlsx.

Colour always carries meaning next to a word, never alone. Closed weights and the evidence that closing
pays share one warm hue; open weights and reverting share one cool hue. Every colour used for text is at
least 4.5:1 against white (WCAG AA for body text), and white text on every verdict badge is too
(tests/test_palette.py measures it). Hexes are lower-case "#rrggbb": CSS, SVG presentation attributes
and XlsxWriter formats all take them as they are.

Where the outputs disagreed before (the xlsx's "#C55A11" and "#2E75B6" against the page's), the page's
darker shades won: "#C55A11" is 4.3:1 on white, too light for text.
"""

from __future__ import annotations

# Text and structure.
INK = "#1f2328"  # body text, axes, the net marker
MUTED = "#57606a"  # secondary text, axis labels, notes (6.4:1 on white)
RULE = "#d0d7de"  # table rules, chart grid lines
BAND = "#f6f8fa"  # light backgrounds: the verdict band, zebra rows
BACKGROUND = "#ffffff"
ON_DARK = "#ffffff"  # text on a state badge or a header fill
HEADER = "#1f3a5f"  # the xlsx's table headers and section titles (white text on it is 11:1)
LINK = "#1e5bb8"  # links share the open hue, as on the page

# Closed weights / pays, and open weights / reverts.
CLOSED = PAYS = "#a84300"
CLOSED_TINT = PAYS_TINT = "#fbeee4"
OPEN = REVERTS = "#1e5bb8"
OPEN_TINT = REVERTS_TINT = "#e8f0fb"
NET = INK  # the net is neither side: it is drawn in ink and labelled with its sign

# Dates: overdue and due soon.
ALERT = OVERDUE = "#b42318"
ALERT_TINT = OVERDUE_TINT = "#fdecea"
SOON = "#8a5a00"
SOON_TINT = "#fff4d6"
ADDED = "#1a7f37"  # "what changed": an added row (removed is ALERT, changed is SOON)

# Verdict states: white text on each is at least 4.5:1.
STATES: dict[str, str] = {
    "REVERTED": "#174a8c",
    "SPREADING": "#8f1d0b",
    "LEANING PAYS": CLOSED,
    "LEANING REVERTS": OPEN,
    "TOO EARLY": "#4b5563",
}

# Dark mode (the email's prefers-color-scheme block): light text on a near-black page, and the two
# hues lightened so they keep 4.5:1 on DARK_BACKGROUND.
DARK_BACKGROUND = "#15191e"
DARK_SURFACE = "#22272e"
DARK_INK = "#e6edf3"
DARK_MUTED = "#9ea7b3"
DARK_RULE = "#3d444d"
DARK_PAYS = "#f0883e"
DARK_REVERTS = "#6cb6ff"

# Fonts: system faces only (nothing is fetched); the charts name faces resvg finds on Linux too.
FONT_STACK = ('system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", '
              '"Liberation Sans", sans-serif')
# The email's stack names no face MJML would fetch from Google Fonts (Roboto, Open Sans, Lato, Ubuntu...).
EMAIL_FONT_STACK = '-apple-system, BlinkMacSystemFont, "Segoe UI", "Helvetica Neue", Helvetica, Arial, sans-serif'
CHART_FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"


def state_slug(state: str) -> str:
    """'LEANING PAYS' -> 'leaning-pays': the CSS name of a verdict state."""
    return state.lower().replace(" ", "-")


# The page's CSS custom properties (templates/_styles.html.j2 writes each as --name: value).
CSS: dict[str, str] = {
    "ink": INK,
    "muted": MUTED,
    "rule": RULE,
    "band": BAND,
    "closed": CLOSED,
    "closed-tint": CLOSED_TINT,
    "open": OPEN,
    "open-tint": OPEN_TINT,
    "alert": ALERT,
    "alert-tint": ALERT_TINT,
    "soon": SOON,
    "soon-tint": SOON_TINT,
    "added": ADDED,
    **{state_slug(state): colour for state, colour in STATES.items()},
}
