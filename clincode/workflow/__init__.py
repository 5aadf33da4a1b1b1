"""The coding department's workflow: what is outstanding, data quality, audit and statistics.

Public surface:
    outstanding_report(session, today, rules)            backlog by age, specialty, coder; trend
    query_lifecycle(session, today, settings)            clinician queries: stage, escalation, reminders
    run_checks(session, ...) / assign_flag / resolve_flag   data-quality checks and their flags
    create_audit / record_recoding / audit_report        DSPT-style clinical coding audit
    statistics_report(session, ...)                      case mix, depth, timeliness, deaths, Charlson
    charlson_index(codes)                                Charlson comorbidity index (Quan 2005)
"""
from __future__ import annotations

from .charlson import charlson_groups, charlson_index
from .outstanding import OutstandingReport, outstanding_report
from .settings import WorkflowSettings, deadline_rules

__all__ = ["charlson_index", "charlson_groups", "outstanding_report", "OutstandingReport", "WorkflowSettings",
           "deadline_rules"]
