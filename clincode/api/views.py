"""Read-only views of the store built straight from column rows for the hottest API reads.

``GET /episodes/{id}`` is the request coders' screens make most. Loading ORM objects for the
episode, spell, patient, documents, codes and queries and then copying them into pydantic
models costs more than the queries themselves; here each query selects exactly the columns
the response schema names (read from the schema, so a field added to ``EpisodeDetail`` is
picked up without touching this module) and the rows go to the response as plain dicts,
validated once by FastAPI against the ``response_model``.
"""
from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from ..store.errors import NotFound
from ..store.models import ClinicianQuery, Document, Episode, EpisodeCode, Patient, Spell
from ..store.services import Actor
from ..store.services._common import require
from .schemas import CodeOut, DocumentOut, EpisodeDetail, PatientOut, QueryOut, SpellOut


NESTED = frozenset({"patient", "spell", "documents", "final_codes", "proposed_codes", "queries"})


@lru_cache(maxsize=None)
def _columns(model, schema: type[BaseModel], prefix: str = "", skip: frozenset = frozenset()) -> tuple:
    """The model's mapped columns for each of the schema's fields, labelled ``prefix + name``;
    None when a field is not a plain column (a property, a computed value): then the caller
    takes the ORM path, which knows how to fill it."""
    mapped = set(inspect(model).column_attrs.keys())
    names = [name for name in schema.model_fields if name not in skip]
    if any(name not in mapped for name in names):
        return None
    return tuple(getattr(model, name).label(prefix + name) for name in names)


def episode_view(session: Session, actor: Actor, episode_id: int) -> dict | None:
    """``EpisodeDetail`` as a dict: the episode with its spell, patient, documents, codes (final
    and proposed, each in system then position order) and clinician queries, in four queries.
    None if the schema names a field that is not a plain column (use the ORM path)."""
    require(actor, "episodes:read")
    episode_cols = _columns(Episode, EpisodeDetail, skip=NESTED)
    parts = (episode_cols, _columns(Spell, SpellOut, "spell__"), _columns(Patient, PatientOut, "patient__"),
             _columns(Document, DocumentOut), _columns(EpisodeCode, CodeOut), _columns(ClinicianQuery, QueryOut))
    if any(p is None for p in parts):
        return None
    spell_cols, patient_cols = _columns(Spell, SpellOut, "spell__"), _columns(Patient, PatientOut, "patient__")
    row = session.execute(
        select(*episode_cols, *spell_cols, *patient_cols)
        .join(Spell, Spell.id == Episode.spell_id).join(Patient, Patient.id == Spell.patient_id)
        .where(Episode.id == episode_id)).mappings().first()
    if row is None:
        raise NotFound(f"no episode {episode_id}")
    out: dict = {"spell": {}, "patient": {}}
    for key, value in row.items():
        group, _, name = key.partition("__")
        if name:
            out[group][name] = value
        else:
            out[key] = value
    out["documents"] = [dict(r) for r in session.execute(
        select(*_columns(Document, DocumentOut)).where(Document.episode_id == episode_id)
        .order_by(Document.id)).mappings()]
    codes = session.execute(
        select(EpisodeCode.stage, *_columns(EpisodeCode, CodeOut)).where(EpisodeCode.episode_id == episode_id)
        .order_by(EpisodeCode.system, EpisodeCode.position)).mappings()
    out["final_codes"], out["proposed_codes"] = [], []
    for code in codes:
        code = dict(code)
        stage = code.pop("stage")
        if stage in ("final", "proposed"):
            out[f"{stage}_codes"].append(code)
    out["queries"] = [dict(r) for r in session.execute(
        select(*_columns(ClinicianQuery, QueryOut)).where(ClinicianQuery.episode_id == episode_id)
        .order_by(ClinicianQuery.id)).mappings()]
    return out
