"""What a sender checks before pressing send, over a parsed message. Pure: no files, no network, no printing.

Each finding says whether it would hurt delivery (the message is clipped, lands in spam, or shows every
reader's address to every other) or is worth a look (a long subject, an image without a size).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import getaddresses
from html.parser import HTMLParser

from .present.words import PHONE_SUBJECT as SUBJECT_LIMIT  # the verdict must come before the cut
from .safety import quote

GMAIL_CLIP = 102 * 1024  # Gmail clips a message whose HTML is larger than about 102 KB
HIDING_FONT_PX = 2.0  # text this small is "hidden text" to spam filters (SpamAssassin's tiny-font rules)


@dataclass(frozen=True)
class Problem:
    """One thing a sender should know: `hurts` when it would harm delivery, else a note."""

    hurts: bool
    code: str
    message: str

    def line(self) -> str:
        """'HURTS html-clipped: ...' or 'NOTE subject-long: ...'."""
        return f"{'HURTS' if self.hurts else 'NOTE'} {self.code}: {self.message}"


_STYLES = ("font-size", "color", "background", "opacity")  # what _Html tracks, each the nearest one set


class _Html(HTMLParser):
    """Collects images, links, and text that is styled out of sight by size or colour.

    Linear in the HTML at any depth: each open element holds the styles in force inside it (its own, else its
    parent's), and how many elements of each tag are open is counted, so neither a text nor a closing tag looks
    through the stack of open elements (30,000 nested elements took minutes that way).
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[dict[str, str | None]] = []
        self.links: list[str] = []
        self.hidden: list[str] = []
        self._open: list[tuple[str, dict[str, str]]] = []  # each open element and the styles in force, innermost last
        self._counts: dict[str, int] = {}  # open elements by tag

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values)
            return
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        if tag in ("br", "hr", "meta", "link", "input", "col", "area", "base", "source", "wbr"):
            return
        rules = _declarations(values.get("style") or "")
        own = {"font-size": rules.get("font-size"), "color": rules.get("color"),
               "background": rules.get("background-color") or rules.get("background")
               or (str(values["bgcolor"]).strip().lower() if values.get("bgcolor") else None),
               "opacity": rules.get("opacity")}
        inherited = self._open[-1][1] if self._open else {}
        styles = {name: own[name] or inherited.get(name) or "" for name in _STYLES}
        self._open.append((tag, styles))
        self._counts[tag] = self._counts.get(tag, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        if self._counts.get(tag):
            while self._open:
                popped = self._open.pop()[0]
                self._counts[popped] -= 1
                if popped == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not data.strip() or (self._open and self._open[-1][0] in ("style", "script", "title", "head")):
            return
        styles = self._open[-1][1] if self._open else {}
        # Spam filters judge the styles, not whether the text is shown: a display:none preheader that is also
        # 1px or background-coloured still scores as hidden text.
        size = re.fullmatch(r"(\d+(?:\.\d+)?)(px|pt)?", styles.get("font-size") or "")
        tiny = size is not None and float(size.group(1)) <= HIDING_FONT_PX
        colour = _colour(styles.get("color"))
        background = _colour(styles.get("background"))
        if tiny or (colour is not None and colour == background) or styles.get("opacity") in ("0", "0.0"):
            self.hidden.append(" ".join(data.split()))


# A '<' that opens nothing is text. Python's HTMLParser rescans the rest of the page from each one ("<a <a <a ..."
# took 31 s for 24 KB): written as &lt; before parsing, it is the text it is, and the parse stays linear.
# - a '<' whose next angle bracket is another '<' (or none) opens no tag (each match looks ahead only to the
#   next bracket);
# - but a comment may hold anything ("<!--<![endif]-->"), so "<!--" stays unless no "-->" follows it at all,
#   and a marked section ("<![endif]>") likewise unless no "]>" follows it.
_STRAY = re.compile(r"<(?=[^<>]*(?:<|$))")
_OPENERS = (("<!--", re.compile(r"-->")), ("<![", re.compile(r"\]\s*>")))


def _no_stray_brackets(html: str) -> str:
    for opener, closer in _OPENERS:
        last = None
        for last in closer.finditer(html):
            pass
        end = last.end() if last is not None else 0
        if opener in html[end:]:
            html = html[:end] + html[end:].replace(opener, "&lt;" + opener[1:])
    return _STRAY.sub(lambda match: "<" if html.startswith(("<!--", "<!["), match.start()) else "&lt;", html)


def _colour(value: str | None) -> str | None:
    """A colour as compared: '#fff' is '#ffffff'; a background shorthand gives its first word."""
    if not value:
        return None
    word = value.split()[0].lower()
    if re.fullmatch(r"#[0-9a-f]{3}", word):
        word = "#" + "".join(ch * 2 for ch in word[1:])
    return {"white": "#ffffff", "black": "#000000"}.get(word, word)


def _declarations(style: str) -> dict[str, str]:
    out = {}
    for part in style.split(";"):
        name, _, value = part.partition(":")
        if value:
            out[name.strip().lower()] = value.strip().lower().replace("!important", "").strip()
    return out


def _part(message: Message, content_type: str) -> Message | None:
    for part in message.walk():
        if part.get_content_type() == content_type and part.get_content_disposition() != "attachment":
            return part
    return None


def _decoded(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def check(message: EmailMessage) -> list[Problem]:
    """Everything a sender should know about `message` before sending it, worst first."""
    problems: list[Problem] = []
    subject = " ".join(str(message.get("Subject") or "").split())
    if not subject:
        problems.append(Problem(True, "no-subject", "the message has no subject; spam filters and readers both "
                                "distrust one"))
    elif len(subject) > SUBJECT_LIMIT:
        problems.append(Problem(False, "subject-long", f"the subject is {len(subject)} characters; phones show "
                                f"about {SUBJECT_LIMIT}, so put what matters first: '{subject[:40]}…'"))

    if _part(message, "text/plain") is None:
        problems.append(Problem(True, "no-plain-text", "there is no plain-text part; an HTML-only message scores "
                                "worse with spam filters and shows nothing in text-only readers"))

    html_part = _part(message, "text/html")
    if html_part is not None:
        html_bytes = _decoded(html_part)
        if len(html_bytes) > GMAIL_CLIP:
            problems.append(Problem(True, "html-clipped", f"the HTML is {len(html_bytes) / 1024:.1f} KB; Gmail "
                                    f"clips anything over {GMAIL_CLIP // 1024} KB and hides the rest behind "
                                    "'View entire message'"))
        charset = html_part.get_content_charset() or "utf-8"
        try:
            codecs.lookup(charset)
        except LookupError:
            declared = html_part.get_param("charset")
            problems.append(Problem(True, "unknown-charset", f"the HTML part declares the charset "
                                    f"{quote(str(declared))}, which no mail program knows; readers may see it "
                                    "garbled. Build the email again"))
            charset = "utf-8"
        parser = _Html()
        try:
            parser.feed(_no_stray_brackets(html_bytes.decode(charset, "replace")))
            parser.close()
        except AssertionError:  # HTMLParser's way to refuse a marked section it does not know ("<![x>")
            problems.append(Problem(True, "html-unreadable", "the HTML holds a '<![' section no HTML reader knows, "
                                    "so it could not be read to the end; mail programs may show it broken. Build "
                                    "the email again"))
        if parser.hidden:
            problems.append(Problem(True, "hidden-text", f"{len(parser.hidden)} piece(s) of text are hidden by a "
                                    f"tiny font or a colour matching the background (first: '{parser.hidden[0][:40]}'); "
                                    "spam filters score that as hiding text. Hide a preheader with display:none "
                                    "and mso-hide:all"))
        no_alt = [img for img in parser.images if not (img.get("alt") or "").strip()]
        if no_alt:
            problems.append(Problem(False, "image-no-alt", f"{len(no_alt)} image(s) have no alt text; readers with "
                                    "images off see nothing there"))
        no_size = [img for img in parser.images if not (img.get("width") and img.get("height"))]
        if no_size:
            problems.append(Problem(False, "image-no-size", f"{len(no_size)} image(s) have no width and height; "
                                    "Outlook shows them at full size and the layout jumps as they load"))
        insecure = sorted({link for link in parser.links if not link.lower().startswith(("https:", "mailto:", "#",
                                                                                         "cid:"))})
        if insecure:
            problems.append(Problem(False, "link-not-https", f"{len(insecure)} link(s) are not https (first: "
                                    f"'{insecure[0][:60]}'); some filters and readers distrust them"))
    elif _part(message, "text/plain") is None:
        problems.append(Problem(True, "no-body", "the message has neither an HTML nor a plain-text body"))

    visible = [a for _, a in getaddresses([str(v) for n in ("To", "Cc") for v in message.get_all(n) or []]) if a]
    if len(visible) > 1:
        problems.append(Problem(True, "recipients-visible", f"{len(visible)} recipients are in To or Cc and see "
                                "each other's addresses; put them in Bcc (the Recipients setting does) and To "
                                "the List address or the sender"))
    return sorted(problems, key=lambda p: not p.hurts)


def warnings(message: EmailMessage) -> list[str]:
    """Preflight's findings as lines, for `report build` to print beside the email it wrote."""
    return [f"email preflight: {problem.line()}" for problem in check(message)]
