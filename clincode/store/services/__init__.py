"""The service layer: every change to the store goes through these functions.

Both the API routes (``clincode.api``) and the web pages (``clincode.web``) call them, with a
SQLAlchemy session and the acting user (``Actor``). Each function checks the actor's
permission (``clincode.store.roles``), applies the optimistic lock where an episode changes,
and writes the audit trail. Errors are ``clincode.store.errors`` exceptions whose message is fit
to show a coder.
"""
from ._common import ENGINE_RUNNER, INTEGRATION, SYSTEM, SYSTEM_READER, Actor, audit, require
from .coding import (
    CodingJob, EngineFailed, accept_proposal, coding_job, store_proposal, add_code, amend_code, codes_of, finalise, finalise_problems, latest_run,
    open_queries, proposal, reject_proposal, remove_code, reopen, run_coding,
)
from .episodes import (
    STATUSES, WorklistFilters, WorklistPage, add_document, assign_episode, episode_label, get_episode,
    find_patient, ingest_record, latest_episode_of_spell, merge_patients, list_worklist, load_episode, worklist_counts, upsert_episode, upsert_patient,
    upsert_spell,
)
from .messages import MessageOutcome, MessageRejected, content_control_id, list_messages, receive_message
from .queries import (
    DQ_CATEGORIES, answer_query, audit_trail, close_query, list_dq_issues, list_queries, new_dq_issue, raise_query,
    record_dq_issue, resolve_dq_issue,
)
from .users import authenticate, create_user, get_user, hash_token, issue_token, list_users, revoke_tokens, set_role

__all__ = [
    "Actor", "SYSTEM", "INTEGRATION", "SYSTEM_READER", "ENGINE_RUNNER", "audit", "require",
    "CodingJob", "EngineFailed", "coding_job", "store_proposal", "accept_proposal", "add_code", "amend_code", "codes_of", "finalise", "finalise_problems",
    "latest_run", "open_queries", "proposal", "reject_proposal", "remove_code", "reopen", "run_coding",
    "STATUSES", "WorklistFilters", "WorklistPage", "add_document", "assign_episode", "episode_label",
    "get_episode", "find_patient", "merge_patients", "ingest_record", "latest_episode_of_spell", "list_worklist", "load_episode", "worklist_counts",
    "upsert_episode", "upsert_patient", "upsert_spell",
    "MessageOutcome", "MessageRejected", "content_control_id", "list_messages", "receive_message",
    "DQ_CATEGORIES", "answer_query", "audit_trail", "close_query", "list_dq_issues", "list_queries",
    "new_dq_issue", "raise_query", "record_dq_issue", "resolve_dq_issue",
    "authenticate", "create_user", "get_user", "hash_token", "issue_token", "list_users", "revoke_tokens", "set_role",
]
