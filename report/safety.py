"""The one rule each for text that leaves the workbook: names, one-line text and email headers, addresses,
links, cell text shown as a value, and text written into an xlsx (cells, sheet names, hyperlinks, document
properties and page headers).

`report check` applies these rules at each cell; the renderers and the sender apply the same functions to
the same values, so anything `check` accepts, `build` and `send` accept, and anything they would refuse,
`check` has already reported at its cell. Each rule raises `Unsafe` with a stable code and a plain reason
(no advice: the caller knows whether to say "fix the cell", "build again" or "fix --to").

Decisions, written down once:
- Addresses are checked by `email-validator` (syntax only, no DNS). A non-ASCII letter before the @
  (`dësk@example.com`) is refused: delivering it needs the SMTPUTF8 extension, which Python's smtplib
  does not negotiate by itself and many servers lack. A non-ASCII domain (`desk@exämple.com`) is accepted
  and written in its ASCII (xn--) form, which every server can route.
- Text that is compared (lab names and every reference to them) is NFC-normalised first, so an NFD
  `Café` is the NFC one; zero-width characters and bidi controls are refused in names and one-line text,
  where they make two different names look the same.
- Every Unicode line break (CR, LF, VT, FF, NEL U+0085, U+2028, U+2029, and the C0 separators) counts as a
  line break; values quoted in messages show them escaped, never raw.
- Text written into an xlsx stays text: a cell that starts like a formula keeps a quote prefix (Excel would
  compute it after an edit), a text longer than a cell is cut with a visible marker, and characters XML cannot
  hold become U+FFFD.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from email.headerregistry import Address
from itertools import accumulate
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

# Unicode line separators count too: str.splitlines() breaks on them, and so do some mail tools.
LINE_BREAKS = frozenset("\r\n\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# Characters that change how text looks without showing themselves: zero-width ones, and bidi controls that
# reorder what is shown (a name can be made to read as another).
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")
BIDI = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
INVISIBLE = ZERO_WIDTH | BIDI

HEADER_LIMIT = 200  # characters in one header value taken from a cell (a Title, a name); RFC 5322 lines are 998
NAME_LIMIT = 100  # characters in a lab name: it is quoted in the verdict headline and the subject
EXCEL_CELL_LIMIT = 32_767  # what one Excel cell can hold, in UTF-16 code units
EXCEL_URL_LIMIT = 2_079  # the longest hyperlink Excel keeps, in UTF-16 code units; it ignores longer ones
URL_SCHEMES = ("http", "https", "mailto")


class Unsafe(ValueError):
    """A value that breaks a rule: a stable code (`not-one-line`, `bad-email`, ...) and the reason, quoting it."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason

    @property
    def message(self) -> str:
        """The reason, under the name the checker's findings use."""
        return self.reason


# -- showing a value in a message ---------------------------------------------------------------------------


def escape(text: str) -> str:
    """`text` with line breaks, control characters and invisible characters shown as escapes (\\n, \\u2028)."""
    out = []
    for ch in text:
        if ch in LINE_BREAKS or ch in INVISIBLE or (ord(ch) < 32 and ch != "\t") or ord(ch) == 0x7F:
            out.append({"\n": "\\n", "\r": "\\r"}.get(ch, f"\\u{ord(ch):04x}" if ord(ch) > 0xFF else f"\\x{ord(ch):02x}"))
        else:
            out.append(ch)
    return "".join(out)


# C1 controls (U+0080-U+009F): a terminal may read U+009B as an escape sequence's start (CSI), like ESC [.
C1 = frozenset(chr(c) for c in range(0x80, 0xA0))


def terminal(text: str) -> str:
    """`text` as the command line prints it: every control character (C0, DEL, C1), line break and invisible
    character shown as an escape (\\x1b, \\n, \\u2028), so nothing from a message, a workbook or the history
    can move the cursor, retitle or clear the terminal, or print a line of its own. The one printer's rule:
    report/cli.py passes every line through it."""
    if text.isprintable() and text.isascii():
        return text  # the usual line: nothing to look at (isprintable is False for every character below)
    return "".join(f"\\x{ord(ch):02x}" if ch in C1 else ch for ch in escape(text))


def quote(value: object, limit: int = 60) -> str:
    """A value quoted for a one-line message: 'maybe', escaped and cut to `limit` characters."""
    text = escape(str(value)[: limit * 4])
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return "'" + text + "'"


# -- names and one-line text ----------------------------------------------------------------------------------


def nfc(text: str) -> str:
    """`text` in Unicode NFC: the composed form, so that text that looks the same compares the same."""
    return unicodedata.normalize("NFC", text)


def name_key(name: str) -> str:
    """How names compare: NFC, ignoring case and runs of spaces ('Moonshot  kimi' is 'Moonshot Kimi')."""
    return " ".join(nfc(name).split()).casefold()


