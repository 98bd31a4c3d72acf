"""extract/pico.py and qualifiers.py: wordings that gave a wrong PICO value (regression tests).

Every sentence here is invented. A wrong value is worse than a missing one, so several tests
only ask that a field is not the wrong value.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pprnet_kg.extract import load_rules
from pprnet_kg.extract.findings import extract_findings
from pprnet_kg.extract.pico import annotate
from pprnet_kg.model import TextLine

RULES = load_rules()


def annotated(summary: str, implications: str = ""):
    findings, problems = extract_findings((TextLine(1, summary),), source="t.txt", outcomes=RULES.outcomes)
    assert not problems, problems
    return annotate(findings, summary=summary, implications=implications, rules=RULES, post_conditions=())


def one(summary: str, implications: str = ""):
    [f] = annotated(summary, implications)
    return f


def fields(f, names):
    return {k: getattr(f, k) for k in names}


def test_a_word_ending_like_a_tail_word_is_not_cut():
    """'care' ends in 'are' and 'pain' in 'in': the words before a statistic kept whole."""
    f = one("Group CBT lowered relapse compared with usual care (HR = 0.70, 95% CI 0.55, 0.90).")
    assert (f.comparator, f.comparator_id) == ("usual care", "usual-care")
    f = one("CBT beat waitlist on chronic pain (g = 0.40, 95% CI 0.20, 0.60).")
    assert f.comparator == "waitlist"


def test_change_against_baseline_is_within_group():
    f = one("Compared with baseline, symptoms were lower at discharge (d = 0.90, 95% CI 0.70, 1.10).")
    assert (f.kind, f.comparator) == ("within-group", None)


def test_change_from_baseline_compared_with_a_comparator_is_a_comparison():
    f = one("Reductions from baseline were greater for CBT than for usual care (d = 0.50, 95% CI 0.30, 0.70).")
    assert fields(f, ("kind", "intervention_ids", "comparator_id")) == {
            "kind": "comparison", "intervention_ids": ("cbt",), "comparator_id": "usual-care"}


def test_associated_with_more_than_a_comparator_is_a_comparison():
    f = one("Apps were associated with larger gains than waitlist (g = 0.50, 95% CI 0.30, 0.70).")
    assert fields(f, ("kind", "exposure", "comparator_id")) == {
        "kind": "comparison", "exposure": None, "comparator_id": "waitlist"}
    f = one("Compared to control groups, apps were associated with smaller gains (g = 0.20, 95% CI 0.05, 0.35).")
    assert (f.kind, f.exposure) == ("comparison", None)
    # a correlation stays an association
    f = one("The alliance was associated with outcome more strongly than in controls (r = .30, 95% CI .20, .40).")
    assert f.kind == "association"


@pytest.mark.parametrize("text", [
    # "over" a stretch of time
    "Symptoms declined over the course of schema therapy (d = 0.90, 95% CI 0.70, 1.10).",
    "Symptoms declined over 20 sessions of CBT (d = 0.90, 95% CI 0.70, 1.10).",
    # people or studies after "than"
    "Women improved more than men in group therapy (d = 0.25, 95% CI 0.05, 0.45).",
    "Effects were larger than those of studies with CBT (g = 0.40, 95% CI 0.20, 0.60).",
])
def test_a_time_or_people_after_the_cue_is_no_comparison(text):
    f = one(text)
    assert (f.kind, f.comparator) == (None, None)


def test_a_phrase_inside_a_longer_one_is_not_a_second_intervention():
    f = one("Short-term psychodynamic psychotherapy did better than usual care (d = 0.40, 95% CI 0.20, 0.60).")
    assert f.intervention_ids == ("psychodynamic",)
    f = one("Group psychotherapy lowered relapse compared with usual care (HR = 0.70, 95% CI 0.60, 0.80).")
    assert f.intervention_ids == ("group-therapy",)


def test_two_named_treatments_that_did_not_differ_are_intervention_and_comparator():
    f = one("Psychotherapy and antidepressant medication did not differ (g = 0.04, 95% CI -0.07, 0.15).")
    assert fields(f, ("kind", "intervention_ids", "comparator_id")) == {
        "kind": "comparison", "intervention_ids": ("psychotherapy",), "comparator_id": "medication"}
    f = one("IPT and CBT did not differ on symptoms (g = 0.02, 95% CI -0.10, 0.14).")
    assert (f.intervention_ids, f.comparator, f.comparator_id) == (("ipt",), "CBT", None)


def test_the_intervention_inside_the_cue():
    f = one("Self-harm was reduced more by DBT than by usual care (SMD = -0.35, 95% CI -0.55, -0.15).")
    assert fields(f, ("intervention_ids", "comparator", "comparator_id")) == {
        "intervention_ids": ("dbt",), "comparator": "usual care", "comparator_id": "usual-care"}


def test_the_passive_predicted_by_names_the_exposure_last():
    f = one("Client outcome was also predicted by client-rated empathy (r = .32, 95% CI .25, .39).")
    assert (f.kind, f.exposure, f.outcome_id) == ("association", "client-rated empathy", "client-outcomes")


@pytest.mark.parametrize("text, exposure", [
    ("The number of sessions was not associated with outcome (β = .03, p = .41).", "number of sessions"),
    ("Therapist training was only weakly linked to client outcome (r = .07, 95% CI -.02, .16).", "Therapist training"),
    ("Early change, however, predicted final outcome (β = .42, p < .001).", "Early change"),
])
def test_exposure_words_before_the_relation(text, exposure):
    f = one(text)
    assert (f.kind, f.exposure) == ("association", exposure)


@pytest.mark.parametrize("text", [
    "There was no benefit of booster sessions over usual care (OR = 0.91, 95% CI 0.52, 1.59).",
    "CBT showed no advantage for patients over usual care (g = 0.05, 95% CI -0.10, 0.20).",
])
def test_a_denied_advantage_favours_no_one(text):
    assert one(text).favours is None


def test_an_advantage_of_x_over_y_favours_x():
    f = one("The advantage of antidepressants over placebo was small (d = 0.11, 95% CI -0.07, 0.29).")
    assert (f.intervention_ids, f.favours) == (("medication",), "intervention")


@pytest.mark.parametrize("text", [
    "In 12 randomized controlled trials for depression, CBT did better than waitlist (d = 0.60, 95% CI 0.30, 0.90).",
    "Against a waitlist control for adolescents, CBT reduced stress (g = 0.31, 95% CI 0.12, 0.50).",
])
def test_a_control_group_is_no_adjustment(text):
    assert one(text).adjusted == ()


def test_controlling_for_is_an_adjustment():
    f = one("Compliance was related to symptom change after controlling for baseline severity (B = -0.45, SE = 0.12).")
    assert f.adjusted == ("baseline severity",)


def test_change_within_one_arm_does_not_take_the_studys_comparison():
    text = ("The authors compared CBT with a waitlist in 223 adults. CBT clients improved substantially during "
            "treatment (d = 1.31, 95% CI 1.05, 1.57). CBT led to larger gains than the other arm (d = 0.80, 95% CI "
            "0.50, 1.10).")
    first, second = annotated(text)
    assert (first.kind, first.comparator) == (None, None)
    assert (second.kind, second.intervention_ids, second.comparator, second.comparator_id) == (
        "comparison", ("cbt",), "a waitlist", "waitlist")


def test_a_finding_continues_the_previous_only_when_nothing_says_otherwise():
    # a correlation does not continue a comparison
    first, second = annotated("Psychodynamic therapy did better than usual care (d = 0.42, 95% CI 0.12, 0.72). "
                              "Patients' expectations also mattered (r = .19, 95% CI .05, .33).")
    assert first.kind == "comparison" and (second.kind, second.intervention) == (None, None)
    # a clause with a relation of its own does not take the previous exposure
    first, second = annotated("Younger age predicted dropout (OR = 1.38, 95% CI 1.19, 1.60), and so did lower "
                              "education (OR = 1.25, 95% CI 1.08, 1.45).")
    assert first.exposure == "Younger age" and second.exposure != "Younger age"
    # an association continues when the words point back at it
    first, second = annotated("Empathy was related to outcome (r = .28, 95% CI .23, .33). The association "
                              "remained after adjusting for severity (r = .22, 95% CI .15, .29).")
    assert (second.kind, second.exposure) == ("association", "Empathy")
    # and a subgroup keeps its own population
    first, second = annotated("CBT did better than waitlist (g = 0.70, 95% CI 0.50, 0.90). Effects were larger "
                              "for adolescents (g = 0.90, 95% CI 0.60, 1.20).")
    assert (second.kind, second.comparator_id, second.population) == ("comparison", "waitlist", "adolescents")


def test_a_specific_phrase_inside_another_stays():
    f = one("Group CBT did better than waitlist (d = 0.70, 95% CI 0.40, 1.00).")
    assert set(f.intervention_ids) == {"group-therapy", "cbt"}


def test_did_not_differ_from_a_comparator():
    f = one("The feedback condition did not differ from treatment as usual on symptoms (d = 0.09, 95% CI -0.11, 0.29).")
    assert (f.kind, f.comparator_id, f.favours) == ("comparison", "usual-care", None)


def test_a_continued_finding_with_an_outcome_of_its_own_does_not_take_the_previous_one():
    first, second = annotated("When compared with TAU, DBT showed moderate effects on self-harm (g = -0.44, 95% CI "
                              "-0.68, -0.20) and small effects on depression (g = -0.22, 95% CI -0.41, -0.03).")
    assert first.outcome_id == "self-harm" and second.outcome_id is None


@pytest.mark.parametrize("text, intervention, comparator", [
    ("Patients in usual care were more likely to relapse than those who received CBT (OR = 2.05, 95% CI 1.40, 3.01).",
     ("cbt",), "usual-care"),
    ("Waitlist participants improved less than those receiving iCBT (g = 0.70, 95% CI 0.46, 0.94).",
     ("internet-delivered",), "waitlist"),
])
def test_the_treatment_named_after_the_cue_against_a_comparator_named_before(text, intervention, comparator):
    f = one(text)
    assert (f.intervention_ids, f.comparator_id) == (intervention, comparator)
    assert f.comparator.lower() in {"usual care", "waitlist"}


def test_a_bare_placebo_against_medication_is_a_pill():
    f = one("Antidepressants did better than placebo (d = 0.30, 95% CI 0.20, 0.40).")
    assert f.comparator_id == "pill-placebo"
    f = one("CBT did better than placebo (d = 0.30, 95% CI 0.20, 0.40).")
    assert f.comparator_id == "attention-placebo"


def test_the_effect_of_a_treatment_on_an_outcome_is_no_association():
    f = one("The effect of psychotherapy on depression in older adults was moderate (g = 0.64, 95% CI 0.50, 0.78).")
    assert (f.kind, f.exposure, f.intervention_ids) == (None, None, ("psychotherapy",))
    # a process variable's effect stays an association
    f = one("The effect of homework on outcome was r = .26 (95% CI .19, .33).")
    assert (f.kind, f.exposure) == ("association", "homework")


def test_an_association_takes_its_outcome_from_what_the_exposure_is_related_to():
    f = one("Deterioration was predicted by early symptom increase (OR = 2.80, 95% CI 1.90, 4.12).")
    assert (f.kind, f.exposure, f.outcome_id) == ("association", "early symptom increase", None)


def test_associated_with_more_than_another_therapy_is_a_comparison():
    f = one("CBT was associated with slightly larger effects than psychodynamic therapy (g = 0.14, 95% CI -0.02, 0.30).")
    assert (f.kind, f.intervention_ids, f.comparator, f.exposure) == ("comparison", ("cbt",), "psychodynamic therapy",
                                                                    None)


def test_men_and_women_is_no_narrower_population():
    f = one("CBT outperformed waitlist similarly in men and women (g = 0.71, 95% CI 0.55, 0.87).")
    assert (f.population, f.comparator) == (None, "waitlist")
    assert one("CBT outperformed waitlist in women (g = 0.71, 95% CI 0.55, 0.87).").population == "women"


@pytest.mark.parametrize("text, expected", [
    ("Among the 19 studies that reported follow-up data, CBT outperformed usual care at the end of treatment "
     "(g = 0.52, 95% CI 0.36, 0.68).", "post-treatment"),
    ("The difference was smaller at 12-month follow-up than at post-treatment (g = 0.35, 95% CI 0.20, 0.50).", None),
    ("Relapse after treatment ended was less likely after CBT than after medication (OR = 0.48, 95% CI 0.31, 0.74).",
     None),
    ("Six months after treatment, CBT still beat waitlist (g = 0.40, 95% CI 0.20, 0.60).", "follow-up"),
])
def test_timepoint_only_when_the_clause_names_one(text, expected):
    assert one(text).timepoint == expected


def test_adding_x_that_did_not_improve_outcomes_is_no_add_on_for_non_responders():
    f = one("Adding CBT to fluoxetine did not improve outcomes compared to fluoxetine alone (SMD = 0.10, 95% CI -0.08, "
            "0.28).")
    assert (f.kind, f.intervention, f.comparator_id, f.population) == ("comparison", "CBT", "same-treatment-alone", None)


def test_specific_controls_beat_unspecified_ones():
    f = one("CBT did better than usual care controls (g = 0.35, 95% CI 0.25, 0.45).")
    assert f.comparator_id == "usual-care"


def test_outperformed_by_favours_what_follows_by():
    f = one("Cognitive therapy was outperformed by supportive therapy on worry (d = -0.31, 95% CI -0.60, -0.02).")
    assert f.favours != "intervention"


def test_favours_compares_whole_words():
    f = one("Guided iCBT outperformed unguided iCBT on depressive symptoms (g = 0.27, 95% CI 0.10, 0.44).")
    assert (f.comparator_id, f.favours) == ("unguided", "intervention")


def test_exposure_without_trailing_adverbs_and_predictive_of():
    assert one("Alliance still predicted outcome (B = -0.20, 95% CI -0.30, -0.10).").exposure == "Alliance"
    assert one("Support from family predicted outcome (B = -0.20, 95% CI -0.30, -0.10).").exposure == "Support from family"
    f = one("Early alliance was predictive of dropout (OR = 0.70, 95% CI 0.58, 0.84).")
    assert (f.kind, f.exposure, f.outcome_id) == ("association", "Early alliance", "dropout")


def test_the_x_outcome_relation_is_not_about_x():
    f = one("The alliance-outcome correlation was stronger for younger clients (r = .32, 95% CI .25, .39).")
    assert f.outcome_id != "alliance"


@pytest.mark.parametrize("text, comparator", [
    ("CBT vs. waitlist yielded a large effect (g = 0.90, 95% CI 0.70, 1.10).", "waitlist"),
    ("DBT was more effective than TAU in reducing self-harm (OR = 0.55, 95% CI 0.40, 0.76).", "TAU"),
])
def test_the_comparator_ends_before_the_verb(text, comparator):
    assert one(text).comparator == comparator


def test_more_strongly_related_keeps_the_comparative_out_of_the_exposure():
    f = one("The alliance was more strongly related to outcome in CBT (r = .30, 95% CI .22, .38).")
    assert (f.kind, f.exposure) == ("association", "alliance")


def test_favoured_x_over_y():
    f = one("Relapse rates favoured CBT over medication at two years (OR = 0.45, 95% CI 0.30, 0.68).")
    assert (f.comparator_id, f.favours) == ("medication", "intervention")
    f = one("Results did not favour CBT over medication (OR = 0.95, 95% CI 0.70, 1.28).")
    assert f.favours is None


def test_timepoint_of_the_last_part_when_a_clause_names_both():
    f = one("Post-treatment effects were moderate, and at 24 months follow-up CBT still exceeded usual care "
            "(g = 0.35, 95% CI 0.15, 0.55).")
    assert (f.timepoint, f.timepoint_months) == ("follow-up", D(24))


def test_adjustment_and_comparator_words_end_before_how_and_what_happened():
    f = one("After correction for publication bias using trim and fill, the effect of CBT versus control fell to "
            "g = 0.30 (95% CI 0.18, 0.42).")
    assert (f.comparator, f.comparator_id) == ("control", "control-unspecified")
    assert f.adjusted == ("publication bias", "publication bias (trim and fill)")


def test_two_relations_in_one_clause_the_statistic_follows_the_last():
    f = one("Alliance predicted symptoms at the next session, but symptoms did not predict the alliance "
            "(B = -0.10, 95% CI -0.15, -0.05).")
    assert (f.kind, f.exposure, f.outcome_id) == ("association", "symptoms", "alliance")


def test_exposure_without_a_trailing_verb_and_comparator_without_who_had_received():
    f = one("Client and therapist ratings of the alliance were both associated with outcome (r = .25, 95% CI .20, .30).")
    assert f.exposure == "Client and therapist ratings of the alliance"
    f = one("Patients who had received IPT relapsed less than patients who had received TAU (OR = 0.50, 95% CI 0.30, "
            "0.83).")
    assert (f.intervention_ids, f.comparator, f.comparator_id) == (("ipt",), "TAU", "usual-care")


def test_respectively_gives_each_statistic_its_own_treatment():
    first, second = annotated("IPT and CBT outperformed usual care (g = 0.40, 95% CI 0.20, 0.60 and g = 0.50, 95% CI "
                              "0.30, 0.70, respectively).")
    assert (first.intervention_ids, second.intervention_ids) == (("ipt",), ("cbt",))
    first, second = annotated("CBT outperformed waitlist and usual care (g = 0.80, 95% CI 0.60, 1.00 and g = 0.40, "
                              "95% CI 0.20, 0.60, respectively).")
    assert (first.comparator_id, second.comparator_id) == ("waitlist", "usual-care")
    # three treatments, two statistics: no finding keeps the list
    first, second = annotated("CBT, IPT and DBT outperformed usual care (g = 0.40, 95% CI 0.20, 0.60 and g = 0.50, "
                              "95% CI 0.30, 0.70, respectively).")
    assert first.intervention_ids == second.intervention_ids == ()


def test_a_number_word_before_a_hyphen_counts_months():
    f = one("At a two-year follow-up, MBT patients relapsed less than those in TAU (OR = 0.40, 95% CI 0.22, 0.73).")
    assert (f.timepoint, f.timepoint_months) == ("follow-up", D(24))
    f = one("At a twenty-four month follow-up CBT beat usual care (g = 0.40, 95% CI 0.20, 0.60).")
    assert f.timepoint_months == D(24)


@pytest.mark.parametrize("text, comparator_id", [
    ("There were no significant differences in dropout between CBT and waitlist (OR = 1.10, 95% CI 0.80, 1.51).",
     "waitlist"),
    ("Outcomes were comparable for telehealth and in-person care (SMD = 0.03, 95% CI -0.10, 0.16).", "face-to-face"),
    ("There were no differences between CBT in adults and adolescents (g = 0.05, 95% CI -0.10, 0.20).", None),
])
def test_no_difference_between_a_treatment_and_a_comparator(text, comparator_id):
    f = one(text)
    assert (f.kind, f.comparator_id) == ("comparison", comparator_id)


def test_a_process_variable_of_a_treatment_stays_an_exposure():
    f = one("Homework compliance in CBT was associated with outcome (d = 0.30, 95% CI 0.10, 0.50).")
    assert (f.kind, f.exposure, f.intervention_ids) == ("association", "Homework compliance in CBT", ())
    f = one("Group therapy was associated with higher dropout (OR = 1.50, 95% CI 1.10, 2.05).")
    assert (f.kind, f.exposure, f.intervention_ids) == (None, None, ("group-therapy",))


def test_a_treatment_named_after_in_is_no_population():
    f = one("The alliance was linked to symptom reduction in couples therapy (r = .25, 95% CI .15, .35).")
    assert (f.exposure, f.population) == ("alliance", None)
    assert one("The alliance was linked to outcome in couples (r = .25, 95% CI .15, .35).").population == "couples"


def test_unrelated_to_is_a_null_association():
    f = one("Therapist empathy was unrelated to dropout (r = -.02, 95% CI -.10, .06).")
    assert (f.kind, f.exposure, f.outcome_id) == ("association", "Therapist empathy", "dropout")


@pytest.mark.parametrize("text", [
    "CBT reduced distress more than waitlist among university students (g = 0.55, 95% CI 0.35, 0.75).",
    "Remission was more likely after CBT than after waitlist (RR = 2.00, 95% CI 1.50, 2.67).",
])
def test_comparator_words_without_the_scope(text):
    assert one(text).comparator == "waitlist"


def test_did_not_outperform_is_a_comparison_that_favours_no_one():
    f = one("Mindfulness did not outperform active controls (g = 0.05, 95% CI -0.10, 0.20).")
    assert (f.kind, f.intervention_ids, f.comparator_id, f.favours) == (
        "comparison", ("mindfulness",), "control-unspecified", None)


def test_a_second_comparator_in_the_sentence_keeps_the_intervention():
    first, second = annotated("CBT had a large effect compared with no treatment (g = 0.88, 95% CI 0.70, 1.06) but "
                              "only a small effect compared with pill placebo (g = 0.22, 95% CI 0.08, 0.36).")
    assert (second.intervention_ids, second.comparator_id) == (("cbt",), "pill-placebo")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Related", "unrelated", "to", "associations", "with", "Linked", "links", "between",
                                 "correlated", "was", "followed", "by", "Predictive", "of", "went", "along", "effects",
                                 "on", "relationship", "tied", "connected", "CBT", "x", ",", "  "]), max_size=10)
       .map(" ".join))
def test_relation_cue_is_the_association_regex(text):
    """The cheap word test before the regex never hides a match."""
    from pprnet_kg.extract.relations import ASSOC_RE, relation_cue

    plain, quick = ASSOC_RE.search(text), relation_cue(text)
    assert (plain.span() if plain else None) == (quick.span() if quick else None)


@pytest.mark.parametrize("text, adjusted", [
    ("Adjusted for age, sex and baseline severity, CBT still did better than waitlist (d = 0.40, 95% CI 0.20, 0.60).",
     ("age", "sex", "baseline severity")),
    ("After controlling for age, sex, and education, CBT did better than usual care (g = 0.30, 95% CI 0.10, 0.50).",
     ("age", "sex", "education")),
    ("Adjusted for age, the effect of CBT against waitlist was smaller (d = 0.20, 95% CI 0.05, 0.35).", ("age",)),
    ("Once adjusted for publication bias, heterogeneity remained high and CBT beat waitlist (g = 0.25, "
     "95% CI 0.05, 0.45).", ("publication bias",)),
    ("Adjusted for covariates, which were many, CBT beat waitlist (g = 0.25, 95% CI 0.05, 0.45).", ("covariates",)),
])
def test_every_item_of_a_list_adjusted_for_and_no_clause_taken_for_one(text, adjusted):
    assert one(text).adjusted == adjusted


@pytest.mark.parametrize("text, timepoint", [
    ("The alliance-outcome correlation was larger in the first session than at termination (r = .30, "
     "95% CI .20, .40).", None),
    ("At termination, CBT did better than waitlist (d = 0.50, 95% CI 0.30, 0.70).", "post-treatment"),
    ("CBT did better than waitlist at termination (d = 0.50, 95% CI 0.30, 0.70).", "post-treatment"),
])
def test_a_time_after_than_is_what_the_finding_is_compared_with_not_its_time(text, timepoint):
    assert one(text).timepoint == timepoint


@pytest.mark.parametrize("text", [
    "Patients with higher severity benefited more from CBT than from supportive therapy (B = 0.35, 95% CI 0.10, 0.60).",
    "Baseline severity moderated the advantage of CBT over waitlist (β = 0.20, 95% CI 0.05, 0.35).",
    "The more severe the depression, the larger the advantage of CBT over usual care (B = 0.12, 95% CI 0.02, 0.22).",
])
def test_a_coefficient_of_who_benefits_more_is_no_comparison_of_the_arms(text):
    f = one(text)
    assert (f.kind, f.intervention, f.comparator, f.comparator_id, f.favours) == (None, None, None, None, None)


@pytest.mark.parametrize("text, measure", [
    ("CBT led to fewer symptoms than usual care (B = -2.10, 95% CI -3.00, -1.20).", "B"),
    ("Patients in CBT improved more than those on waitlist (B = -2.10, 95% CI -3.00, -1.20).", "B"),
    ("Patients benefited more from CBT than from waitlist (d = 0.50, 95% CI 0.30, 0.70).", "d"),
])
def test_a_plain_comparison_stays_one_whatever_its_measure(text, measure):
    f = one(text)
    assert (f.measure, f.kind, f.intervention_ids) == (measure, "comparison", ("cbt",))


def test_favours_by_shared_words_only_when_they_point_at_one_side():
    """'Therapist-guided internet CBT' shares 'internet CBT' with the comparator 'unguided internet CBT':
    the intervention named whole inside the words decides, not the shared words."""
    f = one("Therapist-guided internet CBT did better than unguided internet CBT on depressive symptoms (g = 0.23, "
            "95% CI 0.08, 0.38).")
    assert (f.comparator_id, f.favours) == ("unguided", "intervention")
    f = one("Clinician-supported online CBT did better than unsupported online CBT (g = 0.20, 95% CI 0.05, 0.35).")
    assert f.favours != "comparator"
    # an add-on: every treatment of the intervention is in the words; the comparator's are only shared
    f = one("Behavioral activation plus medication did better than behavioral activation on its own (g = 0.30, "
            "95% CI 0.10, 0.50).")
    assert (f.comparator_id, f.favours) == ("same-treatment-alone", "intervention")


@pytest.mark.parametrize("text", [
    "The effect of CBT relative to control was larger in studies with higher baseline severity (β = 0.18, 95% CI "
    "0.06, 0.30).",
    "The advantage of IPT over usual care was smaller for patients who were older (B = -0.04, 95% CI -0.07, -0.01).",
])
def test_a_coefficient_of_where_the_effect_is_larger_is_no_comparison_of_the_arms(text):
    f = one(text)
    assert (f.kind, f.intervention_ids, f.comparator_id, f.favours) == (None, (), None, None)


def test_a_comparison_with_a_coefficient_and_a_population_stays_one():
    f = one("CBT led to fewer symptoms than usual care in patients with chronic pain (B = -2.10, 95% CI -3.00, -1.20).")
    assert (f.kind, f.intervention_ids, f.comparator_id) == ("comparison", ("cbt",), "usual-care")


def test_a_continued_association_whose_words_name_the_exposure_keeps_the_outcome():
    first, second = annotated("Early alliance was associated with client outcomes (r = .19, 95% CI .14, .24). The "
                              "association was stronger for parent-rated alliance (r = .25, 95% CI .17, .33).")
    assert (second.kind, second.outcome_id) == ("association", "client-outcomes")
    # an outcome of its own stays
    first, second = annotated("Empathy was related to outcome (r = .28, 95% CI .23, .33). The association was "
                              "weaker for dropout (r = .10, 95% CI .02, .18).")
    assert (second.kind, second.outcome_id) == ("association", "dropout")


@pytest.mark.parametrize("text, comparator_id", [
    ("CBT was less effective than medication alone (g = -0.23, 95% CI -0.40, -0.06).", "medication"),
    ("IPT did better than supportive therapy on its own (g = 0.20, 95% CI 0.05, 0.35).", None),
    # an add-on design: the treatment on its own is part of the intervention
    ("CBT plus antidepressants did better than antidepressants alone (g = 0.30, 95% CI 0.10, 0.50).",
     "same-treatment-alone"),
])
def test_another_treatment_alone_is_not_the_same_treatment_alone(text, comparator_id):
    assert one(text).comparator_id == comparator_id


@pytest.mark.parametrize("text, months", [
    ("At 6 months post-treatment, CBT patients relapsed less than those on medication (OR = 0.42, 95% CI 0.22, "
     "0.80).", D(6)),
    ("CBT still beat waitlist three months posttreatment (g = 0.40, 95% CI 0.20, 0.60).", D(3)),
])
def test_months_post_treatment_is_a_follow_up(text, months):
    f = one(text)
    assert (f.timepoint, f.timepoint_months) == ("follow-up", months)


@pytest.mark.parametrize("text, population", [
    ("Early responders were more likely to reach remission than early non-responders (OR = 3.40, 95% CI 2.50, 4.62).",
     None),
    ("Patients who had not improved by session 4 were more likely to drop out (OR = 2.10, 95% CI 1.40, 3.15).", None),
    ("Responders stayed well longer than those who did not respond (HR = 0.50, 95% CI 0.30, 0.83).", None),
    # patients a previous treatment failed
    ("For non-responders to medication, CBT did better than usual care (g = 0.40, 95% CI 0.20, 0.60).",
     "treatment non-responders"),
])
def test_early_or_compared_non_responders_are_not_the_population(text, population):
    assert one(text).population == population


@pytest.mark.parametrize("text", [
    "Compared to men, women benefited more from CBT (d = 0.15, 95% CI 0.02, 0.28).",
    "Relative to younger adults, older adults improved less with IPT (g = -0.10, 95% CI -0.20, 0.00).",
])
def test_people_after_any_cue_are_no_comparator(text):
    f = one(text)
    assert (f.kind, f.comparator, f.comparator_id) == (None, None, None)


def test_people_who_received_a_comparator_after_compared_with_stay_a_comparator():
    f = one("Compared with those who received usual care, CBT patients improved more (d = 0.40, 95% CI 0.20, 0.60).")
    assert (f.kind, f.intervention_ids, f.comparator_id) == ("comparison", ("cbt",), "usual-care")


@pytest.mark.parametrize("text, comparator_id", [
    ("Compared with waitlist or usual care, CBT reduced anxiety symptoms (g = 0.62, 95% CI 0.48, 0.76).", None),
    ("CBT did better than no treatment or waitlist and TAU (g = 0.62, 95% CI 0.48, 0.76).", None),
    # one comparator in several words
    ("CBT did better than pill placebo (g = 0.30, 95% CI 0.10, 0.50).", "pill-placebo"),
    ("CBT did better than usual care controls (g = 0.30, 95% CI 0.10, 0.50).", "usual-care"),
    ("CBT plus medication did better than medication alone (g = 0.30, 95% CI 0.10, 0.50).", "same-treatment-alone"),
])
def test_a_list_of_comparators_is_no_one_of_them(text, comparator_id):
    assert one(text).comparator_id == comparator_id


@pytest.mark.parametrize("text, outcome_id", [
    ("CBT improved quality of life relative to waitlist in patients with severe symptoms (g = 0.54, 95% CI 0.36, "
     "0.72).", "quality-of-life"),
    ("CBT reduced symptoms more than usual care in studies with high attrition (g = 0.40, 95% CI 0.20, 0.60).",
     "symptom-severity"),
    ("Psychotherapy reduced suicide attempts compared with usual care among adolescents who self-harm (RR = 0.70, "
     "95% CI 0.55, 0.89).", "suicide-attempt"),
    # an outcome after 'associated with' is still the outcome
    ("Empathy was associated with symptoms (r = .20, 95% CI .10, .30).", "symptom-severity"),
])
def test_an_outcome_word_describing_people_or_studies_is_not_the_outcome(text, outcome_id):
    assert one(text).outcome_id == outcome_id


@pytest.mark.parametrize("text, timepoints", [
    # the words after a bare statistic, before 'and' and the next statistic, are that statistic's
    ("CBT outperformed psychodynamic therapy with d = 0.28 at post-treatment and d = 0.06 at 6-month follow-up.",
     [("post-treatment", None), ("follow-up", D(6))]),
    ("CBT outperformed waitlist (g = 0.80, 95% CI 0.60, 1.00) at post-treatment and (g = 0.60, 95% CI 0.40, 0.80) at "
     "12-month follow-up.", [("post-treatment", None), ("follow-up", D(12))]),
    # the usual shape: the words before each statistic are its own
    ("CBT outperformed waitlist at post-treatment (g = 0.80, 95% CI 0.60, 1.00) and at 12-month follow-up (g = 0.60, "
     "95% CI 0.40, 0.80).", [("post-treatment", None), ("follow-up", D(12))]),
])
def test_words_right_after_a_statistic_before_the_next_one_are_its_own(text, timepoints):
    assert [(f.timepoint, f.timepoint_months) for f in annotated(text)] == timepoints


def test_favours_from_the_implications_only_when_they_quote_the_same_statistic():
    text = "IPT did not differ from CBT on depressive symptoms (g = 0.30, 95% CI -0.05, 0.65)."
    # '.30' inside '2.30' and the 'g' of 'large' are no quote of g = 0.30
    assert one(text, "A drop of 2.30 points is large; earlier reviews reported an advantage for CBT.").favours is None
    assert one(text, "A difference of g = 0.30 is an advantage for IPT.").favours == "intervention"
    assert one(text, "An effect of g = .30 is an advantage for IPT.").favours == "intervention"


def test_pre_post_studies_are_a_design_not_a_change_within_a_group():
    f = one("Across 40 pre-post studies, the alliance predicted outcome (r = .27, 95% CI .21, .33).")
    assert (f.kind, f.exposure) == ("association", "alliance")
    assert one("Symptoms fell from pre to post-treatment (d = 1.10, 95% CI 0.80, 1.40).").kind == "within-group"


def test_a_correlation_of_pre_post_change_is_an_association():
    f = one("Pre-post change in symptoms was correlated with the early alliance (r = .30, 95% CI .20, .40).")
    assert (f.kind, f.exposure) == ("association", "Pre-post change in symptoms")
    # a standardised change within the group stays within-group
    f = one("Pre-post change in symptoms among clients receiving CBT was large (d = 1.20, 95% CI 1.00, 1.40).")
    assert f.kind == "within-group"


@pytest.mark.parametrize("text", [
    "Adolescents responded less to CBT (g = -0.18, 95% CI -0.33, -0.03).",
    "Women were more adherent to IPT (OR = 1.50, 95% CI 1.10, 2.05).",
])
def test_more_or_less_to_a_treatment_is_no_comparison_with_it(text):
    f = one(text)
    assert (f.kind, f.comparator) == (None, None)


def test_superior_to_is_a_comparison():
    f = one("CBT was superior to usual care (g = 0.40, 95% CI 0.20, 0.60).")
    assert (f.kind, f.intervention_ids, f.comparator_id, f.favours) == ("comparison", ("cbt",), "usual-care",
                                                                        "intervention")


def test_groups_of_people_compared_are_no_population_and_take_no_study_comparison():
    first, = annotated("In this trial the authors compared CBT with usual care in 400 adults. CBT was more effective for "
                       "women than for men (d = 0.20, 95% CI 0.02, 0.38).")
    assert (first.kind, first.comparator_id, first.population) == (None, None, None)
    f = one("Compared with adults, adolescents responded less to CBT (g = -0.18, 95% CI -0.33, -0.03).")
    assert f.population != "adults"
    # a comparison of the study's arms still takes it
    first, = annotated("In this trial the authors compared CBT with usual care in 400 adults. CBT led to more "
                       "improvement in women (d = 0.40, 95% CI 0.20, 0.60).")
    assert (first.kind, first.comparator_id, first.population) == ("comparison", "usual-care", "women")


@pytest.mark.parametrize("text", [
    "Together with mentalization-based treatment, medication did better than usual care (g = 0.30, 95% CI 0.10, 0.50).",
    "In menopausal patients, CBT did better than usual care (g = 0.30, 95% CI 0.10, 0.50).",
])
def test_a_group_word_inside_a_longer_word_is_no_population(text):
    assert one(text).population is None


@pytest.mark.parametrize("text, exposure", [
    ("In 79 studies with over 3,000 patients the alliance was related to outcome (r = .22, 95% CI .19, .25).",
     "alliance"),
    ("Across trials therapist empathy predicted outcome (r = .25, 95% CI .18, .32).", "therapist empathy"),
    ("Among 1,200 adolescents, family conflict predicted dropout (OR = 1.40, 95% CI 1.10, 1.78).", "family conflict"),
])
def test_exposure_without_where_it_was_found(text, exposure):
    f = one(text)
    assert (f.kind, f.exposure) == ("association", exposure)


def test_a_list_of_comparators_after_commas_is_no_one_of_them():
    f = one("CBT did better than no treatment, waitlist, and pill placebo (OR = 2.36, 95% CI 1.70, 3.28).")
    assert (f.comparator, f.comparator_id) == ("no treatment, waitlist, and pill placebo", None)
    f = one("Compared with waitlist, CBT reduced symptoms (g = 0.40, 95% CI 0.20, 0.60).")
    assert (f.comparator, f.comparator_id) == ("waitlist", "waitlist")
    # a treatment that is also a comparator entry after the comma is the intervention, not a list
    f = one("Relative to no treatment, medication led to better functioning (g = 0.40, 95% CI 0.20, 0.60).")
    assert (f.comparator_id, f.intervention_ids) == ("no-treatment", ("medication",))


@pytest.mark.parametrize("text, timepoint", [
    ("The correlation between session attendance and symptom improvement was moderate (r = .30, 95% CI .22, .38).",
     None),
    ("Alliance predicted symptom change between sessions (B = -0.10, 95% CI -0.15, -0.05).", "session-level"),
    ("The between-session effect of alliance on symptoms was small (B = -0.10, 95% CI -0.15, -0.05).", "session-level"),
])
def test_between_session_words_and_a_session_variable(text, timepoint):
    assert one(text).timepoint == timepoint


def test_the_correlation_between_a_and_b():
    f = one("The correlation between session attendance and symptom improvement was moderate (r = .30, 95% CI .22, "
            ".38).")
    assert (f.kind, f.exposure, f.outcome_id) == ("association", "session attendance", "symptom-severity")


def test_favours_a_combination_that_contains_the_comparator():
    f = one("The advantage of CBT plus medication over medication was small (g = 0.20, 95% CI 0.05, 0.35).")
    assert (f.comparator_id, f.favours) == ("medication", "intervention")
    # words that name the intervention and part of the comparator decide nothing
    f = one("Results favoured medication over CBT plus medication (g = -0.20, 95% CI -0.35, -0.05).")
    assert f.favours is None


def test_a_comparison_made_by_earlier_work_is_not_the_studys():
    text = ("Past trials compared CBT with medication. In this meta-analysis, Smith and colleagues pooled 20 trials of "
            "CBT in primary care. CBT was superior at 12-month follow-up (g = 0.30, 95% CI 0.10, 0.50).")
    f, = annotated(text)
    assert (f.comparator, f.comparator_id) == (None, None)
    text = ("In this trial, the authors compared CBT with medication in 200 adults. CBT was superior at 12-month "
            "follow-up (g = 0.30, 95% CI 0.10, 0.50).")
    f, = annotated(text)
    assert (f.kind, f.intervention_ids, f.comparator_id) == ("comparison", ("cbt",), "medication")


def test_a_predictor_of_names_the_exposure():
    f = one("The alliance was a stronger predictor of dropout for adolescents than for adults (r = .35, 95% CI .25, .45).")
    assert (f.kind, f.exposure, f.outcome_id, f.population) == ("association", "alliance", "dropout", None)
    f = one("The alliance was a stronger predictor of outcome for adolescents than for adults (r = .35, 95% CI .25, .45).")
    assert f.outcome_id != "alliance"


def test_a_pronoun_is_no_exposure():
    first, second = annotated("Alliance predicted outcome (r = .28, 95% CI .22, .34). It also predicted dropout "
                              "(r = -.20, 95% CI -.28, -.12).")
    assert (second.kind, second.exposure, second.outcome_id) == ("association", "Alliance", "dropout")
    first, second = annotated("CBT outperformed waitlist (g = 0.80, 95% CI 0.60, 1.00). It also predicted dropout "
                              "(r = -.20, 95% CI -.28, -.12).")
    assert (second.kind, second.exposure) == (None, None)


def test_an_outcome_in_a_trailing_with_clause_after_another_is_no_outcome():
    """'..., with a low dropout rate (g = ...)': the statistic may measure either the outcome
    before or the one in the trailing clause, so none is named (it named dropout)."""
    for sentence in ("CBT reduced depressive symptoms more than waitlist, with a low dropout rate "
                     "(g = 0.55, 95% CI 0.30, 0.80).",
                     "Compared with waitlist, CBT reduced depressive symptoms, with few dropouts "
                     "(g = 0.55, 95% CI 0.30, 0.80)."):
        f = one(sentence)
        assert (f.kind, f.comparator_id, f.outcome_id) == ("comparison", "waitlist", None)
    f = one("CBT lowered dropout more than usual care (OR = 0.60, 95% CI 0.45, 0.80).")
    assert f.outcome_id == "dropout"


@pytest.mark.parametrize("sentence", [
    "Relative to medication discontinuation, continuing CBT reduced relapse (HR = 0.60, 95% CI 0.45, 0.80).",
    "CBT was better than antidepressant withdrawal on relapse (HR = 0.60, 95% CI 0.45, 0.80).",
    "CBT was better than usual care plus medication for depressive symptoms (g = 0.30, 95% CI 0.10, 0.50).",
])
def test_a_stopped_or_combined_comparator_is_not_its_parts(sentence):
    """Stopping a treatment is not the treatment, and 'usual care plus medication' is neither
    usual care nor medication alone: no comparator id (they gave medication)."""
    f = one(sentence)
    assert (f.kind, f.comparator_id) == ("comparison", None)
    assert one("CBT was better than medication for depressive symptoms (g = 0.30, 95% CI 0.10, 0.50).").comparator_id \
        == "medication"


def test_the_same_outcome_again_in_a_trailing_with_clause_is_that_outcome():
    """Only another outcome before a ', with ...' phrase makes it doubtful: the same outcome named
    twice is the outcome (the check counted any earlier phrase, this one's own included)."""
    f = one("CBT reduced dropout more than waitlist, with a low dropout rate (g = 0.55, 95% CI 0.30, 0.80).")
    assert (f.comparator_id, f.outcome_id) == ("waitlist", "dropout")
    f = one("CBT reduced depressive symptoms more than waitlist, with depressive symptoms halved "
            "(g = 0.55, 95% CI 0.30, 0.80).")
    assert f.outcome_id == "symptom-severity"


@pytest.mark.parametrize("text, favours", [
    # regression: "was more effective than" and "was better than" favoured no one
    ("CBT was more effective than waitlist with large effects on depression (g = 0.80).", "intervention"),
    ("CBT was better than usual care with g = 0.5.", "intervention"),
    ("Usual care was less effective than CBT (g = 0.5).", "intervention"),
    ("CBT was less effective than medication (g = -0.3).", "comparator"),
    ("CBT was not more effective than usual care (g = 0.1).", None),
    ("CBT was no more effective than usual care (g = 0.1).", None),
    ("The effect was better than expected, with CBT against waitlist at g = 0.5.", None),
    ("CBT was more effective than waitlist overall on depression (g = 0.60).", "intervention"),
])
def test_more_or_less_effective_than_favours_the_side_that_did_better(text, favours):
    assert one(text).favours == favours


@pytest.mark.parametrize("text", [
    # regression: a comparison of other arms, or of the intervention with another arm, gave the favours
    "Medication was more effective than placebo, but CBT was more effective than medication (g = 0.30).",
    "CBT was more effective than waitlist but worse than medication (g = -0.20 against medication).",
    "Although CBT was more effective than waitlist, it was less effective than medication (g = -0.25).",
    # regression: the comparison in a clause before the statistic's, which says otherwise
    "CBT was more effective than medication at 6 months, but medication was more effective at 24 months (g = -0.10).",
])
def test_more_effective_than_gives_no_favours_unless_it_compares_the_finding_s_two_sides(text):
    f = one(text)
    assert f.comparator == "medication"
    assert f.favours != ("comparator" if f.value > 0 else "intervention")


def test_no_favours_when_the_comparator_is_the_intervention():
    """'than CBT' made CBT the comparator as well as the intervention: no words can then say which
    side did better (regression: 'an advantage for CBT' favoured the comparator)."""
    f = one("Usual care was less effective than CBT, with an advantage for CBT of g = 0.40.")
    assert f.favours is None or f.comparator != f.intervention


@pytest.mark.parametrize("text, comparator_id", [
    # regression: the comparator was 'CBT', the intervention itself, named after the cue and again after the comma
    ("Usual care was less effective than CBT, with an advantage for CBT (g = 0.40).", "usual-care"),
    ("Waitlist did worse than CBT, which showed an advantage for CBT (g = 0.40).", "waitlist"),
    ("The other arms did worse than CBT, with CBT ahead (g = 0.40).", None),
])
def test_words_after_the_cue_that_name_the_intervention_are_no_comparator(text, comparator_id):
    f = one(text)
    assert f.intervention_ids == ("cbt",) and f.comparator_id == comparator_id
    assert (f.comparator or "").lower() != "cbt"
    assert f.favours in {"intervention", None}


@pytest.mark.parametrize("text", [
    # regression: an open question ('whether') gave the side it asks about
    "It is unclear whether CBT is more effective than IPT (g = 0.10, 95% CI -0.05 to 0.25).",
    "It is unclear whether CBT outperformed waitlist (g = 0.10, 95% CI -0.05 to 0.25).",
    "Whether IPT was better than usual care could not be established (g = 0.15, 95% CI -0.10 to 0.40).",
    # regression: words after the comparison that deny it
    "CBT is more effective than medication, a claim this review could not confirm (g = 0.05, 95% CI -0.10 to 0.20).",
])
def test_a_question_or_a_denial_of_which_side_did_better_gives_no_favours(text):
    assert one(text).favours is None


@pytest.mark.parametrize("text, comparator", [
    # regression: the words after the comparator stayed in its text ("usual care with respect to anxiety")
    ("CBT outperformed usual care with respect to anxiety (g = 0.4).", "usual care"),
    ("CBT was more effective than waitlist with large effects on depression (g = 0.80).", "waitlist"),
    ("CBT was better than usual care with g = 0.5.", "usual care"),
    ("Compared with waitlist with no contact, CBT reduced depression (g = 0.8).", "waitlist with no contact"),
    # regression: other words about the effect after 'with' stayed in the text
    ("CBT was more effective than waitlist with large and lasting effects (g = 0.85).", "waitlist"),
    ("CBT outperformed usual care with significantly larger effects on anxiety (g = 0.40).", "usual care"),
    ("CBT outperformed usual care with effects that lasted a year (g = 0.40).", "usual care"),
    ("CBT was superior to waitlist with moderate effect sizes (g = 0.50).", "waitlist"),
    ("CBT was more effective than waitlist with moderate to large effects (g = 0.65).", "waitlist"),
    ("CBT outperformed waitlist with small but lasting effects (g = 0.30).", "waitlist"),
    ("Compared with treatment as usual with medication, CBT reduced relapse (HR = 0.70).",
     "treatment as usual with medication"),
    # regression: 'by' before the statistic ('better than waitlist by d = 0.60') stayed in the text
    ("CBT was better than waitlist by d = 0.60 (95% CI 0.45 to 0.75).", "waitlist"),
    # regression: a verb the stops did not know stayed in the text
    ("The advantage of CBT over waitlist shrank to d = 0.3 at 12-month follow-up.", "waitlist"),
    ("Whether IPT was better than usual care could not be established (g = 0.15, 95% CI -0.10 to 0.40).",
     "usual care"),
])
def test_the_comparator_s_text_ends_where_its_words_do(text, comparator):
    assert one(text).comparator == comparator


@pytest.mark.parametrize("text", [
    "MBT reduced self-harm compared with usual care at 18 months (OR = 0.45).",
    "At 12 months, CBT outperformed usual care (g = 0.30).",
])
def test_a_time_since_the_start_alone_is_no_timepoint(text):
    """'at 18 months' is the end of an 18-month treatment or a follow-up: the words do not say which."""
    f = one(text)
    assert (f.timepoint, f.timepoint_months) == (None, None)


def test_a_group_named_after_than_is_not_the_previous_finding_s_population():
    """The second statistic is the children's: it does not take 'adolescents' from the first."""
    fs = annotated("Therapy did better than control conditions (d = 0.46). Effects were larger for adolescents "
                   "(d = 0.60) than for children (d = 0.30).")
    assert [f.population for f in fs] == [None, "adolescents", None]
    assert [f.comparator_id for f in fs] == ["control-unspecified"] * 3  # the comparison still continues


def test_comparators_on_both_sides_of_the_cue_give_no_comparator():
    f = one("Waitlist controls did worse than active treatment (SMD = -0.45).")
    assert (f.kind, f.comparator, f.comparator_id) == ("comparison", None, None)
    f = one("The effect over waitlist was larger than the effect over usual care (g = 0.30).")
    assert f.comparator_id is None


@pytest.mark.parametrize("text, comparator", [
    ("Compared with other psychotherapies the difference was small (g = 0.03).", "other psychotherapies"),
    ("Compared with waitlist it was large (g = 0.80).", "waitlist"),
    ("Compared with usual care the effects faded (g = 0.10).", "usual care"),
    ("Compared with this waitlist condition, CBT did well (g = 0.50).", "this waitlist condition"),
])
def test_a_comparator_s_words_end_where_a_new_subject_starts(text, comparator):
    assert one(text).comparator == comparator


@pytest.mark.parametrize("text, favoured", [
    ("CBT was inferior to medication for severe depression (g = -0.25).", "comparator"),
    ("Waitlist was clearly inferior to CBT (g = 0.60).", "intervention"),
    ("CBT was non-inferior to medication (g = 0.02, 95% CI -0.10 to 0.14).", None),
    ("CBT was not inferior to medication (g = 0.02).", None),
])
def test_inferior_to_favours_the_other_side(text, favoured):
    assert one(text).favours == favoured


@pytest.mark.parametrize("text, comparator_id", [
    # regression: the base of the add-on, named before the cue, is the same treatment on its own (the
    # previous answer was medication: 'medication' also names a treatment of the lexicon)
    ("Adding CBT to medication did not improve outcomes compared to medication alone (SMD = 0.10).",
     "same-treatment-alone"),
    ("Adding IPT to antidepressants did not improve outcomes compared to antidepressants alone (SMD = 0.08).",
     "same-treatment-alone"),
    ("IPT was less effective than medication alone (g = -0.25).", "medication"),
    # a named antidepressant is medication (lexicon): the same rules
    ("Adding IPT to sertraline did not improve outcomes compared to sertraline alone (SMD = 0.08).",
     "same-treatment-alone"),
    ("Adding CBT to fluoxetine did not improve outcomes compared to fluoxetine alone (SMD = 0.10).",
     "same-treatment-alone"),
])
def test_the_base_of_an_add_on_alone_is_the_same_treatment_alone(text, comparator_id):
    assert one(text).comparator_id == comparator_id


def test_a_new_intervention_of_the_lexicon_in_a_comparison():
    f = one("Parent-child interaction therapy did better than waitlist on conduct problems (d = 0.87).")
    assert (f.intervention_ids, f.comparator_id, f.conditions) == (("pcit",), "waitlist", ("conduct-problems",))
    f = one("Cognitive processing therapy was more effective than present-centered therapy (g = 0.35).")
    assert (f.kind, f.intervention_ids, f.comparator) == ("comparison", ("cbt",), "present-centered therapy")


@pytest.mark.parametrize("text, intervention, comparator, favours", [
    # regression: 'individual therapy' named nothing of the comparator scheme, so 'than' was no cue and the
    # clause had neither intervention nor comparator
    ("Family therapy was more effective than individual therapy for adolescents (g = 0.30, 95% CI 0.10 to 0.50).",
     ("family-couple-therapy",), "individual-therapy", "intervention"),
    ("Couple therapy outperformed individual treatment on relationship distress (d = 0.41).",
     ("family-couple-therapy",), "individual-therapy", "intervention"),
    ("Group CBT was less effective than individual CBT for social anxiety (g = -0.22, 95% CI -0.40 to -0.04).",
     ("cbt", "group-therapy"), "individual-therapy", "comparator"),
    ("Compared with individual psychotherapy, group psychotherapy led to similar outcomes (g = 0.05).",
     ("group-therapy",), "individual-therapy", None),
    # the one-to-one format named before the cue is the comparator, the treatment after it the intervention
    ("Individual therapy was less effective than multisystemic therapy for young offenders (d = 0.35).",
     ("family-couple-therapy",), "individual-therapy", "intervention"),
    # ... also when its words hold the generic 'psychotherapy' (which was the intervention before, against
    # 'family therapy' as a comparator of no scheme entry)
    ("Individual psychotherapy was less effective than family therapy for anorexia (g = 0.28).",
     ("family-couple-therapy",), "individual-therapy", "intervention"),
    # the treatment after the cue without the generic word inside its own ('group psychotherapy' is group therapy)
    ("Individual psychotherapy was less effective than group psychotherapy for social anxiety (g = 0.20).",
     ("group-therapy",), "individual-therapy", "intervention"),
])
def test_individual_therapy_is_a_comparator(text, intervention, comparator, favours):
    f = one(text)
    assert (f.kind, f.intervention_ids, f.comparator_id, f.favours) == ("comparison", intervention, comparator, favours)


@pytest.mark.parametrize("text", [
    "Psychotherapy was less effective than CBT (g = 0.30).",  # no comparator before the cue: as before
    "Individual differences in alliance were larger than expected (r = 0.30).",
])
def test_individual_words_that_are_no_comparator(text):
    assert one(text).comparator_id != "individual-therapy"


def test_the_treatment_after_the_cue_loses_a_generic_word_inside_its_own():
    f = one("Patients in usual care relapsed more than those who received group psychotherapy (OR = 2.05).")
    assert (f.intervention_ids, f.comparator_id) == (("group-therapy",), "usual-care")


@pytest.mark.parametrize("text", [
    "CBT was compared with fluoxetine for adolescent depression (g = 0.10, 95% CI -0.10 to 0.30).",
    "CBT outperformed sertraline on relapse (OR = 0.50, 95% CI 0.30 to 0.80).",
    "Relative to an SSRI, IPT led to similar remission rates (RR = 1.02).",
])
def test_a_named_antidepressant_is_the_medication_comparator(text):
    f = one(text)
    assert (f.kind, f.comparator_id) == ("comparison", "medication")
    assert "medication" not in f.intervention_ids


@pytest.mark.parametrize("text, favoured", [
    ("At 12-month follow-up, CBT remained superior to usual care (g = 0.31, 95% CI 0.12 to 0.50).", "intervention"),
    ("CBT remained more effective than waitlist at follow-up (g = 0.40).", "intervention"),
    ("Usual care remained less effective than CBT (g = 0.30).", "intervention"),
    ("CBT did not remain superior to usual care (g = 0.05).", None),
])
def test_an_advantage_that_remained_favours_its_side(text, favoured):
    assert one(text).favours == favoured


@pytest.mark.parametrize("text, intervention, comparator", [
    ("CBT and psychodynamic therapy were equally effective (d = 0.02, ns).", ("cbt",), "psychodynamic therapy"),
    ("IPT was as effective as CBT for depression (g = 0.05, 95% CI -0.08 to 0.18).", ("ipt",), "CBT"),
])
def test_equally_effective_is_a_comparison_that_favours_no_one(text, intervention, comparator):
    f = one(text)
    assert (f.kind, f.intervention_ids, f.comparator, f.favours) == ("comparison", intervention, comparator, None)


@pytest.mark.parametrize("text, population", [
    # the words of the clause that follows are not the population's (was 'adults with depression the effect was larger')
    ("For adults with depression the effect was larger (d = 0.50).", "adults with depression"),
    ("In women with postpartum depression psychotherapy outperformed usual care (g = 0.40).",
     "women with postpartum depression"),
    ("Among older adults with chronic pain and depression, CBT helped (d = 0.30).",
     "older adults with chronic pain and depression"),
    ("For adolescents who self-harm, DBT reduced repeat self-harm (OR = 0.46).", "adolescents who self-harm"),
])
def test_a_population_s_words_end_where_the_clause_goes_on(text, population):
    assert one(text).population == population
