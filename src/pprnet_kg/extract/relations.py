"""The two sides of an association in a finding's words: the exposure (what is related) and what
it is related to ("therapist empathy predicted client outcomes", "outcome was predicted by
empathy", "the effect of homework on outcome"). Part of pico.py's rules.
"""

from __future__ import annotations

import re

from .caseless import Caseless, has_any
from .firstchar import compile_guarded

ASSOC_RE = Caseless(
    r"\b(?:(?:un)?related|associated|linked|correlated|tied|connected|associations?|correlations?|links?)\s+"
    r"(?:to|with|between)\b|"
    r"\b(?:was|were|is|are)\s+followed\s+by\b|"
    r"\bpredict(?:ed|s|ive of)?\b|\bpredictors?\s+of\b|\bwent\s+(?:along\s+)?with\b|\brelationship\s+between\b|"
    r"\beffects?\s+of\b.+?\bon\b|\bcorrelated\b")
# words without which ASSOC_RE cannot match (lower case): most clauses are ruled out by them
_ASSOC_WORDS = ("relate", "associat", "link", "correlat", "tied", "connected", "followed", "predict", "went",
                "relationship", "effect")


def relation_cue(text: str):
    """Where the text states a relation (ASSOC_RE's match), or None."""
    low = text.lower()
    return ASSOC_RE.search(text) if has_any(low, _ASSOC_WORDS) else None


_BOUNDARY_RE = Caseless(
    r"(?:\bfound\s+that\b|\bshowed\s+that\b|\brevealed\s+that\b|\bindicated\s+that\b|\bsuggests?\s+that\b|"
    r"\bthat\s+looked\s+at\b|\blooked\s+at\b|\bexamined\b|\bevaluated\b|\bfound\b|\bthat\b|:|,(?!\d{3}))\s*")


def after_boundary(text: str) -> str:
    """The words after the last clause boundary ('found that', 'that', a comma...)."""
    end = 0
    for m in _BOUNDARY_RE.finditer(text):
        end = m.end()
    return text[end:]


_RELATION_RES = (
    Caseless(r"\beffects?\s+of\s+(?P<x>.+?)\s+on\s+(?P<y>.+)$", re.DOTALL),
    Caseless(r"\b(?:relationships?|correlations?|associations?|links?|relations?)\s+between\s+(?P<x>.+?)\s+and\s+"
             r"(?P<y>.+)$", re.DOTALL),
    Caseless(r"(?P<x>.+?)\s+and\s+how\s+(?:it|they|this)\s+(?:was\s+|were\s+)?related\s+to\s+(?P<y>.+)$",
               re.DOTALL),
    Caseless(r"(?P<x>.+?)\s+(?:(?:was|were|is|are)\s+)?(?:not\s+)?(?:(?:more|less|most|least)\s+)?(?:\w+ly\s+){0,2}"
               r"(?:(?:un)?related|associated|linked|"
               r"correlated|tied|connected)\s+(?:to|with)\s+(?P<y>.+)$", re.DOTALL),
    Caseless(r"(?P<x>.+?)\s+(?:showed|had|has|have)\s+(?:an?\s+|the\s+)?(?:\w+\s+){0,3}?(?:link|association|"
               r"relationship|correlation|relation)\s+(?:with|to)\s+(?P<y>.+)$", re.DOTALL),
    Caseless(r"(?P<x>.+?)\s+(?:was|were|is|are)\s+followed\s+by\s+(?P<y>.+)$", re.DOTALL),
    # the passive names the outcome first: "outcome was predicted by empathy"
    Caseless(r"(?P<y>.+?)\s+(?:was|were|is|are)\s+(?:(?:also|not|\w+ly)\s+){0,2}predicted\s+by\s+"
               r"(?P<x>[^,;()]+?)(?=\s*[,;(]|\s+(?:than|but|whereas|while|and\s+(?:not|less|more))\b|$)", re.DOTALL),
    Caseless(r"(?P<x>.+?)\s+(?:significantly\s+)?(?:predict(?:ed|s)|(?:did|does|do)\s+not\s+predict|"
             r"(?:was|were|is|are)\s+(?:\w+ly\s+)?predictive\s+of)\s+"
             r"(?P<y>.+)$", re.DOTALL),
    Caseless(r"(?P<x>.+?)\s+went\s+(?:along\s+)?with\s+(?P<y>.+)$", re.DOTALL),
    # "the alliance was a stronger predictor of outcome"
    Caseless(r"(?P<x>.+?)\s+(?:was|were|is|are)\s+(?:not\s+)?(?:an?\s+|the\s+)?(?:\w+\s+){0,2}?predictors?\s+of\s+"
             r"(?P<y>.+)$", re.DOTALL),
)
_RELATION_WORDS = ("effect", "relationship", "between", "related", "associated", "linked", "correlated", "tied",
                   "connected", "predict", "went", "showed", "had", "has", "have", "followed")  # "predict" covers "predictive of"


