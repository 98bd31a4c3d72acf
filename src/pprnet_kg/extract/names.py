"""Author and editor names in APA citations -> CSL-JSON names, in order.

Family-first ('Gloster, A. T.'), initials glued or hyphenated ('B.-M.'), a missing comma between
authors, given-name-first ('Maria Lopez & Tom Berg'), suffixes ('Jr.'), group authors, and the
gaps that cut a list ('et al.', an ellipsis before the last author): authors after a gap are
kept but have no known position.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass

from ..textnorm import HYPHENS
from .firstchar import compile_guarded

_LETTER = r"[^\W\d_]"
_HYPHENS_TO_MINUS = {ord(c): "-" for c in HYPHENS}
_GAP_RE = compile_guarded(r"\bet\s+al\.?|(?:\.\s*){3,}|\u2026\.?")
_GAP_MARK_SPLIT_RE = re.compile("(\x00)")  # (patterns used once per citation are compiled once, here)
_NAME_SPLIT_RE = compile_guarded(r"\s*(?:,|&|\band\b)\s*")
_INITIAL_RE = compile_guarded(rf"{_LETTER}[a-z]?\.?")
_GIVEN_RE = compile_guarded(rf"^{_LETTER}[\w'’.\s-]*$")
_FAMILY_RE = compile_guarded(rf"^(?:{_LETTER}|['’])[\w'’ .-]*$")
_FAMILY_INITIALS_RE = compile_guarded(  # 'Smith J. A.', 'Smith JA'
    rf"^(?P<family>{_LETTER}[\w'’ -]*?)\s+(?P<given>(?:{_LETTER}\.\s*-?\s*)+|[A-Z]{{1,3}}\.?)$")
_INITIALS_FAMILY_RE = compile_guarded(rf"^(?P<given>(?:{_LETTER}[a-z]?\.\s*-?\s*)+)\s*(?P<family>{_LETTER}[\w'’ -]*)$")
_PARTICLES = {"van", "von", "de", "der", "den", "del", "della", "da", "di", "du", "le", "la", "ten", "ter"}
_ORG_RE = compile_guarded(
    r"\b(?:association|organi[sz]ation|institute|society|council|group|cent(?:er|re)|collaboration|network|"
    r"department|foundation|committee|agency|board|university|college|services?|team|consortium|commission|"
    r"ministry|office|trust|academy|federation)\b", re.IGNORECASE)
_SUFFIX_RE = compile_guarded(r"^(?:Jr|Sr|II|III|IV)\.?$")


@dataclass(frozen=True)
class Names:
    names: list[dict[str, str]]
    truncated: bool  # the list is cut by 'et al.', '...', '. . .' or an ellipsis
    in_order: int  # how many leading names have a known position (those before the cut)


_ORGANISATION_RE = re.compile(
    r"\b(?:[A-Z]{2,}|Task\s+Force|Association|Collaboration|Institute|Society|Organi[sz]ation|Committee|Council|"
    r"Network|Consortium|Cent(?:re|er)|Department|Agency|Foundation|University|Board|Panel|Group|Commission|"
    r"Alliance|Federation|Ministry|Office|Service|Services|Trust|College|Academy|Investigators)\b")


def parse_authors(text: str, warnings: list[str] | None = None) -> tuple[list[dict[str, str]], bool]:
    """'Gloster, A. T., Rinner, M. T., ... & Karekla, M.' -> CSL names, truncated flag."""
    names = parse_names(text, warnings)
    return names.names, names.truncated


def parse_names(text: str, warnings: list[str] | None = None, *, role: str = "author") -> Names:
    """A name list, family name first ('Keller, B.-M., Ortiz, L.') or given name first
    ('Maria Lopez & Tom Berg'; editors: 'M. J. Lambert & K. Wu'), told apart by its initials."""
    warnings = warnings if warnings is not None else []
    tokens: list[str | None] = []
    for piece in _GAP_MARK_SPLIT_RE.split(_GAP_RE.sub("\x00", text.translate(_HYPHENS_TO_MINUS))):
        if piece == "\x00":
            tokens.append(None)
        else:
            tokens += [t for t in (t.strip().lstrip(".").strip() for t in _NAME_SPLIT_RE.split(piece)) if t]
    words = [t for t in tokens if t]
    if role == "author" and len(tokens) == 1 and _ORGANISATION_RE.search(words[0]) and not _is_initials(words[0]) \
            and not _FAMILY_INITIALS_RE.match(words[0]):
        # 'APA Task Force (2006)', 'World Health Organization (2017)': a group is the author, not 'Force, APA Task'
        return Names([{"literal": words[0].rstrip(".")}], False, 1)
    given_first = bool(words) and not any(_is_initials(t) or _FAMILY_INITIALS_RE.match(t) for t in words) and (
        role == "editor" or all(len(t.split()) > 1 for t in words))
    names, in_order = (_given_first_names if given_first else _family_first_names)(tokens, warnings)
    return Names(names, None in tokens, in_order)


def _family_first_names(tokens: list[str | None], warnings: list[str]) -> tuple[list[dict[str, str]], int]:
    names: list[dict[str, str]] = []
    pending: str | None = None  # a family name waiting for its given names
    in_order: int | None = None

    def add(family: str, given: str) -> None:
        if _FAMILY_RE.match(family):
            names.append({"family": family.strip(), "given": _clean_given(given)})
        else:
            warnings.append(f"author name '{family}, {given}' is not 'Family, G.'; left out")

    def drop(name: str) -> None:
        warnings.append(f"author name '{name}' is not 'Family, G.'; left out")

    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok is None:
            if pending:
                drop(pending)
            pending, in_order = None, len(names) if in_order is None else in_order
        elif pending is None and names and _SUFFIX_RE.match(tok):  # 'Kivlighan, D. M., III, ...'
            names[-1]["suffix"] = tok
        elif pending is None:
            if (m := _FAMILY_INITIALS_RE.match(tok)) is not None:  # 'Smith J. A.'
                add(m.group("family"), m.group("given"))
            elif _is_initials(tok):
                drop(tok)
            else:
                pending = tok
        elif _is_initials(tok):
            add(pending, tok)
            pending = None
        elif (m := _FAMILY_INITIALS_RE.match(tok)) is not None:
            drop(pending)
            add(m.group("family"), m.group("given"))
            pending = None
        elif (m := _INITIALS_FAMILY_RE.match(tok)) and _is_initials(m.group("given")) and nxt and _is_initials(nxt):
            add(pending, m.group("given"))  # 'Baker, S. Linden, R.': a comma missing after 'S.'
            pending = m.group("family")
        elif _GIVEN_RE.match(tok) and _is_given(tok):  # 'Smith, John'
            add(pending, tok)
            pending = None
        else:
            drop(pending)
            pending = tok
    if pending:
        if not names and len(tokens) == 1 and _FAMILY_RE.match(pending):
            names.append({"literal": pending.rstrip(".")})
        else:
            drop(pending)
    return names, len(names) if in_order is None else in_order


def _given_first_names(tokens: list[str | None], warnings: list[str]) -> tuple[list[dict[str, str]], int]:
    names: list[dict[str, str]] = []
    in_order: int | None = None
    for tok in tokens:
        if tok is None:
            in_order = len(names) if in_order is None else in_order
            continue
        words = tok.split()
        if _ORG_RE.search(tok) or (len(words) == 1 and tok.isupper()) or len(words) > 5:
            names.append({"literal": tok.rstrip(".")})
        elif not all(w[0].isupper() or w.lower() in _PARTICLES for w in words) or not _FAMILY_RE.match(tok):
            warnings.append(f"author name '{tok}' is not 'Given Family' or 'Family, G.'; left out")
        else:
            cut = len(words) - 1
            while cut > 0 and words[cut - 1].lower() in _PARTICLES:
                cut -= 1
            given = " ".join(words[:cut])
            names.append({"family": " ".join(words[cut:]), "given": _clean_given(given)} if given
                         else {"family": tok})
    return names, len(names) if in_order is None else in_order


@lru_cache(maxsize=8192)
def _is_initials(token: str) -> bool:
    """'A. T.', 'A.B', 'A-M.', 'B.-M.', 'Ch.': capitals, each alone or with a period, one period at least."""
    s = re.sub(r"[\s-]", "", token)
    units = _INITIAL_RE.findall(s)
    return (bool(s) and "".join(units) == s and any(u.endswith(".") for u in units)
            and all(u[0].isupper() and (len(u) == 1 or u.endswith(".")) for u in units))


def _is_given(token: str) -> bool:
    """Given names are initials ('A. T.', 'A-M.') or capitalised words ('John', 'Mary Ann')."""
    words = token.replace(".", ". ").split()
    return all(w[:1].isupper() for w in words) and len(words) <= 4


@lru_cache(maxsize=16384)  # the same initials recur in every citation
def _clean_given(given: str) -> str:
    given = given.strip()
    if re.fullmatch(r"[A-Z]{1,3}\.?", given):  # 'Smith JA' -> 'J. A.'
        given = ".".join(given.rstrip(".")) + "."
    if _is_initials(given):  # 'G.D.' -> 'G. D.', 'A.B' -> 'A. B.', 'A-M.' and 'B.-M.' as printed
        given = re.sub(r"([^\W\d_][a-z]?)(?![.\w-])", r"\1.", re.sub(r"\s+", "", given))
    return re.sub(r"\.(?=[^\W\d_])", ". ", given)
