"""Dagger/asterisk, injuries and external causes, complications of care, organisms."""
from __future__ import annotations

from clincode.standards.diagnosis.etiology import is_asterisk


def test_asterisk_list_from_classification_service():
    assert is_asterisk("N08.3")
    assert is_asterisk("H36.0")
    assert not is_asterisk("E11.2")


def test_dagger_brings_its_asterisk_sequenced_straight_after(build):
    text = "DIAGNOSES: Diabetic nephropathy (type 2 diabetes). Hypertension."
    ep = build.code(text, [("I10", "Hypertension", "diagnosis"),
                           ("E11.2", "Diabetic nephropathy (type 2 diabetes)", "diagnosis")])
    got = build.codes(ep)
    assert "N08.3" in got
    assert got.index("N08.3") == got.index("E11.2") + 1
    n083 = next(d for d in ep.diagnoses if d.code == "N08.3")
    assert n083.qualifies == "E11.2" and not n083.primary


def test_asterisk_is_never_primary(build):
    text = "DIAGNOSIS: Diabetic retinopathy. Type 1 diabetes mellitus with retinopathy."
    ep = build.code(text, [("H36.0", "Diabetic retinopathy", "diagnosis"),
                           ("E10.3", "Type 1 diabetes mellitus with retinopathy", "diagnosis")])
    assert build.primary(ep) == "E10.3"
    assert build.codes(ep) == ["E10.3", "H36.0"]


def test_asterisk_without_dagger_warns_and_queries(build):
    text = "DIAGNOSIS: Polyneuropathy in disease classified elsewhere. Foot ulcer."
    ep = build.code(text, [("L97", "Foot ulcer", "diagnosis"),
                           ("G63.8", "Polyneuropathy in disease classified elsewhere", "diagnosis")])
    assert build.primary(ep) == "L97"
    assert any("G63.8" in w for w in ep.warnings)
    assert any(q.code == "G63.8" for q in ep.queries)


def test_injury_without_external_cause_warns_and_queries(build):
    text = "DIAGNOSIS: Fracture of neck of femur."
    ep = build.code(text, [("S72.0", "Fracture of neck of femur", "diagnosis")])
    assert any("external cause" in w for w in ep.warnings)
    assert any(q.code == "S72.0" for q in ep.queries)


def test_injury_with_external_cause_follows_it(build):
    text = "DIAGNOSIS: Fracture of neck of femur after a fall on the same level at home."
    ep = build.code(text, [("S72.0", "Fracture of neck of femur", "diagnosis"),
                           ("W01", "fall on the same level", "diagnosis")])
    # W01 is carried to its 4th (place) character: .9 unspecified place, until the finder reads the place
    assert build.codes(ep) == ["S72.0", "W01.9"]
    assert build.primary(ep) == "S72.0"
    assert not ep.warnings


def test_complication_of_prosthesis_gets_y83_1(build):
    text = "DIAGNOSIS: Infected left total knee prosthesis. Staphylococcus aureus grown."
    ep = build.code(text, [("T84.5", "Infected left total knee prosthesis", "diagnosis"),
                           ("B95.6", "Staphylococcus aureus", "diagnosis")])
    got = build.codes(ep)
    assert got[0] == "T84.5" and "Y83.1" in got and "B95.6" in got
    y = next(d for d in ep.diagnoses if d.code == "Y83.1")
    assert y.qualifies == "T84.5"


def test_complication_of_graft_gets_y83_2(build):
    text = "DIAGNOSIS: Stenosis of arteriovenous graft for dialysis access."
    ep = build.code(text, [("T82.8", "Stenosis of arteriovenous graft", "diagnosis")])
    assert build.codes(ep) == ["T82.8", "Y83.2"]


def test_accidental_puncture_gets_misadventure_cause(build):
    text = "DIAGNOSIS: Carcinoma of tonsil. Incidental colotomy during the operation, closed."
    ep = build.code(text, [("C09.9", "Carcinoma of tonsil", "diagnosis"),
                           ("T81.2", "Incidental colotomy", "diagnosis")])
    got = build.codes(ep)
    assert got[0] == "C09.9"
    assert got[got.index("T81.2") + 1] == "Y60.0"


def test_documented_cause_is_not_replaced(build):
    text = "DIAGNOSIS: Wound infection following circumcision. Abnormal reaction to surgery."
    ep = build.code(text, [("T81.4", "Wound infection following circumcision", "diagnosis"),
                           ("Y83.8", "Abnormal reaction to surgery", "diagnosis")])
    got = build.codes(ep)
    assert [c for c in got if c.startswith("Y")] == ["Y83.8"]


def test_organism_code_follows_the_infection(build):
    text = "DIAGNOSES: Cellulitis of the abdominal wall. Osteoarthritis. Cultures grew Staphylococcus."
    ep = build.code(text, [("M19.99", "Osteoarthritis", "diagnosis"),
                           ("L03.3", "Cellulitis of the abdominal wall", "diagnosis"),
                           ("B95.8", "Staphylococcus", "diagnosis")])
    got = build.codes(ep)
    assert got.index("B95.8") == got.index("L03.3") + 1
    assert build.primary(ep) != "B95.8"


def test_organism_without_infection_is_dropped(build):
    text = "DIAGNOSIS: Osteoarthritis of knee. Staphylococcus aureus carrier screen."
    ep = build.code(text, [("M17.9", "Osteoarthritis of knee", "diagnosis"), ("B95.6", "Staphylococcus aureus", "diagnosis")])
    assert build.codes(ep) == ["M17.9"]
    assert any("B95.6" in w for w in ep.warnings)


def test_infection_with_culture_but_no_organism_is_queried(build):
    text = "DIAGNOSIS: Pyelonephritis. Urine culture sent."
    ep = build.code(text, [("N10", "Pyelonephritis", "diagnosis")])
    assert any(q.code == "N10" and "organism" in q.question for q in ep.queries)


def test_organism_of_a_site_infection_is_its_additional_code(build):
    # A49 Excl.: bacterial agents as the cause of diseases classified elsewhere (B95-B96)
    text = "DIAGNOSIS: Pseudomonas urinary tract infection."
    ep = build.code(text, [("A49.8", "Pseudomonas urinary tract infection", "diagnosis"),
                           ("N39.0", "urinary tract infection", "diagnosis")])
    assert build.codes(ep) == ["N39.0", "B96.5"]
    assert ep.diagnoses[1].qualifies == "N39.0"
    text = "DIAGNOSIS: Cellulitis of the leg, MRSA."
    ep = build.code(text, [("A49.0", "Cellulitis of the leg, MRSA", "diagnosis"),
                           ("L03.1", "Cellulitis of the leg", "diagnosis")])
    assert "B95.6" in build.codes(ep) and "A49.0" not in build.codes(ep)


def test_organism_infection_without_a_site_stays(build):
    text = "DIAGNOSIS: Pseudomonas infection."
    ep = build.code(text, [("A49.8", "Pseudomonas infection", "diagnosis")])
    assert build.codes(ep) == ["A49.8"]


def test_organism_table_names_specific_organisms_before_their_genus():
    from clincode.standards.diagnosis.etiology import organism_code

    assert organism_code("Staphylococcus aureus bacteraemia").code == "B95.6"
    assert organism_code("coagulase-negative staphylococcus").code == "B95.8"
    assert organism_code("E. coli UTI").code == "B96.2"
    assert organism_code("Streptococcus pneumoniae").code == "B95.3"
    assert organism_code("urinary tract infection") is None
