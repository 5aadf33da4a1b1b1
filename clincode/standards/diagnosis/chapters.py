"""Chapter-specific standards that decide between codes by what the documentation states."""
from __future__ import annotations

import re
from functools import lru_cache

from ...classification import Kind
from .episode import DiagnosisEpisode, section_info
from .resources import PrefixSet, matches, read_table

_TYPE_1 = re.compile(r"\b(type\s*(1|i|one)\b|t1\s*dm|iddm|insulin[- ]dependent|juvenile[- ]onset)", re.I)
_TYPE_2 = re.compile(r"\b(type\s*(2|ii|two)\b|t2\s*dm|dm\s*(2|ii)\b|niddm|non[- ]insulin[- ]dependent|adult[- ]onset|maturity[- ]onset)", re.I)


def diabetes_type_must_be_documented(episode: DiagnosisEpisode, classifications) -> None:
    """Type 1 (E10) or type 2 (E11) diabetes is coded only when the documents state the type;
    otherwise the diabetes is coded E14 (unspecified diabetes mellitus, same 4th character) and the
    type is queried. (The US index defaults 'diabetes' to type 2; the UK classification does not.)

    Standard: National Clinical Coding Standards ICD-10 5th Edition, Chapter IV "Diabetes mellitus"
    (the type must be documented by the clinician; not assumed from treatment); ICD-10 Volume 3
    index "Diabetes, diabetic (mellitus) E14.-"; house policy ../shared/data/uk_dev/README.md
    (diabetes, type not stated: E14.9 with a query).
    """
    stated: dict[str, bool] = {}  # "E10"/"E11" -> the type is written; searched only for a diabetes code
    for cand in list(episode.candidates):
        if not cand.code.startswith(("E10", "E11")):
            continue
        category = cand.code[:3]
        said = stated.get(category)
        if said is None:
            said = stated[category] = bool(episode.search((_TYPE_1 if category == "E10" else _TYPE_2).pattern))
        if said:
            continue
        unspecified = "E14" + cand.code[3:]
        if classifications is not None and classifications.icd10.get(unspecified) is None:
            continue
        kind = "type 1" if cand.code.startswith("E10") else "type 2"
        title = classifications.icd10.get(unspecified).title if classifications else ""
        episode.replace([cand], unspecified, title,
                        f"{cand.code} needs {kind} to be documented and the text does not say so: "
                        f"{unspecified} (diabetes mellitus, type not stated)")


_ABUSE = re.compile(r"\b(abus(e|er|ers|es|ing)|misuse|harmful use|hazardous use)\b", re.I)
# Use codes of Chapter XXI -> the harmful-use code of Chapter V for the same substance.
_HARMFUL_USE = {"Z72.0": "F17.1", "Z72.1": "F10.1", "Z72.2": "F19.1"}


def abuse_is_harmful_use(episode: DiagnosisEpisode, classifications) -> None:
    """Tobacco, alcohol or drug 'abuse' is coded as harmful use (F1x.1), not as lifestyle 'use'
    (Z72.-): the documentation states harm, not a habit.

    Standard: ICD-10 Volume 1 F10-F19 fourth character .1 "Harmful use" (includes "psychoactive
    substance abuse"); National Clinical Coding Standards ICD-10 5th Edition, Chapter V "Mental and
    behavioural disorders due to psychoactive substance use"; house policy
    ../shared/data/uk_dev/README.md ("'abuse' of alcohol/tobacco is F10.1/F17.1").
    """
    for cand in list(episode.candidates):
        target = _HARMFUL_USE.get(cand.code)
        if target is None:
            continue
        said = [ev.text for ev in cand.evidence if _ABUSE.search(_near(episode, ev))]
        if not said:
            continue
        title = classifications.icd10.get(target).title if classifications else ""
        episode.replace([cand], target, title,
                        f"'{said[0]}' is documented as abuse: harmful use {target} rather than {cand.code}")


_DEPENDENCE = re.compile(r"\b(abus\w*|misuse|harmful|dependen\w*|addict\w*)\b", re.I)