def one_line(value: str, limit: int | None = HEADER_LIMIT) -> str:
    """`value` if it is safe as one line of text that may reach an email header; else Unsafe saying why.

    One line (no line break of any kind, no control character), no RFC 2047 encoded word ('=?', which mail
    programs decode into anything), no zero-width or bidi control character, at most `limit` characters
    (`limit=None`: any length, for text whose length was judged elsewhere).
    """
    plain = value.isascii() and value.isprintable()  # the usual text: no character below can be in it
    if not plain and any(ch in LINE_BREAKS or (ord(ch) < 32 and ch != "\t") or ord(ch) == 0x7F for ch in value):
        raise Unsafe("not-one-line", f"{quote(value)} holds a line break or control character")
    if "=?" in value:
        raise Unsafe("not-one-line", f"{quote(value)} holds '=?', which mail programs read as encoded text")
    hidden = [] if plain else sorted({ch for ch in value if ch in INVISIBLE})
    if hidden:
        names = ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, 'control')}" for ch in hidden)
        raise Unsafe("invisible-character", f"{quote(value)} holds an invisible character ({names}) that makes "
                     "it look like other text")
    if limit is not None and len(value) > limit:
        raise Unsafe("too-long", f"{quote(value)} is {len(value):,} characters long; keep it to {limit}")
    return value


def name(value: str) -> str:
    """A name other sheets refer to (a lab): one-line text of at most NAME_LIMIT characters, in NFC."""
    return one_line(nfc(" ".join(value.split())), NAME_LIMIT)


# Every line break (LINE_BREAKS) and control character (C0, tab included, and DEL), in runs.
_BREAKS_AND_CONTROLS = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]+")


def flatten(value: str) -> str:
    """`value` on one line: each run of line breaks and control characters (tab included) becomes one space."""
    return _BREAKS_AND_CONTROLS.sub(" ", value)


def capped(value: str, limit: int) -> str:
    """`value` if it has at most `limit` characters, else its first ones and '…', `limit` in all."""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def header_text(value: str) -> str:
    """Text composed by the tool (a subject) made safe to hand to the email package: one line, capped.

    Cell text has passed `one_line` at its cell already; this is the bound that keeps a composed header's
    parse time small whatever it is made of (the email package's folding is slow on huge headers).
    """
    flat = "".join(ch for ch in flatten(value) if ch not in INVISIBLE).replace("=?", "= ?")
    return capped(" ".join(flat.split()), 2 * HEADER_LIMIT)


# -- addresses ----------------------------------------------------------------------------------------------


_NAMED = re.compile(r"(.*?)\s*<([^<>]*)>")


