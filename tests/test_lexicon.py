"""The curated lexicon (data/lexicon.toml) and comparator scheme: entries added for coverage of
posts from other years are found in invented sentences, and near misses (an abbreviation in
lower case or inside another word, a shared ordinary word) are not."""

from __future__ import annotations

import pytest

from pprnet_kg.extract import load_rules
from pprnet_kg.extract.entities import find_entries

RULES = load_rules()


def keys(text: str, entries) -> set[str]:
    return {m.key for m in find_entries(text, entries)}


@pytest.mark.parametrize("text, key", [
    ("Bibliotherapy reduced mild depressive symptoms in older adults.", "bibliotherapy"),
    ("Participants received a self-help book with weekly phone calls.", "bibliotherapy"),
    ("Veterans were randomised to present-centered therapy or trauma-focused treatment.", "present-centred-therapy"),
    ("Present-centred therapy served as the active comparison.", "present-centred-therapy"),
    ("Parent-child interaction therapy reduced oppositional behaviour in preschoolers.", "pcit"),
    ("Trials of PCIT were pooled with other programmes.", "pcit"),
    ("Behavioural parent training improved child compliance.", "parent-training"),
    ("Group-based parenting programmes such as Triple P and Incredible Years were included.", "parent-training"),
    ("Parent management training (PMTO) was delivered in community clinics.", "parent-training"),
    ("Compassion-focused therapy lowered shame and self-criticism.", "compassion-focused-therapy"),
    ("Eight trials of compassionate mind training were found.", "compassion-focused-therapy"),
    ("Solution-focused brief therapy was offered in schools.", "solution-focused-therapy"),
    ("Studies of SFBT with adolescents were few.", "solution-focused-therapy"),
    ("Applied relaxation was as effective as worry exposure.", "relaxation"),
    ("Progressive muscle relaxation served as the control.", "relaxation"),
    ("Hypnotherapy for irritable bowel syndrome has a long history.", "hypnotherapy"),
    ("Adding hypnosis to CBT increased weight loss.", "hypnotherapy"),
    ("Art therapy groups met weekly in the day hospital.", "art-therapy"),
    ("Dance movement therapy and drama therapy were pooled as creative arts therapies.", "art-therapy"),
    ("Music therapy improved mood in people with dementia.", "music-therapy"),
    ("Collaborative care for depression in primary care was cost-effective.", "collaborative-care"),
    ("Compared with waitlist, internet CBT reduced anxiety.", "internet-delivered"),
    ("Online CBT was as effective as face-to-face CBT.", "internet-delivered"),
    ("Contingency management increased abstinence from stimulants.", "contingency-management"),
    ("Cognitive remediation improved functioning in schizophrenia.", "cognitive-remediation"),
    ("Social skills training was compared with supportive groups.", "social-skills-training"),
    ("Cognitive analytic therapy was offered to young people with borderline features.",
     "cognitive-analytic-therapy"),
    ("Attention bias modification had small effects on anxiety.", "cognitive-bias-modification"),
    # variants filed under an existing entry (see the comments in lexicon.toml)
    ("Prolonged exposure and cognitive processing therapy were equally effective.", "exposure-therapy"),
    ("Prolonged exposure and cognitive processing therapy were equally effective.", "cbt"),
    ("Narrative exposure therapy was tested with refugees.", "exposure-therapy"),
    ("Trauma-focused CBT helped children after abuse.", "cbt"),
    ("Metacognitive therapy targets worry about worry.", "cbt"),
    ("CBASP was developed for chronic depression.", "cbt"),
    ("The unified protocol treats several emotional disorders at once.", "cbt"),
    ("Brief dynamic therapy lasted 16 sessions.", "psychodynamic"),
    ("Interpersonal and social rhythm therapy stabilised daily routines.", "ipt"),
    ("Functional family therapy reduced reoffending.", "family-couple-therapy"),
    # a named drug or drug class is medication
    ("Fluoxetine alone was compared with fluoxetine plus CBT.", "medication"),
    ("Patients took sertraline, escitalopram or venlafaxine.", "medication"),
    ("Tricyclic antidepressants and MAOIs were older comparators.", "medication"),
    ("Lithium prevented relapse in bipolar disorder.", "medication"),
])
def test_new_interventions_are_found(text, key):
    assert key in keys(text, RULES.finding_interventions)


