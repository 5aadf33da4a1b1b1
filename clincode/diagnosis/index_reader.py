"""Read the ICD-10-CM Alphabetic Index and its Table of Neoplasms into term paths with codes.

The index is a tree (``Level`` 0 = main term): "Cholecystitis > acute > with > calculus" leads to a
code either directly (``Code``) or through a cross-reference (``See``: "Calculus, gallbladder, with
cholecystitis"), which we follow down the tree of the referenced main term.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

_PARENS = re.compile(r"\([^)]*\)")
_BEHAVIOUR_WORDS = (("in situ", "insitu"), ("secondary", "secondary"), ("malignant", "malignant"),
                    ("benign", "benign"), ("uncertain", "uncertain"))


@dataclass
class IndexNode:
    term: str
    level: int
    code: str | None
    see: str | None
    see_also: str | None
    parent: "IndexNode | None" = None
    children: list["IndexNode"] = field(default_factory=list)

    def path(self) -> list["IndexNode"]:
        node, out = self, []
        while node is not None:
            out.append(node)
            node = node.parent
        return out[::-1]

    def path_text(self) -> str:
        return " > ".join(n.term for n in self.path())


def _clean(text: str) -> str:
    return " ".join(_PARENS.sub(" ", text or "").split())


def _key(text: str) -> str:
    return _clean(text).lower().replace("'s", "").strip(" ,")


def read_index(path: Path) -> list[IndexNode]:
    """The main terms of ``index.csv`` with their subterm trees."""
    roots: list[IndexNode] = []
    stack: list[IndexNode] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            level = int(row["Level"])
            node = IndexNode(_clean(row["Term"]), level, (row["Code"] or "").strip() or None,
                             _clean(row["See"]) or None, _clean(row["SeeAlso"]) or None)
            del stack[level:]
            if level and stack:
                node.parent = stack[-1]
                stack[-1].children.append(node)
            else:
                roots.append(node)
            stack.append(node)
    return roots


class IndexTree:
    """Follows "see" references: path text -> code."""

    def __init__(self, roots: list[IndexNode]):
        self.roots = roots
        self._main: dict[str, IndexNode] = {}
        for root in roots:
            for alt in [root.term] + root.term.split(","):
                self._main.setdefault(_key(alt), root)

    def follow(self, reference: str, depth: int = 0) -> tuple[str | None, str]:
        """Resolve a cross-reference such as "Calculus, gallbladder, with cholecystitis".

        Returns (code or None, the index path walked).
        """
        parts = [_key(p) for p in reference.split(",") if _key(p)]
        if not parts or depth > 3:
            return None, reference
        node = self._main.get(parts[0])
        if node is None:
            return None, reference
        rest = parts[1:]
        while rest:
            nxt = self._child(node, rest)
            if nxt is None:
                break
            node, rest = nxt
        if node.code:
            return node.code, node.path_text()
        if node.see and not node.see.lower().startswith("condition"):
            return self.follow(node.see, depth + 1)
        return None, node.path_text()

    @staticmethod
    def _child(node: IndexNode, rest: list[str]):
        head = rest[0]
        for child in node.children:
            key = _key(child.term)
            if key == head:
                return child, rest[1:]
        for child in node.children:
            key = _key(child.term)
            if head.startswith(key + " "):
                return child, [head[len(key) + 1:]] + rest[1:]
            if key.startswith("with ") and head == key[5:]:
                return child, rest[1:]
        for child in node.children:  # "with" node holding the next part below it
            if _key(child.term) in ("with", "in") and head.startswith(("with ", "in ")):
                return child, [head.split(" ", 1)[1]] + rest[1:]
        return None


def behaviour_of_reference(reference: str | None) -> str | None:
    """'Neoplasm, malignant, by site' -> 'malignant' (the Table of Neoplasms column to use)."""
    if not reference or not reference.lower().lstrip().startswith("neoplasm"):
        return None
    low = reference.lower()
    for words, behaviour in _BEHAVIOUR_WORDS:
        if words in low:
            return behaviour
    return None


NEOPLASM_COLUMNS = {
    "malignant": "MalignantPrimary",
    "secondary": "MalignantSecondary",
    "insitu": "CaInSitu",
    "benign": "Benign",
    "uncertain": "UncertainBehavior",
    "unspecified": "UnspecifiedBehavior",
}


@dataclass
class NeoplasmSite:
    path: list[str]  # e.g. ["bladder", "neck"]
    codes: dict[str, str]  # behaviour -> CM code


def read_neoplasm_table(path: Path) -> list[NeoplasmSite]:
    """Rows of the Table of Neoplasms as site paths (the root row "Neoplasm, neoplastic" has path []).

    A site row that refers on ("colon - see also Neoplasm, intestine, large") takes the behaviours it
    lacks from the row referred to.
    """
    sites: list[NeoplasmSite] = []
    refs: list[str | None] = []
    children: dict[int, dict[str, int]] = {}  # row number -> {alternative key: child row number}
    stack: list[int] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            level = int(row["Level"])
            term = _clean(row["Term"])
            del stack[level:]
            codes = {}
            for behaviour, column in NEOPLASM_COLUMNS.items():
                code = (row.get(column) or "").strip().rstrip("-").rstrip(".")
                if code and code != "-":
                    codes[behaviour] = code
            parent_path = sites[stack[-1]].path if stack and level else []
            n = len(sites)
            if stack:
                for alt in term.split(","):
                    children.setdefault(stack[-1], {}).setdefault(_key(alt), n)
            sites.append(NeoplasmSite((parent_path + [term]) if level else [], codes))
            refs.append(_clean(row.get("SeeAlso") or "") or None)
            stack.append(n)
    for i, ref in enumerate(refs):
        if not ref or not ref.lower().startswith("neoplasm"):
            continue
        node = 0
        for part in ref.split(",")[1:]:
            node = children.get(node, {}).get(_key(part), node)
        for behaviour, code in sites[node].codes.items():
            sites[i].codes.setdefault(behaviour, code)
    # the same site listed elsewhere ("colon" and "intestine > large > colon") fills the gaps
    by_last: dict[str, list[NeoplasmSite]] = {}
    for site in sites:
        if site.path:
            by_last.setdefault(_key(site.path[-1]), []).append(site)
    for group in by_last.values():
        for site in group:
            for other in group:
                for behaviour, code in other.codes.items():
                    site.codes.setdefault(behaviour, code)
    return sites
