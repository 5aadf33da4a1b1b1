"""Roles and what each may do: the permission table as data.

Both the API (``clincode.api.deps.Permission``) and the service layer check against this one
table, so a web page and an API route can never disagree about who may finalise an episode.
Least privilege: administrators manage users and interfaces but do not read patients' notes;
the integration role feeds and exports data but does not code.
"""
from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    CODER = "coder"
    SENIOR_CODER = "senior_coder"
    AUDITOR = "auditor"
    CODING_MANAGER = "coding_manager"
    ADMINISTRATOR = "administrator"
    INTEGRATION = "integration"


C, S, A, M, ADM, I = (Role.CODER, Role.SENIOR_CODER, Role.AUDITOR, Role.CODING_MANAGER,
                      Role.ADMINISTRATOR, Role.INTEGRATION)

PERMISSIONS: dict[str, frozenset[Role]] = {
    # reading the worklist, episodes, documents, proposals and codes
    "episodes:read": frozenset({C, S, A, M}),
    # running the engine and changing the final codes
    "episodes:code": frozenset({C, S}),
    "episodes:finalise": frozenset({C, S}),
    # re-opening a finalised (locked) episode needs seniority and a reason
    "episodes:reopen": frozenset({S, M}),
    "queries:raise": frozenset({C, S, A}),
    "queries:answer": frozenset({C, S, M}),  # the coder records the clinician's reply
    "queries:close": frozenset({C, S, M}),
    "dq:read": frozenset({C, S, A, M}),
    "dq:record": frozenset({C, S, A, M}),
    "dq:resolve": frozenset({S, M}),
    "audit:read": frozenset({A, M, ADM}),
    "export:read": frozenset({M, I}),  # FHIR and CDS-shaped extracts of finalised coding
    "ingest:write": frozenset({I, ADM}),
    "messages:read": frozenset({I, ADM}),  # rejected interface messages held for review
    "users:manage": frozenset({ADM}),
    # department reports (clincode.workflow): outstanding coding, statistics, data quality
    "reports:read": frozenset({C, S, A, M}),
    "dq:assign": frozenset({S, M}),  # hand a data-quality flag to a senior coder
    "audit:conduct": frozenset({A, M}),  # sample episodes and re-code them blind
}


def allowed(role: Role | str, permission: str) -> bool:
    """Whether ``role`` holds ``permission``; an unknown permission is a programming error."""
    try:
        roles = PERMISSIONS[permission]
    except KeyError:
        raise KeyError(f"unknown permission {permission!r}") from None
    try:
        return Role(role) in roles
    except ValueError:
        return False
