"""Random headers and bodies fed to `report preflight` and `report send --dry-run` (issue 20, "Done when"): only
exit 0, 1 or 2, never "an unexpected problem", and no control character on the terminal."""

from __future__ import annotations

import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_terminal import raw_in

from report.cli import cli

NAMES = ["From", "To", "Cc", "Bcc", "Sender", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version",
         "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Content-ID", "List-Id",
         "List-Unsubscribe", "X-Report-Edition", "X-Report-Sign-Off", "X-Report-Approver"]
PIECES = ["desk@example.com", "A <a@example.com>", '"x, y" <x@example.com>', "=?utf-8?q?=1B]0;t=07?=",
          "=?bogus?b?////?=", "text/html; charset=bogus-8", "text/html; charset=utf-7", ("multipart/alternative; "
          "boundary=b"), "multipart/mixed", "base64", "quoted-printable", "8bit", "2026-06-01", "required",
          "attachment; filename=\"\x1b[2J.xlsx\"", "<x@y>", "\x1b[2J", "\x9b1m", "\u2028", "\u202e", "\x00", "é",
          "<", ">", ",", ";", ":", "\"", "(", ")", "\\", "@", " "]
text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=6).map("".join)
headers = st.lists(st.tuples(st.one_of(st.sampled_from(NAMES), st.text("abcXY-", min_size=1, max_size=8)), text),
                   max_size=12)
bodies = st.one_of(
    st.binary(max_size=300),
    st.lists(st.one_of(st.sampled_from(["--b\r\n", "--b--\r\n", "Content-Type: text/html; charset=bogus\r\n",
                                        "Content-Type: text/plain\r\n", "Content-Transfer-Encoding: base64\r\n",
                                        "\r\n", "<div style='color:#fff;background:#fff'>x", "<a href='\x1b]0;x'>",
                                        "<img src=x>", "</div>", "=1B", "=\r\n"]), st.text(max_size=20)),
             max_size=20).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass")),
)


charsets = st.sampled_from(["utf-8", "bogus-8", "utf-7", "latin-1", "", "utf-16", "x-unknown\x1b"])
encodings = st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-bogus"])
html = st.lists(st.one_of(st.sampled_from(["<div style='font-size:1px'>", ("<span style='color:#fff;"
                                           "background-color:#fff'>"), "<a href='http://x/\x1b]0;t\x07'>", "</a>",
                                           "<img src=x>", "</div>", "</span>", "<td bgcolor=#fff>", "\x1b[2J", "&#27;",
                                           "&#x9b;", "<![x>", "]>", "<!--", "-->", "<!x", "<?"]), st.text(max_size=10)),
                max_size=15).map("".join)


@st.composite
def multipart(draw: st.DrawFn) -> bytes:
    """A multipart/alternative body whose parts have random charsets, encodings and HTML."""
    parts = []
    for subtype in draw(st.lists(st.sampled_from(["plain", "html"]), min_size=1, max_size=3)):
        charset = draw(charsets)
        parts.append(f"--b\r\nContent-Type: text/{subtype}; charset=\"{charset}\"\r\n"
                     f"Content-Transfer-Encoding: {draw(encodings)}\r\n\r\n{draw(html)}\r\n")
    return ("".join(parts) + "--b--\r\n").encode("utf-8", "surrogatepass")


def message(header_list: list[tuple[str, str]], body: bytes, base: list[tuple[str, str]]) -> bytes:
    lines = [f"{name}: {value}".encode("utf-8", "surrogatepass") for name, value in [*base, *header_list]]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


bases = st.one_of(
    st.just([]),
    st.tuples(text, text, text).map(lambda t: [("From", "briefing@example.com"), ("To", "desk@example.com"),
                                               ("Subject", t[0] + t[1]), ("X-Report-Edition", t[2])]),
    st.just([("From", "briefing@example.com"), ("To", "desk@example.com"), ("Subject", "Hello"),
             ("MIME-Version", "1.0"), ("Content-Type", 'multipart/alternative; boundary="b"')]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header_list=headers, body=st.one_of(bodies, multipart()), base=bases)
def test_random_messages_get_a_verdict_or_a_sentence(header_list: list[tuple[str, str]], body: bytes,
                                                     base: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "message.eml"
        path.write_bytes(message(header_list, body, base))
        for args in (["preflight", str(path)], ["send", str(path), "--dry-run", "--smtp", "127.0.0.1:9"]):
            result = CliRunner().invoke(cli, args)
            assert result.exit_code in (0, 1, 2), (args, result.output, result.exception)
            assert "unexpected problem" not in result.output, (args, result.output)
            assert raw_in(result.output) == [], (args, result.output)
            if result.exit_code == 2:
                assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1, result.stderr


def test_parts_nested_thousands_deep_are_a_sentence(tmp_path: Path) -> None:
    depth = 3000
    body = b"".join(f"--b{i - 1}\r\nContent-Type: multipart/mixed; boundary=b{i}\r\n\r\n".encode()
                    for i in range(1, depth))
    body += f"--b{depth - 1}\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b{depth - 1}--\r\n".encode()
    body += b"".join(f"--b{i}--\r\n".encode() for i in range(depth - 2, -1, -1))
    path = tmp_path / "deep.eml"
    path.write_bytes(b"From: a@example.com\r\nTo: b@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
                     b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n" + body)
    for args in (["preflight", str(path)], ["send", str(path), "--dry-run", "--smtp", "127.0.0.1:9"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert result.stderr == (f"Error: {path} nests its parts too deeply to be read (no briefing nests them more "
                                 "than a few levels): give the .eml that 'report build' wrote.\n")
