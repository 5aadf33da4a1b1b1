"""OPCS-4 coding standards for an episode's procedures, as small named rules.

Public surface:
    code_procedures(findings, classifications, parsed_docs, diagnoses=None)
        -> (list[CodeAssignment], list[ClinicianQuery], list[str] warnings)
    add_supplementary_codes(finding, classifications)   # fills Finding.supplementary

References are to the National Clinical Coding Standards OPCS-4 reference book (NHS England Clinical
Classifications Service): the Rules of OPCS-4 (PRule), the General Coding Standards (PGCS) and the
chapter Y and Z standards, cited by number where known and otherwise by title. Where the house policy of
the UK development set (../shared/data/uk_dev/README.md) narrows a national option, the docstring says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..coding.findings import Finding
from ..coding.models import ClinicianQuery, CodeAssignment
from ..procedures.rule_data import (
    body_systems, detail_queries, included_components, laterality_ranges, procedure_targets,
)

# Approach words in a title mean the code already carries the approach (no Y code).
_TITLE_APPROACH = ("endoscopic", "laparoscopic", "arthroscopic", "thoracoscopic", "percutaneous",
                   "transluminal", "endovascular", "fibreoptic", "ureteroscopic", "nephroscopic",
                   "sigmoidoscope", "cystoscope", "microtherapeutic", "robotic")
_TITLE_IMAGE = ("radiological", "fluoroscop", "ultrasound", "ultrasonic", "image", "computed tomography",
                "arteriography", "angiography", "angiocardiography", "venography", "scan")
# OPCS-4 chapters whose operations are inside the abdominal cavity or pelvis (Y75 applies).
_ABDOMINAL_CHAPTERS = frozenset("GHJMNQT")
_THORACIC = ("E", "K", "T0", "T1")  # lung, heart, pleura
_LATERALITY_CODES = {"bilateral": "Z94.1", "right": "Z94.2", "left": "Z94.3"}
_IMAGE_CODES = {"radiological": "Y53.1", "ultrasound": "Y53.2", "ct": "Y53.3", "fluoroscopic": "Y53.4",
                "intensifier": "Y53.5", "mri": "Y53.7", "unspecified": "Y53.9"}
_ARTERY_ACCESS = {"femoral": "Y79.3", "brachial": "Y79.2", "subclavian": "Y79.1", "radial": "Y79.8"}
_TRANSLUMINAL_CARDIAC = ("K49", "K50", "K57", "K63", "K65", "K75")


# ------------------------------------------------------------------ rules: which findings are coded
def is_performed(f: Finding) -> bool:
    """PRule 1 (definition of an intervention): only what was done in this episode is coded.

    Planned ("plan: colonoscopy"), negated ("was not performed") and historical ("TURP 10 years ago")
    mentions are not procedures of the episode.
    """
    return f.attributes.get("status", "done") in ("done", "abandoned")


def is_imaging_only(f: Finding) -> bool:
    """Diagnostic imaging (chapter U: CT, MRI, ultrasound examinations) is coded only under a trust's
    local policy (NCCS OPCS-4 chapter U); it is not part of the admitted-care procedure sequence here.
    Image guidance of a procedure is coded with Y53 instead."""
    return f.code.startswith("U")


def is_ancillary(f: Finding) -> bool:
    """Ancillary care mentioned in a narrative (catheterisation, transfusion, drug administration:
    lexicon rank 0) is coded only when listed as a procedure (house policy: the uk_dev set codes what
    the procedure list and the operation describe)."""
    return f.attributes.get("rank", 2) == 0 and f.attributes.get("where") != "statement"


def is_abandoned(f: Finding) -> bool:
    """PGCS3 Incomplete, unfinished, abandoned and failed procedures: coded to the stage reached.

    House policy (uk_dev README): an abandoned component is not coded when the operation went on to
    another procedure (failed PEG converted to open gastrostomy; failed ureteroscopic stent attempt).
    """
    return f.attributes.get("status") == "abandoned"


def is_stated(f: Finding) -> bool:
    """The procedures listed under the operation heading are the ones coded (PRule 2)."""
    return f.attributes.get("where") == "statement"


def adds_to_statement(f: Finding, stated_categories: set[str], stated_chapters: set[str] = frozenset(),
                      title: str = "") -> bool:
    """A therapeutic procedure found only in the description of the operation is coded too.

    PGCS (multiple coding): every significant procedure carried out is coded, even when the
    surgeon's heading omits it (biceps tenodesis during a shoulder resurfacing). Diagnostic and
    access procedures and explorations in the narrative are part of the operation described.
    """
    flags = set(f.attributes.get("flags", ()))
    return (
        f.attributes.get("where") == "narrative"
        and f.attributes.get("source") != "opcs-title"  # bare titles in a narrative are too loose
        and f.attributes.get("rank", 2) >= 2
        and not flags & {"access", "diag", "explore"}
        and f.code[:3] not in stated_categories
        # an unspecified mention ("the osteotomy") in the narrative is the stated operation described
        and not (title.lower().startswith(("unspecified", "other specified")) and f.code[0] in stated_chapters)
        and f.section in ("description_of_procedure", "procedure", "findings", "other")
        and not f.code.startswith(("Y", "Z"))
    )


def loose_title_mention(f: Finding) -> bool:
    """A short OPCS-4 title met in running text ("endotracheal intubation", "colotomy") is too loose to
    code from a narrative; hand-built lexicon phrases and titles of three words or more are kept."""
    return f.attributes.get("source", "").startswith("opcs-title") and len(f.term.split()) < 3


def is_detail(f: Finding) -> bool:
    """Words in brackets after a stated operation describe it ("hypospadias repair (urethroplasty
    plate incision ...)"): they are its technique, not another operation."""
    return bool(f.attributes.get("detail_of"))


