"""Measuring coding accuracy: CodiEsp category-level P/R/F1/MAP, cross-validation of the diagnosis model.

Public surface:
    load_codiesp(split_dir) -> CodiEspSplit
    score_categories(predictions, gold) -> dict   (the figures of ../shared/tools/score.py --codiesp)
"""
from .codiesp import CodiEspSplit, load_codiesp
from .metrics import score_categories

__all__ = ["CodiEspSplit", "load_codiesp", "score_categories"]
