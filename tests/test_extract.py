"""Study facts, disorders, interventions and topics extracted from posts."""

from __future__ import annotations

import pytest

from pprnet_kg.errors import ConfigError
from pprnet_kg.extract import load_rules
from pprnet_kg.extract.entities import find_entries
from pprnet_kg.extract.rules import phrase_pattern
from pprnet_kg.extract.study import study_counts, study_facts

RULES = load_rules()


def by_month(real_build):
    return [p for p in real_build.extraction.posts]


def test_real_page_study_facts(real_build):
    facts = [(p.study.design, p.study.k_studies, p.study.n_participants, p.study.n_qualifier)
             for p in real_build.extraction.posts]
    assert facts == [
        ("meta-analysis", 18, 1734, None),
        ("qualitative meta-synthesis", None, None, None),
        ("meta-analysis", None, None, None),  # 13 and 42 studies in two analyses: no single k
        ("individual-participant-data meta-analysis", 17, 5000, "over"),
        ("naturalistic / practice-based study", None, 26000, "over"),
        ("meta-analysis", 4, None, None),
    ]


def test_background_counts_are_not_study_counts():
    k, n, _ = study_counts("In Canada over 1 million people use therapy, so 5% would be 50,000 individuals. "
                           "In this trial, 120 patients took part.")
    assert (k, n) == (None, 120)


def test_number_words_inside_other_words_are_not_counts():
    # regression: "often" held a "ten" (k = 10) and "someone" a "one"
    assert study_counts("Reviews often pool studies of adults. Someone in this review included 40 participants.") == (None, 40, None)
    assert study_counts("In this review, twenty-one trials were pooled.")[0] == 21


def test_real_page_conditions_and_interventions(real_build):
    got = [([m.key for m in p.conditions], [m.key for m in p.interventions]) for p in real_build.extraction.posts]
    assert got[0] == (["depression", "anxiety"], ["cbt", "dbt", "psychodynamic", "medication"])
    assert got[1] == ([], [])
    assert got[2][1] == ["eft"]
    assert got[4][0] == ["depression", "anxiety"]
    assert set(got[4][1]) == {"cbt", "psychodynamic", "person-centred", "supportive-therapy"}
    assert got[5] == ([], ["videoconferencing"])


def test_real_page_topics_with_matched_terms(real_build):
    topics = [{m.label: m.terms for m in p.topics} for p in real_build.extraction.posts]
    assert "Alliance and Therapeutic Relationship" in topics[3]
    assert "alliance" in topics[3]["Alliance and Therapeutic Relationship"]
    assert "Alliance and Therapeutic Relationship" in topics[5]
    assert {"Medications/Pharmacotherapy", "Anxiety Disorders", "Depression and Depressive Symptoms"} <= set(topics[0])
    assert "Practice-Based Research and Practice Research Networks" in topics[4]
    assert "Outcomes and Deterioration" in topics[1]
    scheme = set(real_build.extraction.topics)
    assert all(set(t) <= scheme for t in topics)  # rules only assign labels of the scheme


def test_every_topic_rule_is_a_label_of_the_real_scheme(real_build):
    assert {t.label for t in RULES.topics} == set(real_build.extraction.topics)


def test_lexicon_identifiers_are_well_formed_and_keys_unique():
    entries = RULES.disorders + RULES.interventions
    assert len({e.key for e in RULES.disorders}) == len(RULES.disorders)
    for entry in entries:
        assert all(m.startswith("D") and m[1:].isdigit() for m in entry.mesh), entry.key
        assert all(q.startswith("Q") and q[1:].isdigit() for q in entry.wikidata), entry.key


@pytest.mark.parametrize("text, key", [
    ("treated with cognitive-behavioral therapy", "cbt"),
    ("treated with Cognitive Behavioural Therapy", "cbt"),
    ("a course of CBT", "cbt"),
    ("patients with mood or anxiety disorders", "depression"),
    ("post-traumatic stress disorder", "ptsd"),
])
def test_lexicon_matching(text, key):
    keys = {m.key for m in find_entries(text, RULES.disorders + RULES.interventions)}
    assert key in keys


def test_abbreviations_are_case_sensitive():
    assert not phrase_pattern("CBT").search("the word cbt in lower case")
    assert phrase_pattern("CBT").search("offered CBT.")
    assert phrase_pattern("follow up").search("at follow-up")