def smoking_is_tobacco_use_unless_harm_is_stated(episode: DiagnosisEpisode, classifications) -> None:
    """'Smoker' or 'smokes 20 a day' is tobacco use (Z72.0); harmful use or dependence (F17.1,
    F17.2) needs the documentation to say abuse, harm or dependence.

    Standard: ICD-10 Volume 1, Z72.0 "Tobacco use" (excludes tobacco dependence F17.2) and F17
    fourth characters; National Clinical Coding Standards ICD-10 5th Edition, "current smoker" coded
    Z72.0; house policy ../shared/data/uk_dev/README.md ("current smoking Z72.0").
    """
    for cand in list(episode.candidates):
        if not cand.code.startswith(("F17.1", "F17.2")):
            continue
        if any(_DEPENDENCE.search(_near(episode, ev, 25)) for ev in cand.evidence):
            continue
        title = classifications.icd10.get("Z72.0").title if classifications else ""
        episode.replace([cand], "Z72.0", title,
                        f"'{cand.evidence[0].text if cand.evidence else cand.code}' states smoking, not harm or "
                        f"dependence: tobacco use Z72.0 rather than {cand.code}")


def _near(episode: DiagnosisEpisode, ev, width: int = 12) -> str:
    """The evidence with a few characters either side ("tobacco abuse", "abuse of alcohol")."""
    text = episode.texts.get(ev.document, "")
    if not text:
        return ev.text
    return text[max(0, ev.start - width) : ev.end + width]


@lru_cache(maxsize=1)
def _site_words() -> tuple[tuple[str, re.Pattern], ...]:
    table = read_table("musculoskeletal_sites.tsv", ("site", "words", "note"))
    return tuple((r["site"], re.compile(rf"\b({r['words']})\b", re.I)) for r in table.rows)


def site_character(sentence: str) -> str | None:
    """The Chapter XIII site digit the sentence names, or None when it names none or several."""
    sites = {digit for digit, words in _site_words() if words.search(sentence)}
    if "0" in sites:
        return "0"
    return sites.pop() if len(sites) == 1 else None


_ONE_SIDE = re.compile(r"\b(?:left|right|unilateral)\b", re.I)
_BOTH_SIDES = re.compile(r"\b(?:bilateral|both|bilaterally)\b", re.I)
# arthrosis of the hip and knee: ICD-10 divides it by side (unilateral / bilateral primary)
_ARTHROSIS_BY_SIDE = {"M16.9": ("M16.1", "M16.0"), "M17.9": ("M17.1", "M17.0")}


def arthrosis_by_side(episode: DiagnosisEpisode, classifications=None) -> None:
    """Osteoarthritis of the hip or knee (M16.9, M17.9) takes the side the record states: one side
    is "other primary" arthrosis (M16.1, M17.1: "primary coxarthrosis/gonarthrosis NOS,
    unilateral"), both sides M16.0 / M17.0; with no side stated it stays unspecified.

    Standard: WHO ICD-10 Volume 1, M16.0/M16.1 and M17.0/M17.1 titles and inclusion terms; National
    Clinical Coding Standards ICD-10 5th Edition, "Coding to the highest level of specificity".
    """
    for cand in list(episode.candidates):
        codes = _ARTHROSIS_BY_SIDE.get(cand.code)
        if codes is None:
            continue
        texts = []
        for f in cand.findings:  # the words around each mention, within its sentence
            text = episode.texts.get(f.evidence.document, "")
            before = re.split(r"[.;\n]", text[max(0, f.evidence.start - 40):f.evidence.start])[-1]
            after = re.split(r"[.;\n]", text[f.evidence.end:f.evidence.end + 40])[0]
            texts.append(before + f.evidence.text + after)
        window = " ".join(texts)
        both, one = _BOTH_SIDES.search(window), _ONE_SIDE.search(window)
        if both or one:
            code = codes[1] if both else codes[0]
            side = "both sides" if both else "one side"
            found = classifications.icd10.get(code) if classifications else None
            episode.replace([cand], code, found.title if found else "",
                            f"{cand.code} -> {code}: arthrosis of {side} ('{(both or one).group()}')")


def musculoskeletal_site_from_text(episode: DiagnosisEpisode, classifications) -> None:
    """A Chapter XIII code with UK site 5th characters takes the site the documentation names
    ("degenerative joint disease, right shoulder" -> M19.91); with no site, or several, the site
    stays unspecified (9) for ``most_detailed_level``.

    Standard: WHO ICD-10 Volume 1, Chapter XIII site subclassification; National Clinical Coding
    Standards ICD-10 5th Edition, UK 5th characters; house policy ../shared/data/uk_dev/README.md.
    """
    if classifications is None:
        return
    for cand in list(episode.candidates):
        if not cand.code.startswith("M") or "M40" <= cand.code[:3] <= "M54":
            continue
        code = classifications.icd10.get(cand.code)
        if code is None:
            continue
        # a subcategory without its site, 'site unspecified' (9), or 'multiple sites' (0) - the last
        # only stands when the text says multiple (US 'unspecified site' codes end in 0 too)
        base = code if code.kind is Kind.SUBCATEGORY else code.parent if code.code.endswith(("9", "0")) else None
        if base is None or not any(c.kind is Kind.EXTENSION for c in base.children):
            continue
        # the site as the strongest statement gives it (the diagnosis heading before the narrative)
        ranked = sorted(cand.findings, key=lambda f: -section_info(f.section).rank)
        digits = [d for d in (site_character(episode.sentence_of(f.evidence)) for f in ranked) if d]
        if digits:
            digit = digits[0]
        elif code.code.endswith("0") and code.kind is Kind.EXTENSION:
            digit = "9"  # 'multiple sites' is not documented
        else:
            continue
        target = classifications.icd10.get(base.code + digit)
        if target is None or target.code == cand.code:
            continue
        episode.replace([cand], target.code, target.title,
                        f"{cand.code} -> {target.code}: the site is documented ({target.title})")


