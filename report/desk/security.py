"""The desk serves one person on one machine: this ASGI middleware lets no one else in.

Every request, before any route sees it:
- its Host header must name the address the desk listens on (a page on another site that rebinds its own
  name to 127.0.0.1 sends its own name: refused);
- it must carry the session cookie, which only the random token printed with the URL gives (403 without);
  the token is exchanged once for an HttpOnly, SameSite=Strict cookie and dropped from the address;
- its address and body are bounded, its parameters known ones, none of them naming a file;
- a change (POST, the only method that changes anything) must come from the desk's own origin (Origin and
  Sec-Fetch-Site, when the browser sends them) and carry the session's CSRF token.
Every response gets a strict Content-Security-Policy: scripts only with the response's nonce, nothing from
another origin.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "report_desk_{port}"  # cookies are not kept apart by port: two desks on one machine need two names
MAX_BODY = 16 * 1024  # a form of the desk is a few short fields
MAX_QUERY = 1024
MAX_PATH = 128
MAX_FIELDS = 8
SESSIONS_KEPT = 16
# The only parameters any request may give. None of them is a file: the desk's files are fixed at its start.
PARAMETERS = frozenset({"token", "csrf", "edition", "view", "format", "name", "readers", "repeat"})


def names_a_path(value: str) -> bool:
    """Whether a parameter looks like a file path (a separator, a parent, a home or hidden name, a NUL)."""
    return any(ch in value for ch in "/\\\0") or ".." in value or value.startswith(("~", "."))


@dataclass
class Session:
    """One browser's session: its CSRF token, and what the desk has to tell it on the next page."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    flash: list[tuple[str, str]] = field(default_factory=list)  # (kind: "done" or "refused", sentence)
    store: dict[str, Any] = field(default_factory=dict)


class Sessions:
    """The sessions the token opened, the newest kept (a few browsers at most)."""

    def __init__(self) -> None:
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def open(self) -> tuple[str, Session]:
        key = secrets.token_urlsafe(32)
        self._sessions[key] = session = Session()
        while len(self._sessions) > SESSIONS_KEPT:
            self._sessions.popitem(last=False)
        return key, session

    def get(self, key: str | None) -> Session | None:
        if not key:
            return None
        for known, session in self._sessions.items():
            if secrets.compare_digest(known.encode(), key.encode()):
                return session
        return None