def refine_from_description(stated: list[Finding], narrative: list[Finding], classifications) -> None:
    """The description of the operation supplies the detail the heading lacks (PGCS: code to the
    highest level of specificity documented): a stated 'NEC'/unspecified code is replaced by the more
    specific subcode of the same category found in the description ("coronary angiogram" K63.6 ->
    "selective coronary angiograms using a left and a right catheter" K63.4)."""
    for f in stated:
        if not _is_residual(_title(classifications, f.code)):
            continue
        better = next((n for n in narrative if n.code[:3] == f.code[:3] and n.code != f.code
                       and not _is_residual(_title(classifications, n.code))), None)
        if better is not None:
            f.rationale.append(f"refined {f.code} -> {better.code} from the description: '{better.evidence.text}'")
            f.attributes.setdefault("more_evidence", []).append(better.evidence)
            f.code = better.code


def _is_residual(title: str) -> bool:
    t = title.lower()
    return t.endswith(" nec") or t.startswith(("unspecified", "other specified"))


def select_from_document(performed: list[Finding], classifications) -> list[Finding]:
    """What one document contributes: the operations its procedure statement lists, refined and
    completed from its description; a document without a statement (discharge summary, clinic letter)
    contributes the procedures its narrative records as done in this episode."""
    stated = [f for f in performed if is_stated(f) and not is_detail(f)]
    if not stated and any(f.attributes.get("none_stated") for f in performed):
        return []
    if not stated:
        return [f for f in performed if f.attributes.get("where") == "narrative" and not loose_title_mention(f)]
    narrative = [f for f in performed if f.attributes.get("where") == "narrative"]
    refine_from_description(stated, narrative, classifications)
    cats, chapters = {f.code[:3] for f in stated}, {f.code[0] for f in stated}
    return stated + [f for f in narrative if adds_to_statement(f, cats, chapters, _title(classifications, f.code))]


def drop_access_endoscopy(codes: list[Finding]) -> list[Finding]:
    """An endoscopy that only gave access to a therapeutic endoscopic procedure is not coded.

    NCCS OPCS-4 general standard on endoscopic procedures (and uk_dev house policy): "cystoscopy and
    TURP" is coded M65.3 alone; a diagnostic endoscopy is coded only when nothing else was done
    through the same route (same OPCS-4 chapter, through a scope). A diagnostic laparoscopy is the
    access for any laparoscopic operation (Y75 records the approach).
    """
    keep = []
    for f in codes:
        if "access" in f.attributes.get("flags", ()) and any(
            o is not f and "access" not in o.attributes.get("flags", ()) and _same_route(f, o) for o in codes
        ):
            continue
        keep.append(f)
    return keep


def _same_route(access: Finding, other: Finding) -> bool:
    if access.code.startswith("T43"):  # diagnostic laparoscopy
        return other.attributes.get("approach") in ("laparoscopic", "robotic", "laparoscopically_assisted",
                                                     "hand_assisted", "converted")
    if other.code[0] != access.code[0]:
        return False
    title = (other.attributes.get("title") or "").lower()
    return any(w in title for w in ("endoscopic", "fibreoptic", "ureteroscopic", "nephroscopic", "scope")) or \
        other.attributes.get("approach") in ("endoscopic", "arthroscopic", "fess")


