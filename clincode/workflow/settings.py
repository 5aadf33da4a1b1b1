"""The department's own settings for reports, with the project's ``CLINCODE_`` prefix.

The coding deadlines themselves (``CLINCODE_LOCAL_CODING_DEADLINE_DAYS``,
``CLINCODE_NATIONAL_DEADLINE_MONTHS``, ``CLINCODE_NATIONAL_DEADLINE_DAY``) are shared with the
worklist and read from ``clincode.config.Settings``.
"""
from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from ..config import Settings
from ..web.deadlines import DeadlineRules

DATA = Path(__file__).resolve().parent / "data"


class WorkflowSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLINCODE_", extra="ignore")

    # An open clinician query is escalated (to the consultant's secretary, then the clinical
    # lead) when it has waited this many calendar days for an answer.
    query_escalation_days: int = 7
    # A reminder is due every this many days while a query stays open.
    query_reminder_days: int = 3
    # 'Unusual pattern' check: emergency admissions of patients this age or older with no
    # secondary diagnosis are rare enough to deserve a second look.
    elderly_age: int = 75
    # The audit attainment levels (DSPT); a trust may point at its own year's table.
    audit_attainment_file: Path = DATA / "dspt_attainment.tsv"


def deadline_rules(settings: Settings | None = None) -> DeadlineRules:
    """The worklist's deadline rules, so reports and worklist never disagree."""
    default = DeadlineRules()
    if settings is None:
        return default
    return DeadlineRules(
        local_working_days=getattr(settings, "local_coding_deadline_days", default.local_working_days),
        national_month_offset=getattr(settings, "national_deadline_months", default.national_month_offset),
        national_day=getattr(settings, "national_deadline_day", default.national_day),
    )


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a tab-separated data file whose '#' lines are its source and notes."""
    lines = [ln for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    header = lines[0].split("\t")
    rows = []
    for ln in lines[1:]:
        cells = ln.split("\t")
        rows.append({h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)})
    return rows