def test_rule_phrases_are_compiled_only_when_a_text_has_their_words(tmp_path):
    """Loading the rules compiles no phrase regex (that cost every command ~0.2 s at start);
    a phrase's regex is compiled the first time a text holds all its words, and matches as before."""
    rules = load_rules()
    terms = [t for entries in (rules.disorders, rules.finding_interventions, rules.topics, rules.designs,
                               rules.comparators) for e in entries for t in e.terms]
    assert terms and not any("pattern" in t.__dict__ or "anchored" in t.__dict__ for t in terms)
    found = find_entries("Cognitive behavioural therapy reduced depression.", rules.finding_interventions)
    assert "cbt" in {m.key for m in found}
    compiled = [t for t in terms if "anchored" in t.__dict__]
    assert compiled and len(compiled) < len(terms) / 10
    assert all(t.words <= {"cognitive", "behavioural", "therapy", "reduced", "depression"} for t in compiled)
    # an empty phrase is still refused when the rules are loaded, not when first used
    for name in ("lexicon.toml", "designs.toml", "outcomes.toml", "topic_rules.toml", "comparators.toml"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "designs.toml").write_text('[[design]]\nkey = "x"\nlabel = "X"\nphrases = ["   "]\n',
                                          encoding="utf-8")
    with pytest.raises(ConfigError, match="phrase"):
        load_rules(tmp_path)


def test_broken_rule_file_is_a_config_error(tmp_path):
    for name in ("lexicon.toml", "designs.toml", "outcomes.toml", "topic_rules.toml"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "designs.toml").write_text("[[design]\nkey=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_rules(tmp_path)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_WORDS = st.sampled_from(["CBT", "cbt", "cognitive", "behavioural", "therapy", "group", "Group", "anxiety",
                          "disorders", "mood", "or", "PTSD", "post", "traumatic", "-", "\u2010", " ", ",", "."])


@settings(max_examples=200, deadline=None)
@given(st.lists(_WORDS, max_size=30).map(" ".join))
def test_fast_phrase_search_finds_exactly_what_the_regex_finds(text):
    for entries in (RULES.disorders, RULES.interventions, RULES.topics):
        for entry in entries:
            for term in entry.terms:
                expected = [m.group(0).lower() for m in term.pattern.finditer(text)]
                assert term.find_all(text, text.lower()) == expected, term.phrase


@pytest.mark.parametrize("summary, design", [
    ("Several meta-analyses indicate that feedback helps. In this randomized controlled trial, Rivera and colleagues "
     "assigned 120 clients to feedback or usual care.", "randomized trial"),
    ("Meta-analyses indicate that the alliance predicts outcome. In this study of 300 clients seen in routine care, "
     "Osei and colleagues tracked the alliance session by session.", "naturalistic / practice-based study"),
    ("A previous meta-analysis found small effects. In this systematic review, Lind and colleagues gathered "
     "21 trials.", "systematic review"),
    ("In this individual participant data meta-analysis, Okafor and colleagues pooled 14 randomized controlled "
     "trials.", "individual-participant-data meta-analysis"),
    ("Meta-analyses indicate that therapists differ in their effects. Many clients drop out early.", None),
])
def test_design_is_what_the_summarised_study_is_not_a_background_mention(summary, design):
    facts = study_facts("", f"A Post Title. {summary}", summary, RULES.designs, "article-journal")
    assert facts.design == design


def test_design_in_the_post_title_or_cited_title_still_counts():
    summary = "Meta-analyses indicate that feedback helps. Rivera and colleagues followed 40 clients."
    assert study_facts("", f"Feedback in Routine Care: A Meta-Analysis. {summary}", summary, RULES.designs,
                       "article-journal").design == "meta-analysis"
    assert study_facts("A randomized controlled trial of feedback", f"A Post. {summary}", summary, RULES.designs,
                       "article-journal").design == "randomized trial"
    assert study_facts("Psychotherapy for depression: a systematic review of meta-analyses", f"A Post. {summary}",
                       summary, RULES.designs, "article-journal").design == "systematic review"


