"""The National Clinical Coding Standards as readable, testable rules: findings -> a coded episode.

Public surface (the engine calls these; keep the names and signatures):
    apply_standards(episode_id, diagnosis_findings, procedure_findings, classifications, parsed) -> CodedEpisode
    rank_all_findings(episode_id, diagnosis_findings, procedure_findings, classifications) -> CodedEpisode

Diagnoses: ``clincode.standards.diagnosis`` (the ICD-10 5th Edition standards, rule by rule).
Procedures: ``clincode.standards.procedures.code_procedures`` (the OPCS-4 standards).
"""
from __future__ import annotations

import copy

from ..coding.findings import Finding
from ..coding.models import CodeAssignment, CodedEpisode
from .diagnosis import code_diagnoses
from .procedures import code_procedures


def _assign(findings: list[Finding], classifications=None, system: str = "icd10") -> CodeAssignment:
    first = findings[0]
    title = ""
    if classifications is not None:
        table = classifications.icd10 if system == "icd10" else classifications.opcs4
        code = table.get(first.code) if table is not None else None
        title = code.title if code else ""
    evidence, seen = [], set()
    for f in findings:
        key = (f.evidence.document, f.evidence.start, f.evidence.end)
        if key not in seen:
            seen.add(key)
            evidence.append(f.evidence)
    return CodeAssignment(
        code=first.code, title=title or first.term, score=min(1.0, max(f.score for f in findings)),
        evidence=evidence, rationale=list(first.rationale),
        index_path=next((f.index_path for f in findings if f.index_path), None),
    )


def _ranked(findings: list[Finding], classifications, system: str) -> list[CodeAssignment]:
    by_code: dict[str, list[Finding]] = {}
    for f in findings:
        if f.affirmed and not f.historical:
            by_code.setdefault(f.code, []).append(f)
    assignments = [_assign(fs, classifications, system) for fs in by_code.values()]
    return sorted(assignments, key=lambda a: -a.score)


def rank_all_findings(episode_id, diagnosis_findings, procedure_findings, classifications) -> CodedEpisode:
    """Every current, affirmed condition and procedure with a code, ranked by score: the list a
    coder reviews in computer-assisted coding (no episode-level selection or suppression)."""
    return CodedEpisode(
        id=episode_id,
        diagnoses=_ranked(list(diagnosis_findings), classifications, "icd10"),
        procedures=_ranked(list(procedure_findings), classifications, "opcs4"),
    )


def _code_procedures(procedure_findings, classifications, parsed, diagnoses=None, diagnosis_findings=None):
    """The OPCS-4 standards (clincode/standards/procedures.py). Returns (procedures, queries, warnings)."""
    procedures, queries, warnings = code_procedures(
        procedure_findings, classifications, parsed, diagnoses, diagnosis_findings=diagnosis_findings)
    return list(procedures), list(queries), list(warnings)


def apply_standards(episode_id, diagnosis_findings, procedure_findings, classifications, parsed) -> CodedEpisode:
    """Code one episode under the national standards.

    The main procedure tells the diagnosis rules which condition was operated on, and the primary
    diagnosis tells the procedure rules what each procedure treats: so the procedures are coded
    once (on copies of their findings, which the procedure rules annotate) to find the main
    procedure, the diagnoses are coded, and the procedures are coded again with the diagnoses.
    """
    procedure_findings, diagnosis_findings = list(procedure_findings), list(diagnosis_findings)
    first_pass, _, _ = _code_procedures(copy.deepcopy(procedure_findings), classifications, parsed,
                                        diagnosis_findings=diagnosis_findings)
    main = next((p.code for p in first_pass if p.primary), None)
    dx = code_diagnoses(diagnosis_findings, classifications, parsed, procedure_findings, main,
                        coded_procedures=[p.code for p in first_pass])
    procedures, p_queries, p_warnings = _code_procedures(procedure_findings, classifications, parsed, dx.diagnoses)
    return CodedEpisode(
        id=episode_id, diagnoses=dx.diagnoses, procedures=procedures,
        queries=dx.queries + list(p_queries), warnings=dx.warnings + list(p_warnings),
    )


__all__ = ["apply_standards", "rank_all_findings", "code_diagnoses"]
