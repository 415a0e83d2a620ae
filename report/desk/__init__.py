"""`report desk`: a local web app beside the editor's spreadsheet (issue 22).

- `desk.py`     the desk's state and work: the live check, previews without writing, publish, approve, send,
                each action recorded in the history. No web types here.
- `security.py` the ASGI middleware that lets no one else in: Host, token cookie, CSRF, origin, sizes, CSP.
- `app.py`      the Starlette routes and the Jinja2 templates (templates/, autoescaped) that show the desk.
- `server.py`   the listening socket and uvicorn, for cli.py.
"""
