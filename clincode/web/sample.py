"""Synthetic sample episodes for demonstrations, the browser tests and the web benchmark.

Everything here is made up: NHS numbers are from the 999 test range (never a real patient),
names are drawn from short lists, and the documents are written for clincode from typical NHS
discharge summaries and operation notes. ``populate`` stores them through the service layer,
exactly as an interface would.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from ..store import services
from ..store.nhs_number import check_digit
from ..store.records import DocumentData, EpisodeData, EpisodeRecord, PatientData, SpellData
from ..store.roles import Role
from ..store.services import INTEGRATION, SYSTEM

FAMILY = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
          "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Khan", "Lewis"]
GIVEN_F = ["Margaret", "Susan", "Aisha", "Emily", "Jean", "Priya", "Olivia", "Patricia", "Grace", "Fatima"]
GIVEN_M = ["John", "David", "Mohammed", "Peter", "James", "Robert", "Arjun", "George", "Thomas", "Michael"]
CONSULTANTS = ["C1234567", "C2345678", "C3456789", "C4567890", "C5678901", "C6789012"]
WARDS = ["Ward 7", "Ward 12", "Beech Ward", "Acute Medical Unit", "Day Surgery Unit"]

# (specialty, admission method, sex or None for either, age range, documents: (type, title, text))
CASES = [
    ("100", "21", None, (35, 85), [("discharge_summary", "Discharge summary", """DISCHARGE SUMMARY

Diagnosis on discharge:
1. Acute cholecystitis with gallstones
2. Type 2 diabetes mellitus
3. Hypertension

Procedure: Laparoscopic cholecystectomy on day 2 of admission.

History of presenting complaint: admitted via A&E with right upper quadrant pain, fever and vomiting. Ultrasound showed a thick-walled gallbladder with multiple calculi. No evidence of common bile duct dilatation.

Past medical history: Type 2 diabetes on metformin. Hypertension.
Family history: Mother had breast cancer.
Social history: Current smoker, 20 cigarettes a day.

Plan: Discharge home. GP to review blood pressure.""")]),
    ("110", "11", None, (55, 90), [("operation_note", "Operation note", """OPERATION NOTE

Preoperative diagnosis: Osteoarthritis of the right hip.
Postoperative diagnosis: Osteoarthritis of the right hip.
Procedure: Right total hip replacement, cemented.

Indications: end-stage primary osteoarthritis of the right hip, failed conservative management.

Description of procedure: Under spinal anaesthetic, posterior approach to the right hip. The femoral head was dislocated and the neck osteotomised. The acetabulum was reamed and a cemented cup inserted. The femoral canal was prepared and a cemented stem implanted. Closure in layers.

Past medical history: Atrial fibrillation on warfarin. Asthma.

Plan: Mobilise fully weight bearing. Thromboprophylaxis for 28 days.""")]),
    ("300", "21", None, (60, 95), [("discharge_summary", "Discharge summary", """DISCHARGE SUMMARY

Primary diagnosis: Community acquired pneumonia, right lower lobe.
Secondary diagnoses: Chronic obstructive pulmonary disease. Atrial fibrillation. Chronic kidney disease stage 3.

Presentation: three days of productive cough, fever and breathlessness. Chest X-ray showed right lower lobe consolidation. CURB-65 score 2.

Treatment: intravenous amoxicillin and clarithromycin, stepped down to oral antibiotics on day 3. Nebulised salbutamol. Rate control continued with bisoprolol.

Past medical history: COPD on inhalers. Atrial fibrillation on apixaban. No history of diabetes.

Discharge plan: complete 7 days of antibiotics; respiratory clinic in 6 weeks; repeat chest X-ray in 6 weeks.""")]),
    ("320", "21", None, (45, 90), [("discharge_summary", "Discharge summary", """DISCHARGE SUMMARY

Diagnosis: Acute anterior ST elevation myocardial infarction.
Procedure: Primary percutaneous coronary intervention with insertion of a drug-eluting stent to the left anterior descending artery.

History: central chest pain radiating to the left arm for 2 hours. ECG showed ST elevation in V1 to V4. Troponin raised.

Comorbidities: Hypertension. Hypercholesterolaemia. Ex-smoker.

Medication on discharge: aspirin, ticagrelor, atorvastatin, ramipril, bisoprolol.
Follow up: cardiac rehabilitation; cardiology clinic in 6 weeks.""")]),
    ("502", "11", "2", (25, 60), [("operation_note", "Operation note", """OPERATION NOTE

