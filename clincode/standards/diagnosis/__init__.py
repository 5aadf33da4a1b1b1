"""The National Clinical Coding Standards (ICD-10 5th Edition) for an episode's diagnoses.

Public surface:
    code_diagnoses(findings, classifications, parsed=None, procedures=None, main_procedure=None)
        -> DiagnosisCoding(diagnoses, queries, warnings, dropped)
    DIAGNOSIS_RULES: the rules in the order they run (each a small function citing its standard)

Findings (clincode.diagnosis) are screened one by one for certainty and time (``certainty``), then
gathered into one candidate per code, and the episode-level rules run in a fixed, readable order.
Every rule writes what it did into the rationale of the codes it touched.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ...coding.findings import Finding
from ...coding.models import ClinicianQuery, CodeAssignment
from .certainty import alternatives_code_first, screen
from .chapters import (
    abuse_is_harmful_use,
    arthrosis_by_side,
    cardiac_arrest_survived,
    conditions_of_the_perinatal_period,
    diabetes_type_must_be_documented,
    musculoskeletal_site_from_text,
    smoking_is_tobacco_use_unless_harm_is_stated,
)
from .comorbidities import apply_history_status_policy, code_current_smoking, code_long_term_drug_therapy
from .devices import device_complications_from_text
from .episode import Candidate, DiagnosisEpisode
from .etiology import (
    complications_of_care_need_cause,
    covid_19_with_its_manifestation,
    dagger_and_asterisk,
    injuries_need_external_cause,
    organism_of_a_site_infection,
    organisms_follow_infection,
)
from .primary import (
    choose_primary,
    closure_of_artificial_opening,
    histology_confirms,
    known_behaviour_outranks_unspecified,
    preoperative_diagnosis_superseded,
    stated_reason_when_nothing_else,
)
from .queries import histology_pending_query, queries_for_imprecise_codes
from .sequence import acute_before_chronic, sequence_codes
from .specificity import (
    combination_codes,
    less_specific_across_categories,
    more_specific_code_wins,
    most_detailed_level,
    one_code_per_mention,
    one_tumour_across_categories,
    overlapping_neoplasm_sites,
)
from .secondary import (
    examination_codes_only_without_a_diagnosis,
    narrative_conditions_need_a_statement,
    procedure_reasons_need_this_episodes_procedure,
)
from .symptoms import symptoms_of_definitive_diagnoses
from .validation import patient_sex_and_age, validate_final_codes

# The episode-level rules, in the order they run. Each takes (episode, classifications).
DIAGNOSIS_RULES = (
    code_long_term_drug_therapy,  # Z92.1 / Z92.2 from the drug history; drug-implied conditions queried
    code_current_smoking,  # Z72.0
    alternatives_code_first,  # "A versus B" -> A (MB5)
    organism_of_a_site_infection,  # "Pseudomonas UTI": N39.0 + B96.5, not A49.8
    one_tumour_across_categories,  # "carcinoma of the tonsil and soft palate" -> C14.8
    one_code_per_mention,
    device_complications_from_text,  # "Septic total knee arthroplasty" -> T84.5 (T82-T85 by device and type)
    preoperative_diagnosis_superseded,
    histology_confirms,
    known_behaviour_outranks_unspecified,  # "renal tumour" + "renal cell carcinoma" -> C64 only (MB4)
    diabetes_type_must_be_documented,
    abuse_is_harmful_use,
    smoking_is_tobacco_use_unless_harm_is_stated,
    musculoskeletal_site_from_text,
    arthrosis_by_side,  # OA of the right knee -> M17.1, both knees -> M17.0
    conditions_of_the_perinatal_period,  # I61.5 -> P52.3, G91 -> P91.7 in a baby of perinatal origin
    cardiac_arrest_survived,  # I46.9 -> I46.0 when the episode documents no death
    most_detailed_level,
    more_specific_code_wins,
    less_specific_across_categories,
    combination_codes,
    overlapping_neoplasm_sites,
    apply_history_status_policy,
    symptoms_of_definitive_diagnoses,
    narrative_conditions_need_a_statement,
    examination_codes_only_without_a_diagnosis,
    procedure_reasons_need_this_episodes_procedure,
    dagger_and_asterisk,
    injuries_need_external_cause,
    complications_of_care_need_cause,
    organisms_follow_infection,
    covid_19_with_its_manifestation,  # "COVID-19 pneumonia" -> J12.8 + U07.1
    closure_of_artificial_opening,  # closure of a stoma -> Z43.- (attention to artificial opening)
    stated_reason_when_nothing_else,
    choose_primary,
    sequence_codes,
    acute_before_chronic,
    validate_final_codes,
    queries_for_imprecise_codes,
    histology_pending_query,
)


@dataclass
class DiagnosisCoding:
    diagnoses: list[CodeAssignment]
    queries: list[ClinicianQuery] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)  # code -> why it was not coded


def code_diagnoses(
    findings: list[Finding],
    classifications,
    parsed=None,
    procedures: list[Finding] | None = None,
    main_procedure: str | None = None,
    coded_procedures: list[str] | None = None,
) -> DiagnosisCoding:
    """Apply the diagnosis standards to an episode's findings and return its coded diagnoses.

    ``coded_procedures``: the OPCS-4 codes the procedure standards kept for the episode, when known
    (a procedure only mentioned as past is found but not coded)."""
    parsed = list(parsed or [])
    episode = DiagnosisEpisode(candidates=[], parsed=parsed, procedures=list(procedures or []))
    for i, doc in enumerate(parsed):
        episode.texts[doc.document.id] = doc.text
        episode.doc_order[doc.document.id] = i
    episode.coded_procedures = None if coded_procedures is None else list(coded_procedures)
    episode.main_procedure = main_procedure or next(
        (p.code for p in episode.procedures if p.affirmed and p.code[:1] not in "YZ"), None)
    episode.sex, episode.age = patient_sex_and_age(list(episode.texts.values()))
    screen(list(findings), episode, classifications)
    for rule in DIAGNOSIS_RULES:
        rule(episode, classifications)
    return DiagnosisCoding(
        diagnoses=[to_assignment(c) for c in episode.candidates],
        queries=episode.queries,
        warnings=episode.warnings,
        dropped=episode.dropped,
    )


def to_assignment(cand: Candidate) -> CodeAssignment:
    index_path = next((f.index_path for f in cand.findings if f.index_path), None)
    return CodeAssignment(
        code=cand.code,
        title=cand.title,
        primary=cand.primary,
        score=min(1.0, max(0.0, cand.score)),
        evidence=cand.evidence,
        rationale=list(cand.rationale),
        index_path=index_path,
        qualifies=cand.qualifies,
    )


__all__ = ["DIAGNOSIS_RULES", "DiagnosisCoding", "code_diagnoses", "to_assignment"]