# words that end an exposure only because the verb follows them ("alliance still predicted outcome")
_TRAILING_WORDS = frozenset(
    "still also only further again even not then too both all each was were is are significantly strongly "
    "positively negatively consistently reliably independently uniquely directly moderately weakly modestly "
    "substantially".split())
_CONTRAST_RE = compile_guarded(r"(?:,\s*|\s+)(?:but|whereas|while)\s+|;\s*", re.IGNORECASE)
_ASIDE_RE = Caseless(r",\s*(?:however|moreover|furthermore|in\s+turn|in\s+contrast|by\s+contrast|also|too|though|"
                     r"similarly|likewise|in\s+addition|on\s+the\s+other\s+hand|in\s+particular)\s*,")


# where the relation was found, before its subject: "in 79 studies with over 3,000 patients", "across trials"
_SCOPE_RE = re.compile(r"(?:in|across|among)\s+(?:[\w,\-]+\s+){0,6}(?:studies|trials|samples|patients|participants|"
                       r"clients|people|adults|children|adolescents|individuals)\s+", re.IGNORECASE)
_LEADING_ARTICLE_RE = re.compile(r"^(?:the|a|an|that|whether|if|how)\s+", re.IGNORECASE)


def relation_sides(body: str) -> tuple[str, str] | None:
    low = body.lower()
    if not has_any(low, _RELATION_WORDS):
        return None
    if "," in body:  # "Early change, however, predicted outcome": the aside is no clause boundary
        body = _ASIDE_RE.sub("", body)
    # two relations in one clause ("A predicted B, but B did not predict A"): the statistic follows
    # the last one
    if ";" in body or "but" in low or "while" in low or "whereas" in low:
        parts = _CONTRAST_RE.split(body)
        if len(parts) > 1 and relation_cue(parts[-1]):
            body = parts[-1]
    for rx in _RELATION_RES:
        # patterns that start with a side are anchored at the start (a search would retry every position)
        leading = rx.pattern[:6]
        m = rx.match(body) if leading in {"(?P<x>", "(?P<y>"} else rx.search(body)
        if m:
            x = after_boundary(m.group("x")) if leading == "(?P<x>" else m.group("x")
            x = " ".join(x.split())
            if x[:1] in "IiAa" and (scope := _SCOPE_RE.match(x)) and scope.end() < len(x):
                x = x[scope.end():]  # "In 79 studies with over 3,000 patients the alliance"
            x = _LEADING_ARTICLE_RE.sub("", x)
            words = x.split(" ")
            while len(words) > 1 and words[-1].lower() in _TRAILING_WORDS:
                words.pop()
            x = " ".join(words)
            y = after_boundary(m.group("y")) if leading == "(?P<y>" else m.group("y")
            y = " ".join(y.split()).rstrip(" (")
            if x and y and len(x.split()) <= 14:
                return x, y
    return None