Diagnosis: Menorrhagia due to uterine fibroids.
Procedure: Total abdominal hysterectomy with bilateral salpingo-oophorectomy.

Findings: bulky uterus with multiple intramural fibroids. Normal appearance of both ovaries.

Anaesthetic: general anaesthetic.
Closure: Pfannenstiel incision closed in layers.""")], ),
    ("101", "11", "1", (50, 85), [("operation_note", "Operation note", """OPERATION NOTE

Indication: lower urinary tract symptoms due to benign prostatic hyperplasia.
Procedure: Transurethral resection of prostate.

Findings: bilobar enlargement of the prostate. Bladder trabeculation. No bladder tumour seen.

Plan: catheter out in 48 hours; trial without catheter.""")], ),
    ("301", "22", None, (30, 80), [("discharge_summary", "Discharge summary", """DISCHARGE SUMMARY

Diagnosis: Upper gastrointestinal haemorrhage from a bleeding duodenal ulcer.
Procedure: Oesophagogastroduodenoscopy with injection of adrenaline to a bleeding duodenal ulcer.

Presentation: haematemesis and melaena. Haemoglobin 74 g/L on admission; transfused 2 units of red cells.

Helicobacter pylori positive; eradication therapy started.
Other: iron deficiency anaemia. Osteoarthritis of both knees, taking ibuprofen, now stopped.""")], ),
]
HISTOLOGY = ("histopathology", "Histopathology report", """HISTOPATHOLOGY REPORT

Specimen: gallbladder.
Microscopy: acute on chronic cholecystitis with cholelithiasis. No dysplasia or malignancy.""")


def test_nhs_number(rng: random.Random) -> str:
    """A valid NHS number from the 999 test range."""
    while True:
        first = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        digit = check_digit(first)
        if digit is not None:
            return first + str(digit)


def sample_record(i: int, rng: random.Random, today: date) -> EpisodeRecord:
    specialty, method, sex, (lo, hi), docs = CASES[i % len(CASES)]
    sex = sex or rng.choice("12")
    age = rng.randint(lo, hi)
    discharged = today - timedelta(days=rng.randint(0, 75))
    admitted = discharged - timedelta(days=rng.randint(0, 8))
    born = admitted - timedelta(days=age * 365 + rng.randint(0, 364))
    documents = [DocumentData(doc_type=t, title=title, text=text, source_system="EPR",
                              external_id=f"DOC{i:06d}-{n}", authored_at=datetime.combine(discharged, time(15, 30), timezone.utc))
                 for n, (t, title, text) in enumerate(docs)]
    if i % len(CASES) == 0 and i % 3 == 0:
        documents.append(DocumentData(doc_type=HISTOLOGY[0], title=HISTOLOGY[1], text=HISTOLOGY[2],
                                      source_system="LIMS", external_id=f"HIS{i:06d}"))
    return EpisodeRecord(
        patient=PatientData(nhs_number=test_nhs_number(rng), local_patient_id=f"RX{100000 + i}",
                            family_name=rng.choice(FAMILY), given_name=rng.choice(GIVEN_F if sex == "2" else GIVEN_M),
                            birth_date=born, sex=sex),
        spell=SpellData(spell_number=f"SP{200000 + i}", admission_method=method, admission_source="19",
                        admission_date=datetime.combine(admitted, time(9, 0), timezone.utc),
                        discharge_date=datetime.combine(discharged, time(14, 0), timezone.utc),
                        discharge_method="1", discharge_destination="19"),
        # the ward by index, not from rng: the seeded patients and dates stay what they were
        episode=EpisodeData(consultant_code=rng.choice(CONSULTANTS), main_specialty=specialty, treatment_function=specialty,
                            ward=WARDS[i % len(WARDS)],
                            start_date=datetime.combine(admitted, time(9, 0), timezone.utc)),
        documents=documents,
    )


def populate(db, count: int, *, today: date | None = None, seed: int = 7, batch: int = 500) -> list[int]:
    """Store ``count`` sample episodes; returns their ids."""
    rng = random.Random(seed)
    today = today or date.today()
    ids: list[int] = []
    for start in range(0, count, batch):
        with db.session() as session:
            for i in range(start, min(count, start + batch)):
                ids.append(services.ingest_record(session, INTEGRATION, sample_record(i, rng, today)).id)
    return ids


def add_user(db, username: str, role: Role | str = Role.CODER, display_name: str = "") -> str:
    """Create a user and return a new access token for signing in."""
    with db.session() as session:
        services.create_user(session, SYSTEM, username, role, display_name)
        return services.issue_token(session, SYSTEM, username, label="web")
