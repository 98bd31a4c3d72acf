"""serve_http.py's pure helpers (no server): the query-string parser."""

from __future__ import annotations

import urllib.parse

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pprnet_kg.serve_http import parse_qs, unquote_plus

# the characters that matter to percent-decoding and to quoted-printable decoding, and a few others
tricky = st.lists(st.sampled_from(list("%%%%0123456789abcdefABCDEFGg=+&; \t\n\rxé€") + [
    "%3D", "%3d", "%C3%A9", "%FF", "%E2%82", "=\n", "=\r\n", "%7B", "%0a"]), max_size=40).map("".join)


@settings(max_examples=2000, deadline=None)
@given(tricky)
@example("%%41")
@example("%%3D")
@example("%")
@example("a%4")
@example("%4")
@example("a%3D%3db%zz")
@example("=41%41")
@example("%0A%0D%20=%20")
def test_unquote_plus_is_urllibs(text):
    assert unquote_plus(text) == urllib.parse.unquote_plus(text)


@settings(max_examples=1000, deadline=None)
@given(tricky)
@example("query=ASK+%7B%7D&query=&&format&%71uery=x%3Dy")
def test_parse_qs_is_urllibs(text):
    assert parse_qs(text) == urllib.parse.parse_qs(text, keep_blank_values=True)


def test_a_long_query_takes_the_fast_path_and_reads_the_same():
    query = 'PREFIX ex: <http://example.org/>\nSELECT ?s WHERE { ?s ex:p "é = 1%" } # 100%\n' * 20
    encoded = urllib.parse.urlencode({"query": query, "format": "json"})
    assert "=" not in encoded.split("=", 1)[1].split("&")[0] and encoded.isascii()
    assert parse_qs(encoded) == {"query": [query], "format": ["json"]}
