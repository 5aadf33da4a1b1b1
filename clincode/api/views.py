"""Read-only views of the store built straight from column rows for the hottest API reads.

``GET /episodes/{id}`` is the request coders' screens make most. Loading ORM objects for the
episode, spell, patient, documents, codes and queries and then copying them into pydantic
models costs more than the queries themselves. Both views here select exactly the columns the
response schema names (read from the schema, so a field added to ``EpisodeDetail`` is picked up
without touching this module):

- ``episode_json``: the database builds the whole episode as one JSON document in **one**
  statement (PostgreSQL ``json_build_object``/``json_agg``, SQLite ``json_object``/
  ``json_group_array``), run without a transaction of its own (one statement is its own
  consistent snapshot), checked and normalised by the response model in pydantic's Rust core.
  On PostgreSQL that is one round trip instead of about eight.
- ``episode_view``: the same as plain dicts from four queries (the reference the JSON view is
  tested against, and the fallback for other databases).
"""
from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel
from sqlalchemy import JSON, DateTime, TypeDecorator, inspect, select, text
from sqlalchemy.engine import Engine
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


# --- one statement, JSON built by the database --------------------------------------------------
def _fields(model, schema: type[BaseModel], skip: frozenset = frozenset()) -> tuple | None:
    """(field name, table column) for each of the schema's fields; None if one is not a column."""
    attrs = inspect(model).column_attrs
    out = []
    for name in schema.model_fields:
        if name in skip:
            continue
        if name not in attrs:
            return None
        out.append((name, attrs[name].columns[0]))
    return tuple(out)


def _value(dialect: str, alias: str, column, quote) -> str:
    ref = f"{alias}.{quote(column.name)}"
    kind = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    if dialect == "sqlite":
        if isinstance(kind, DateTime):  # stored naive, in UTC (models.UTCDateTime)
            return f"CASE WHEN {ref} IS NULL THEN NULL ELSE replace({ref}, ' ', 'T') || 'Z' END"
        if isinstance(kind, JSON):  # stored as text: embed it as JSON, not as a string
            return f"json({ref})"
    return ref


def _object(dialect: str, alias: str, fields, quote, extra: tuple = ()) -> str:
    pairs = [f"'{name}', {_value(dialect, alias, column, quote)}" for name, column in fields] + list(extra)
    return f"{'json_object' if dialect == 'sqlite' else 'json_build_object'}({', '.join(pairs)})"


def _array(dialect: str, obj: str, table: str, alias: str, where: str, order: str) -> str:
    if dialect == "sqlite":  # no ORDER BY inside aggregates before SQLite 3.44: order a subquery
        return (f"(SELECT json_group_array(json(x)) FROM (SELECT {obj} AS x FROM {table} AS {alias} "
                f"WHERE {where} ORDER BY {order}))")
    return f"COALESCE((SELECT json_agg({obj} ORDER BY {order}) FROM {table} AS {alias} WHERE {where}), '[]'::json)"


@lru_cache(maxsize=None)
def _episode_json_sql(dialect: str, quote) -> str | None:
    """The one statement giving ``EpisodeDetail`` as JSON text for ``:episode_id``; None when the
    schema names a field that is not a plain column or the database has no JSON functions we use."""
    if dialect not in ("sqlite", "postgresql"):
        return None
    parts = {"e": _fields(Episode, EpisodeDetail, NESTED), "s": _fields(Spell, SpellOut),
             "p": _fields(Patient, PatientOut), "d": _fields(Document, DocumentOut),
             "c": _fields(EpisodeCode, CodeOut), "q": _fields(ClinicianQuery, QueryOut)}
    if any(v is None for v in parts.values()):
        return None
    t = {m: quote(m.__table__.name) for m in (Episode, Spell, Patient, Document, EpisodeCode, ClinicianQuery)}

    def codes(stage: str) -> str:
        return _array(dialect, _object(dialect, "c", parts["c"], quote), t[EpisodeCode], "c",
                      f"c.episode_id = e.id AND c.stage = '{stage}'", f"c.{quote('system')}, c.{quote('position')}")

    nested = (
        f"'spell', {_object(dialect, 's', parts['s'], quote)}",
        f"'patient', {_object(dialect, 'p', parts['p'], quote)}",
        f"'documents', {_array(dialect, _object(dialect, 'd', parts['d'], quote), t[Document], 'd', 'd.episode_id = e.id', 'd.id')}",
        f"'final_codes', {codes('final')}",
        f"'proposed_codes', {codes('proposed')}",
        f"'queries', {_array(dialect, _object(dialect, 'q', parts['q'], quote), t[ClinicianQuery], 'q', 'q.episode_id = e.id', 'q.id')}",
    )
    document = _object(dialect, "e", parts["e"], quote, nested)
    if dialect == "postgresql":
        document = f"CAST({document} AS text)"  # text, not json: the driver would parse it into Python
    return (f"SELECT {document} FROM {t[Episode]} AS e JOIN {t[Spell]} AS s ON s.id = e.spell_id "
            f"JOIN {t[Patient]} AS p ON p.id = s.patient_id WHERE e.id = :episode_id")


def episode_json(bind: Engine, actor: Actor, episode_id: int) -> bytes | None:
    """``EpisodeDetail`` as the response's JSON bytes, from one statement outside any transaction
    (on a connection of its own from ``bind``'s pool). None when this database or schema needs
    the other views."""
    require(actor, "episodes:read")
    sql = _episode_json_sql(bind.dialect.name, bind.dialect.identifier_preparer.quote)
    if sql is None:
        return None
    # autocommit: no BEGIN, no ROLLBACK when the connection goes back (one statement is consistent)
    with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        document = conn.execute(text(sql), {"episode_id": episode_id}).scalar()
    if document is None:
        raise NotFound(f"no episode {episode_id}")
    # validated and serialised by the response model (Rust): same JSON as the other paths give
    return EpisodeDetail.model_validate_json(document).model_dump_json().encode()
