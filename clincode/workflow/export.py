"""Reports out of clincode: CSV for spreadsheets, a printable HTML audit report, and its PDF.

The PDF is Chromium's own print-to-PDF of the HTML report (``chromium --headless
--print-to-pdf``), so the PDF and the page a manager prints are the same document, and no
PDF library is needed. ``CLINCODE_CHROMIUM`` names the browser (default: ``chromium`` on PATH,
Debian's package, the same one the browser tests use).
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..store.errors import StoreError
from .scoring import AREAS, CAUSES

TEMPLATES = Path(__file__).resolve().parent / "templates"
AREA_LABELS = {"primary_diagnosis": "Primary diagnosis", "secondary_diagnoses": "Secondary diagnoses",
               "primary_procedure": "Primary procedure", "secondary_procedures": "Secondary procedures"}


class PdfUnavailable(StoreError):
    status_code = 503


def to_csv(rows: Iterable[dict], columns: list[str] | None = None) -> str:
    """Rows as CSV text (header first). Cells that a spreadsheet would run as a formula
    (starting with = + - @) are prefixed with a quote: CSV injection (OWASP)."""
    rows = list(rows)
    columns = columns or (list(rows[0]) if rows else [])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([_safe(r.get(c, "")) for c in columns])
    return out.getvalue()


def _safe(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    env.globals.update(AREAS=AREAS, AREA_LABELS=AREA_LABELS, CAUSES=CAUSES)
    return env


def audit_report_html(report, organisation: str = "") -> str:
    """The audit report as one self-contained HTML page (styles inline, fit to print on A4)."""
    return _env().get_template("audit_report.html").render(
        r=report, organisation=organisation, generated=datetime.now(timezone.utc))


def chromium_path() -> str | None:
    configured = os.environ.get("CLINCODE_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html: str, timeout: float = 60.0) -> bytes:
    """Print ``html`` to PDF with headless Chromium; a clear error when it cannot."""
    browser = chromium_path()
    if browser is None:
        raise PdfUnavailable("PDF needs Chromium on the server (Debian package 'chromium', or set "
                             "CLINCODE_CHROMIUM); the HTML report prints to PDF from any browser meanwhile")
    with tempfile.TemporaryDirectory(prefix="clincode-pdf-") as tmp:
        page, pdf = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions",
                "--disable-background-networking", "--no-first-run", f"--user-data-dir={Path(tmp) / 'profile'}",
                "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()]
        try:
            done = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(f"Chromium could not print the report ({type(exc).__name__})") from exc
        if not pdf.exists() or pdf.stat().st_size == 0:
            raise PdfUnavailable(f"Chromium could not print the report (exit {done.returncode})")
        return pdf.read_bytes()