def drop_subsumed_exploration(codes: list[Finding]) -> list[Finding]:
    """Exploration of an organ is part of a definitive operation on it (PGCS: operations that are
    components of a larger procedure are not coded separately), e.g. scrotal exploration + orchidopexy."""
    keep = []
    for f in codes:
        if "explore" in f.attributes.get("flags", ()) and any(
            o is not f and o.code[0] == f.code[0] and "explore" not in o.attributes.get("flags", ()) for o in codes
        ):
            continue
        keep.append(f)
    return keep


def drop_generic_names(codes: list[Finding]) -> list[Finding]:
    """A general name ("endoscopic sinus surgery", "cataract surgery") is coded only when the note
    names no specific operation of the same chapter: the specific operation is the code (PGCS: code
    to the highest level of specificity)."""
    keep = []
    for f in codes:
        if "generic" in f.attributes.get("flags", ()) and any(
            o is not f and o.code[0] == f.code[0] and "generic" not in o.attributes.get("flags", ()) for o in codes
        ):
            continue
        keep.append(f)
    return keep


def drop_included_components(codes: list[Finding]) -> list[Finding]:
    """Components that a coded operation already includes (``included_in.tsv``), e.g. the antegrade
    stent placed during a pyeloplasty (PGCS: do not code the integral parts of an operation)."""
    present = {f.code for f in codes}
    keep = []
    for f in codes:
        if any(f.code.startswith(comp) and any(p != f.code and p.startswith(within) for p in present)
               for comp, within, _ in included_components()):
            continue
        keep.append(f)
    return keep


def merge_repeats(codes: list[Finding]) -> list[Finding]:
    """One code per operation: repeated mentions merge; the same operation on the right and on the
    left is one operation with Z94.1 (chapter Z standard: bilateral operations)."""
    merged: dict[str, Finding] = {}
    for f in codes:
        old = merged.get(f.code)
        if old is None:
            merged[f.code] = f
            continue
        a, b = old.attributes.get("laterality"), f.attributes.get("laterality")
        if {a, b} == {"left", "right"}:
            old.attributes["laterality"] = "bilateral"
            old.attributes["laterality_source"] = "both sides documented"
        elif a is None and b is not None:
            old.attributes["laterality"] = b
        if "generic" in old.attributes.get("flags", ()) and "generic" not in f.attributes.get("flags", ()):
            old.attributes["flags"] = list(f.attributes.get("flags", ()))  # named specifically elsewhere
        old.score = max(old.score, f.score)
        old.attributes.setdefault("more_evidence", []).append(f.evidence)
    return list(merged.values())


# ------------------------------------------------------------------ rules: supplementary codes
def title_states_approach(title: str) -> bool:
    """Codes whose title already says the route (endoscopic, percutaneous ...) take no approach code
    (NCCS OPCS-4 chapter Y: approach codes are used only where the main code does not state it)."""
    t = title.lower()
    return any(w in t for w in _TITLE_APPROACH)


def approach_codes(code: str, title: str, approach: str | None) -> list[str]:
    """Minimal access approach codes from chapter Y, directly after the code they qualify.

    Y75.1/Y75.2/Y75.3/Y75.4 minimal access to the abdominal cavity (laparoscopically assisted /
    laparoscopic / robotic / hand assisted); Y74.- minimal access to the thoracic cavity; Y76.7
    arthroscopic approach to joint; Y76.1 functional endoscopic sinus surgery (sinus operations only).
    Conversion from minimal access to open: Y71.4 Failed minimal access approach converted to open,
    with the minimal access code (NCCS OPCS-4 chapter Y, "Conversion from minimal access to open").
    """
    if not approach or approach in ("open", "percutaneous", "endoscopic"):
        return []
    if title_states_approach(title) and approach != "converted":
        return []
    chapter = code[0]
    if approach in ("laparoscopic", "robotic", "laparoscopically_assisted", "hand_assisted", "converted"):
        if code.startswith(_THORACIC) and chapter != "T" or code[:3] in ("T07", "T08", "T09", "T10", "T11", "T12", "T13"):
            return {"robotic": ["Y74.3"], "converted": ["Y71.4", "Y74.2"]}.get(approach, ["Y74.2"])
        if chapter in _ABDOMINAL_CHAPTERS or code[:3] in ("B22", "B23", "B24", "B25"):
            return {"laparoscopic": ["Y75.2"], "robotic": ["Y75.3"], "laparoscopically_assisted": ["Y75.1"],
                    "hand_assisted": ["Y75.4"], "converted": ["Y71.4", "Y75.2"]}[approach]
        return ["Y76.5"] if approach == "robotic" else []
    if approach == "thoracoscopic":
        return ["Y74.2"]
    if approach == "arthroscopic" and chapter in "WT":
        return ["Y76.7"]
    if approach == "fess" and "E12" <= code[:3] <= "E17":
        return ["Y76.1"]
    return []