@pytest.mark.parametrize("text, key", [
    ("Children with conduct disorder or oppositional defiant disorder took part.", "conduct-problems"),
    ("Externalizing problems fell after the programme.", "conduct-problems"),
    ("Most children met criteria for ODD.", "conduct-problems"),
    ("Adults with autism spectrum disorder reported less anxiety.", "autism"),
    ("Autistic adolescents were included.", "autism"),
    ("Treatment of prolonged grief disorder after a violent loss.", "grief"),
    ("Bereaved parents received eight sessions.", "grief"),
    ("Complicated grief was the primary outcome.", "grief"),
    ("CBT for problem gambling reduced money lost.", "gambling"),
    ("Pathological gambling was the most frequent diagnosis.", "gambling"),
])
def test_new_disorders_are_found(text, key):
    assert key in keys(text, RULES.disorders)


@pytest.mark.parametrize("text, entries, key", [
    # abbreviations are case-sensitive whole words
    ("The results were odd, and the odds ratio was small.", "disorders", "conduct-problems"),
    ("Odd as it seems, few trials were found.", "disorders", "conduct-problems"),
    ("ODDS of response were higher.", "disorders", "conduct-problems"),
    ("Five pcit-like studies were run.", "interventions", "pcit"),
    ("A sfbt group met twice.", "interventions", "solution-focused-therapy"),
    ("A PMT score was recorded.", "interventions", "parent-training"),
    ("Children with ASD were excluded.", "disorders", "autism"),  # ASD is left out: acute stress disorder
    # ordinary words an entry shares
    ("Hypnotics such as zolpidem were stopped.", "interventions", "hypnotherapy"),
    ("The effect was triple that of usual care.", "interventions", "parent-training"),
    ("An incredible number of trials were small.", "interventions", "parent-training"),
    ("A relaxation of the inclusion criteria added trials.", "interventions", "relaxation"),
    ("A collaborative relationship predicted outcome.", "interventions", "collaborative-care"),
    ("Therapist compassion was rated by clients.", "interventions", "compassion-focused-therapy"),
    ("Clients listened to music before the session.", "interventions", "music-therapy"),
    ("The art of therapy lies in timing.", "interventions", "art-therapy"),
    ("Guided self-help was delivered by app.", "interventions", "bibliotherapy"),
    ("Present-centred awareness is taught in mindfulness.", "interventions", "present-centred-therapy"),
    ("Parents were trained to code sessions.", "interventions", "parent-training"),
    ("Narrative therapy was not included.", "interventions", "exposure-therapy"),
    ("The authors ran a CAT scan analysis of cognitive measures.", "interventions", "cognitive-analytic-therapy"),
    ("The gambler's fallacy affects forecasts.", "disorders", "gambling"),
    ("Grieving is not a disorder.", "disorders", "grief"),
])
def test_near_misses_are_not_found(text, entries, key):
    scheme = RULES.disorders if entries == "disorders" else RULES.finding_interventions
    assert key not in keys(text, scheme)


def test_gambling_is_not_a_substance_use_disorder():
    assert keys("Problem gambling and pathological gambling were treated.", RULES.disorders) == {"gambling"}


def test_each_interventions_first_phrase_names_that_entry_alone():
    """The synthetic corpus writes each intervention by its first phrase, and its ground truth is
    that entry: a new entry whose first phrase another entry's phrase also matches (or that names
    a comparator) would break it. The generic 'psychotherapy' is dropped by the extractor when
    another intervention's words hold it, so it does not count."""
    generic = {e.key for e in RULES.finding_interventions if e.finding_only}
    for entry in RULES.interventions:
        phrase = entry.terms[0].phrase
        assert keys(phrase, RULES.finding_interventions) - generic == {entry.key}, phrase
        if entry.key != "medication":
            assert not keys(phrase, RULES.comparators), phrase



def test_comparator_phrases_of_individual_therapy_and_medication():
    assert keys("than individual therapy", RULES.comparators) == {"individual-therapy"}
    assert keys("versus individual CBT", RULES.comparators) == {"individual-therapy"}
    assert keys("compared with fluoxetine", RULES.comparators) == {"medication"}
    assert keys("versus an SSRI", RULES.comparators) == {"medication"}
    assert not keys("versus an ssri", RULES.comparators)
    assert not keys("individual differences between clients", RULES.comparators)
    assert not keys("an individual participant data meta-analysis", RULES.comparators)


def test_close_matches_are_well_formed():
    """A lexicon entry broader than its verified concept links it as a close match ('mesh:D...')."""
    closes = {e.key: e.close for e in RULES.disorders + RULES.finding_interventions if e.close}
    assert closes["grief"] == ("mesh:D000090382",) and not RULES.disorders.by_key["grief"].mesh
    for refs in closes.values():
        for ref in refs:
            prefix, _, local = ref.partition(":")
            assert prefix == "mesh" and local[0] == "D" and local[1:].isdigit() or \
                prefix == "wd" and local[0] == "Q" and local[1:].isdigit(), ref
