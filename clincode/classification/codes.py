"""Codes as objects: the rows of the tabular list with their place in the hierarchy."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class System(str, Enum):
    ICD10 = "icd10"
    OPCS4 = "opcs4"


class Kind(str, Enum):
    CHAPTER = "chapter"
    BLOCK = "block"
    CATEGORY = "category"  # 3 characters (ICD-10 A00, OPCS-4 A01)
    SUBCATEGORY = "subcategory"  # 4 characters (A00.0, A01.1)
    EXTENSION = "extension"  # UK 5th character (I70.00, M25.56)


@dataclass(slots=True, eq=False)
class Code:
    """One code of a classification, linked into its hierarchy."""

    system: System
    code: str  # dotted form, e.g. "K80.2", "I70.00", "J18.3"; blocks "K80-K87"; chapters "XI" / "J"
    title: str
    kind: Kind
    parent: "Code | None" = None
    children: list["Code"] = field(default_factory=list)
    current: bool = True  # False when retired from the current edition (the shared tables mix editions)

    @property
    def key(self) -> str:
        """Undotted form, as the PAS, SUS and TRUD files carry it."""
        return self.code.replace(".", "")

    @property
    def chapter(self) -> "Code | None":
        node = self
        while node is not None and node.kind is not Kind.CHAPTER:
            node = node.parent
        return node

    @property
    def block(self) -> "Code | None":
        node = self
        while node is not None and node.kind is not Kind.BLOCK:
            node = node.parent
        return node

    @property
    def category(self) -> "Code | None":
        node = self
        while node is not None and node.kind is not Kind.CATEGORY:
            node = node.parent
        return node

    @property
    def full_title(self) -> str:
        """The title as it reads in the book under its category: a 4th/5th-character title such as
        "With neurological complications" is prefixed with "Non-insulin-dependent diabetes mellitus: "."""
        category = self.category
        if category is None or category is self or category.title.lower() in self.title.lower():
            return self.title
        return f"{category.title}: {self.title}"

    @property
    def is_leaf(self) -> bool:
        return not any(c.kind in (Kind.SUBCATEGORY, Kind.EXTENSION) for c in self.children)

    def ancestors(self) -> list["Code"]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out

    def __repr__(self) -> str:
        return f"<{self.system.value} {self.code} {self.title!r}>"

    def __hash__(self) -> int:
        return hash((self.system, self.code))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Code) and (self.system, self.code) == (other.system, other.code)