def image_guidance_code(title: str, image: str | None) -> str | None:
    """Y53.- Approach to organ under image control, when the notes record the guiding imaging and the
    code does not include it (uk_dev house policy: not for check films or radiological procedures)."""
    if not image or any(w in title.lower() for w in _TITLE_IMAGE):
        return None
    return _IMAGE_CODES.get(image)


def arterial_access_code(code: str, access: str | None) -> str | None:
    """Y79.- Approach to organ through artery, for transluminal cardiac procedures (coronary
    arteriography, PCI, ablation) when the arterial route is documented (NCCS OPCS-4 chapter K)."""
    if not access or not code.startswith(_TRANSLUMINAL_CARDIAC):
        return None
    return _ARTERY_ACCESS.get(access)


def spinal_level_code(code: str, levels: int | None) -> str | None:
    """V55 Levels of spine after spinal decompression, excision of disc and fusion (V22-V52): V55.1 one
    level, V55.2 two levels, V55.3 more than two (NCCS OPCS-4 chapter V: levels of spine)."""
    if not ("V22" <= code[:3] <= "V52") or not levels:
        return None
    return "V55.1" if levels == 1 else "V55.2" if levels == 2 else "V55.3"


def needs_laterality(code: str, title: str) -> bool:
    """Z94 laterality is added for operations on organs and sites that come in pairs (eyes, ears,
    kidneys, testes, limbs and their joints, vessels and nerves), not for midline or unpaired
    structures, and not when the title already says bilateral/unilateral (NCCS OPCS-4 chapter Z,
    "Laterality of operation"). The paired ranges are data: procedures/resources/laterality.tsv.
    """
    t = title.lower()
    if "bilateral" in t or "unilateral" in t:
        return False
    paired = False
    for r in laterality_ranges():
        if r.holds(code):
            paired = r.paired
    return paired


def site_is_paired(site: str | None) -> bool:
    """A site code on a limb (skin of arm/leg Z50, muscles of limbs Z54-Z59, limb joints and bones
    Z68-Z86) makes the operation sided even when the category is not (chapter Z laterality)."""
    if not site:
        return False
    code = site.split()[0]
    return code[:3] in {"Z50", "Z54", "Z55", "Z56", "Z57", "Z58", "Z59"} or "Z68" <= code[:3] <= "Z86"


def laterality_code(side: str | None) -> str | None:
    """Z94.1 Bilateral operation, Z94.2 Right sided operation, Z94.3 Left sided operation."""
    return _LATERALITY_CODES.get(side or "")


def add_supplementary_codes(f: Finding, classifications) -> None:
    """Fill ``f.supplementary`` in the required order: approach (Y), image control (Y53), arterial
    route (Y79), site (Z/O), laterality (Z94) (OPCS-4 Convention: supplementary codes follow the
    code they qualify)."""
    title = _title(classifications, f.code)
    a = f.attributes
    codes: list[str] = []
    codes += approach_codes(f.code, title, a.get("approach"))
    img = image_guidance_code(title, a.get("image"))
    if img:
        codes.append(img)
    route = arterial_access_code(f.code, a.get("artery_access"))
    if route:
        codes.append(route)
    if a.get("site"):
        codes += a["site"].split()
    level = spinal_level_code(f.code, a.get("levels"))
    if level:
        codes.append(level)
    if needs_laterality(f.code, title) or site_is_paired(a.get("site")):
        lat = laterality_code(a.get("laterality"))
        if lat:
            codes.append(lat)
    f.supplementary = codes


