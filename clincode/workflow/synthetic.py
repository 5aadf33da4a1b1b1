"""Generated episodes with known properties, for the report tests, the benchmark and demos.

``insert_episodes`` writes episodes straight into the store's tables (bulk ``INSERT``s, not the
service layer: a benchmark needs 100,000 of them in seconds) exactly as the service layer would
leave them: final codes in order with their source, the engine's proposal, finalisation times.
``generate`` draws a realistic mix (specialties, ages, codes, backlog) from a seed.
Everything is made up; no row describes a real patient.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ..store.models import ClinicianQuery, Document, Episode, EpisodeCode, Patient, Spell


@dataclass
class SyntheticEpisode:
    """One episode to generate. Codes are dotted; the first diagnosis is primary, as is the first
    procedure. ``coder_entered``: codes the coder typed (source 'coder') rather than accepted;
    ``proposed``/``proposed_procedures``: the engine's proposal still on the episode."""

    discharged: date | None = date(2026, 11, 1)
    status: str = "finalised"
    finalised_on: date | None = None
    sex: str = "1"
    age: int = 60
    admission_method: str = "11"
    discharge_method: str = "1"
    specialty: str = "100"
    consultant: str = "C1000001"
    assigned_to: str | None = "coder.one"
    diagnoses: list[str] = field(default_factory=list)
    procedures: list[tuple[str, date | None]] = field(default_factory=list)
    coder_entered: set[str] = field(default_factory=set)
    proposed: list[str] = field(default_factory=list)
    proposed_procedures: list[str] = field(default_factory=list)
    document_received: datetime | None = None
    open_query_raised: datetime | None = None


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.utc)


def insert_episodes(session: Session, specs: list[SyntheticEpisode], batch: int = 5000) -> list[int]:
    """Insert the episodes (with patient, spell, codes, a document) and return their ids in order."""
    # one id for a patient, their spell and episode: start above every table's highest id
    start = max((session.scalar(select(func.max(t.id))) or 0) for t in (Patient, Spell, Episode)) + 1
    ids = []
    for offset in range(0, len(specs), batch):
        chunk = specs[offset:offset + batch]
        base = start + offset
        patients, spells, episodes, codes, documents, queries = [], [], [], [], [], []
        for i, s in enumerate(chunk):
            n = base + i
            discharged = _at(s.discharged, 14) if s.discharged else None
            admitted = (discharged or _at(date(2026, 1, 1))) - timedelta(days=2)
            patients.append({"id": n, "local_patient_id": f"SYN{n:08d}", "sex": s.sex, "family_name": "Synthetic",
                             "given_name": f"Patient {n}", "birth_date": (admitted - timedelta(days=365 * s.age + 100)).date(),
                             "created_at": admitted})
            spells.append({"id": n, "patient_id": n, "spell_number": f"SYN{n:010d}", "admission_date": admitted,
                           "admission_method": s.admission_method, "admission_source": "19", "discharge_date": discharged,
                           "discharge_method": s.discharge_method, "discharge_destination": "79" if s.discharge_method == "4" else "19",
                           "created_at": admitted})
            finalised = _at(s.finalised_on, 10) if s.finalised_on else (
                discharged + timedelta(days=3) if s.status == "finalised" and discharged else None)
            episodes.append({"id": n, "spell_id": n, "episode_number": 1, "consultant_code": s.consultant,
                             "main_specialty": s.specialty, "treatment_function": s.specialty, "start_date": admitted,
                             "end_date": discharged, "status": s.status, "assigned_to": s.assigned_to,
                             "finalised_at": finalised, "finalised_by": s.assigned_to if finalised else None,
                             "updated_at": finalised or admitted, "version": 1})
            coded_at = finalised or admitted
            for pos, code in enumerate(s.diagnoses, 1):
                codes.append(_code(n, "final", "icd10", pos, code, None, "coder" if code in s.coder_entered else "engine",
                                   s.assigned_to, coded_at))
            for pos, (code, on) in enumerate(s.procedures, 1):
                codes.append(_code(n, "final", "opcs4", pos, code, on, "coder" if code in s.coder_entered else "engine",
                                   s.assigned_to, coded_at))
            for system, proposal in (("icd10", s.proposed), ("opcs4", s.proposed_procedures)):
                for pos, code in enumerate(proposal, 1):
                    codes.append(_code(n, "proposed", system, pos, code, None, "engine", "engine", admitted))
            documents.append({"episode_id": n, "doc_type": "discharge_summary", "title": "Discharge summary",
                              "source_system": "SYN", "received_at": s.document_received or admitted,
                              "sha256": f"{n:064d}", "text": "Synthetic discharge summary."})
            if s.open_query_raised:
                queries.append({"episode_id": n, "question": "Please confirm the diagnosis.", "reason": "",
                                "status": "open", "raised_by": s.assigned_to or "coder", "raised_at": s.open_query_raised,
                                "addressed_to": s.consultant})
            ids.append(n)
        for table, rows in ((Patient, patients), (Spell, spells), (Episode, episodes), (EpisodeCode, codes),
                            (Document, documents), (ClinicianQuery, queries)):
            if rows:
                _insert(session, table, rows)
        session.flush()
    if session.get_bind().dialect.name == "postgresql":  # explicit ids: move the sequences on
        for table, model in (("patients", Patient), ("spells", Spell), ("episodes", Episode)):
            session.execute(select(func.setval(f"{table}_id_seq",
                                               func.greatest(select(func.max(model.id)).scalar_subquery(), 1))))
    return ids


