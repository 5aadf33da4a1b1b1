"""Department reports: outstanding coding, clinician queries, data quality, statistics and the
clinical coding audit (``clincode.workflow``). JSON for systems, CSV for spreadsheets, and the
audit report as HTML or PDF."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from ...store.errors import ValidationFailed
from ...workflow import audit as wa
from ...workflow import flags as wf
from ...workflow.export import audit_report_html, html_to_pdf, to_csv
from ...workflow.outstanding import outstanding_report, outstanding_rows
from ...workflow.queries import query_history, query_lifecycle
from ...workflow.settings import WorkflowSettings, deadline_rules
from ...workflow.statistics import Period, episode_charlson, statistics_report
from ..deps import SessionDep, commit, needs

router = APIRouter(tags=["department reports"])


def uk_today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


def _csv(text: str, name: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- outstanding coding --------------------------------------------------------------------------
@router.get("/reports/outstanding", summary="Outstanding coding by age, specialty and coder, with the trend")
def outstanding(request: Request, session: SessionDep, actor: needs("reports:read"), today: date | None = None) -> dict:
    report = outstanding_report(session, today or uk_today(), deadline_rules(request.app.state.settings))
    out = asdict(report)
    out["rules"] = asdict(report.rules)
    return out


@router.get("/reports/outstanding.csv", summary="Outstanding episodes, one row each (CSV)")
def outstanding_csv(request: Request, session: SessionDep, actor: needs("reports:read"), today: date | None = None):
    day = today or uk_today()
    rows = outstanding_rows(session, day, deadline_rules(request.app.state.settings))
    return _csv(to_csv(rows, OUTSTANDING_COLUMNS), f"outstanding-coding-{day.isoformat()}.csv")


OUTSTANDING_COLUMNS = ["episode_id", "spell_number", "episode_number", "status", "assigned_to", "specialty",
                       "consultant", "discharged", "days_since_discharge", "local_target", "national_deadline",
                       "past_local_target", "past_national_deadline"]


# --- clinician queries ------------------------------------------------------------------------------
@router.get("/reports/queries", summary="Clinician queries by lifecycle stage, with reminders due")
def queries(session: SessionDep, actor: needs("reports:read")) -> dict:
    return asdict(query_lifecycle(session, datetime.now(timezone.utc), WorkflowSettings()))


@router.get("/reports/queries/{query_id}/history", summary="Who asked what, the answer and what changed")
def history(query_id: int, session: SessionDep, actor: needs("reports:read")) -> list[dict]:
    return [asdict(e) for e in query_history(session, query_id)]


# --- data quality ---------------------------------------------------------------------------------
class NoteIn(BaseModel):
    note: str = Field(min_length=1, max_length=4000)


class AssignIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)


def _flag_dict(f) -> dict:
    return {k: getattr(f, k) for k in ("id", "episode_id", "check", "severity", "message", "status", "found_at",
                                       "assigned_to", "resolved_by", "resolved_at", "resolution")}


@router.post("/reports/data-quality/run", summary="Run the data-quality checks over finalised episodes")
def run_checks(session: SessionDep, actor: needs("dq:resolve")) -> dict:
    from ...classification import load_classifications

    result = wf.run_checks(session, load_classifications(), elderly_age=WorkflowSettings().elderly_age)
    commit(session)
    return asdict(result)


@router.get("/reports/data-quality", summary="Data-quality flags: counts per check and the flags")
def flags(session: SessionDep, actor: needs("dq:read"), status: Literal["open", "resolved", ""] = "open",
          check: str | None = None, assigned_to: str | None = None, limit: int = 500) -> dict:
    rows = wf.list_flags(session, actor, status=status or None, check=check, assigned_to=assigned_to, limit=limit)
    return {"summary": wf.flag_summary(session), "flags": [_flag_dict(f) for f in rows]}


@router.post("/reports/data-quality/flags/{flag_id}/assign", summary="Assign a flag to a senior coder")
def assign(flag_id: int, body: AssignIn, session: SessionDep, actor: needs("dq:assign")) -> dict:
    flag = wf.assign_flag(session, actor, flag_id, body.username)
    commit(session)
    return _flag_dict(flag)


@router.post("/reports/data-quality/flags/{flag_id}/resolve", summary="Resolve a flag with a note")
def resolve(flag_id: int, body: NoteIn, session: SessionDep, actor: needs("dq:resolve")) -> dict:
    flag = wf.resolve_flag(session, actor, flag_id, body.note)
    commit(session)
    return _flag_dict(flag)


# --- statistics -------------------------------------------------------------------------------------
def _period(start: date | None, end: date | None, specialty: str | None, consultant: str | None) -> Period:
    end = end or uk_today()
    start = start or end - timedelta(days=365)
    if start > end:
        raise ValidationFailed("the period starts after it ends")
    return Period(start, end, specialty or None, consultant or None)


@router.get("/reports/statistics", summary="Case mix, coding depth, timeliness, deaths, Charlson, engine use")
def statistics(request: Request, session: SessionDep, actor: needs("reports:read"), start: date | None = None,
               end: date | None = None, specialty: str | None = None, consultant: str | None = None) -> dict:
    report = statistics_report(session, _period(start, end, specialty, consultant),
                               deadline_rules(request.app.state.settings))
    return asdict(report)


STAT_TABLES = ("chapter", "specialty", "consultant", "deaths", "charlson")


@router.get("/reports/statistics.csv", summary="One statistics table as CSV")
def statistics_csv(request: Request, session: SessionDep, actor: needs("reports:read"),
                   table: Literal["chapter", "specialty", "consultant", "deaths", "charlson"] = "chapter",
                   start: date | None = None, end: date | None = None, specialty: str | None = None,
                   consultant: str | None = None):
    period = _period(start, end, specialty, consultant)
    if table == "charlson":
        rows = [{"episode_id": e, "charlson_index": s} for e, s in episode_charlson(session, period)]
        return _csv(to_csv(rows, ["episode_id", "charlson_index"]), "charlson.csv")
    r = statistics_report(session, period, deadline_rules(request.app.state.settings))
    if table == "chapter":
        rows = [{"chapter": c, "title": t, "episodes": n} for c, t, n in r.by_chapter]
    elif table == "deaths":
        rows = [{"chapter": c, "title": t, "deaths": n} for c, t, n in r.deaths_by_group]
    else:
        source = r.by_specialty if table == "specialty" else r.by_consultant
        rows = [{table: k, "episodes": n, "mean_secondary_diagnoses": m} for k, n, m in source]
    return _csv(to_csv(rows), f"{table}-{period.start}-{period.end}.csv")


# --- clinical coding audit ---------------------------------------------------------------------------
class AuditIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    method: Literal["random", "specialty", "coder"] = "random"
    size: int = Field(default=wa.DSPT_SAMPLE_SIZE, ge=1, le=5000)
    specialty: str | None = None
    coder: str | None = None
    discharged_from: date | None = None
    discharged_to: date | None = None
    seed: int | None = None


class RecodeIn(BaseModel):
    diagnoses: list[str] = Field(min_length=1, description="ICD-10 codes, the primary diagnosis first")
    procedures: list[str] = Field(default_factory=list, description="OPCS-4 codes, the main procedure first")
    notes: str | None = None


class CauseIn(BaseModel):
    error: str
    cause: Literal["coder", "documentation", "engine"]


def _audit_dict(a, blind: bool = True) -> dict:
    items = []
    for i in a.items:
        row = {"id": i.id, "episode_id": i.episode_id, "audited": i.auditor_codes is not None,
               "audited_by": i.audited_by}
        if not blind or i.auditor_codes is not None:  # the coder's codes only once re-coded
            row.update(coded_by=i.coded_by, coder_codes=i.coder_codes, auditor_codes=i.auditor_codes,
                       error_causes=i.error_causes)
        items.append(row)
    return {"id": a.id, "title": a.title, "method": a.method, "criteria": a.criteria, "status": a.status,
            "created_by": a.created_by, "created_at": a.created_at, "items": items}


@router.post("/coding-audits", status_code=201, summary="Draw an audit sample (random or targeted)")
def create_audit(body: AuditIn, session: SessionDep, actor: needs("audit:conduct")) -> dict:
    a = wa.create_audit(session, actor, body.title, method=body.method, size=body.size, specialty=body.specialty,
                        coder=body.coder, discharged_from=body.discharged_from, discharged_to=body.discharged_to,
                        seed=body.seed)
    commit(session)
    return _audit_dict(a)


@router.get("/coding-audits/{audit_id}", summary="An audit and its sampled episodes (blind until re-coded)")
def get_audit(audit_id: int, session: SessionDep, actor: needs("audit:conduct")) -> dict:
    return _audit_dict(wa.get_audit(session, audit_id))


@router.post("/coding-audits/items/{item_id}/recode", summary="Record the auditor's blind re-coding")
def recode(item_id: int, body: RecodeIn, session: SessionDep, actor: needs("audit:conduct")) -> dict:
    item = wa.record_recoding(session, actor, item_id, body.diagnoses, body.procedures, body.notes)
    commit(session)
    return {"id": item.id, "auditor_codes": item.auditor_codes, "coder_codes": item.coder_codes,
            "error_causes": item.error_causes}


@router.post("/coding-audits/items/{item_id}/cause", summary="Confirm or change an error's cause")
def cause(item_id: int, body: CauseIn, session: SessionDep, actor: needs("audit:conduct")) -> dict:
    item = wa.classify_error(session, actor, item_id, body.error, body.cause)
    commit(session)
    return {"id": item.id, "error_causes": item.error_causes}


@router.post("/coding-audits/{audit_id}/complete", summary="Close the audit once every episode is re-coded")
def complete(audit_id: int, session: SessionDep, actor: needs("audit:conduct")) -> dict:
    a = wa.complete_audit(session, actor, audit_id)
    commit(session)
    return {"id": a.id, "status": a.status}


@router.get("/coding-audits/{audit_id}/report", summary="The audit report: JSON, HTML or PDF")
def report(audit_id: int, session: SessionDep, actor: needs("audit:read"),
           format: Literal["json", "html", "pdf"] = "json"):
    r = wa.audit_report(session, audit_id)
    if format == "json":
        return {"audit_id": audit_id, "sampled": r.sampled, "audited": r.audited,
                "areas": {a: {"correct": s.correct, "total": s.total, "percent": s.percent, "attainment": r.levels[a]}
                          for a, s in r.areas.items()},
                "causes": dict(r.causes)}
    html = audit_report_html(r)
    if format == "html":
        return HTMLResponse(html)
    return Response(html_to_pdf(html), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="coding-audit-{audit_id}.pdf"'})


@router.get("/coding-audits/items/{item_id}/documents", summary="What the auditor re-codes from: the notes, no codes")
def blind_documents(item_id: int, session: SessionDep, actor: needs("audit:conduct")) -> dict:
    return wa.blind_view(session, item_id)
