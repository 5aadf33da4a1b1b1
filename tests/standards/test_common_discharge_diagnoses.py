"""Common NHS inpatient discharge diagnoses, each as a one-line discharge diagnosis through the whole
engine: the UK code a coder gives must be coded and be the primary diagnosis.

Written from ICD-10 5th Edition coding practice (not from any development set). Several rows showed
where the ICD-10-CM index leads away from the UK code (delirium, gastroenteritis, stroke NOS, morbid
obesity, alcohol withdrawal, severe sepsis): those now have their own rows in
diagnosis_terms.tsv / rules/cm_to_uk.tsv. An expected "A|B" accepts either.
"""
from __future__ import annotations

import pytest

CASES = [
    ('Community acquired pneumonia', 'J18.9'),
    ('Aspiration pneumonia', 'J69.0'),
    ('Infective exacerbation of COPD', 'J44.0'),
    ('Exacerbation of COPD', 'J44.1'),
    ('Acute exacerbation of asthma', 'J45.9'),
    ('Urinary tract infection', 'N39.0'),
    ('Acute pyelonephritis', 'N10'),
    ('Cellulitis of the left leg', 'L03.1'),
    ('Sepsis secondary to urinary tract infection', 'A41.9'),
    ('Acute kidney injury', 'N17.9'),
    ('Chronic kidney disease stage 3', 'N18.3'),
    ('Congestive cardiac failure', 'I50.0'),
    ('Left ventricular failure', 'I50.1'),
    ('Fast atrial fibrillation', 'I48.9'),
    ('Paroxysmal atrial fibrillation', 'I48.0'),
    ('NSTEMI', 'I21.4'),
    ('Inferior STEMI', 'I21.1'),
    ('Unstable angina', 'I20.0'),
    ('Pulmonary embolism', 'I26.9'),
    ('Deep vein thrombosis of the left leg', 'I80.2'),
    ('Ischaemic stroke', 'I63.9'),
    ('Transient ischaemic attack', 'G45.9'),
    ('Subarachnoid haemorrhage', 'I60.9'),
    ('Type 2 diabetes mellitus', 'E11.9'),
    ('Diabetic ketoacidosis in type 1 diabetes', 'E10.1'),
    ('Hypoglycaemia', 'E16.2'),
    ('Hyponatraemia', 'E87.1'),
    ('Hypokalaemia', 'E87.6'),
    ('Dehydration', 'E86'),
    ('Delirium', 'F05.9'),
    ("Alzheimer's dementia", 'G30.9'),
    ('Vascular dementia', 'F01.9'),
    ("Parkinson's disease", 'G20'),
    ('Epilepsy', 'G40.9'),
    ('Multiple sclerosis', 'G35'),
    ('Fractured neck of femur', 'S72.0'),
    ('Fracture of the distal radius', 'S52.5'),
    ('Fractured neck of femur following a mechanical fall at home', 'S72.0'),
    ('Acute appendicitis', 'K35.8'),
    ('Acute cholecystitis', 'K81.0'),
    ('Gallstones', 'K80.2'),
    ('Acute pancreatitis', 'K85.9'),
    ('Upper gastrointestinal bleed', 'K92.2'),
    ('Diverticulitis of the sigmoid colon', 'K57.3'),
    ('Small bowel obstruction', 'K56.6'),
    ('Constipation', 'K59.0'),
    ('Gastroenteritis', 'A09.9'),
    ('Clostridium difficile colitis', 'A04.7'),
    ('Alcoholic liver cirrhosis', 'K70.3'),
    ('Iron deficiency anaemia', 'D50.9'),
    ('Anaemia', 'D64.9'),
    ('Hypertension', 'I10'),
    ('Hypothyroidism', 'E03.9'),
    ('Osteoarthritis of the right knee', 'M17.1'),
    ('Rheumatoid arthritis', 'M06.9'),
    ('Gout', 'M10.9'),
    ('Low back pain', 'M54.5'),
    ('Benign prostatic hyperplasia', 'N40'),
    ('Acute urinary retention', 'R33'),
    ('Carcinoma of the prostate', 'C61'),
    ('Adenocarcinoma of the sigmoid colon', 'C18.7'),
    ('Carcinoma of the left breast', 'C50.9'),
    ('Squamous cell carcinoma of the right lung', 'C34.9'),
    ('Metastases to the liver', 'C78.7'),
    ('Overdose of paracetamol', 'T39.1'),
    ('Alcohol withdrawal', 'F10.3'),
    ('Depression', 'F32.9'),
    ('Anxiety', 'F41.9'),
    ('Obstructive sleep apnoea', 'G47.3'),
    ('Chest pain', 'R07.4'),
    ('Syncope', 'R55'),
    ('Hospital acquired pneumonia', 'J18.9'),
    ('Pressure ulcer of the sacrum', 'L89.9'),
    ('Cataract of the right eye', 'H26.9'),
    ('Inguinal hernia', 'K40.9'),
    ('Haemorrhoids', 'K64|I84'),
    ('Migraine', 'G43.9'),
    ('Atrial flutter', 'I48.9'),
    ('Aortic stenosis', 'I35.0'),
    ('COVID-19 pneumonia', 'J12.8|U07.1'),
    ('Hypercalcaemia', 'E83.5'),
    ('Lower respiratory tract infection', 'J22'),
    ('Viral upper respiratory tract infection', 'J06.9'),
    ('Frailty', 'R54'),
]


@pytest.fixture(scope="module")
def engine(settings):
    from clincode.engine import CodingEngine

    return CodingEngine(settings)


@pytest.mark.parametrize("phrase, expected", CASES)
def test_common_discharge_diagnosis_is_the_primary(engine, phrase, expected):
    from clincode.coding import Document

    ep = engine.code_episode("c", [Document(id="c.txt", text=f"Discharge diagnosis: {phrase}.")])
    primary = ep.primary_diagnosis.code if ep.primary_diagnosis else None
    assert primary is not None and primary.startswith(tuple(expected.split("|"))), \
        (phrase, [d.code for d in ep.diagnoses])


def test_covid_19_pneumonia_has_the_virus_code(engine):
    from clincode.coding import Document

    ep = engine.code_episode("c", [Document(id="c.txt", text="Discharge diagnosis: COVID-19 pneumonia.")])
    assert {"J12.8", "U07.1"} <= {d.code for d in ep.diagnoses}
