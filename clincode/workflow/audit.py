"""Clinical coding audit: sample, re-code blind, score, classify errors, report.

As the DSPT clinical coding audit runs it: a sample of finalised episodes (random across the
department, or targeted at a specialty or a coder), each re-coded by an auditor who does not see
the coder's codes; clincode then scores the four areas (``scoring``), suggests each error's cause
for the auditor to confirm (coder error, documentation issue, engine error) and builds the report.

The coder's codes and the engine's proposal are frozen into the audit when the sample is drawn,
so later re-coding of the episode cannot change what was audited.
"""
from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..classification import System
from ..store.code_checks import normalise_code
from ..store.errors import NotFound, ValidationFailed
from ..store.models import CodingAudit, CodingAuditItem, CodingRun, Episode, EpisodeCode, Spell, utcnow
from ..store.services import Actor, require
from ..store.services._common import audit as audit_event
from .scoring import AREAS, CAUSES, AreaScore, CodingError, attainment, attainment_levels, score_episode, suggest_cause
from .sql import day_end, day_start, discharged_at

METHODS = {"random": "Random sample", "specialty": "Targeted: specialty", "coder": "Targeted: coder"}
DSPT_SAMPLE_SIZE = 200  # the DSPT audit reviews 200 finished consultant episodes


def _final_codes(session: Session, episode_ids: list[int], stage: str = "final") -> dict[int, dict[str, list[str]]]:
    out: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"icd10": [], "opcs4": []})
    for chunk in (episode_ids[i:i + 5000] for i in range(0, len(episode_ids), 5000)):
        q = (select(EpisodeCode.episode_id, EpisodeCode.system, EpisodeCode.code)
             .where(EpisodeCode.stage == stage, EpisodeCode.episode_id.in_(chunk))
             .order_by(EpisodeCode.episode_id, EpisodeCode.system, EpisodeCode.position))
        for episode_id, system, code in session.execute(q):
            out[episode_id][system].append(code)
    return out


def _engine_codes(session: Session, episode_ids: list[int], fallback: dict) -> dict[int, dict[str, list[str]]]:
    """The engine's proposal as it was made, per episode: its latest run's result (one query for
    the sample), else the proposed codes still on the episode."""
    latest = (select(CodingRun.episode_id, func.max(CodingRun.id).label("run_id"))
              .where(CodingRun.episode_id.in_(episode_ids)).group_by(CodingRun.episode_id).subquery())
    runs = session.execute(select(CodingRun.episode_id, CodingRun.result).join(latest, latest.c.run_id == CodingRun.id))
    out = {episode_id: dict(fallback[episode_id]) for episode_id in episode_ids}
    for episode_id, result in runs:
        if isinstance(result, dict):
            out[episode_id] = {"icd10": [d.get("code") for d in result.get("diagnoses") or [] if d.get("code")],
                               "opcs4": [p.get("code") for p in result.get("procedures") or [] if p.get("code")]}
    return out


def create_audit(session: Session, actor: Actor, title: str, *, method: str = "random",
                 size: int = DSPT_SAMPLE_SIZE, specialty: str | None = None, coder: str | None = None,
                 discharged_from: date | None = None, discharged_to: date | None = None,
                 seed: int | None = None) -> CodingAudit:
    """Draw the sample. ``method`` 'specialty' needs ``specialty``, 'coder' needs ``coder``.
    The seed is kept, so the same sample can be drawn again to show how it was chosen."""
    require(actor, "audit:conduct")
    if method not in METHODS:
        raise ValidationFailed(f"unknown sampling method {method!r}; use one of {', '.join(METHODS)}")
    if method == "specialty" and not specialty:
        raise ValidationFailed("a targeted audit by specialty needs the specialty code")
    if method == "coder" and not coder:
        raise ValidationFailed("a targeted audit by coder needs the coder's username")
    if not (title or "").strip():
        raise ValidationFailed("give the audit a title")
    if size < 1 or size > 5000:
        raise ValidationFailed("the sample size must be between 1 and 5000 episodes")
    q = (select(Episode.id).join(Spell, Spell.id == Episode.spell_id).where(Episode.status == "finalised")
         .order_by(Episode.id))
    if specialty:
        q = q.where((Episode.treatment_function == specialty) | (Episode.main_specialty == specialty))
    if coder:
        q = q.where(Episode.finalised_by == coder)
    if discharged_from:
        q = q.where(discharged_at() >= day_start(discharged_from))
    if discharged_to:
        q = q.where(discharged_at() < day_end(discharged_to))
    population = list(session.scalars(q))
    if not population:
        raise ValidationFailed("no finalised episode matches: nothing to audit")
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    chosen = sorted(random.Random(seed).sample(population, min(size, len(population))))
    criteria = {"size": size, "specialty": specialty, "coder": coder, "seed": seed, "population": len(population),
                "discharged_from": discharged_from.isoformat() if discharged_from else None,
                "discharged_to": discharged_to.isoformat() if discharged_to else None}
    record = CodingAudit(title=title.strip(), method=method, criteria=criteria, created_by=actor.username,
                         created_at=utcnow(), status="open")
    finals = _final_codes(session, chosen)
    proposed = _final_codes(session, chosen, "proposed")
    coded_by = dict(session.execute(select(Episode.id, Episode.finalised_by).where(Episode.id.in_(chosen))).all())
    engine = _engine_codes(session, chosen, proposed)
    for episode_id in chosen:
        record.items.append(CodingAuditItem(
            episode_id=episode_id, coded_by=coded_by.get(episode_id), coder_codes=dict(finals[episode_id]),
            engine_codes=engine[episode_id], error_causes={}))
    session.add(record)
    session.flush()
    audit_event(session, actor, "create_coding_audit", "coding_audit", record.id,
                after={"title": record.title, "method": method, **criteria, "sampled": len(chosen)})
    return record