# A baby: "2-month-old", "10-day-old", newborn, neonate, infant. A newborn or neonate is also of
# perinatal age by itself; an older infant needs a Chapter XVI condition (prematurity P07 ...) coded.
_BABY = re.compile(r"\b\d+[- ](?:day|week|month)s?[- ]old\b|\b(?:newborn|neonates?|neonatal|infants?)\b", re.I)
_NEWBORN = re.compile(r"\b\d+[- ](?:day|hour)s?[- ]old\b|\b(?:newborn|neonates?|neonatal)\b", re.I)


@lru_cache(maxsize=1)
def perinatal_table() -> tuple[tuple[PrefixSet, str, str], ...]:
    table = read_table("perinatal_conditions.tsv", ("adult", "perinatal", "note"), ("adult", "perinatal"))
    return tuple((PrefixSet.of(r["adult"]), r["perinatal"], r["note"]) for r in table.rows)


def conditions_of_the_perinatal_period(episode: DiagnosisEpisode, classifications) -> None:
    """In a baby whose condition began in the perinatal period (a newborn, or an infant with a
    Chapter XVI condition such as prematurity coded), the adult-chapter code gives way to the
    perinatal one: intraventricular haemorrhage I61.5 -> P52.3, hydrocephalus G91.- -> P91.7
    (``resources/perinatal_conditions.tsv``).

    Standard: WHO ICD-10 Volume 1, Chapter XVI note (conditions originating in the perinatal period
    even though morbidity occurs later); National Clinical Coding Standards ICD-10 5th Edition,
    Chapter XVI.
    """
    text = episode.text
    if not _BABY.search(text):
        return
    if any(c.code.startswith(("O", "Z37", "Z38")) for c in episode.candidates):
        return  # the mother's episode: her newborn is mentioned, her conditions are not perinatal
    perinatal = bool(_NEWBORN.search(text)) or any(c.code.startswith("P") for c in episode.candidates)
    if not perinatal:
        return
    for adult, code, note in perinatal_table():
        for cand in [c for c in episode.candidates if matches(c.code, adult)]:
            found = classifications.icd10.get(code) if classifications is not None else None
            episode.replace([cand], code, found.title if found else note,
                            f"{cand.code} in a baby whose condition began in the perinatal period: {code} "
                            f"{note} (Chapter XVI includes conditions of perinatal origin treated later)")


_DEATH = re.compile(r"\b(?:died|death|dead|expired|deceased|passed away|post[- ]?mortem|autopsy|necropsy|exitus|"
                    r"unsuccessful resuscitation|resuscitation was (?:unsuccessful|stopped|discontinued)|"
                    r"not resuscitated|do not (?:attempt )?resuscitate)\b", re.IGNORECASE)


def cardiac_arrest_survived(episode: DiagnosisEpisode, classifications) -> None:
    """A cardiac arrest the patient lived through this episode was successfully resuscitated:
    I46.9 becomes I46.0, unless the notes mention a death or a failed or withheld resuscitation
    (then the coder decides: I46.9 stays, with the episode's discharge method to check).

    Standard: ICD-10 tabular I46.0 "Cardiac arrest with successful resuscitation" (I46.1 sudden
    cardiac death, I46.9 unspecified); WHO ICD-10 Volume 2, 4.4.1 (code to the most precise
    category the documentation supports).
    """
    arrests = [c for c in episode.candidates if c.code == "I46.9" and c.current]
    if not arrests or _DEATH.search(episode.text):
        return
    found = classifications.icd10.get("I46.0") if classifications is not None else None
    for cand in arrests:
        episode.replace([cand], "I46.0", found.title if found else "Cardiac arrest with successful resuscitation",
                        "cardiac arrest in an episode that documents no death: the patient was resuscitated "
                        "(I46.0 with successful resuscitation)")
