"""Interfaces out: one coded episode as FHIR R4, finalised episodes as CDS-shaped CSV."""
from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...interfaces.cds_export import write_csv
from ...interfaces.fhir_out import episode_bundle
from ...store import services as sv
from ...store.errors import ValidationFailed
from ...store.models import Episode, Spell
from ..deps import SessionDep, commit, needs

router = APIRouter(prefix="/export", tags=["export"])


@router.get("/episodes/{episode_id}/fhir", summary="The finalised episode as a FHIR R4 Bundle (Encounter, Condition, Procedure)")
def episode_fhir(episode_id: int, session: SessionDep, actor: needs("export:read")) -> Response:
    episode = sv.load_episode(session, episode_id)
    if not episode.finalised:
        raise ValidationFailed(f"episode {episode_id} is not finalised: only finalised coding is exported")
    bundle = episode_bundle(episode)
    sv.audit(session, actor, "export_fhir", "episode", episode_id, episode_id=episode_id)
    commit(session)
    return Response(json.dumps(bundle), media_type="application/fhir+json")


@router.get("/cds.csv", summary="Finalised episodes as CDS Admitted Patient Care-shaped CSV (for SUS)")
def cds_csv(session: SessionDep, actor: needs("export:read"), finalised_from: datetime | None = None,
            finalised_to: datetime | None = None, limit: int = 10000) -> Response:
    q = (select(Episode).where(Episode.status == "finalised")
         .options(selectinload(Episode.spell).selectinload(Spell.patient), selectinload(Episode.codes)))
    if finalised_from:
        q = q.where(Episode.finalised_at >= finalised_from)
    if finalised_to:
        q = q.where(Episode.finalised_at <= finalised_to)
    episodes = list(session.scalars(q.order_by(Episode.id).limit(limit)))
    # Who took patient-level data out, and which episodes, is itself audited.
    sv.audit(session, actor, "export_cds", "export", None, after={"episodes": [e.id for e in episodes]})
    commit(session)
    return Response(write_csv(episodes), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="clincode_cds_apc.csv"'})