def get_audit(session: Session, audit_id: int) -> CodingAudit:
    record = session.get(CodingAudit, audit_id)
    if record is None:
        raise NotFound(f"no coding audit {audit_id}")
    return record


def _item(session: Session, item_id: int) -> CodingAuditItem:
    item = session.get(CodingAuditItem, item_id)
    if item is None:
        raise NotFound(f"no audited episode {item_id}")
    return item


def _clean_codes(raw: list[str] | str, system: System) -> list[str]:
    if isinstance(raw, str):
        raw = [p for p in raw.replace(",", " ").replace(";", " ").split()]
    from ..classification import load_classifications
    from ..store.code_checks import check_code

    clf = load_classifications()
    out, problems = [], []
    for position, text in enumerate(raw, 1):
        check = check_code(clf, system, text, primary=position == 1)
        code = normalise_code(text)
        if not check.ok and any(p.startswith("not a code") or "heading" in p for p in check.problems):
            problems.append(f"{text}: {check.problems[0]}")
        out.append(check.code or code)
    if problems:
        raise ValidationFailed("; ".join(problems))
    return out


def record_recoding(session: Session, actor: Actor, item_id: int, diagnoses: list[str] | str,
                    procedures: list[str] | str, notes: str | None = None) -> CodingAuditItem:
    """The auditor's blind re-coding (first code = primary). An auditor cannot audit an episode
    they coded themselves. Re-recording replaces the earlier re-coding (and its error causes)."""
    require(actor, "audit:conduct")
    item = _item(session, item_id)
    if item.audit.status != "open":
        raise ValidationFailed("this audit is complete: re-open it to change the re-coding")
    if item.coded_by and item.coded_by == actor.username:
        raise ValidationFailed("you coded this episode: another auditor must re-code it")
    codes = {"icd10": _clean_codes(diagnoses, System.ICD10), "opcs4": _clean_codes(procedures, System.OPCS4)}
    if not codes["icd10"]:
        raise ValidationFailed("the re-coding needs at least the primary diagnosis")
    item.auditor_codes, item.audited_by, item.audited_at = codes, actor.username, utcnow()
    item.notes = (notes or "").strip() or None
    item.error_causes = {e.key: suggest_cause(e, item.engine_codes or {}, item.coder_codes or {})
                         for e in score_episode(item.coder_codes or {}, codes).errors}
    audit_event(session, actor, "audit_recode", "coding_audit_item", item.id, episode_id=item.episode_id,
                after={"audit_id": item.audit_id, **codes})
    session.flush()
    return item


