"""The --all-findings list: every current, affirmed condition with a code, ranked by score.

What a coder reviews in computer-assisted coding: no episode-level selection or suppression (that is
clincode.standards). Negated, family-history and hypothetical mentions are left out; uncertain ones
stay, as an uncertain diagnosis at the end of the episode is coded as if confirmed (National Clinical
Coding Standards ICD-10 5th Edition, DGCS.2 "Uncertain diagnoses").
"""
from __future__ import annotations

from ..coding.findings import Finding
from ..coding.models import CodeAssignment, CodedEpisode

MAX_EVIDENCE = 5


def rank_findings(episode_id: str, findings: list[Finding], classifications, threshold: float = 0.0,
                  procedures: list[Finding] | None = None) -> CodedEpisode:
    """One CodeAssignment per code, scored by its best mention, sorted by score; below threshold dropped."""
    by_code: dict[str, list[Finding]] = {}
    for f in findings:
        if f.affirmed and f.score >= threshold and f.score > 0:
            by_code.setdefault(f.code, []).append(f)
    assignments = []
    for code, mentions in by_code.items():
        mentions.sort(key=lambda f: (-f.score, f.evidence.start))
        best = mentions[0]
        known = classifications.icd10.get(code)
        evidence, seen = [], set()
        for f in mentions:
            key = (f.evidence.document, f.evidence.start, f.evidence.end)
            if key not in seen and len(evidence) < MAX_EVIDENCE:
                seen.add(key)
                evidence.append(f.evidence)
        rationale = list(dict.fromkeys(r for f in mentions[:3] for r in f.rationale))
        if any(f.uncertain for f in mentions) and all(f.uncertain for f in mentions):
            rationale.append("uncertain diagnosis coded as if confirmed (DGCS.2)")
        assignments.append(CodeAssignment(code=code, title=known.title if known else "", score=min(best.score, 1.0),
                                          evidence=evidence, rationale=rationale, index_path=best.index_path))
    assignments.sort(key=lambda a: (-a.score, a.code))
    procs = []
    for f in procedures or []:
        if f.affirmed:
            procs.append(CodeAssignment(code=f.code, score=min(max(f.score, 0.0), 1.0), evidence=[f.evidence],
                                        rationale=list(f.rationale), index_path=f.index_path))
    return CodedEpisode(id=episode_id, diagnoses=assignments, procedures=procs)
