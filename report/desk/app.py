"""The desk's screens (Starlette routes, Jinja2 templates autoescaped): Check, Preview, Publish, Send, History.

Reads are GET; every change is a POST from the desk's own form (security.py checks its origin and CSRF token)
and redirects to a screen that says what happened (the sentence the command would print).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from ..errors import ReportError, WorkbookHasErrors
from ..present.words import headline
from ..values import FIRST_YEAR, LAST_YEAR
from .desk import Checked, Desk
from .security import Guard, Session, Sessions

T = TypeVar("T")

HERE = Path(__file__).resolve().parent
KEEPALIVE_SECONDS = 15.0

# The preview's views: what the frame shows, and at what width (px).
VIEWS: dict[str, tuple[str, str, int]] = {
    "page-phone": ("The page on a phone", "page", 375),
    "page-desktop": ("The page on a desktop", "page", 1024),
    "email-375-light": ("The email, 375 px, light", "email-light", 375),
    "email-375-dark": ("The email, 375 px, dark", "email-dark", 375),
    "email-600-light": ("The email, 600 px, light", "email-light", 600),
    "email-600-dark": ("The email, 600 px, dark", "email-dark", 600),
    "text": ("The email's text part", "text", 600),
}
FRAMES = {"page", "email-light", "email-dark"}
# The frames hold the briefing itself (its own inline styles and data: images) and may run nothing at all.
FRAME_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; form-action 'none'; "
                "base-uri 'none'; frame-ancestors 'self'; sandbox")
FORMAT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "eml": "message/rfc822",
}

templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                        trim_blocks=True, lstrip_blocks=True)


def _stamp(value: str) -> str:
    """'2026-12-07T09:25:37+00:00' as '2026-12-07 09:25 UTC': the history's times, read at a glance."""
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return when.strftime("%Y-%m-%d %H:%M") + (" UTC" if when.utcoffset() == dt.timedelta(0) else "")


templates.filters["stamp"] = _stamp


class BadRequest(Exception):
    """A parameter the desk cannot use (the sentence says which)."""


def _session(request: Request) -> Session:
    session = request.state.session
    assert isinstance(session, Session)
    return session


def _param(request: Request, name: str) -> str:
    params: dict[str, str] = request.state.params
    return params.get(name, "")


def _edition(request: Request) -> dt.date | None:
    text = _param(request, "edition").strip()
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"'{text[:20]}' is not an edition date: give it as YYYY-MM-DD.") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:  # the range `report build --edition` takes
        raise BadRequest(f"{text} is outside the years a briefing can cover ({FIRST_YEAR} to {LAST_YEAR}).")
    return day


def _page(request: Request, name: str, screen: str, status: int = 200, **context: Any) -> HTMLResponse:
    desk: Desk = request.app.state.desk
    session = _session(request)
    flash, session.flash = session.flash, []
    body = templates.get_template(name).render(
        screen=screen, nonce=request.state.nonce, csrf=session.csrf, flash=flash, config=desk.config,
        checked=desk.checked, **context)
    return HTMLResponse(body, status_code=status)


def _after(request: Request, location: str, kind: str, sentence: str) -> RedirectResponse:
    _session(request).flash.append((kind, sentence))
    return RedirectResponse(location, status_code=303)


# -- Check --------------------------------------------------------------------------------------------------------

async def check_screen(request: Request) -> Response:
    return _page(request, "check.html.j2", "check")


def _live(checked: Checked) -> str:
    return templates.get_template("_findings.html.j2").render(checked=checked)


async def events(request: Request) -> Response:
    """Server-sent events: the Check screen's findings, pushed after every save of the workbook."""
    desk: Desk = request.app.state.desk
    queue = desk.subscribe()

    async def stream() -> AsyncIterator[str]:
        try:
            checked = desk.checked
            yield _event(checked)
            while True:
                try:
                    offered = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": still here\n\n"
                    continue
                if offered is None:
                    return  # the desk is closing
                yield _event(offered)
        finally:
            desk.unsubscribe(queue)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"x-accel-buffering": "no"})


def _event(checked: Checked) -> str:
    data = json.dumps({"version": checked.version, "html": _live(checked), "summary": checked.summary,
                       "when": checked.when.strftime("%H:%M:%S")})
    return f"event: check\nid: {checked.version}\ndata: {data}\n\n"