def content_security_policy(nonce: str) -> str:
    return ("default-src 'none'; "
            f"script-src 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # no-referrer would make Chromium send "Origin: null" with our forms
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


class Guard:
    """The middleware (see the module): refuses, or passes the request on with its session and nonce."""

    def __init__(self, app: App, host: str, port: int, token: str, sessions: Sessions | None = None) -> None:
        self.app = app
        self.token = token
        self.sessions = sessions or Sessions()
        names = {host, "127.0.0.1", "localhost"} if host not in ("127.0.0.1", "localhost") else \
            {"127.0.0.1", "localhost"}
        shown = {f"[{name}]" if ":" in name else name for name in names}
        self.hosts = {f"{name}:{port}" for name in shown}
        self.origins = {f"http://{host_port}" for host_port in self.hosts}
        self.cookie = COOKIE.format(port=port)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await _refuse(send, 403, "The desk only speaks HTTP.")
            return
        headers = _headers(scope)
        if headers.get("host") not in self.hosts:
            await _refuse(send, 400, "Refused: this request was addressed to another host name than the desk's "
                                     "(open the address report desk printed).")
            return
        path, query = str(scope.get("path", "")), bytes(scope.get("query_string", b""))
        if len(path) > MAX_PATH or len(query) > MAX_QUERY:
            await _refuse(send, 414, "Refused: the address is too long.")
            return
        try:
            params = _parameters(query.decode("utf-8"))
        except ValueError as error:
            await _refuse(send, 400, f"Refused: {error}")
            return

        cookie = _cookies(headers.get("cookie", "")).get(self.cookie)
        session = self.sessions.get(cookie)
        if "token" in params:
            if not secrets.compare_digest(params["token"].encode(), self.token.encode()) or \
                    scope["method"] not in ("GET", "HEAD"):
                await _refuse(send, 403, "Refused: that is not this desk's token. Open the address report desk "
                                         "printed when it started.")
                return
            # The token becomes a session cookie, and leaves the address (and the browser's history).
            key, _ = self.sessions.open()
            rest = urlencode([(k, v) for k, v in params.items() if k != "token"])
            await _redirect(send, path + ("?" + rest if rest else ""),
                            f"{self.cookie}={key}; HttpOnly; SameSite=Strict; Path=/")
            return
        if session is None:
            await _refuse(send, 403, "Forbidden: open the desk with the address report desk printed when it "
                                     "started (it carries a token).")
            return
        method = scope["method"]
        if method not in ("GET", "HEAD", "POST"):
            await _refuse(send, 405, "Refused: the desk only reads (GET) and acts by forms (POST).")
            return
        if method == "POST":
            refusal = self._check_origin(headers)
            if refusal:
                await _refuse(send, 403, refusal)
                return
            if headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
                await _refuse(send, 415, "Refused: the desk only takes its own forms.")
                return
            try:
                length = int(headers.get("content-length", ""))
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                await _refuse(send, 413, f"Refused: a form of the desk is at most {MAX_BODY // 1024} KB.")
                return
            body = await _body(receive, MAX_BODY)
            if body is None:
                await _refuse(send, 413, f"Refused: a form of the desk is at most {MAX_BODY // 1024} KB.")
                return
            try:
                form = _parameters(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as error:
                await _refuse(send, 400, f"Refused: {error}")
                return
            if not secrets.compare_digest(form.get("csrf", "").encode(), session.csrf.encode()):
                await _refuse(send, 403, "Refused: this form did not come from the desk's own page (no valid CSRF "
                                         "token). Reload the desk and try again.")
                return
            params = {**params, **form}
            receive = _replay(body)
        scope.setdefault("state", {})
        nonce = secrets.token_urlsafe(18)
        scope["state"].update({"session": session, "nonce": nonce, "params": params})
        await self.app(scope, receive, _secured(send, nonce))

    def _check_origin(self, headers: dict[str, str]) -> str:
        origin = headers.get("origin")
        if origin is not None and origin not in self.origins:
            return f"Refused: a form from another page ({origin[:60]}) cannot act in the desk."
        if headers.get("sec-fetch-site", "same-origin") != "same-origin":
            return "Refused: a form from another site cannot act in the desk."
        return ""


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        key = name.decode("latin-1").lower()
        if key in out and key != "cookie":
            out[key] = "\0"  # a header given twice is nobody's: it matches nothing
        else:
            out[key] = value.decode("latin-1")
    return out


def _cookies(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for piece in text.split(";"):
        name, _, value = piece.strip().partition("=")
        out.setdefault(name, value)
    return out


def _parameters(text: str) -> dict[str, str]:
    """The parameters of a query or form, each known, once, and none naming a file; else ValueError."""
    pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FIELDS)
    out: dict[str, str] = {}
    for name, value in pairs:
        if name not in PARAMETERS:
            raise ValueError(f"'{name[:30]}' is not something the desk asks for.")
        if name in out:
            raise ValueError(f"'{name}' is given twice.")
        if names_a_path(value):
            raise ValueError(f"'{name}' looks like a file path; the desk never takes one (it reads only its "
                             "workbook and writes only its output folder and history).")
        out[name] = value
    return out


async def _body(receive: Receive, limit: int) -> bytes | None:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return body


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def _secured(send: Send, nonce: str) -> Send:
    async def secured(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            names = {name.lower() for name, _ in headers}
            if b"content-security-policy" not in names:
                headers.append((b"content-security-policy", content_security_policy(nonce).encode()))
            if b"x-frame-options" not in names:
                headers.append((b"x-frame-options", b"DENY"))
            headers += [h for h in SECURITY_HEADERS if h[0] not in names]
            message["headers"] = headers
        await send(message)

    return secured


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        *headers, (b"content-length", str(len(body)).encode()),
        (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"), (b"x-frame-options", b"DENY"),
        *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


async def _refuse(send: Send, status: int, sentence: str) -> None:
    await _respond(send, status, [(b"content-type", b"text/plain; charset=utf-8")], (sentence + "\n").encode())


async def _redirect(send: Send, location: str, cookie: str) -> None:
    await _respond(send, 303, [(b"location", location.encode("latin-1")), (b"set-cookie", cookie.encode())], b"")
