"""The ``clincode`` command. Each command group lives in its own module beside this one."""
from __future__ import annotations

import typer

app = typer.Typer(
    name="clincode",
    help="Automated clinical coding for NHS hospitals: ICD-10 (UK 5th Edition) and OPCS-4.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """clincode: codes clinical documents to ICD-10 and OPCS-4 under the national standards."""


# Command modules register themselves on ``app`` when imported.
from . import batch_commands, classification_commands, coding_commands  # noqa: E402,F401