def classify_error(session: Session, actor: Actor, item_id: int, error_key: str, cause: str) -> CodingAuditItem:
    """The auditor confirms or changes an error's cause (coder, documentation, engine)."""
    require(actor, "audit:conduct")
    if cause not in CAUSES:
        raise ValidationFailed(f"unknown cause {cause!r}; use one of {', '.join(CAUSES)}")
    item = _item(session, item_id)
    if item.audit.status != "open":
        raise ValidationFailed("this audit is complete: its error causes are final")
    if error_key not in (item.error_causes or {}):
        raise NotFound(f"no error {error_key!r} on this audited episode")
    item.error_causes = {**item.error_causes, error_key: cause}
    audit_event(session, actor, "audit_classify_error", "coding_audit_item", item.id, episode_id=item.episode_id,
                after={"error": error_key, "cause": cause})
    session.flush()
    return item


def complete_audit(session: Session, actor: Actor, audit_id: int) -> CodingAudit:
    require(actor, "audit:conduct")
    record = get_audit(session, audit_id)
    waiting = sum(1 for i in record.items if i.auditor_codes is None)
    if waiting:
        raise ValidationFailed(f"{waiting} sampled episode{'s are' if waiting != 1 else ' is'} not yet re-coded")
    record.status = "complete"
    audit_event(session, actor, "complete_coding_audit", "coding_audit", record.id, after={"status": "complete"})
    session.flush()
    return record


@dataclass
class AuditReport:
    audit: CodingAudit
    areas: dict[str, AreaScore]
    levels: dict[str, str]  # area -> attainment
    thresholds: dict
    audited: int
    sampled: int
    causes: Counter
    errors_by_kind: Counter
    by_coder: list[tuple[str, int, int, float | None]]  # coder, episodes, errors, primary dx %
    item_errors: list[tuple[CodingAuditItem, list[tuple[CodingError, str]]]] = field(default_factory=list)
    common_errors: list[tuple[str, int]] = field(default_factory=list)


def audit_report(session: Session, audit_id: int) -> AuditReport:
    """Scores per area against the attainment levels, errors by cause and kind, per coder."""
    record = get_audit(session, audit_id)
    areas = {a: AreaScore() for a in AREAS}
    causes, kinds, common = Counter(), Counter(), Counter()
    coders: dict[str, list] = defaultdict(lambda: [0, 0, AreaScore()])
    item_errors = []
    audited = 0
    for item in record.items:
        if item.auditor_codes is None:
            continue
        audited += 1
        score = score_episode(item.coder_codes or {}, item.auditor_codes)
        for a in AREAS:
            areas[a].add(score.areas[a])
        errs = []
        for e in score.errors:
            cause = (item.error_causes or {}).get(e.key) or suggest_cause(e, item.engine_codes or {}, item.coder_codes or {})
            causes[cause] += 1
            kinds[(e.area, e.kind)] += 1
            common[e.words] += 1
            errs.append((e, cause))
        c = coders[item.coded_by or "(unknown)"]
        c[0] += 1
        c[1] += len(score.errors)
        c[2].add(score.areas["primary_diagnosis"])
        if errs:
            item_errors.append((item, errs))
    levels = attainment_levels()
    return AuditReport(
        record, areas, {a: attainment(a, areas[a].percent, levels) for a in AREAS},
        {a: levels[a] for a in AREAS}, audited, len(record.items), causes, kinds,
        sorted(((k, v[0], v[1], v[2].percent) for k, v in coders.items()), key=lambda t: t[0]),
        item_errors, [(w, n) for w, n in common.most_common(10) if n > 1])


def blind_view(session: Session, item_id: int) -> dict:
    """What the auditor sees to re-code: the patient's sex and age, the admission and the
    documents, and nothing of the coding (neither the coder's codes nor the engine's)."""
    from ..store.models import Document, Patient

    item = _item(session, item_id)
    episode = session.get(Episode, item.episode_id)
    spell = episode.spell
    patient: Patient = spell.patient
    age = None
    if patient.birth_date and spell.admission_date:
        a = spell.admission_date.date()
        age = a.year - patient.birth_date.year - ((a.month, a.day) < (patient.birth_date.month, patient.birth_date.day))
    docs = session.scalars(select(Document).where(Document.episode_id == episode.id).order_by(Document.id))
    return {"item_id": item.id, "episode_id": episode.id, "sex": patient.sex, "age": age,
            "admission_method": spell.admission_method, "admitted": spell.admission_date,
            "discharged": spell.discharge_date, "discharge_method": spell.discharge_method,
            "specialty": episode.treatment_function or episode.main_specialty,
            "documents": [{"id": d.id, "type": d.doc_type, "title": d.title, "authored_at": d.authored_at,
                           "text": d.text} for d in docs],
            "recoded": item.auditor_codes is not None}