def _insert(session: Session, table, rows: list[dict]) -> None:
    """Bulk insert; on PostgreSQL with COPY (ten times faster than INSERT for a benchmark's rows)."""
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    import json

    columns = list(rows[0])
    json_columns = {c.name for c in table.__table__.columns if c.type.__class__.__name__ == "JSON"}
    raw = session.connection().connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cur, cur.copy(f"COPY {table.__tablename__} ({names}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row([json.dumps(r[c]) if c in json_columns else r[c] for c in columns])


def _code(episode_id, stage, system, position, code, performed_on, source, by, at) -> dict:
    return {"episode_id": episode_id, "stage": stage, "system": system, "position": position, "code": code,
            "title": "", "primary": position == 1, "evidence": [], "rationale": [], "performed_on": performed_on,
            "source": source, "assigned_by": by or "engine", "assigned_at": at}


# --- a realistic random mix ------------------------------------------------------------------
SPECIALTIES = ["100", "101", "110", "300", "301", "320", "340", "430", "502", "120"]
CONSULTANTS = [f"C{n:07d}" for n in range(1000001, 1000041)]
CODERS = ["amira.shah", "tom.reed", "jo.bloggs", "sam.patel", "li.wong", "kate.evans"]
DIAGNOSES = ["K80.0", "K35.8", "J18.1", "J44.1", "I21.0", "I48.9", "I50.0", "N39.0", "S72.00", "C18.7", "C78.7",
             "E11.9", "E11.2", "I10", "N18.3", "F03", "K70.3", "J45.9", "Z86.7", "M17.1", "R07.4", "N40"]
PROCEDURES = ["J18.3", "W37.1", "H01.1", "K75.1", "M65.3", "Q07.4", "G45.1", "W46.1"]


def generate(n: int, today: date, seed: int = 11) -> list[SyntheticEpisode]:
    """``n`` episodes discharged over the last ~200 days: older ones mostly coded, recent ones a
    backlog; depth, deaths and coder amendments in plausible proportions."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        age_days = int(rng.triangular(0, 200, 10))
        discharged = today - timedelta(days=age_days)
        coded = rng.random() < min(0.98, age_days / 12)
        status = "finalised" if coded else rng.choice(["uncoded", "uncoded", "proposed", "in_progress"])
        dx = rng.sample(DIAGNOSES, rng.randint(1, 6))
        px = [(c, discharged - timedelta(days=1) if rng.random() < 0.95 else None)
              for c in rng.sample(PROCEDURES, rng.choice([0, 0, 1, 1, 2]))]
        spec = SyntheticEpisode(
            discharged=discharged, status=status,
            finalised_on=discharged + timedelta(days=rng.randint(1, max(1, min(age_days, 40)))) if coded else None,
            sex=rng.choice("12"), age=rng.randint(18, 99), admission_method=rng.choice(["11", "21", "21", "22"]),
            discharge_method="4" if rng.random() < 0.03 else "1", specialty=rng.choice(SPECIALTIES),
            consultant=rng.choice(CONSULTANTS), assigned_to=rng.choice(CODERS) if coded or rng.random() < 0.5 else None,
            diagnoses=dx if coded else [], procedures=px if coded else [],
            coder_entered={c for c in dx if rng.random() < 0.15},
            proposed=[c for c in dx if rng.random() < 0.9] + [rng.choice(DIAGNOSES)] if status != "uncoded" else [],
            proposed_procedures=[c for c, _ in px] if status != "uncoded" else [],
            open_query_raised=(datetime.combine(today, time(9), timezone.utc) - timedelta(days=rng.randint(0, 20))
                               if status == "in_progress" and rng.random() < 0.3 else None),
        )
        out.append(spec)
    return out