# ------------------------------------------------------------------ sequencing and links
def links_to(code: str, diagnoses) -> list[str]:
    """The diagnoses a procedure treats: the conditions of the organ operated on (procedure_targets.tsv),
    else those of the body system the OPCS-4 chapter operates on (procedure_body_systems.tsv)."""
    prefixes = _treated_prefixes(code)
    out = []
    if not prefixes:
        return out
    for d in diagnoses or ():
        dcode = getattr(d, "code", d)
        if dcode.startswith(prefixes):
            out.append(dcode)
    return out


@lru_cache(maxsize=4096)
def _treated_prefixes(code: str) -> tuple[str, ...]:
    """The ICD-10 code prefixes of the conditions the procedure ``code`` treats (see links_to)."""
    prefixes: tuple[str, ...] = ()
    for first, last, icd in procedure_targets():
        if first <= code[: len(first)] <= last:
            prefixes += icd
    if not prefixes:
        prefixes = tuple(body_systems().get(code[0], ()))
    return prefixes


def sequence(codes: list[Finding], primary_dx: str | None = None) -> list[Finding]:
    """PRule 2 / PGCS main procedure: the main (most resource-intensive, therapeutic) procedure comes
    first, preferring one that treats the primary diagnosis; then the others in their stated order.
    ``rank`` (1 diagnostic .. 5 major) is the lexicon's resource weight."""
    def key(f: Finding):
        treats_primary = bool(primary_dx and primary_dx in f.attributes.get("links_to", ()))
        return (not treats_primary, -f.attributes.get("rank", 2), f.attributes.get("order", (0, 0)))

    return sorted(codes, key=key)


# ------------------------------------------------------------------ the episode
def code_procedures(findings, classifications, parsed_docs=None, diagnoses=None, *, parsed=None,
                    diagnosis_findings=None):
    """An episode's OPCS-4 sequence: main procedure first (primary=True); each Y/Z code as its own
    assignment directly after the code it qualifies. Returns (assignments, queries, warnings).

    ``diagnoses`` are coded diagnoses (CodeAssignment, one primary); without them the affirmed
    diagnosis findings are used, the one stated first under a diagnosis heading standing as primary.
    """
    findings = [f for f in findings if f.system == "opcs4"]
    if diagnoses is None and diagnosis_findings:
        diagnoses = _stated_diagnoses(diagnosis_findings)
    warnings: list[str] = []
    queries: list[ClinicianQuery] = []
    performed = [f for f in findings if is_performed(f) and not is_imaging_only(f) and not is_ancillary(f)]
    chosen: list[Finding] = []
    by_document: dict[str, list[Finding]] = {}
    for f in performed:
        by_document.setdefault(f.evidence.document, []).append(f)
    for doc_findings in by_document.values():  # each document: its statement, else its narrative
        chosen += select_from_document(doc_findings, classifications)
    done = [f for f in chosen if not is_abandoned(f)]
    for f in chosen:
        if is_abandoned(f):
            if done:
                warnings.append(f"abandoned procedure not coded (PGCS3, house policy): '{f.evidence.text}'")
            else:
                f.rationale.append("PGCS3: abandoned procedure coded to the stage reached")
    coded = done or chosen
    for f in coded:
        f.attributes["title"] = _title(classifications, f.code)
    coded = merge_repeats(coded)
    coded = drop_access_endoscopy(coded)
    coded = drop_subsumed_exploration(coded)
    coded = drop_generic_names(coded)
    coded = drop_included_components(coded)
    facilitating = [f for f in coded if f.code.startswith("Y")]  # e.g. Y73.1 cardiopulmonary bypass
    coded = [f for f in coded if not f.code.startswith(("Y", "Z"))]
    # each diagnosis code once: findings repeat codes, and a long document has thousands of them
    dx_codes = list(dict.fromkeys(getattr(d, "code", d) for d in diagnoses or ()))
    for f in coded:
        add_supplementary_codes(f, classifications)
        f.attributes["links_to"] = links_to(f.code, dx_codes)
    primary_dx = next((getattr(d, "code", None) for d in diagnoses or () if getattr(d, "primary", False)), None)
    coded = sequence(coded, primary_dx)

    out: list[CodeAssignment] = []
    for i, f in enumerate(coded):
        out += _assignments(f, classifications, primary=(i == 0))
        queries += _queries(f, classifications)
        if i == 0:
            for y in facilitating:
                out.append(CodeAssignment(
                    code=y.code, title=_title(classifications, y.code), score=y.score, evidence=[y.evidence],
                    rationale=y.rationale + ["facilitating operation (chapter Y) follows the main procedure"],
                    qualifies=f.code))
    return out, queries, warnings


