"""The department's report pages: outstanding coding, data quality, clinician queries,
statistics and the clinical coding audit (``clincode.workflow`` does the work; this module
presents it). Charts are Chart.js (vendored in ``static/chartjs``), each with its table beside it."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..store.errors import ValidationFailed
from ..workflow import audit as wa
from ..workflow import flags as wf
from ..workflow.checks import CHECKS
from ..workflow.export import AREA_LABELS, audit_report_html, html_to_pdf, to_csv
from ..workflow.outstanding import AGE_BANDS, outstanding_report, outstanding_rows
from ..workflow.queries import query_history, query_lifecycle
from ..workflow.scoring import AREAS, CAUSES
from ..workflow.settings import WorkflowSettings
from ..workflow.statistics import Period, statistics_report
from .app import path_for, render
from .auth import Changer, DbSession, WebUser, needs
from .names import specialties

router = APIRouter(prefix="/reports")

ReportReader = Annotated[WebUser, Depends(needs("reports:read"))]
AuditReader = Annotated[WebUser, Depends(needs("audit:conduct"))]
Text = Annotated[str, Form()]

TABS = (("reports_outstanding", "Outstanding coding"), ("reports_quality", "Data quality"),
        ("reports_queries", "Clinician queries"), ("reports_statistics", "Statistics"), ("reports_audits", "Coding audit"))


def _page(request: Request, template: str, user: WebUser, tab: str, **context):
    tabs = [(name, label, path_for(request, name)) for name, label in TABS
            if name != "reports_audits" or user.may("audit:conduct")]
    return render(request, template, {"user": user, "nav": "reports", "tabs": tabs, "tab": tab, "wide": True,
                                      "specialty_name": lambda c: specialties().get(c or "", c or "(none)"),
                                      "chart": _chart_json, **context})


def _chart_json(config: dict) -> str:
    return json.dumps(config, separators=(",", ":"))


def _csv(text: str, name: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("", name="reports_home")
def home(request: Request, user: ReportReader):
    return RedirectResponse(path_for(request, "reports_outstanding"), status_code=303)


# --- outstanding coding ----------------------------------------------------------------------------
@router.get("/outstanding", name="reports_outstanding")
def outstanding(request: Request, session: DbSession, user: ReportReader):
    today = request.app.state.today()
    r = outstanding_report(session, today, request.app.state.rules)
    bands = [b[0] for b in AGE_BANDS]
    return _page(request, "reports/outstanding.html", user, "reports_outstanding", r=r, bands=bands,
                 band_counts=[r.department.bands[b] for b in bands],
                 trend_labels=[d.strftime("%d %b") for d, _ in r.trend], trend_values=[n for _, n in r.trend])


@router.get("/outstanding.csv", name="reports_outstanding_csv")
def outstanding_csv(request: Request, session: DbSession, user: ReportReader):
    today = request.app.state.today()
    rows = outstanding_rows(session, today, request.app.state.rules)
    return _csv(to_csv(rows, ["episode_id", "spell_number", "episode_number", "status", "assigned_to", "specialty",
                              "consultant", "discharged", "days_since_discharge", "local_target", "national_deadline",
                              "past_local_target", "past_national_deadline"]), f"outstanding-coding-{today}.csv")


# --- data quality --------------------------------------------------------------------------------
@router.get("/data-quality", name="reports_quality")
def quality(request: Request, session: DbSession, user: Annotated[WebUser, Depends(needs("dq:read"))],
            check: str = "", status: str = "open", done: str = ""):
    status = status if status in ("open", "resolved") else "open"
    rows = wf.list_flags(session, user.actor, status=status, check=check or None, limit=300)
    from ..store.models import Episode, Spell, User

    ids = {f.episode_id for f in rows}
    spells = dict(session.query(Episode.id, Spell.spell_number).join(Spell, Spell.id == Episode.spell_id)
                  .filter(Episode.id.in_(ids)).all()) if ids else {}

    seniors = [u.username for u in session.query(User).filter(User.active.is_(True)).order_by(User.username)
               if u.role in ("senior_coder", "coding_manager")]
    return _page(request, "reports/quality.html", user, "reports_quality", summary=wf.flag_summary(session), rows=rows,
                 check=check, status=status, checks=CHECKS, seniors=seniors, flash=done or None, spells=spells,
                 can_run=user.may("dq:resolve"), can_assign=user.may("dq:assign"), can_resolve=user.may("dq:resolve"))


def _back(request: Request, message: str, **params) -> RedirectResponse:
    query = urlencode({"done": message, **{k: v for k, v in params.items() if v}})
    return RedirectResponse(path_for(request, "reports_quality") + "?" + query, status_code=303)


@router.post("/data-quality/run", name="reports_quality_run")
def quality_run(request: Request, session: DbSession, user: Changer):
    if not user.may("dq:resolve"):
        raise ValidationFailed("only senior coders and coding managers run the checks")
    from ..classification import load_classifications

    run = wf.run_checks(session, load_classifications(), elderly_age=WorkflowSettings().elderly_age)
    return _back(request, f"Checked {run.episodes} coded episodes: {run.new} new flag{'s' if run.new != 1 else ''}, "
                          f"{run.closed} closed because the problem has gone.")


@router.post("/data-quality/{flag_id}/assign", name="reports_quality_assign")
def quality_assign(request: Request, flag_id: int, session: DbSession, user: Changer, username: Text = ""):
    flag = wf.assign_flag(session, user.actor, flag_id, username)
    return _back(request, f"Flag {flag.id} assigned to {flag.assigned_to}.")


@router.post("/data-quality/{flag_id}/resolve", name="reports_quality_resolve")
def quality_resolve(request: Request, flag_id: int, session: DbSession, user: Changer, note: Text = ""):
    flag = wf.resolve_flag(session, user.actor, flag_id, note)
    return _back(request, f"Flag {flag.id} resolved.")


# --- clinician queries -------------------------------------------------------------------------------
@router.get("/queries", name="reports_queries")
def queries(request: Request, session: DbSession, user: ReportReader):
    settings = WorkflowSettings()
    life = query_lifecycle(session, datetime.now(timezone.utc), settings)
    return _page(request, "reports/queries.html", user, "reports_queries", life=life, settings=settings)


@router.get("/queries/{query_id}", name="reports_query_history")
def query_history_page(request: Request, query_id: int, session: DbSession, user: ReportReader):
    from ..store.models import ClinicianQuery

    events = query_history(session, query_id)
    q = session.get(ClinicianQuery, query_id)
    return _page(request, "reports/query_history.html", user, "reports_queries", q=q, events=events)


# --- statistics --------------------------------------------------------------------------------------
def _period(start: str, end: str, specialty: str, consultant: str, today: date) -> Period:
    try:
        e = date.fromisoformat(end) if end else today
        s = date.fromisoformat(start) if start else e - timedelta(days=365)
    except ValueError:
        raise ValidationFailed("dates are written as YYYY-MM-DD, for example 2026-04-01") from None
    if s > e:
        raise ValidationFailed("the period starts after it ends")
    return Period(s, e, specialty.strip() or None, consultant.strip() or None)


@router.get("/statistics", name="reports_statistics")
def statistics(request: Request, session: DbSession, user: ReportReader, start: str = "", end: str = "",
               specialty: str = "", consultant: str = ""):
    period = _period(start, end, specialty, consultant, request.app.state.today())
    r = statistics_report(session, period, request.app.state.rules)
    query = urlencode({"start": period.start.isoformat(), "end": period.end.isoformat(),
                       "specialty": period.specialty or "", "consultant": period.consultant or ""})
    return _page(request, "reports/statistics.html", user, "reports_statistics", r=r, period=period, query=query)


@router.get("/statistics.csv", name="reports_statistics_csv")
def statistics_csv(request: Request, session: DbSession, user: ReportReader, table: str = "chapter", start: str = "",
                   end: str = "", specialty: str = "", consultant: str = ""):
    period = _period(start, end, specialty, consultant, request.app.state.today())
    r = statistics_report(session, period, request.app.state.rules)
    if table == "chapter":
        rows = [{"chapter": c, "title": t, "episodes": n} for c, t, n in r.by_chapter]
    elif table == "deaths":
        rows = [{"chapter": c, "title": t, "deaths": n} for c, t, n in r.deaths_by_group]
    elif table in ("specialty", "consultant"):
        rows = [{table: k, "episodes": n, "mean_secondary_diagnoses": m}
                for k, n, m in (r.by_specialty if table == "specialty" else r.by_consultant)]
    else:
        raise ValidationFailed("choose a table: chapter, specialty, consultant or deaths")
    return _csv(to_csv(rows), f"{table}-{period.start}-{period.end}.csv")


# --- clinical coding audit ---------------------------------------------------------------------------
@router.get("/audits", name="reports_audits")
def audits(request: Request, session: DbSession, user: AuditReader, done: str = ""):
    from ..store.models import CodingAudit

    rows = session.query(CodingAudit).order_by(CodingAudit.id.desc()).limit(100).all()
    return _page(request, "reports/audits.html", user, "reports_audits", rows=rows, methods=wa.METHODS,
                 flash=done or None, default_size=wa.DSPT_SAMPLE_SIZE)


@router.post("/audits", name="reports_audit_create")
def audit_create(request: Request, session: DbSession, user: Changer, title: Text = "", method: Text = "random",
                 size: Text = "200", specialty: Text = "", coder: Text = ""):
    if not user.may("audit:conduct"):
        raise ValidationFailed("only auditors and coding managers draw audit samples")
    try:
        n = int(size)
    except ValueError:
        raise ValidationFailed("the sample size is a number of episodes, for example 200") from None
    a = wa.create_audit(session, user.actor, title, method=method, size=n, specialty=specialty.strip() or None,
                        coder=coder.strip() or None)
    return RedirectResponse(path_for(request, "reports_audit", audit_id=a.id), status_code=303)


@router.get("/audits/{audit_id}", name="reports_audit")
def audit_page(request: Request, audit_id: int, session: DbSession, user: AuditReader, done: str = ""):
    a = wa.get_audit(session, audit_id)
    report = wa.audit_report(session, audit_id)
    return _page(request, "reports/audit.html", user, "reports_audits", a=a, r=report, areas=AREAS,
                 area_labels=AREA_LABELS, causes=CAUSES, flash=done or None)


@router.get("/audits/items/{item_id}", name="reports_audit_item")
def audit_item(request: Request, item_id: int, session: DbSession, user: AuditReader):
    view = wa.blind_view(session, item_id)
    return _page(request, "reports/audit_item.html", user, "reports_audits", v=view,
                 audit_id=wa._item(session, item_id).audit_id)


@router.post("/audits/items/{item_id}", name="reports_audit_recode")
def audit_recode(request: Request, item_id: int, session: DbSession, user: Changer, diagnoses: Text = "",
                 procedures: Text = "", notes: Text = ""):
    if not user.may("audit:conduct"):
        raise ValidationFailed("only auditors and coding managers re-code audit samples")
    item = wa.record_recoding(session, user.actor, item_id, diagnoses, procedures, notes)
    target = path_for(request, "reports_audit", audit_id=item.audit_id)
    return RedirectResponse(target + "?" + urlencode({"done": f"Episode {item.episode_id} re-coded."}), status_code=303)


@router.post("/audits/items/{item_id}/cause", name="reports_audit_cause")
def audit_cause(request: Request, item_id: int, session: DbSession, user: Changer, error: Text = "", cause: Text = ""):
    item = wa.classify_error(session, user.actor, item_id, error, cause)
    return RedirectResponse(path_for(request, "reports_audit", audit_id=item.audit_id) + "#errors", status_code=303)


@router.post("/audits/{audit_id}/complete", name="reports_audit_complete")
def audit_complete(request: Request, audit_id: int, session: DbSession, user: Changer):
    if not user.may("audit:conduct"):
        raise ValidationFailed("only auditors and coding managers complete an audit")
    wa.complete_audit(session, user.actor, audit_id)
    target = path_for(request, "reports_audit", audit_id=audit_id)
    return RedirectResponse(target + "?" + urlencode({"done": "Audit complete: the scores are final."}), status_code=303)


@router.get("/audits/{audit_id}/report.html", name="reports_audit_html")
def audit_html(request: Request, audit_id: int, session: DbSession, user: AuditReader):
    return HTMLResponse(audit_report_html(wa.audit_report(session, audit_id)))


@router.get("/audits/{audit_id}/report.pdf", name="reports_audit_pdf")
def audit_pdf(request: Request, audit_id: int, session: DbSession, user: AuditReader):
    pdf = html_to_pdf(audit_report_html(wa.audit_report(session, audit_id)))
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="coding-audit-{audit_id}.pdf"'})
