"""extract/findings.py: effect statistics -> findings."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pprnet_kg.extract import load_rules
from pprnet_kg.extract.findings import extract_findings
from pprnet_kg.model import TextLine

OUTCOME_RULES = load_rules()  # loaded once: hypothesis runs a test body many times
OUTCOMES = OUTCOME_RULES.outcomes


def one(text, **kw):
    findings, problems = extract_findings((TextLine(3, text),), source="t.txt", outcomes=OUTCOMES, **kw)
    assert not problems, problems
    assert len(findings) == 1, findings
    return findings[0]


def key(f):
    return (f.measure, f.value, f.ci_lower, f.ci_upper, f.ci_level, f.p_comparator, f.p_value, f.k, f.n)


def test_every_statistic_on_the_real_page(real_build):
    got = {p.raw.month + " " + p.raw.title[:12]: [key(f) for f in p.findings] for p in real_build.extraction.posts}
    assert got == {
        "2020-12 Psychotherap": [
            ("SMD", D("0.45"), D("0.16"), D("0.75"), D("0.95"), None, None, None, None),
            ("SMD", D("0.359"), D("-0.349"), D("1.068"), D("0.95"), ">", D("0.05"), None, None),
        ],
        "2020-12 How Does The": [],
        "2020-11 Therapist an": [
            ("r", D("0.28"), D("0.17"), D("0.35"), D("0.95"), None, None, 13, None),
            ("r", D("0.40"), D("0.32"), D("0.48"), D("0.95"), None, None, 42, None),
        ],
        "2020-09 The Reciproc": [
            ("B", D("-0.065"), D("-0.092"), D("-0.038"), D("0.95"), "<", D("0.0001"), None, None),
            ("B", D("-0.148"), D("-0.215"), D("-0.081"), D("0.95"), "<", D("0.0001"), None, None),
        ],
        "2020-08 Why Does Whe": [],
        "2020-07 Is the Thera": [
            ("SMD", D("-0.30"), D("-0.67"), D("0.07"), D("0.95"), "=", D("0.11"), 4, None),
            ("SMD", D("-0.03"), D("-0.45"), D("0.40"), D("0.95"), "=", D("0.90"), 4, None),
        ],
    }


def test_real_page_outcomes_caveats_and_evidence(real_build):
    findings = [f for p in real_build.extraction.posts for f in p.findings]
    assert [f.outcome for f in findings] == [
        # the second December finding continues the first ("The positive effects ..."): same outcome
        "symptoms", "symptoms", "client outcomes", "client outcomes", "symptoms", "alliance", "alliance", "symptoms"]
    assert [f.caveat for f in findings] == [
        None, "did not hold up", None, None, None, None, "not statistically significant", None]
    assert [f.label for f in findings][4:6] == ["B adjusted", "B adjusted"]
    assert all("=" in f.sentence and f.line in {48, 59, 65, 76} for f in findings)


@pytest.mark.parametrize("text, expected", [
    ("(SMD = 0.45; 95% CI: 0.16, 0.75)", ("SMD", D("0.45"), D("0.16"), D("0.75"), D("0.95"), None, None, None, None)),
    ("r = .28 (95% CI: .17, .35)", ("r", D("0.28"), D("0.17"), D("0.35"), D("0.95"), None, None, None, None)),
    ("(B adjusted = -.065 (95% CI [-.092, -.038]; p < .0001))",
     ("B", D("-0.065"), D("-0.092"), D("-0.038"), D("0.95"), "<", D("0.0001"), None, None)),
    ("SMD = −0.03; 95% CI [−0.45, 0.40], p = 0.90",
     ("SMD", D("-0.03"), D("-0.45"), D("0.40"), D("0.95"), "=", D("0.90"), None, None)),
    ("Hedges' g = 0.62, 95% CI 0.41 to 0.83", ("g", D("0.62"), D("0.41"), D("0.83"), D("0.95"), None, None, None, None)),
    ("Hedges’ g = 0.62 (k = 9)", ("g", D("0.62"), None, None, None, None, None, 9, None)),
    ("OR = 2.10, 95% CI: 1.35–3.27", ("OR", D("2.10"), D("1.35"), D("3.27"), D("0.95"), None, None, None, None)),
    ("risk ratio 0.81; 95% CI 0.70 to 0.95", ("RR", D("0.81"), D("0.70"), D("0.95"), D("0.95"), None, None, None, None)),
    ("d = 0.44 [0.20, 0.68]", ("d", D("0.44"), D("0.20"), D("0.68"), None, None, None, None, None)),
    ("β = −.23, p = .01", ("beta", D("-0.23"), None, None, None, "=", D("0.01"), None, None)),
    ("HR = 0.70 (90% CI 0.55–0.89)", ("HR", D("0.70"), D("0.55"), D("0.89"), D("0.90"), None, None, None, None)),
    ("g = 0.50 (k = 12, N = 1,200)", ("g", D("0.50"), None, None, None, None, None, 12, 1200)),
    ("NNT = 5", ("NNT", D("5"), None, None, None, None, None, None, None)),
])
def test_statistic_formats(text, expected):
    assert key(one(text)) == expected


def test_se_i2_and_tau2_belong_to_their_finding():
    f = one("b = −0.31, SE = 0.09, I² = 64%, τ² = 0.05")
    assert (f.measure, f.value, f.se, f.i2, f.tau2) == ("B", D("-0.31"), D("0.09"), D("64"), D("0.05"))


def test_n_that_counts_studies_is_read_as_k():
    f = one("They found 4 randomized studies (n = 4; SMD = -0.30; 95% CI: -0.67, 0.07; p = 0.11).")
    assert (f.k, f.n) == (4, None)
    f = one("(n = 4; SMD = -0.30; 95% CI: -0.67, 0.07)", study_k=4)
    assert (f.k, f.n) == (4, None)
    f = one("(n = 120; SMD = -0.30; 95% CI: -0.67, 0.07)", study_k=4)
    assert (f.k, f.n) == (None, 120)


@pytest.mark.parametrize("text, k, n", [
    # regression: the "ten" of "often" and the "one" of "someone" were read as counts
    ("Reviews often pool studies of adults (g = 0.40).", None, None),
    ("Someone recruited patients for it (g = 0.40).", None, None),
    ("Across twenty-one studies with 900 clients (g = 0.40).", 21, 900),
    ("Across Twenty four trials (g = 0.40).", 24, None),
])
def test_counts_in_words_are_whole_numbers(text, k, n):
    f = one(text)
    assert (f.k, f.n) == (k, n)


@pytest.mark.parametrize("text", [
    "About 40% of patients do not respond to treatment.",
    "Average age was 38.4 years (SD = 12.94) and 69.3% were women.",
    "In Canada, over 1 million people use psychotherapy each year.",
    "The odds ratio was not reported.",
    "Dropout was 33% (range: 23.4% to 75.2%).",
])
def test_background_figures_are_not_findings(text):
    findings, problems = extract_findings((TextLine(1, text),), source="t.txt")
    assert findings == [] and problems == []


@pytest.mark.parametrize("text, kept, reported", [
    # regression: each end of a range became a finding with that end as its effect
    ("Effect sizes ranged from g = 0.20 to g = 0.80 across the trials.", [], "g = 0.20 to g = 0.80"),
    ("Effects ranged from d = 0.2 to 0.8.", [], "d = 0.2 to 0.8"),
    ("Correlations ranging from r = .10 to r = .40 were found.", [], "r = .10 to r = .40"),
    ("Across outcomes, effect sizes were between d = 0.30 and d = 0.50.", [], "d = 0.30 and d = 0.50"),
    ("Study effects ranged from g = -0.10 to 1.20, and the pooled effect was g = 0.45 (95% CI 0.30 to 0.60).",
     [D("0.45")], "g = -0.10 to 1.20"),
    ("Effects were moderate (g = 0.3-0.5).", [], "g = 0.3-0.5"),
    ("Effects were moderate (g = 0.3 \u2013 0.5) for anxiety.", [], "g = 0.3 \u2013 0.5"),
    ("Correlations were r = .10 to .40 across studies.", [], "r = .10 to .40"),
    # regression: words or brackets between 'ranged from' and the ends made each end an effect
    ("Across the trials, effects ranged from small (d = 0.2) to large (d = 0.8).", [], "d = 0.2) to large (d = 0.8"),
    ("Trial estimates ranged from g = 0.15 in waitlist-controlled studies to g = 0.70 in studies with active "
     "controls.", [], "g = 0.15 in waitlist-controlled studies to g = 0.70"),
    ("Effects varied from a small d = 0.20 to a large d = 0.90.", [], "d = 0.20 to a large d = 0.90"),
    ("Estimates varied between studies, from g = 0.05 in the largest to g = 0.95 in the smallest.", [],
     "g = 0.05 in the largest to g = 0.95"),
    # not ranges: a change from a starting point, two effects at two times, a comparison "between" groups,
    # a value and its CI, a dash that starts words
    ("The effect was g = 0.5 \u2013 a moderate one.", [D("0.5")], None),
    ("The effect was d = 0.44 (0.20-0.68).", [D("0.44")], None),
    ("Symptoms improved from baseline, d = 0.5 (95% CI 0.3 to 0.7).", [D("0.5")], None),
    ("The effect was small at follow-up (d = 0.20) and large at post-treatment (d = 0.80).", [D("0.20"), D("0.80")],
     None),
    ("The difference between CBT and waitlist was g = 0.80 (95% CI 0.5 to 1.1).", [D("0.80")], None),
    ("The effect fell from d = 0.50 at post-treatment to d = 0.20 at follow-up.", [D("0.50"), D("0.20")], None),
    # regression: a number of months or trials after 'to' or a dash was taken for the upper end of a range
    ("Gains were maintained at d = 0.35 to 12-month follow-up.", [D("0.35")], None),
    ("The pooled effect was g = 0.40 \u2013 12 trials, 1,100 patients \u2013 in favour of CBT.", [D("0.40")], None),
    ("Effects ranged widely, and the pooled effect was g = 0.45 (95% CI 0.30 to 0.60) for depression and "
     "g = 0.30 for anxiety.", [D("0.45"), D("0.30")], None),
])
def test_a_range_of_effects_is_reported_not_taken_for_effects(text, kept, reported):
    findings, problems = extract_findings((TextLine(4, text),), source="t.txt", post_id="p")
    assert [f.value for f in findings] == kept
    if reported is None:
        assert problems == []
    else:
        assert [(p.line, p.stage, p.post_id) for p in problems] == [(4, "findings", "p")]
        assert f"a range of effects, not one effect ({reported})" in problems[0].message


def test_a_ci_in_brackets_may_join_its_bounds_with_a_hyphen():
    f = one("The effect was d = 0.44 (0.20-0.68).")
    assert (f.ci_lower, f.ci_upper) == (D("0.20"), D("0.68"))
    f = one("The effect was g = 0.30 (-0.10-0.70).")
    assert (f.ci_lower, f.ci_upper) == (D("-0.10"), D("0.70"))


def test_inconsistent_statistics_are_reported_not_kept():
    text = ("The effect was r = .90 (95% CI: .10, .30) and a ratio OR = 0 (95% CI: 0, 2). "
            "A fine one was r = .20 (95% CI: .10, .30). Another had g = 0.1, p = 3.")
    findings, problems = extract_findings((TextLine(9, text),), source="t.txt", post_id="p")
    assert [f.value for f in findings] == [D("0.20")]
    assert len(problems) == 3 and all(p.line == 9 and p.stage == "findings" and p.post_id == "p" for p in problems)
    assert "outside its own CI" in problems[0].message
    assert "ratio must be positive" in problems[1].message
    assert "not a probability" in problems[2].message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | st.from_regex(r"(SMD|r|OR|g|B adjusted) = -?\d?\.\d{1,3}( \(95% CI: -?\.\d, -?\.\d\))?"))
def test_any_text_never_crashes_and_kept_findings_are_consistent(text):
    findings, problems = extract_findings((TextLine(1, text),), source="fuzz.txt")
    for f in findings:
        if f.ci_lower is not None:
            assert f.ci_lower <= f.value <= f.ci_upper
    assert all(p.stage == "findings" for p in problems)


# ------------------------------------------------ what each finding is evidence of (PICO)

def _by_month(real_build, month):
    return [f for p in real_build.extraction.posts if p.raw.month == month for f in p.findings]


def test_december_2020_is_psychotherapy_added_after_non_response(real_build):
    first, second = _by_month(real_build, "2020-12")
    for f in (first, second):
        assert f.kind == "comparison"
        assert f.intervention == "adding psychotherapy after previous treatment non-response"
        assert f.intervention_ids == ("psychotherapy",)  # not medication, the treatment that had failed
        assert f.population == "treatment non-responders" and f.outcome_id == "symptom-severity"
        assert f.adjusted == ("publication bias",)  # the first: "even with that downward adjustment"
    assert (first.timepoint, second.timepoint) == (None, "follow-up")
    assert first.comparator is None and first.favours is None  # the text names no comparator


def test_november_2020_exposures_differ_therapist_and_client(real_build):
    therapist, client = _by_month(real_build, "2020-11")
    assert (therapist.kind, client.kind) == ("association", "association")
    assert therapist.exposure == "therapists’ expression of affect during therapy"
    assert client.exposure == "client expression of affect during therapy"
    assert therapist.outcome_id == client.outcome_id == "client-outcomes"


def test_september_2020_exposure_and_outcome_swap(real_build):
    first, second = _by_month(real_build, "2020-09")
    assert (first.exposure, first.outcome_id) == ("high alliance at a preceding session", "symptom-severity")
    assert (second.exposure, second.outcome_id) == ("higher symptoms at the start of a session", "alliance")
    assert first.timepoint == second.timepoint == "session-level"
    assert first.adjusted == ("unspecified",)  # "B adjusted": adjusted, for what is not said


def test_july_2020_videoconferencing_against_face_to_face(real_build):
    alliance, symptoms = _by_month(real_build, "2020-07")
    for f in (alliance, symptoms):
        assert (f.kind, f.intervention_ids, f.comparator_id) == ("comparison", ("videoconferencing",), "face-to-face")
    assert (alliance.outcome_id, symptoms.outcome_id) == ("alliance", "symptom-severity")
    # the practice implications quote SMD = -0.30 as a small advantage for face to face therapy
    assert (alliance.favours, symptoms.favours) == ("comparator", None)


def test_every_decision_records_its_words(real_build):
    for f in (f for p in real_build.extraction.posts for f in p.findings):
        decided = {name for name, _ in f.matched}
        for field in ("kind", "exposure", "timepoint", "favours"):
            if getattr(f, field):
                assert field in decided or "continues" in decided, (field, f.sentence)


@pytest.mark.parametrize("text, expected", [
    ("Relative to wait-list controls, CBT led to larger gains (g = 0.60, 95% CI 0.40, 0.80).",
     {"kind": "comparison", "intervention_ids": ("cbt",), "comparator_id": "waitlist"}),
    ("CBT did better than treatment as usual on depressive symptoms (d = 0.35, 95% CI 0.10 to 0.60).",
     {"kind": "comparison", "intervention_ids": ("cbt",), "comparator_id": "usual-care", "favours": "intervention",
      "outcome_id": "symptom-severity"}),
    ("The alliance correlated with dropout (r = -.20, 95% CI -.30, -.10).",
     {"kind": "association", "exposure": "alliance", "outcome_id": "dropout"}),
    ("Six months after treatment ended, the effect of DBT over usual care on self-harm remained "
     "(SMD = 0.30, 95% CI 0.05, 0.55).",
     {"timepoint": "follow-up", "timepoint_months": D(6), "comparator_id": "usual-care"}),
    ("Once the estimate was corrected for small-study bias, the effect shrank (SMD = 0.20, 95% CI 0.01, 0.39).",
     {"adjusted": ("small-study bias",)}),
    ("Clients improved from pre to post treatment (d = 1.10, 95% CI 0.90, 1.30).",
     {"kind": "within-group", "intervention": None, "comparator": None}),
])
def test_pico_shapes(text, expected):
    from pprnet_kg.extract import load_rules
    from pprnet_kg.extract.pico import annotate

    rules = load_rules()
    findings, _ = extract_findings((TextLine(3, text),), source="t.txt", outcomes=rules.outcomes)
    [f] = annotate(findings, summary=text, implications="", rules=rules, post_conditions=())
    assert {k: getattr(f, k) for k in expected} == expected, f.matched


# ------------------------------------------------ statistics in any reasonable wording

@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_any_wording_of_a_statistic_is_read_right(seed):
    import random

    from pprnet_kg.statwords import draw, sentence

    rng = random.Random(seed)
    stat = draw(rng)
    text = sentence(rng, stat)
    findings, problems = extract_findings((TextLine(1, text),), source="t.txt")
    assert problems == [], text
    assert [(f.measure, f.value, f.ci_lower, f.ci_upper) for f in findings] == [
        (stat.measure, stat.value, stat.ci_lower, stat.ci_upper)], text


@pytest.mark.parametrize("text, expected", [
    ("The odds ratio for relapse was 0.62 (0.45 to 0.85).", ("OR", D("0.62"), D("0.45"), D("0.85"))),
    ("a correlation of .31 between alliance and outcome (95% CI .25, .37)", ("r", D("0.31"), D("0.25"), D("0.37"))),
    ("Cohen's d in favour of CBT: 0.52, 95% confidence interval 0.30 to 0.74", ("d", D("0.52"), D("0.30"), D("0.74"))),
    ("number needed to treat of 6", ("NNT", D("6"), None, None)),
    ("standardized mean difference −0.41; 95% CI −0.60 to −0.22", ("SMD", D("-0.41"), D("-0.60"), D("-0.22"))),
    ("hazard ratio 0.71 [0.58, 0.87]", ("HR", D("0.71"), D("0.58"), D("0.87"))),
    ("beta was .12 (p < .01)", ("beta", D("0.12"), None, None)),
    ("b = 0.8, 95% CI 0.2, 1.4", ("B", D("0.8"), D("0.2"), D("1.4"))),
])
def test_measures_in_words(text, expected):
    f = one(text)
    assert (f.measure, f.value, f.ci_lower, f.ci_upper) == expected


@pytest.mark.parametrize("text", [
    "Beta blockers were used in 12 studies.",
    "Patients chose therapy or 2 sessions of counselling.",
    "A correlation in 12 studies was not reported.",
    "The hazard ratio could not be estimated in 3 trials.",
    "In 2019, 45% of clinicians reported using CBT.",
])
def test_words_that_look_like_measures_are_not_findings(text):
    findings, problems = extract_findings((TextLine(1, text),), source="t.txt")
    assert findings == [] and problems == []


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_a_pre_post_effect_is_within_group_never_a_comparison(seed):
    import random

    from pprnet_kg.extract.pico import annotate
    from pprnet_kg.statwords import draw

    rng = random.Random(seed)
    stat = draw(rng, rng.choice(["d", "g", "SMD"]))
    lead = rng.choice(["From pre to post treatment, clients improved", "Pre-post change within the CBT group was",
                       "Within-group effects from baseline to the end of therapy were"])
    text = f"{lead} {stat.text}."
    rules = OUTCOME_RULES
    findings, _ = extract_findings((TextLine(1, text),), source="t.txt", outcomes=rules.outcomes)
    [f] = annotate(findings, summary=text, implications="", rules=rules, post_conditions=())
    assert f.kind == "within-group" and f.comparator is None, text


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["usual care", "those who received", "the patients in", "waitlist", "CBT", " ", "  ",
                                 ",", ";", "(", ")", "for", "on its own", "on", "but", "was", "in terms", "a", "the",
                                 "x", "\n", "formats", "led"]), max_size=12).map(" ".join))
def test_comparator_words_match_the_plain_regex(text):
    """The fast comparator search gives what the one regex gives (it tries the stop everywhere)."""
    from pprnet_kg.extract.comparators import _COMPARATOR_RE, _comparator_words

    plain = _COMPARATOR_RE.match(text)
    assert _comparator_words(text) == (plain.group("y") if plain else None)


@pytest.mark.parametrize("text, n", [
    ("About 7 patients needed to be treated for one more to respond (NNT = 7).", None),
    ("Five clients would need to receive therapy for one to benefit (NNT = 5).", None),
    ("Roughly one in seven patients deteriorated (OR = 0.57, 95% CI 0.41-0.79).", None),
    ("Three out of 10 clients dropped out (OR = 1.40, 95% CI 1.10-1.80).", None),
    ("In 1,200 patients the effect was small (g = 0.21).", 1200),  # "in" alone: how many took part
    ("Of 340 clients, those with feedback improved more (g = 0.30).", 340),
])
def test_the_number_needed_to_treat_and_rates_are_not_how_many_took_part(text, n):
    assert one(text).n == n


@pytest.mark.parametrize("text, message", [
    ("The pooled effect was d = 1e5 in 12 studies.", "d = 1e5: not a number"),
    ("The effect was g = 0.4x overall.", "g = 0.4x: not a number"),
    ("CBT outperformed waitlist (g = 0·45, 95% CI 0·30–0·60).", "g = 0·45: not a number"),  # was g = 0
    ("The effect was d = 0,45 in European trials.", "d = 0,45: not a number"),  # was d = 0
    ("Alliance and outcome correlated, r = 1.7.", "r = 1.7: a correlation (and its CI) lies between -1 and 1"),
    ("Alliance and outcome correlated, r = .30 (95% CI .10 to 1.20).", "a correlation (and its CI) lies between"),
])
def test_impossible_or_malformed_statistics_are_reported_not_recorded(text, message):
    findings, problems = extract_findings((TextLine(3, text),), source="t.txt", outcomes=OUTCOMES)
    assert findings == []
    assert message in problems[0].message
    assert problems[0].line == 3


def test_a_correlation_at_its_bounds_is_kept():
    assert one("Scores were related, r = -1.0 (95% CI -1.0, -0.9).").value == D("-1.0")


@pytest.mark.parametrize("text, expected", [
    ("Remission was more likely (odds ratio [OR], 2.10; 95% CI, 1.50-2.94).", ("OR", D("2.10"), D("1.50"), D("2.94"))),
    ("Effects were larger (standardized mean difference [SMD], -0.52; 95% CI, -0.70 to -0.34).",
     ("SMD", D("-0.52"), D("-0.70"), D("-0.34"))),
])
def test_a_measure_with_its_abbreviation_in_brackets_is_read(text, expected):
    f = one(text)
    assert (f.measure, f.value, f.ci_lower, f.ci_upper) == expected
