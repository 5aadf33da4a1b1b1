"""The ``clincode`` command. Each command group lives in its own module beside this one."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="clincode",
    help="Automated clinical coding for NHS hospitals: ICD-10 (UK 5th Edition) and OPCS-4.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main(
    classification_dir: Annotated[Optional[Path], typer.Option(
        "--classification-dir", envvar="CLINCODE_CLASSIFICATION_DIR",
        help="Shared tables or a trust's TRUD release folder (default ../shared/data/classifications).")] = None,
    index_dir: Annotated[Optional[Path], typer.Option(
        "--index-dir", envvar="CLINCODE_INDEX_DIR", help="ICD-10-CM Alphabetic Index folder.")] = None,
    cache_dir: Annotated[Optional[Path], typer.Option(
        "--cache-dir", envvar="CLINCODE_CACHE_DIR", help="Where compiled caches are kept.")] = None,
) -> None:
    """clincode: codes clinical documents to ICD-10 and OPCS-4 under the national standards."""
    # The flags override the environment: every command reads the one Settings object.
    from ..config import get_settings

    for name, value in (("CLASSIFICATION_DIR", classification_dir), ("INDEX_DIR", index_dir),
                        ("CACHE_DIR", cache_dir)):
        if value is not None:
            if name != "CACHE_DIR" and not value.is_dir():
                raise typer.BadParameter(f"{value} is not a folder", param_hint=f"--{name.lower().replace('_', '-')}")
            os.environ[f"CLINCODE_{name}"] = str(value)
    get_settings.cache_clear()


# Command modules register themselves on ``app`` when imported.
from . import batch_commands, classification_commands, coding_commands, report_commands, store_commands, text_commands  # noqa: E402,F401,E501