_N_REFERENCE = __import__("re").compile(  # the one pattern study.n_counts stands for (qualifier tried everywhere)
    r"(?P<qual>over|more\s+than|almost|nearly|about|approximately|around|roughly|under|fewer\s+than)?\s*"
    r"(?P<count>\d[\d,]*)(?!\s+(?:in|out\s+of|of\s+every)\s+(?:\d|(?:one|two|seven|ten)\b))"
    r"\s+(?:[\w-]+\s+){0,2}?(?:participants|patients|clients|individuals|adults|"
    r"children|adolescents|youths?|subjects|veterans|people)\b"
    r"(?!\s+(?:would\s+|will\s+)?(?:need|needs|needed|must|have|has|had)\s+to\s+(?:be\s+treated|treat|receive|get|undergo))",
    __import__("re").IGNORECASE)
_RATE_REFERENCE = __import__("re").compile(r"(?:^|[^\w.,])(?:\d[\d,.]*|one|two|seven|ten)\s+(?:in|out\s+of|of\s+every)\s+$",
                                           __import__("re").IGNORECASE)
_N_PIECES = ["over", "more than", "More  than", "almost", "nearly", "about", "Approximately", "around", "roughly",
             "under", "fewer than", "moreover", "1,200", "5000", "40", "3", "patients", "Participants", "older",
             "adults", "people", "youth", "with", "and", "(", ")", ",", ".", "é", "–", "k", "studies", "N", "=",
             "  ", "\n", "in", "out of", "of every", "one", "seven", "needed to be treated", "would need to receive"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_N_PIECES), max_size=16).map(" ".join))
def test_n_counts_finds_what_one_pattern_with_an_optional_qualifier_finds(sentence):
    from pprnet_kg.extract.study import n_counts

    expected = [(int(m.group("count").replace(",", "")),
                 " ".join(m.group("qual").lower().split()) if m.group("qual") else None)
                for m in _N_REFERENCE.finditer(sentence)
                if not _RATE_REFERENCE.search(sentence[max(0, m.start("count") - 40): m.start("count")])]
    assert list(n_counts(sentence)) == expected


@pytest.mark.parametrize("summary, n", [
    ("The authors pooled 54 studies. About 7 patients needed to be treated for one more to respond.", None),
    ("The authors pooled 54 studies. In these studies one in 5 clients deteriorated.", None),
    ("The authors pooled 54 studies with 3,946 patients. About 7 patients needed to be treated for one more to "
     "respond.", 3946),
])
def test_study_n_is_not_a_number_needed_to_treat_or_a_rate(summary, n):
    assert study_facts("", f"A Post. {summary}", summary, RULES.designs, "article-journal").n_participants == n


@pytest.mark.parametrize("summary, k, n", [
    ("Driessen and colleagues pooled 54 studies (N = 3,946).", 54, 3946),
    ("The authors found 12 trials (k = 12, N = 1,020) of group therapy.", 12, 1020),
    ("The authors found 12 trials (N = 1,020 patients) of group therapy.", 12, 1020),
    ("The authors found 4 studies (n = 4) of group therapy.", 4, None),  # n counts the studies
    ("The authors found 12 trials (N = 1,020); the authors also found 240 patients in registries.", 12, None),
])
def test_study_n_in_brackets_after_the_studies(summary, k, n):
    facts = study_facts("", f"A Post. {summary}", summary, RULES.designs, "article-journal")
    assert (facts.k_studies, facts.n_participants) == (k, n)


def _post_conditions(cited_title: str, summary: str) -> list[str]:
    from pprnet_kg.extract import extract_post
    from pprnet_kg.model import Page
    from pprnet_kg.parse import parse_page

    citation = f"Rivera, A., & Chen, B. (2019). {cited_title}. Journal of Tests, 1(2), 3-4."
    text = f"Blog\nMarch 2019\nA Post Title\n{citation}\n{summary}\nPractice Implications\nUse it.\n"
    [raw] = parse_page(Page("t.txt", tuple(text.splitlines()))).posts
    return [m.key for m in extract_post(raw, RULES).conditions]


def test_the_article_s_title_names_its_conditions_before_the_summary_does():
    """Outcomes and comorbidities named in the summary are not what the article studied."""
    summary = "CBT helped (g = 0.50), and effects on anxiety (g = 0.40) were also found."
    assert _post_conditions("Cognitive therapy for adult depression: a meta-analysis", summary) == ["depression"]
    # a title that names none: the summary's, as before
    assert _post_conditions("What five decades of research tell us", summary) == ["anxiety"]