async def annotated(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    try:
        name, data = await run_in_threadpool(desk.annotated)
    except ReportError as error:
        return _after(request, "/", "refused", str(error))
    return Response(data, media_type=FORMAT_TYPES["xlsx"],
                    headers={"content-disposition": f'attachment; filename="{name}"'})


# -- Preview ------------------------------------------------------------------------------------------------------

async def preview_screen(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    view = _param(request, "view") or "page-phone"
    if view not in VIEWS:
        raise BadRequest(f"'{view[:30]}' is not a view of the preview.")
    edition = _edition(request)
    try:
        draft = await run_in_threadpool(desk.draft, edition)
    except WorkbookHasErrors as error:
        return _page(request, "preview.html.j2", "preview", draft=None, views=VIEWS, view=view, edition=edition,
                     problem=f"The workbook has {len(error.args[0].errors)} errors: nothing can be previewed until "
                             "they are fixed (see Check).")
    except ReportError as error:
        return _page(request, "preview.html.j2", "preview", draft=None, views=VIEWS, view=view, edition=edition,
                     problem=str(error))
    return _page(request, "preview.html.j2", "preview", draft=draft, views=VIEWS, view=view, edition=edition,
                 problem="")


async def frame(request: Request) -> Response:
    """One preview frame's document: the page, or the email in light or dark. Runs no script (FRAME_POLICY)."""
    desk: Desk = request.app.state.desk
    kind = _param(request, "view")
    if kind not in FRAMES:
        raise BadRequest(f"'{kind[:30]}' is not a preview frame.")
    try:
        draft = await run_in_threadpool(desk.draft, _edition(request))
    except ReportError as error:
        return PlainTextResponse(str(error), status_code=409)
    body = draft.files["html"].decode("utf-8") if kind == "page" else draft.email_html(dark=kind == "email-dark")
    return HTMLResponse(body, headers={"content-security-policy": FRAME_POLICY, "x-frame-options": "SAMEORIGIN"})


# -- Publish ------------------------------------------------------------------------------------------------------

async def publish_screen(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    last = _session(request).store.get("built")
    changes, said, latest = None, "", None
    if last is not None:
        from ..present import present

        changes = present(last[0]).changes
        said = headline(last[0])
    else:
        try:
            editions = (await run_in_threadpool(desk.past)).editions
        except ReportError:
            editions = []
        latest = editions[0] if editions else None
    return _page(request, "publish.html.j2", "publish", built=last, changes=changes, latest=latest, headline=said,
                 latest_files=desk.files(latest.edition) if latest else {},
                 edition=_edition(request), files=desk.files(last[0].masthead.edition) if last else {})


async def build(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    try:
        briefing, paths, warnings = await run_in_threadpool(desk.publish, _edition(request))
    except WorkbookHasErrors as error:
        errors = len(error.args[0].errors)
        return _after(request, "/publish", "refused", f"The workbook has {errors} error{'s' if errors != 1 else ''}: "
                      f"nothing was written. Fix {'them' if errors != 1 else 'it'} (see Check) and build again.")
    except ReportError as error:
        return _after(request, "/publish", "refused", str(error))
    _session(request).store["built"] = (briefing, paths, warnings)
    verdict = briefing.verdict
    return _after(request, "/publish", "done", f"Published the edition of {briefing.masthead.edition.isoformat()}: "
                  f"{verdict.state} — {headline(briefing)}")


async def download(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    edition = _edition(request)
    fmt = _param(request, "format")
    if edition is None or fmt not in FORMAT_TYPES:
        raise BadRequest("Give an edition date and one of the formats xlsx, html, eml.")
    path = desk.files(edition).get(fmt)
    if path is None:
        return PlainTextResponse(f"The edition of {edition.isoformat()} has no {fmt} file in the output folder.",
                                 status_code=404)
    headers = {"content-disposition": f'attachment; filename="{path.name}"'}
    return Response(path.read_bytes(), media_type=FORMAT_TYPES[fmt], headers=headers)


# -- Sign-off and send --------------------------------------------------------------------------------------------

async def send_screen(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    built = await run_in_threadpool(desk.built)
    edition = _edition(request) or (built[0] if built else None)
    sign_off = None
    problem = ""
    if edition is not None:
        try:
            sign_off = await run_in_threadpool(desk.sign_off, edition)
        except ReportError as error:
            problem = str(error)
    plans: dict[dt.date, Any] = _session(request).store.get("plans", {})
    try:
        sent = [row for row in (await run_in_threadpool(desk.past)).sends if row.edition == edition]
    except ReportError:
        sent = []
    return _page(request, "send.html.j2", "send", built=built, edition=edition, sign_off=sign_off,
                 plan=plans.get(edition) if edition else None, problem=problem, sent=sent)


def _send_location(edition: dt.date | None) -> str:
    return "/send" + (f"?edition={edition.isoformat()}" if edition else "")


async def _on_edition(request: Request, choose: str, action: Callable[[Desk, dt.date], T]) -> tuple[dt.date, T] | Response:
    """Run `action` on the edition the form names, off the event loop: (edition, what it returned), or the
    Send screen again with the refusal's sentence. `choose` is said when the form names no edition."""
    edition = _edition(request)
    if edition is None:
        raise BadRequest(choose)
    try:
        return edition, await run_in_threadpool(action, request.app.state.desk, edition)
    except ReportError as error:
        return _after(request, _send_location(edition), "refused", str(error))


async def approve(request: Request) -> Response:
    name = _param(request, "name")
    done = await _on_edition(request, "Choose the edition to approve.", lambda desk, day: desk.approve(day, name))
    if isinstance(done, Response):
        return done
    edition, sentence = done
    return _after(request, _send_location(edition), "done", sentence)


REPEATS = ("correction", "resend")  # what a second send of an edition may be (report send --correction, --resend)


def _repeat(request: Request) -> str | None:
    chosen = _param(request, "repeat")
    if chosen and chosen not in REPEATS:
        raise BadRequest(f"'{chosen[:20]}' is not a kind of repeat send: choose correction or resend.")
    return chosen or None


async def plan(request: Request) -> Response:
    repeat = _repeat(request)
    done = await _on_edition(request, "Choose the edition to send.", lambda desk, day: desk.plan(day, repeat))
    if isinstance(done, Response):
        return done
    edition, shown = done
    _session(request).store.setdefault("plans", {})[edition] = shown
    return RedirectResponse(_send_location(edition) + "#plan", status_code=303)


async def send(request: Request) -> Response:
    readers, repeat = _param(request, "readers"), _repeat(request)
    done = await _on_edition(request, "Choose the edition to send.", lambda desk, day: desk.send(day, readers, repeat))
    if isinstance(done, Response):
        return done
    edition, lines = done
    _session(request).store.get("plans", {}).pop(edition, None)
    return _after(request, _send_location(edition), "done", lines[-1] if lines else "Sent.")


# -- History ------------------------------------------------------------------------------------------------------

async def history_screen(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    try:
        past = await run_in_threadpool(desk.past)
        problem = ""
    except ReportError as error:
        past, problem = None, str(error)
    files = {row.edition: desk.files(row.edition) for row in past.editions} if past else {}
    return _page(request, "history.html.j2", "history", past=past, files=files, problem=problem)


# -- The application ----------------------------------------------------------------------------------------------

def _static(name: str, media_type: str) -> Route:
    data = (HERE / "static" / name).read_bytes()

    async def serve(request: Request) -> Response:
        return Response(data, media_type=media_type, headers={"cache-control": "no-cache"})

    return Route(f"/static/{name}", serve)


async def _bad_request(request: Request, error: Exception) -> Response:
    return PlainTextResponse(f"Refused: {error}", status_code=400)


def create_app(desk: Desk, host: str, port: int, token: str, watch: bool = True) -> Guard:
    """The desk's ASGI application behind its Guard (security.py)."""

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if watch:
            desk.start()
        try:
            yield
        finally:
            desk.stop()

    routes = [
        Route("/", check_screen),
        Route("/events", events),
        Route("/annotated", annotated),
        Route("/preview", preview_screen),
        Route("/frame", frame),
        Route("/publish", publish_screen),
        Route("/build", build, methods=["POST"]),
        Route("/file", download),
        Route("/send", send_screen),
        Route("/approve", approve, methods=["POST"]),
        Route("/plan", plan, methods=["POST"]),
        Route("/send", send, methods=["POST"]),
        Route("/history", history_screen),
        _static("desk.css", "text/css"),
        _static("desk.js", "text/javascript"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={BadRequest: _bad_request})
    app.state.desk = desk
    return Guard(app, host, port, token, Sessions())