@dataclass
class _Dx:
    code: str
    primary: bool = False


def _stated_diagnoses(diagnosis_findings) -> list[_Dx]:
    """Affirmed diagnosis findings; the first under a post-operative/final diagnosis heading is primary."""
    order = ("postoperative_diagnosis", "diagnosis", "preoperative_diagnosis")
    affirmed = [f for f in diagnosis_findings if getattr(f, "affirmed", True)]
    stated = sorted((f for f in affirmed if f.section in order),
                    key=lambda f: (order.index(f.section), f.evidence.start))
    out = [_Dx(f.code) for f in affirmed]
    if stated:
        out.insert(0, _Dx(stated[0].code, primary=True))
    return out


def _assignments(f: Finding, classifications, primary: bool) -> list[CodeAssignment]:
    evidence = [f.evidence] + list(f.attributes.get("more_evidence", []))
    title = _title(classifications, f.code)
    rationale = list(f.rationale)
    if primary:
        rationale.append("main procedure (PRule 2): the most resource-intensive procedure, stated first")
    main = CodeAssignment(code=f.code, title=title, primary=primary, score=f.score, evidence=evidence,
                          rationale=rationale, links_to=list(f.attributes.get("links_to", [])))
    out = [main]
    for code in f.supplementary:
        out.append(CodeAssignment(code=code, title=_title(classifications, code), score=f.score,
                                  evidence=evidence, rationale=[_why_supplementary(code, f)], qualifies=f.code))
    return out


def _why_supplementary(code: str, f: Finding) -> str:
    a = f.attributes
    if code.startswith("Z94"):
        return f"Chapter Z laterality of operation: {a.get('laterality')} (from the {a.get('laterality_source')})"
    if code.startswith("Y53"):
        return f"Y53 image control: {a.get('image')} guidance documented and not included in {f.code}"
    if code.startswith(("Y74", "Y75", "Y76", "Y71")):
        return f"Chapter Y approach: {a.get('approach')} approach not stated by {f.code}'s title"
    if code.startswith("Y79"):
        return f"Y79 arterial route: {a.get('artery_access')} artery"
    return f"site code for {f.code} (category needs the site)"


def _queries(f: Finding, classifications) -> list[ClinicianQuery]:
    title = _title(classifications, f.code)
    a = f.attributes
    out = []
    if needs_laterality(f.code, title) and not a.get("laterality"):
        out.append(ClinicianQuery(
            question=f"Which side was the {f.evidence.text.strip()} performed on (right, left or bilateral)?",
            reason="Laterality of a paired organ or limb is not documented: Z94 cannot be assigned",
            code=f.code, evidence=[f.evidence]))
    if "site" in a and a.get("site") is None and f.attributes.get("site_kind"):
        out.append(ClinicianQuery(question=f"Which site was the {f.evidence.text.strip()} performed on?",
                                  reason="the OPCS-4 category needs a site code", code=f.code,
                                  evidence=[f.evidence]))
    if needs_approach_query(f):
        out.append(ClinicianQuery(
            question=f"Was the {f.evidence.text.strip()} done laparoscopically (or robotically) or open?",
            reason="The approach is not documented; most of these operations are minimal access (Y75)",
            code=f.code, evidence=[f.evidence]))
    for prefix, question, reason in detail_queries():
        if f.code.startswith(prefix):
            out.append(ClinicianQuery(question=question.format(text=f.evidence.text.strip()), reason=reason,
                                      code=f.code, evidence=[f.evidence]))
            break
    return out


# Abdominal operations usually done by minimal access: an unstated approach is worth a query.
_USUALLY_MINIMAL_ACCESS = ("J18", "H01", "H02", "G24", "G28", "G30", "G32", "H06", "H07", "H08", "H09", "H10",
                           "H33", "M02", "M03", "M61", "Q07", "Q22", "Q24", "Q35", "J69", "B22")


def needs_approach_query(f: Finding) -> bool:
    """Query the approach when neither the operation nor its description says open or minimal access
    (the Y75 code depends on it)."""
    a = f.attributes
    return (f.code[:3] in _USUALLY_MINIMAL_ACCESS and not a.get("approach")
            and not a.get("described_approaches"))


def _title(classifications, code: str) -> str:
    table = getattr(classifications, "opcs4", None) if classifications is not None else None
    c = table.get(code) if table is not None else None
    return c.title if c is not None else ""
