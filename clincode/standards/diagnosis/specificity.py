"""One code per condition, at the most precise level the classification and the text allow.

Rules: the more specific code wins over a less specific code for the same condition; the
classification's combination code replaces its parts; codes are carried to the most detailed level
the table has; several sub-sites of one neoplasm category become the overlapping-lesion code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ...classification import Kind
from .episode import Candidate, DiagnosisEpisode
from .resources import PrefixSet, matches, read_table

_UNSPECIFIED = re.compile(r"\b(unspecified|without (mention of )?complications?|not otherwise specified|NOS)\b", re.I)


def _title(classifications, code: str) -> str:
    found = classifications.icd10.get(code) if classifications else None
    return found.title if found else ""


def _competes(cand: Candidate) -> bool:
    """Codes that describe the mention itself (not a second code the conventions add to it)."""
    from .etiology import is_asterisk

    return not (is_asterisk(cand.code, cand.title) or cand.code[:1] in "VWXY"
                or cand.code.startswith(("B95", "B96", "B97", "B98", "U8")))


_OTHER = re.compile(r"^other\b|\bother specified\b", re.I)
_IGNORED = {"other", "unspecified", "specified", "of", "and", "the", "with", "without", "nos", "in", "not",
            "elsewhere", "classified", "site", "type", "a", "or", "to"}


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if w not in _IGNORED}


def _coverage(title: str, words: set[str]) -> float:
    """Share of a title's content words that the mention's words contain: a title saying more
    than the text (a site, a type) is less supported than one the text says in full."""
    title_words = _words(title)
    if not title_words:
        return 0.0
    hits = sum(1 for w in title_words if any(w[:5] == x[:5] for x in words))
    return hits / len(title_words)


def _shares_words(text: str, first: tuple[str, int, int], second: tuple[str, int, int]) -> bool:
    """Whether a span that partly overlaps the mention before it is the same mention: not when the
    later span reaches across a list break (double space, comma-style break, line break, semicolon)
    into the next item ("Internal hemorrhoids  External hemorrhoids" matched as "hemorrhoids
    External" is the second item, not a rival reading of the first)."""
    _doc, start, end = second
    return not re.search(r"\s{2,}|\.,|\n|;", text[start:end])


def one_code_per_mention(episode: DiagnosisEpisode, classifications=None) -> None:
    """When the finder proposes several codes for the same words (overlapping evidence), the words
    describe one condition: the code best supported is kept (finder score, then the number of
    index paths leading to it, then how much of the code's title the words say, then a plain code
    over an 'Other specified' one, since 'other' means a specified kind not classified elsewhere
    and the words specify nothing more). Asterisk, external cause and organism
    codes are not competitors: the conventions add them beside the condition's code.

    Standard: WHO ICD-10 Volume 2, 4.4.1 (each condition is coded once, to the code that describes
    it most precisely) and rule MB4 "Specificity".
    """
    spans: dict[tuple[str, int, int], list[Candidate]] = {}
    for cand in episode.candidates:
        if not _competes(cand):
            continue
        for f in cand.findings:
            spans.setdefault((f.evidence.document, f.evidence.start, f.evidence.end), []).append(cand)
    # join overlapping spans of one document into mentions
    mentions: list[tuple[tuple[str, int, int], set[int]]] = []
    for (doc, start, end) in sorted(spans):
        ids = {id(c) for c in spans[(doc, start, end)]}
        if mentions and mentions[-1][0][0] == doc and start < mentions[-1][0][2] and (
                end <= mentions[-1][0][2] or start == mentions[-1][0][1] or _shares_words(
                    episode.texts.get(doc, ""), mentions[-1][0], (doc, start, end))):
            (d, s, e), prev = mentions[-1]
            mentions[-1] = ((d, s, max(e, end)), prev | ids)
        else:
            mentions.append(((doc, start, end), ids))
    for (doc, start, end), ids in mentions:
        # in the episode's candidate order, so ties break the same way on every run
        rivals = [c for c in episode.candidates if id(c) in ids]
        if len(rivals) < 2:
            continue

        words = _words(episode.texts.get(doc, "")[start:end])

        def support(c: Candidate) -> tuple:
            here = [f for f in c.findings if f.evidence.document == doc and start <= f.evidence.start < end]
            title = _title(classifications, c.code) or c.title
            return (max((f.score for f in here), default=0.0), len(here), _coverage(title, words),
                    not _OTHER.search(title), len(c.code))

        best = max(rivals, key=support)
        for other in rivals:
            if other is best:
                continue
            # a code with its own evidence elsewhere stays for that evidence
            elsewhere = [f for f in other.findings if not (f.evidence.document == doc and start <= f.evidence.start < end)]
            if elsewhere:
                other.findings = elsewhere
                continue
            best.note(f"{other.code} also proposed for '{episode.texts.get(doc, '')[start:end]}': "
                      f"{best.code} is the better supported code for these words")
            episode.drop(other, f"another code ({best.code}) describes the same words")


def more_specific_code_wins(episode: DiagnosisEpisode, classifications) -> None:
    """Within one category, a code gives way to a more detailed code for the same condition:
    its own subdivision (K80 -> K80.2), or a sibling when it is the 'unspecified' /
    'without complications' member (E11.9 -> E11.2; M19.99 -> M19.91).

    Standard: WHO ICD-10 Volume 2, 4.4.3 rule MB4 "Specificity"; National Clinical Coding Standards
    ICD-10 5th Edition, "Coding to the highest level of specificity" (General Coding Standards).
    """
    # both relations stay inside one 3-character category: compare codes within categories only,
    # so a long record with hundreds of codes is not compared all against all
    by_category: dict[str, list[Candidate]] = {}
    for cand in episode.candidates:
        by_category.setdefault(cand.code[:3], []).append(cand)
    for group in by_category.values():
        dropped: set[int] = set()
        for cand in group if len(group) > 1 else ():
            for other in group:
                if other is cand or id(other) in dropped or id(cand) in dropped:
                    continue
                if other.code.startswith(cand.code + ".") or (
                    "." in cand.code and other.code.startswith(cand.code) and len(other.code) > len(cand.code)
                ):
                    _give_way(episode, cand, other, "its subdivision")
                    dropped.add(id(cand))
                    break
                same_parent = _parent(cand.code) == _parent(other.code) and _parent(cand.code) != cand.code
                if same_parent and _UNSPECIFIED.search(_title(classifications, cand.code) or cand.title) and not _UNSPECIFIED.search(
                    _title(classifications, other.code) or other.title
                ):
                    _give_way(episode, cand, other, "the specified code of the same category")
                    dropped.add(id(cand))
                    break


def _parent(code: str) -> str:
    if len(code) == 6:  # UK 5th character: M19.91 -> M19.9
        return code[:5]
    return code[:3]


def _give_way(episode: DiagnosisEpisode, general: Candidate, specific: Candidate, what: str) -> None:
    have = {id(g) for g in specific.findings}
    specific.findings.extend(f for f in general.findings if id(f) not in have)
    specific.note(f"{general.code} not coded: {specific.code} is {what} (ICD-10 rule MB4, specificity)")
    episode.drop(general, f"less specific than {specific.code}")


@dataclass(frozen=True, slots=True)
class LessSpecific:
    general: PrefixSet
    specific: PrefixSet
    note: str


@lru_cache(maxsize=1)
def less_specific_table() -> tuple[LessSpecific, ...]:
    table = read_table("less_specific.tsv", ("general", "specific", "note"), ("general", "specific"))
    return tuple(
        LessSpecific(PrefixSet.of(r["general"]), PrefixSet.of(r["specific"]), r["note"])
        for r in table.rows
    )


def less_specific_across_categories(episode: DiagnosisEpisode, classifications) -> None:
    """A general code in another category gives way to the specific one (E14 unspecified diabetes
    when type 2 diabetes E11 is coded; N39.0 UTI when cystitis N30 is coded), from the data table.

    Standard: WHO ICD-10 Volume 2, 4.4.3 rule MB4 "Specificity"; National Clinical Coding Standards
    ICD-10 5th Edition, "Coding to the highest level of specificity".
    """
    for rule in less_specific_table():
        specific = [c for c in episode.candidates if matches(c.code, rule.specific)]
        if not specific:
            continue
        for cand in list(episode.candidates):
            if matches(cand.code, rule.general) and cand not in specific:
                _give_way(episode, cand, specific[0], f"more specific ({rule.note})")


@dataclass(frozen=True, slots=True)
class Combination:
    first: PrefixSet
    second: PrefixSet
    combined: str
    drop: str
    note: str


@lru_cache(maxsize=1)
def combination_table() -> tuple[Combination, ...]:
    table = read_table("combinations.tsv", ("first", "second", "combined", "drop", "note"),
                       ("first", "second", "combined"))
    rows = []
    for r in table.rows:
        if r["drop"] not in {"both", "first"}:
            raise ValueError(f"combinations.tsv: drop must be 'both' or 'first', not {r['drop']!r}")
        rows.append(Combination(PrefixSet.of(r["first"]), PrefixSet.of(r["second"]),
                                r["combined"], r["drop"], r["note"]))
    return tuple(rows)


def combination_codes(episode: DiagnosisEpisode, classifications) -> None:
    """Where the classification has one code for two conditions found together, use it
    (gallstone + acute cholecystitis -> K80.0; obstructive uropathy + infection -> N13.6).

    Standard: WHO ICD-10 Volume 2, 4.4.4 "Combination categories"; National Clinical Coding
    Standards ICD-10 5th Edition, "Combination codes" (General Coding Standards).
    """
    for rule in combination_table():
        firsts = [c for c in episode.candidates if matches(c.code, rule.first)]
        seconds = [c for c in episode.candidates if matches(c.code, rule.second)]
        if not firsts or not seconds:
            continue
        title = _title(classifications, rule.combined)
        reason = f"combination code {rule.combined}: {rule.note} (ICD-10 combination categories)"
        if rule.drop == "both":
            episode.replace(firsts + seconds, rule.combined, title, reason)
        else:
            episode.replace(firsts, rule.combined, title, reason)
            for s in seconds:
                s.note(f"{s.code} coded in addition to {rule.combined} (tabular: use additional code)")


def overlapping_neoplasm_sites(episode: DiagnosisEpisode, classifications) -> None:
    """Two or more sub-sites of one malignant category (C67.2 and C67.4) -> its '.8 Overlapping
    lesion' code (C67.8).

    Standard: WHO ICD-10 Volume 1, Chapter II introductory note 5 "Overlapping lesions"; National
    Clinical Coding Standards ICD-10 5th Edition, Chapter II "Overlapping lesions"; house example
    ../shared/data/uk_dev/README.md (several bladder walls -> C67.8).
    """
    by_category: dict[str, list[Candidate]] = {}
    for cand in episode.candidates:
        if re.match(r"^C(0\d|[1-6]\d|7[0-6])\.\d$", cand.code) and not cand.code.endswith((".8", ".9")):
            by_category.setdefault(cand.code[:3], []).append(cand)
    for category, cands in by_category.items():
        overlap = f"{category}.8"
        title = _title(classifications, overlap)
        if len(cands) < 2 or "overlapping" not in title.lower():
            continue
        sites = ", ".join(c.code for c in cands)
        episode.replace(cands, overlap, title, f"sub-sites {sites} of one neoplasm: {overlap} overlapping lesion")
    # An unspecified-site code of the same category gives way too (C67.9 with C67.8).
    more_specific_code_wins(episode, classifications)


# Groups of contiguous primary sites in different categories, and the code for one tumour that
# overlaps them (WHO ICD-10 Volume 1, Chapter II note 5: C14.8, C21.8, C26.8, C39.8, C41.8, C57.8,
# C63.8, C68.8, C72.8). Tried in order: rectum/anus before the whole digestive system.
_OVERLAP_GROUPS = (
    (("C19", "C20", "C21"), "C21.8"),
    (tuple(f"C{n:02d}" for n in range(0, 15)), "C14.8"),
    # the liver (C22) is left out: "carcinoma of the stomach and liver" is a primary and its
    # metastasis far more often than one tumour across both organs
    # C26 and C39 are the groups' ill-defined sites ("gastrointestinal junction" read as C26.9): no
    # second site of their own
    (tuple(f"C{n:02d}" for n in range(15, 26) if n != 22), "C26.8"),
    (tuple(f"C{n:02d}" for n in range(30, 39)), "C39.8"),
    (("C40", "C41"), "C41.8"),
    (tuple(f"C{n:02d}" for n in range(51, 59)), "C57.8"),
    (tuple(f"C{n:02d}" for n in range(60, 64)), "C63.8"),
    (tuple(f"C{n:02d}" for n in range(64, 69)), "C68.8"),
    (tuple(f"C{n:02d}" for n in range(69, 73)), "C72.8"),
)


# How notes join the sites of one tumour: "tonsil and soft palate", "stomach involving the duodenum".
_SPANNING = re.compile(r"\b(?:and|involving|extending|extends|extension|into)\b|/", re.IGNORECASE)


def _one_tumour_across(a: Candidate, b: Candidate, episode: DiagnosisEpisode) -> bool:
    """Whether the two sites are read from one mention that joins them (overlapping evidence whose
    words say the tumour spans both), not two readings of the same words ("transitional cell
    carcinoma of the renal pelvis" gives renal cell carcinoma C64 and renal pelvis C65)."""
    for f in a.findings:
        for g in b.findings:
            ef, eg = f.evidence, g.evidence
            if ef.document == eg.document and ef.start < eg.end and eg.start < ef.end:
                text = episode.texts.get(ef.document, "")[min(ef.start, eg.start):max(ef.end, eg.end)]
                if _SPANNING.search(text):
                    return True
    return False


def one_tumour_across_categories(episode: DiagnosisEpisode, classifications) -> None:
    """One malignant tumour described across contiguous sites of different categories ("squamous
    cell carcinoma of the right tonsil and soft palate": C09.9 and C05.1 read from one mention) is
    coded to the overlapping-lesion code of their group (C14.8), not to one of the sites. Runs
    before one_code_per_mention, which would otherwise keep only one site of the shared words.

    Standard: WHO ICD-10 Volume 1, Chapter II introductory note 5 "Overlapping lesions" (a lesion
    overlapping sites of different three-character categories: the 'overlapping lesion' code of the
    group, e.g. C14.8, C26.8, C39.8); National Clinical Coding Standards ICD-10 5th Edition,
    Chapter II "Overlapping lesions".
    """
    primaries = [c for c in episode.candidates if re.match(r"^C(0\d|[1-6]\d|7[0-2])(\.\d)?$", c.code)]
    for group, overlap in _OVERLAP_GROUPS:
        members = [c for c in primaries if c.code[:3] in group and c in episode.candidates]
        together = [c for c in members if any(o is not c and o.code[:3] != c.code[:3]
                                              and _one_tumour_across(c, o, episode) for o in members)]
        if len({c.code[:3] for c in together}) < 2:
            continue
        title = _title(classifications, overlap)
        sites = ", ".join(c.code for c in together)
        episode.replace(together, overlap, title,
                        f"one tumour across {sites} (contiguous sites of different categories): {overlap} overlapping lesion")


def most_detailed_level(episode: DiagnosisEpisode, classifications) -> None:
    """A code the table subdivides is carried to the subdivision for 'detail not stated' (K80 ->
    K80.2 is for the finder; here: M19.9 -> M19.99 site unspecified, I70.2 -> I70.20 without
    gangrene, W01 -> W01.9 place unspecified), and the rationale says so. The 4th character is
    always required; a UK 5th character only where the UK requires it (the classification
    service's list, e.g. I70.-, J96.-) and for the Chapter XIII site codes the house uses. The
    optional 5th characters of Chapter XIX (open/closed) and Chapter XX (activity) are not added.

    Standard: National Clinical Coding Standards ICD-10 5th Edition, "Coding to the highest level of
    specificity" and the UK 5th characters; house policy ../shared/data/uk_dev/README.md
    ("Chapter XIII UK site characters are used where the category has them").
    """
    if classifications is None:
        return
    for cand in list(episode.candidates):
        code = classifications.icd10.get(cand.code)
        old = cand.code
        while code is not None and not code.is_leaf:
            wanted = Kind.SUBCATEGORY if code.kind is Kind.CATEGORY else Kind.EXTENSION
            if wanted is Kind.EXTENSION and not _fifth_character_required(code.code):
                break
            children = [c for c in code.children if c.kind is wanted]
            pick = _unspecified_child(children)
            if not children:
                break
            if pick is None:
                episode.warn(f"{code.code} needs a further character the text does not give: "
                             f"choose one of {', '.join(c.code for c in children[:8])}")
                break
            code = pick
        if code is not None and code.code != old:
            cand.code, cand.title = code.code, code.title
            cand.note(f"{old} carried to its most detailed level {code.code} ({code.title}): detail not documented")


def _fifth_character_required(code: str) -> bool:
    if code.startswith("M"):  # Chapter XIII site characters: house policy
        return True
    try:
        from ...classification.rules import load_fifth_character_required

        return code in load_fifth_character_required()
    except (ImportError, OSError, ValueError):
        return code[:3] in ("I70", "J96")


def _unspecified_child(children):
    """The subdivision for 'detail not stated': '(Site unspecified)', else the child whose own
    words (beyond its parent's title) say 'unspecified', else the one ending in 9."""
    for child in children:
        if re.search(r"\bsite unspecified\b", child.title, re.I):
            return child
    for child in children:
        own = child.title.replace(child.parent.title, "") if child.parent else child.title
        if re.search(r"\bunspecified\b", own, re.I):
            return child
    for child in children:  # "(without gangrene)": the default when the feature is not documented
        if re.search(r"\(without\b", child.title, re.I):
            return child
    nines = [c for c in children if c.code.endswith("9")]
    return nines[0] if nines else None
