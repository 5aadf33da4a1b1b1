"""The store's errors: each maps to one HTTP status in the API and one message on a web page."""
from __future__ import annotations


class StoreError(Exception):
    """Base class. ``str(error)`` is a message fit for the coder; it never holds patient data."""

    status_code = 400


class NotFound(StoreError):
    status_code = 404


class PermissionDenied(StoreError):
    status_code = 403


class VersionConflict(StoreError):
    """Someone else changed the episode since this change was prepared."""

    status_code = 409

    def __init__(self, episode_id: int | None = None, expected: int | None = None, current: int | None = None):
        self.episode_id, self.expected, self.current = episode_id, expected, current
        if episode_id is None:
            message = "the episode was changed by someone else meanwhile: reload it and make your change again"
        else:
            message = (f"episode {episode_id} was changed by someone else (you had version {expected}, "
                       f"it is now {current}): reload it and make your change again")
        super().__init__(message)


class EpisodeLocked(StoreError):
    """A finalised episode is locked; it must be re-opened (with a reason) first."""

    status_code = 409


class InvalidCode(StoreError):
    """A code a coder entered was refused by the classification rules."""

    status_code = 422

    def __init__(self, code: str, problems: list[str]):
        self.code, self.problems = code, problems
        super().__init__(f"{code}: " + "; ".join(problems))


class ValidationFailed(StoreError):
    """The request cannot be applied as it stands (finalise checks, bad input data)."""

    status_code = 422

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = problems or [message]
        super().__init__(message if not problems else message + ": " + "; ".join(problems))
