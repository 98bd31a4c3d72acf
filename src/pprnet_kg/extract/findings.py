"""Effect statistics in a summary -> Finding records.

A finding starts at a measure with a value (`SMD = 0.45`, `Hedges' g = 0.62`, `risk ratio
0.81`, `β = −.23`); its CI, p, SE, I², τ² are read from the text after it up to the next
measure, and k / n / outcome / caveats from the clause before it. Percentages, means and SDs
are never findings: only the measures in MEASURES are. Anything inconsistent (a value outside
its own CI, p outside [0, 1]) is reported, not kept: a wrong number is worse than none.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..model import Finding, Problem, TextLine, evolve
from .caseless import Caseless, has_any, has_digit, lowered, words as caseless_words
from .firstchar import compile_guarded, guarded
from .sentences import split_sentences

NUM = r"[-+\u2212\u2013]?\s?(?:\d+(?:\.\d+)?|\.\d+)"

# Measures written in words or as abbreviations (abbreviations in capitals, words in any case):
# (pattern, code), longest and most specific first. Up to a few words on what the statistic is
# about may follow ("odds ratio for relapse = ..."), then =, :, of, was, is, a comma, or nothing.
NAMED: tuple[tuple[str, str], ...] = (
    (r"Hedges(?:[’'`]?s|[’'`])?\s*g", "g"),
    (r"Cohen(?:[’'`]?s|[’'`])?\s*d", "d"),
    (r"(?i:standardi[sz]ed\s+mean\s+differences?)", "SMD"),
    (r"SMDs?", "SMD"),
    (r"(?i:odds[\s\-]+ratios?)", "OR"),
    (r"ORs?", "OR"),
    (r"(?i:risk[\s\-]+ratios?|relative[\s\-]+risks?)", "RR"),
    (r"RRs?", "RR"),
    (r"(?i:hazard[\s\-]+ratios?)", "HR"),
    (r"HRs?", "HR"),
    (r"NNTs?|(?i:numbers?\s+needed\s+to\s+treat)", "NNT"),
    (r"β|(?i:beta)(?![\w\-])", "beta"),
    (r"Pearson(?:[’'`]?s)?\s+r", "r"),
    (r"(?i:correlations?(?:\s+coefficients?)?)", "r"),
)
# Single letters: only with =, :, or (B, r, d, g) 'was', 'is', 'of' before the value.
SINGLE: tuple[tuple[str, str], ...] = (
    (r"B(?:\s+(?:adjusted|unadjusted|unstandardi[sz]ed))?", "B"),
    (r"b(?=\s*[=:])", "B"),
    (r"r", "r"),
    (r"d", "d"),
    (r"g", "g"),
)
MEASURES = NAMED + SINGLE
_MEASURE_GROUPS = tuple(f"m{i}" for i in range(len(MEASURES)))  # the regex's group of each measure
_BLANK = Finding(measure="", value=Decimal(0), sentence="", line=0)
# "odds ratio [OR], 2.10" (the abbreviation in brackets, as journals' abstracts write it), then words on what it is about
_ABOUT = (r"(?:\s*\[[A-Za-z]{1,5}\])?"
          r"(?:\s+(?:for|on|in\s+favou?r\s+of|at|in|between|with|of)\s+(?:the\s+|a\s+|an\s+)?"
          r"[A-Za-z][\w’'\-]*(?:\s+[A-Za-z][\w’'\-]*){0,4}?)?")
_LINK_NAMED = r"(?:\s*(?:=|:|,)\s*|\s+(?:of|was|is|were)\s+|\s+)"
_LINK_SINGLE = r"(?:\s*[=:]\s*|\s+(?:was|is|of)\s+)"
# The lookahead for a measure's words, without the groups of the alternatives after it, rules out
# most word starts cheaply (each alternative of a group is entered one by one); the same matches.
# In the lookahead a single letter is followed by what follows it in every match (a space, = or :
# of its link): 'reduced', 'depression', 'group' fail there instead of in the whole pattern.
_SINGLE_AHEAD = (r"B[\s=:]", r"b(?=\s*[=:])", r"[rdg][\s=:]")
_MEASURE_BODY = (
    r"(?=" + "|".join([p for p, _ in NAMED] + list(_SINGLE_AHEAD)) + r")(?:"
    r"(?:" + "|".join(f"(?P<m{i}>{p})" for i, (p, _) in enumerate(NAMED)) + r")" + _ABOUT + _LINK_NAMED +
    r"|(?:" + "|".join(f"(?P<m{len(NAMED) + i}>{p})" for i, (p, _) in enumerate(SINGLE)) + r")" + _LINK_SINGLE +
    r")(?P<value>" + NUM + r")(?![\d%])")
_MEASURE_RE = compile_guarded(r"(?<![\w.’'])" + _MEASURE_BODY)
# The same pattern with the character before the match in front of it instead of the lookbehind: a
# pattern that starts with a class is scanned for in `re`'s fast loop (one attempt per space or
# punctuation mark, not one per character). Its groups are _MEASURE_RE's; see measure_matches.
_MEASURE_AFTER_RE = re.compile(r"[^\w.’']" + guarded(_MEASURE_BODY))


def measure_matches(text: str) -> list[tuple[int, re.Match]]:
    """(start, match) for each match of `_MEASURE_RE.finditer(text)`: the match's groups are those
    of _MEASURE_RE, its start is `start` (the match may include the character before it). A match
    not at the very start of the text follows a character outside [\\w.’'], which _MEASURE_AFTER_RE
    takes; one at the start is _MEASURE_RE's. A match ends with a digit, so the next one never
    starts right where it ends: taking the character before it never overlaps the previous match."""
    found = []
    first = _MEASURE_RE.match(text)
    if first is not None:
        found.append((0, first))
    for m in _MEASURE_AFTER_RE.finditer(text, first.end() if first is not None else 0):
        found.append((m.start() + 1, m))
    return found


# _finding reads the measure from m.groups(): the measures' groups must be the first ones, in order
assert [_MEASURE_RE.groupindex[g] for g in _MEASURE_GROUPS] == list(range(1, len(MEASURES) + 1))
_CI_LABELLED_RE = Caseless(
    r"(?:(?P<lvl>\d{2}(?:\.\d+)?)\s*%\s*)?(?:ci|c\.i\.|confidence\s+interval)s?\s*(?:[:=,]|of)?\s*"
    r"[\[(]?\s*(?P<lo>" + NUM + r")\s*(?:,|;|to|\u2013|\u2014|-)\s*(?P<hi>" + NUM + r")\s*[\])]?",
)
_CI_BARE_RE = re.compile(r"^\s*[,;]?\s*[\[(]\s*(?P<lo>" + NUM + r")\s*(?:[,;]|to|\u2013|\u2014|-)\s*(?P<hi>" + NUM +
                         r")\s*[\])]")
_P_RE = compile_guarded(r"(?<![\w])p\s*(?P<cmp>[<>=≤≥])\s*(?P<v>" + NUM + r")")
_SE_RE = compile_guarded(r"(?<![\w])SE\s*=\s*(?P<v>" + NUM + r")")
_I2_RE = compile_guarded(r"(?<![\w])I\s*(?:²|\^?2)\s*=\s*(?P<v>" + NUM + r")\s*%?")
_TAU2_RE = Caseless(r"(?:τ|tau)\s*(?:²|\^?2)\s*=\s*(?P<v>" + NUM + r")")
_K_EQ_RE = compile_guarded(r"(?<![\w])k\s*=\s*(?P<v>\d+)")
_N_EQ_RE = compile_guarded(r"(?<![\w])[Nn]\s*=\s*(?P<v>\d[\d,]*)(?!\.\d)")
_COUNT_AFTER_RE = re.compile(r"[\s,;(]*(?:k|n|N)\s*=\s*\d[\d,]*(?!\.\d)")
_CAVEAT_RE = Caseless(
    r"did\s+not\s+hold(?:\s+up)?|no\s+longer\s+(?:statistically\s+)?significant|"
    r"not\s+(?:statistically\s+)?significant|non-?significant|not\s+robust|did\s+not\s+remain\s+significant|"
    r"did\s+not\s+survive",
)
_NUMBER_WORDS = {
    w: i for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90})
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
# A number in words or digits, as a whole word: not the "ten" of "often", the "one" of "someone",
# or the "one" alone of "twenty-one" (a compound is one number).
NUMBER_WORDS = (rf"(?:{_TENS})(?:[\s\-](?:one|two|three|four|five|six|seven|eight|nine)\b)?|"
                + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)))
COUNT = rf"(?<![\w\-.,])(?P<count>\d[\d,]*|(?:{NUMBER_WORDS})(?![\w\-]))"
_K_PROSE_RE = Caseless(COUNT + r"\s+(?:[\w-]+\s+){0,5}?(?:studies|trials|rcts|samples)\b")
# "one in seven patients": not one patient (the seven are excluded by is_rate)
NOT_RATE = rf"(?!\s+(?:in|out\s+of|of\s+every)\s+(?:\d|(?:{NUMBER_WORDS})\b))"
# "7 patients needed to be treated for one more to respond": the number needed to treat, not how
# many took part
NOT_NNT = (r"(?!\s+(?:would\s+|will\s+)?(?:need|needs|needed|must|have|has|had)\s+to\s+"
           r"(?:be\s+treated|treat|receive|get|undergo))")
_N_PROSE_RE = Caseless(
    COUNT + NOT_RATE + r"\s+(?:[\w-]+\s+){0,2}?(?:participants|patients|clients|individuals|people|adults|"
    r"children|adolescents|youths?|subjects|veterans|women|men)\b" + NOT_NNT,
)
# "one in seven patients", "3 out of 10 clients", "one of every five": a rate, not how many took part
_RATE_BEFORE_RE = Caseless(rf"(?<![\w.,])(?:\d[\d,.]*|{NUMBER_WORDS})\s+(?:in|out\s+of|of\s+every)\s+\Z")


def is_rate(text: str, start: int) -> bool:
    """Whether the count at `start` of `text` is the denominator of a rate ("one in seven patients")."""
    return _RATE_BEFORE_RE.search(text[max(0, start - 40): start]) is not None


# words without which _K_PROSE_RE, _N_PROSE_RE and _CAVEAT_RE cannot match (lower case)
_STUDY_WORDS = ("studies", "trials", "rcts", "samples")
_PEOPLE_WORDS = ("participants", "patients", "clients", "individuals", "people", "adults", "children",
                 "adolescents", "youth", "subjects", "veterans", "men")
_CAVEAT_WORDS = ("hold", "significant", "robust", "survive")


def _could_count(lowered: str, words: tuple[str, ...]) -> bool:
    return has_any(lowered, words)


@dataclass(frozen=True)
class OutcomeTerm:
    key: str
    label: str
    term: "re.Pattern | object"  # a compiled regex, or a rules.Term (its regex compiled when first used)
    words: frozenset = frozenset()  # lower-case words every match contains

    @property
    def pattern(self) -> re.Pattern:
        return self.term if isinstance(self.term, re.Pattern) else self.term.pattern


def to_decimal(text: str) -> Decimal:
    cleaned = "".join(text.split()).replace("\u2212", "-").replace("\u2013", "-").lstrip("+")
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - NUM only admits numbers
        raise ValueError(f"not a number: {text!r}") from None


_NUMBER_SPLIT_RE = re.compile(r"[\s\-]+")


def number_value(text: str) -> Decimal:
    """'12', '1,200', '2.5', 'six', 'Twenty-four' -> the number."""
    words = _NUMBER_SPLIT_RE.split(text.strip().lower())
    if all(w in _NUMBER_WORDS for w in words):
        return Decimal(sum(_NUMBER_WORDS[w] for w in words))  # "twenty-four" -> 24
    return Decimal(text.replace(",", ""))


def count_value(text: str) -> int:
    return int(number_value(text))


def extract_findings(
    summary: tuple[TextLine, ...],
    *,
    source: str,
    post_id: str | None = None,
    outcomes: tuple[OutcomeTerm, ...] = (),
    study_k: int | None = None,
) -> tuple[list[Finding], list[Problem]]:
    """Every effect statistic in the summary, with what qualifies it."""
    findings: list[Finding] = []
    problems: list[Problem] = []
    for line in summary:
        for text in split_sentences(line.text):
            if has_digit(text):  # every statistic has a number: most sentences are skipped here
                _sentence_findings(line.line, text, findings, problems, source, post_id, outcomes, study_k)
    return findings, problems


def _sentence_findings(line: int, text: str, findings: list, problems: list, source, post_id, outcomes, study_k
                       ) -> None:
    """The statistics of one sentence (with a digit), appended to findings or problems."""
    matches = measure_matches(text)  # (start, match): _MEASURE_RE.finditer, found faster
    if not matches:
        return
    sentence = TextLine(line, text)
    clause_start = 0
    trailed = False
    for i, (start, m) in enumerate(matches):
        if start < clause_start:
            continue  # the upper end of a range taken with its lower end
        last = i + 1 == len(matches)
        end = len(text) if last else matches[i + 1][0]
        before = text[clause_start: start]
        after = text[m.end("value"): end]
        if (span := _range_of(before, text, m)) is not None:
            # "ranged from g = 0.20 to g = 0.80": the spread of the studies' effects, not an effect
            problems.append(Problem(source, sentence.line, "findings", f"a range of effects, not one effect "
                                    f"({' '.join(text[start:span].split())}): not recorded as a finding", post_id))
            clause_start = span
            trailed = False
            continue
        if (word := _GLUED_RE.match(after)) is not None:
            # "d = 1e5", "r = 0.3x", "g = 0·45", "d = 0,45": the number goes on, so the digits are not the value
            problems.append(Problem(source, sentence.line, "findings", f"{' '.join(text[start:m.end('value')].split())}"
                                    f"{word.group(0)}: not a number; not recorded as a finding", post_id))
            clause_start = m.end("value") + word.end()
            trailed = False
            continue
        finding, consumed, problem = _finding(m, before, after, sentence, outcomes, study_k,
                                              trailing=_TRAILING_END_RE if last else _TRAILING_RE,
                                              parallel=trailed)
        trailed = finding.clause != before
        clause_start = m.end("value") + consumed
        if problem:
            problems.append(Problem(source, sentence.line, "findings", problem, post_id))
        else:
            findings.append(finding)


# letters straight after a statistic's digits ("1e5"), or a decimal comma or middle dot ("0,45", "0·45": read as 0)
_GLUED_RE = re.compile(r"[^\W\d_][\w.+\-]*|[,\u00b7]\d(?:[\d,.\u00b7]*\d)?")


# A statistic that opens a range: after words that say so ("ranged from g = 0.20 to g = 0.80",
# "between d = 0.3 and 0.5"), or with the other end straight after its value ("g = 0.3-0.5",
# "r = .10 to .40"; a CI has brackets or a label, so it is not taken for one).
_RANGE_BEFORE_RE = re.compile(r"(?:\brang(?:e|es|ed|ing)\s+(?:from\s+)?|\bfrom\s+|\bbetween\s+)$", re.IGNORECASE)
_RANGE_WORDS = ("range", "ranges", "ranged", "ranging", "from", "between")  # what a match ends with
_RANGE_WORDED_RE = re.compile(r"\s*(?:to|and|\u2013|\u2014|-)\s*")
_RANGE_BARE_RE = re.compile(r"\s*(?:to\s|\u2013|\u2014|-)\s*")


# After 'ranged/varied from', the ends may have words and brackets about them: "ranged from small
# (d = 0.2) to large (d = 0.8)", "ranged from g = 0.15 in waitlist-controlled trials to g = 0.70"
# (a plain 'from' does not say so: "fell from d = 0.50 at post-treatment to d = 0.20 at follow-up").
_RANGING_BEFORE_RE = re.compile(r"\b(?:rang(?:e|es|ed|ing)|var(?:y|ies|ied|ying))\s+(?:[\w\s,]{0,30}?\bfrom|between)\s+"
                                r"(?:[\w'-]+\s+){0,3}\(?\s*$", re.IGNORECASE)  # "varied between studies, from"
_RANGING_LINK_RE = re.compile(r"\s*\)?(?:\s+[\w'-]+){0,6}?\s+(?:to|and)\s+\(?\s*", re.IGNORECASE)
_RANGING_WORD_RE = re.compile(r"[\w'-]+\s+\(?\s*")


def _range_of(before: str, text: str, m) -> int | None:
    """Where the range that the statistic `m` opens ends in `text`, or None when it opens none."""
    # (every match of _RANGE_BEFORE_RE ends with its \\s+ at the end of `before`, or before a final
    # newline: `before` then ends with a space character, after one of its words; most end with '('
    # or a word. The words are tested in lower case on an ASCII end only: under IGNORECASE 'ı' and
    # 'ſ' are an 'i' and an 's')
    last = before.rstrip()[-7:]
    worded = before[-1:].isspace() and (not last.isascii() or last.lower().endswith(_RANGE_WORDS)) \
        and _RANGE_BEFORE_RE.search(before) is not None
    gap = (_RANGE_WORDED_RE if worded else _RANGE_BARE_RE).match(text, m.end("value"))
    if gap is not None:
        upper = _MEASURE_RE.match(text, gap.end()) or _NUM_RE.match(text, gap.end())
        if upper is not None:
            return upper.end()
    low = before.lower()  # every match has 'rang' or 'var' (no letter of them folds from another under IGNORECASE)
    if ("rang" in low or "var" in low) and _RANGING_BEFORE_RE.search(before) \
            and (link := _RANGING_LINK_RE.match(text, m.end("value"))) is not None:
        at = link.end()
        for _ in range(4):  # up to three words before the upper end ("to a large d = 0.90")
            if (upper := _MEASURE_RE.match(text, at) or _NUM_RE.match(text, at)) is not None:
                return upper.end()
            if (word := _RANGING_WORD_RE.match(text, at)) is None:
                break
            at = word.end()
    return None


# an upper end: not a number of something ("d = 0.35 to 12-month follow-up", "g = 0.40 – 12 trials, ...")
_NUM_RE = re.compile(NUM + r"(?![\d%])(?!\s*-?\s*(?:months?|weeks?|years?|days?|sessions?|trials?|studies|rcts|"
                     r"patients|participants|people)\b)", re.IGNORECASE)


# The words right after a bare statistic, up to a connector and the next statistic, qualify that statistic
# ("d = 0.28 at post-treatment and d = 0.06 at 6-month follow-up"); the last statistic's words up to the
# sentence end are its own when the one before it had such words (the same parallel shape).
_TRAILING_RE = compile_guarded(
    r"(?P<q>(?:at|on|for|in|after|among|with|during)\s[^,;()=<>\[\]]{1,60}?)\s*,?\s+"
    r"(?:and|but|or|while|whereas|versus|vs\.?)\s*[(\[]?\s*", re.IGNORECASE)
_TRAILING_END_RE = compile_guarded(
    r"(?P<q>(?:at|on|for|in|after|among|with|during)\s[^,;()=<>\[\]]{1,60}?)\s*[)\]]?\s*[.!?]?\s*", re.IGNORECASE)


def _finding(m, before, after, sentence, outcomes, study_k, *, trailing=None, parallel=False):
    # the first measure group that matched (groups 1.. are the measures', in order: one map in C
    # instead of a generator asking for each group by name)
    groups = m.groups()[:len(MEASURES)]
    i = list(map(bool, groups)).index(True)
    code, label = MEASURES[i][1], " ".join(groups[i].split())
    value = to_decimal(m.group("value"))
    fields: dict = {}
    consumed = 0
    low_after, low_before = after.lower(), before.lower()
    # cheap substring tests first: most regexes below cannot match without these letters
    ci = (_CI_LABELLED_RE.search(after) if "ci" in low_after or "c.i" in low_after or "confidence" in low_after
          else None) or _CI_BARE_RE.search(after)
    if ci:
        fields["ci_lower"] = to_decimal(ci.group("lo"))
        fields["ci_upper"] = to_decimal(ci.group("hi"))
        level = ci.groupdict().get("lvl")
        if level:
            fields["ci_level"] = Decimal(level) / 100
        consumed = max(consumed, ci.end())
    p = _P_RE.search(after)
    if p:
        cmp = {"≤": "<", "≥": ">"}.get(p.group("cmp"), p.group("cmp"))
        fields["p_value"] = to_decimal(p.group("v"))
        fields["p_comparator"] = cmp
        consumed = max(consumed, p.end())
    for key, rx, cue in (("se", _SE_RE, "SE"), ("i2", _I2_RE, "I"), ("tau2", _TAU2_RE, "")):
        if cue and cue not in after or not cue and "τ" not in low_after and "tau" not in low_after:
            continue
        hit = rx.search(after)
        if hit:
            fields[key] = to_decimal(hit.group("v"))
            consumed = max(consumed, hit.end())
    while (count := _COUNT_AFTER_RE.match(after, consumed)) is not None:
        consumed = count.end()  # "(k = 12, N = 1,200)" right after the statistic
    close = after[consumed:]
    consumed += len(close) - len(close.lstrip(" )];,"))
    if trailing is not None and consumed < len(after) and (trailing is _TRAILING_RE or parallel) \
            and (words := trailing.fullmatch(after, consumed)):
        before = f"{before} {words.group('q')}"
        low_before = before.lower()
        consumed = words.end()
    scope = before + " " + after[:consumed]
    has_eq = "=" in scope
    k = _K_EQ_RE.search(scope) if has_eq else None
    n = _N_EQ_RE.search(scope) if has_eq else None
    if k:
        fields["k"] = int(k.group("v"))
    elif _could_count(low_before, _STUDY_WORDS) and (kp := list(_K_PROSE_RE.finditer(before))):
        fields["k"] = count_value(kp[-1].group("count"))
    if n:
        n_value = count_value(n.group("v"))
        if not k and n_value in {fields.get("k"), study_k}:
            fields["k"] = n_value  # "(n = 4; SMD ...)" after "4 ... studies": n counts studies
        else:
            fields["n"] = n_value
    elif _could_count(low_before, _PEOPLE_WORDS) and (
            np_ := [m for m in _N_PROSE_RE.finditer(before) if not is_rate(before, m.start())]):
        fields["n"] = count_value(np_[-1].group("count"))
    caveat = (_CAVEAT_RE.search(before) or _CAVEAT_RE.search(after[:consumed])) \
        if _could_count(low_before + " " + low_after[:consumed], _CAVEAT_WORDS) else None
    if caveat:
        fields["caveat"] = " ".join(caveat.group(0).split())
    outcome = outcome_in(before, outcomes)
    if outcome:
        fields["outcome"] = outcome.label
        fields["outcome_id"] = outcome.key
    fields["clause"] = before
    # a copy of a blank finding: a frozen dataclass's __init__ sets its 30 fields one by one
    finding = evolve(_BLANK, measure=code, value=value, sentence=sentence.text, line=sentence.line, label=label,
                     **fields)
    return finding, consumed, _inconsistency(finding)




_OUTCOME_INDEXES: dict[int, tuple] = {}


def _outcome_index(outcomes: tuple[OutcomeTerm, ...]) -> tuple[list[int], dict[str, list[int]], frozenset[str]]:
    """(terms with no words, one of each other term's words -> the terms, those words): the terms
    a clause can match are found from its words instead of trying every term."""
    known = _OUTCOME_INDEXES.get(id(outcomes))
    if known is not None and known[0] is outcomes:
        return known[1:]
    always: list[int] = []
    index: dict[str, list[int]] = {}
    shared = Counter(w for term in outcomes for w in term.words)  # filed under the least shared word (rules.PhraseSet)
    for i, term in enumerate(outcomes):
        if term.words:
            index.setdefault(min(term.words, key=lambda w: (shared[w], -len(w), w)), []).append(i)
        else:
            always.append(i)
    _OUTCOME_INDEXES[id(outcomes)] = (outcomes, always, index, frozenset(index))
    return always, index, frozenset(index)


# people or studies described by what they have: the words after are not the outcome
_PEOPLE_WITH_RE = Caseless(
    r"\b(?:patients|clients|people|participants|individuals|adults|children|adolescents|youths?|those|women|men|"
    r"veterans|students|samples|studies|trials)\s+(?:with|who)\s+(?:[\w\-]+\s+){0,3}$")


def outcome_in(clause: str, outcomes: tuple[OutcomeTerm, ...]) -> OutcomeTerm | None:
    """The outcome whose phrase ends last in the clause (the longest phrase on a tie); a phrase's
    regex runs only when all its words occur in the clause. None when that phrase stands in a
    trailing ", with ..." and another outcome comes before it: "reduced symptoms more than
    waitlist, with a low dropout rate (g = ...)" may measure either."""
    words = set(caseless_words(clause.lower()))
    best: tuple[int, int, OutcomeTerm, int] | None = None  # (end, length, term, start)
    first_ends: dict[str, int] = {}  # where each outcome's first phrase found ends
    always, index, index_words = _outcome_index(outcomes)
    low = lowered(clause)
    for i in sorted(always + [i for w in words & index_words for i in index[w]]):
        term = outcomes[i]
        if term.words and not term.words <= words:
            continue
        for start, end in _spans(term, clause, low):
            if clause.startswith(("-outcome", "\u2013outcome", "\u2010outcome", " - outcome", " \u2013 outcome"), end):
                continue  # "the alliance-outcome correlation": alliance is what outcome is related to
            if start and (" with " in (near := clause[max(0, start - 60): start]) or " who " in near) \
                    and _PEOPLE_WITH_RE.search(near):
                continue  # "in patients with severe symptoms", "adolescents who self-harm": whom, not what was measured
            key = (end, end - start)
            first_ends[term.key] = min(first_ends.get(term.key, end), end)
            if best is None or key > best[:2]:
                best = (*key, term, start)
    if best is None:
        return None
    # only another outcome's phrase before it makes the ", with ..." one doubtful: the same outcome
    # named twice ("reduced dropout ..., with a low dropout rate") is that outcome
    first_end = min((end for key, end in first_ends.items() if key != best[2].key), default=len(clause))
    if first_end < best[3] and ", with " in clause[first_end: best[3]]:
        return None
    return best[2]


def _spans(term: OutcomeTerm, clause: str, low: str | None) -> list[tuple[int, int]]:
    """The spans of `term.pattern.finditer(clause)` (found faster by a rules.Term)."""
    if isinstance(term.term, re.Pattern):
        return [hit.span() for hit in term.term.finditer(clause)]
    return term.term.spans(clause, low)


def _inconsistency(f: Finding) -> str | None:
    # (the finding as shown in a message is written only when there is a message: most have none)
    if f.ci_lower is not None and f.ci_upper is not None:
        if f.ci_lower > f.ci_upper:
            return f"{f.label} = {f.value}: CI lower bound {f.ci_lower} is above the upper bound {f.ci_upper}; " \
                   f"finding left out"
        if not f.ci_lower <= f.value <= f.ci_upper:
            return f"{f.label} = {f.value} lies outside its own CI [{f.ci_lower}, {f.ci_upper}]; finding left out"
    if f.p_value is not None and not Decimal(0) <= f.p_value <= Decimal(1):
        return f"{f.label} = {f.value}: p = {f.p_value} is not a probability; finding left out"
    if f.measure in {"OR", "RR", "HR"} and f.value <= 0:
        return f"{f.label} = {f.value}: a ratio must be positive; finding left out"
    if f.measure == "r" and not all(-1 <= v <= 1 for v in (f.value, f.ci_lower, f.ci_upper) if v is not None):
        return f"{f.label} = {f.value}: a correlation (and its CI) lies between -1 and 1; finding left out"
    return None