def address(text: str) -> Address:
    """Exactly one address, 'desk@example.com' or 'Desk <desk@example.com>', as an email Address; else Unsafe.

    Syntax by email-validator (no DNS look-up); the domain in its ASCII form. See the module docstring for
    internationalised addresses.
    """
    raw = text.strip()
    if len(raw) > 320:  # 64 + @ + 255, with room for a display name; anything longer is not one address
        raise Unsafe("bad-email", f"{quote(raw)} is too long to be one email address")
    try:
        one_line(raw, limit=320)
    except Unsafe as unsafe:
        raise Unsafe("bad-email", f"{unsafe.reason}, so it is not an email address") from None
    # A display name is the editor's to write (Zoë, Le Bureau); only the address itself has a grammar, and
    # email-validator checks that. Quotes around the name are optional.
    named = _NAMED.fullmatch(raw)
    display, spec = (named.group(1).strip(), named.group(2).strip()) if named else ("", raw)
    if len(display) >= 2 and display[0] == display[-1] == '"':
        display = display[1:-1].strip()
    if any(ch in display for ch in '<>"\\@'):
        raise Unsafe("bad-email", f"{quote(raw)} has '<', '>', '@', '\\' or '\"' in its name; expected a name such "
                     "as Desk <desk@example.com>")
    try:
        checked = validate_email(spec, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        sentences = [part[:1].lower() + part[1:] for part in escape(str(error)).rstrip(".").split(". ")]
        reason = ": ".join(sentences)
        raise Unsafe("bad-email", f"{quote(raw)} is not an email address ({reason}); expected one such as "
                     "desk@example.com") from None
    local, _, domain = checked.ascii_email.rpartition("@") if checked.ascii_email else ("", "", "")
    if not local:
        raise Unsafe("bad-email", f"{quote(raw)} is not an email address; expected one such as desk@example.com")
    return Address(display_name=display, username=local, domain=domain)


DISPLAY_NAME_LIMIT = 64  # inboxes show a sender's name in one short line


def display_name(value: str) -> str:
    """Cell text (the Publication) as a sender's display name: one line, no invisible character, none of the
    characters an address's name may not hold ('<', '>', '@', '\\', '"': dropped, not refused, since the text
    is the masthead's too), capped at DISPLAY_NAME_LIMIT characters."""
    flat = header_text(nfc(value))
    return capped(" ".join("".join(" " if ch in '<>"\\@' else ch for ch in flat).split()), DISPLAY_NAME_LIMIT)


def address_text(text: str) -> str:
    """The address as it is written in a header: 'desk@example.com' or 'Desk <desk@example.com>'."""
    return str(address(text))


def address_key(addr: str) -> str:
    """How addresses compare: ignoring case (desk@Example.com is desk@example.com), as every server routes them."""
    return addr.casefold()


def distinct_addresses(addrs: list[str] | tuple[str, ...]) -> list[str]:
    """`addrs` in order, each address once (compared by `address_key`); linear, so 10,000 Bcc stay quick."""
    seen: set[str] = set()
    kept = []
    for addr in addrs:
        key = address_key(addr)
        if key not in seen:
            seen.add(key)
            kept.append(addr)
    return kept


def split_addresses(text: str) -> list[str]:
    """Addresses separated by ; or , (a comma inside a quoted name does not separate) or line breaks."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if not quoted and (ch in ";," or ch in LINE_BREAKS):
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def addresses(text: str) -> tuple[str, ...]:
    """Several addresses separated by ; or , each checked by `address`."""
    if "=?" in text or "\x00" in text:
        raise Unsafe("bad-email", f"{quote(text)} holds encoded text or a NUL; expected addresses separated by ;")
    return tuple(address_text(part) for part in split_addresses(text))


def mailto(text: str) -> str:
    """'mailto:leave@example.com?subject=unsubscribe' from an address or a mailto URL; else Unsafe."""
    raw = text.strip()
    if raw.lower().startswith("mailto:"):
        url_text = url(raw)
        target = urlsplit(url_text).path
        address(target)
        return url_text
    return f"mailto:{address(raw).addr_spec}?subject=unsubscribe"


# -- links --------------------------------------------------------------------------------------------------


def url(text: str, schemes: tuple[str, ...] = URL_SCHEMES) -> str:
    """An http, https (with a host) or mailto (with an address) link, trimmed; else Unsafe.

    javascript:, data:, file: and every other scheme are refused, as are spaces and control characters.
    """
    raw = text.strip()
    example = "expected a link such as https://example.com/page"

    def refused() -> str:  # worded only when needed: most links are fine, and quoting costs
        return f"{quote(raw)} is not an {' or '.join(schemes)} link"

    # A printable ASCII link has no space or control character; only other links need a closer look.
    if not (raw.isascii() and raw.isprintable() and " " not in raw) and \
            any(ch.isspace() or ord(ch) < 32 or ord(ch) == 0x7F or ch in INVISIBLE for ch in raw):
        raise Unsafe("bad-url", f"{refused()}: it holds a space or control character; {example}")
    try:
        parts = urlsplit(raw)
        host = parts.hostname
    except ValueError:
        raise Unsafe("bad-url", f"{refused()}; {example}") from None
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        raise Unsafe("bad-url", f"{refused()}; {example}")
    if scheme in ("http", "https") and not host:
        raise Unsafe("bad-url", f"{quote(raw)} has no host; {example}")
    if scheme == "mailto" and "@" not in parts.path:
        raise Unsafe("bad-url", f"{quote(raw)} names no address; expected a link such as mailto:desk@example.com")
    return raw


def web_url(text: str) -> str:
    """An http or https link (what a Sources URL must be); else Unsafe."""
    return url(text, ("http", "https"))


def safe_url(text: str | None) -> str | None:
    """The link if `url` accepts it, else None: what a renderer may put in an href."""
    if not text:
        return None
    try:
        return url(text)
    except Unsafe:
        return None


def looks_like_url(raw: str) -> bool:
    """Whether cell text is meant as a link (so it is checked as one) rather than a name."""
    return "://" in raw or raw.strip().lower().startswith(("www.", "javascript:", "data:", "mailto:", "file:",
                                                            "vbscript:"))


# -- cell text shown as a value -----------------------------------------------------------------------------


# Lone surrogates and U+FFFE/U+FFFF cannot be stored in XML (an xlsx is XML).
_NOT_XML_CHARS = "\ud800-\udfff\ufffe\uffff"
_NOT_XML = re.compile(f"[{_NOT_XML_CHARS}]")
# Nor can the C0 control characters but tab, LF and CR (an xlsx holds them only as _x0007_ escapes, and a
# page not at all): a cell value may hold none of these.
_NOT_STORABLE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_NOT_XML_CHARS}]")


def value_text(value: str) -> str:
    """Cell text that every output can show as it is: no control character an xlsx or a page cannot hold,
    and no longer than one Excel cell. (Text starting with '=' stays text: the xlsx writer quote-prefixes
    it; the page and the email escape it.)"""
    bad = _NOT_STORABLE.search(value)
    if bad:
        raise Unsafe("control-character", f"{quote(value)} holds the control character {escape(bad.group())}, "
                     "which no output can show")
    # A character is at most two UTF-16 units: most texts are too short to need counting.
    units = len(value) if len(value) * 2 <= EXCEL_CELL_LIMIT else excel_length(value)
    if units > EXCEL_CELL_LIMIT:
        raise Unsafe("too-long", f"this cell holds {units:,} characters, more than Excel's limit of "
                     f"{EXCEL_CELL_LIMIT:,}: shorten it")
    return value


# -- text in an xlsx ----------------------------------------------------------------------------------------


# Excel reads a cell typed (or re-entered after F2) with these first characters as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def needs_quote(text: str) -> bool:
    """Whether a text cell needs the quote prefix: it starts like a formula, which Excel would compute after an
    edit."""
    return text.startswith(FORMULA_STARTS)


def excel_length(text: str) -> int:
    """Length as Excel counts it: UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def xml_text(text: str) -> str:
    """`text` with each character XML cannot hold (a lone surrogate, U+FFFE, U+FFFF) replaced by U+FFFD."""
    return text if text.isascii() else _NOT_XML.sub("\ufffd", text)


@dataclass(frozen=True)
class CellText:
    """Text ready for a cell: `quote` when it needs the quote prefix, `cut` characters left out."""

    text: str
    quote: bool
    cut: int = 0


def cut_marker(count: int) -> str:
    """The visible marker that ends a cut text."""
    return f"… [cut: {count:,} characters]"


def cell_text(value: str, limit: int = EXCEL_CELL_LIMIT) -> CellText:
    """Text that stays text and fits: quote-prefixed if it starts like a formula, cut with a marker if too long.

    `limit` is in UTF-16 code units and must leave room for the marker (it is Excel's 32,767 outside tests).
    """
    text = xml_text(value)
    cut = 0
    # A character is at most two UTF-16 units: most texts are short enough not to need counting.
    if len(text) * 2 > limit and excel_length(text) > limit:
        text, cut = _cut(text, limit)
    return CellText(text, needs_quote(text), cut)


def _cut(text: str, limit: int) -> tuple[str, int]:
    # The longest prefix that still fits with the marker; the marker's own digits count against the limit,
    # and fewer characters cut never makes the marker longer, so the fit is monotonic and bisection works.
    ends = list(accumulate(2 if ord(ch) > 0xFFFF else 1 for ch in text))
    low, high = 0, len(text)
    while low < high:
        keep = (low + high + 1) // 2
        if ends[keep - 1] + len(cut_marker(len(text) - keep)) <= limit:
            low = keep
        else:
            high = keep - 1
    return text[:low] + cut_marker(len(text) - low), len(text) - low


def excel_line(text: str, limit: int = 255) -> str:
    """One line for the places of an xlsx that are not cells (document properties, page headers): line breaks
    and control characters a space, what XML cannot hold replaced, capped at `limit` characters."""
    return capped(xml_text(flatten(text)).strip(), limit)


def page_header_text(text: str, limit: int = 255) -> str:
    """`excel_line` for an Excel page header or footer, where '&' starts a control code: each '&' doubled."""
    return excel_line(text, limit).replace("&", "&&")


def sheet_name(name: str, taken: Collection[str] = ()) -> str:
    """A name Excel accepts: 1-31 characters, none of []:*?/\\, no edge apostrophe, unique ignoring case."""
    clean = re.sub(r"[\[\]:*?/\\\x00-\x1f\x7f]", " ", name)
    clean = re.sub(r"\s+", " ", clean).strip(" '")
    clean = clean[:31].rstrip(" '") or "Sheet"
    if clean.casefold() == "history":  # Excel reserves it
        clean = "History sheet"
    # The check must be case insensitive like Excel.
    used = {t.casefold() for t in taken}
    candidate, number = clean, 2
    while candidate.casefold() in used:
        suffix = f" ({number})"
        candidate = clean[: 31 - len(suffix)].rstrip(" '") + suffix
        number += 1
    return candidate


@functools.lru_cache(maxsize=8192)
def excel_link(text: str | None) -> str | None:
    """The address an xlsx may link to: what `safe_url` accepts, if Excel can hold it (EXCEL_URL_LIMIT); else
    None, and the cell shows the text without a link."""
    # Thousands of rows cite the same few sources: each address is checked once.
    url_text = safe_url(text)
    return url_text if url_text is not None and excel_length(url_text) <= EXCEL_URL_LIMIT else None
