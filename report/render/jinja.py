"""The Jinja2 environment every template renderer shares (the page, the email, the plain text).

It only finds and loads templates: what a reader sees (dates, signed weights, sentences) is decided in
report/present/, and the templates place it. No display filters live here; the globals are the palette's
rule for a verdict state's CSS name (`state_slug`, with `states` to list them) and the lab board's roles
(`lab_roles`: present.words.LAB_ROLES, each role's words and key), so no template spells either again.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from jinja2.bccache import Bucket

from .. import palette
from ..present.words import LAB_ROLES


def _templates() -> Path:
    """report/templates inside an installed wheel (pyproject's package-dir); templates/ in a checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "templates"
    return installed if installed.is_dir() else package.parent / "templates"


TEMPLATES = _templates()


class _Cache(FileSystemBytecodeCache):
    """Jinja2's per-user cache of compiled templates. It only saves time: a cache that cannot be read or
    written (a full disk, a read-only temporary folder) leaves the templates to be compiled, never fails a build."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError):  # unreadable, or a half-written file: compile instead
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_cache() -> _Cache | None:
    try:
        return _Cache()
    except (OSError, RuntimeError):  # no usable temporary folder, or one another user owns
        return None


@cache
def environment(autoescape: bool = True) -> Environment:
    """Templates from `templates/`; escaped for HTML (autoescape) or not (the plain-text email part).

    Undefined names are errors, never blanks. Compiled templates are kept in Jinja2's own per-user cache
    folder (under the temporary directory, checked by Jinja2 to be the user's alone), keyed by each template's
    source: a build does not compile the same templates again (about a third of a small build's time).
    """
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        bytecode_cache=_bytecode_cache(),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(state_slug=palette.state_slug, states=tuple(palette.STATES), lab_roles=LAB_ROLES)
    return env
