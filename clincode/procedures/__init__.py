"""OPCS-4 procedure finding: operation notes, procedure reports and summaries -> procedure findings.

Public surface:
    ProcedureFinder(classifications, settings).find(parsed_docs) -> list[Finding]
    load_lexicon(opcs4=None) -> Lexicon          (the procedure synonyms plus OPCS-4 titles)

The coded OPCS-4 sequence (main procedure, Y/Z supplementary codes, order) is made from the findings
by ``clincode.standards.procedures.code_procedures``. See docs/procedures.md.
"""
from .finder import ProcedureFinder
from .lexicon import Entry, Lexicon, load_lexicon

__all__ = ["Entry", "Lexicon", "ProcedureFinder", "load_lexicon"]
