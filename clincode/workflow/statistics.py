"""Statistics of the coded data for managers and clinicians.

Activity and case mix (ICD-10 chapter of the primary diagnosis, specialty, consultant), coding
depth (mean secondary diagnoses per episode), timeliness (discharge to coded, against the local
target and the national deadline), deaths by primary diagnosis group, the Charlson comorbidity
index, and how often coders accept, amend or reject the engine's codes.

All over finalised episodes discharged in a period; every figure is a ``GROUP BY`` in the
database (the Charlson index included: one 0/1 column per Quan condition, summed by weight).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Integer, String, and_, case, cast, column, func, literal, or_, select, text, union_all, values
from sqlalchemy.orm import Session

from ..classification.tables import ICD10_CHAPTER_RANGES
from ..store.models import AuditEvent, Episode, EpisodeCode, Spell
from ..web.deadlines import DeadlineRules, local_deadline, national_deadline
from .charlson import charlson_band, charlson_conditions
from .sql import as_date, day_end, day_start, discharged_at, uk_day

CHAPTER_TITLES = {
    "I": "Infectious and parasitic", "II": "Neoplasms", "III": "Blood and immune", "IV": "Endocrine and metabolic",
    "V": "Mental and behavioural", "VI": "Nervous system", "VII": "Eye", "VIII": "Ear", "IX": "Circulatory",
    "X": "Respiratory", "XI": "Digestive", "XII": "Skin", "XIII": "Musculoskeletal", "XIV": "Genitourinary",
    "XV": "Pregnancy and childbirth", "XVI": "Perinatal", "XVII": "Congenital", "XVIII": "Symptoms and signs",
    "XIX": "Injury and poisoning", "XX": "External causes", "XXI": "Factors influencing health", "XXII": "Special purposes",
}


def chapter_of(code: str) -> str:
    """The ICD-10 chapter (Roman numeral) holding a code, '' when none does."""
    cat = (code or "")[:3].upper()
    for numeral, first, last in ICD10_CHAPTER_RANGES:
        if first <= cat <= last:
            return numeral
    return ""


@dataclass
class Period:
    start: date
    end: date  # inclusive
    specialty: str | None = None
    consultant: str | None = None


@dataclass
class StatisticsReport:
    period: Period
    episodes: int
    by_chapter: list[tuple[str, str, int]]  # numeral, title, episodes
    by_specialty: list[tuple[str, int, float]]  # specialty, episodes, mean secondary diagnoses
    by_consultant: list[tuple[str, int, float]]
    mean_secondary: float
    timeliness: dict
    deaths: int
    deaths_by_group: list[tuple[str, str, int]]  # chapter numeral, title, deaths
    deaths_by_category: list[tuple[str, int]]
    charlson_bands: dict[str, int]
    charlson_mean: float
    engine: dict = field(default_factory=dict)


def _finalised(period: Period):
    """The episodes the statistics cover, as a subquery of ids with specialty and consultant."""
    when = discharged_at()
    q = (select(Episode.id.label("id"), func.coalesce(Episode.treatment_function, Episode.main_specialty, "").label("specialty"),
                func.coalesce(Episode.consultant_code, "").label("consultant"), Spell.discharge_method.label("dm"),
                when.label("discharged"), Episode.finalised_at.label("finalised_at"))
         .join(Spell, Spell.id == Episode.spell_id)
         .where(Episode.status == "finalised", when >= day_start(period.start), when < day_end(period.end)))
    if period.specialty:
        q = q.where(func.coalesce(Episode.treatment_function, Episode.main_specialty) == period.specialty)
    if period.consultant:
        q = q.where(Episode.consultant_code == period.consultant)
    return q.subquery("fe")


def _charlson_map():
    """The Quan mapping as a small VALUES table: (key, condition, bit), a key being a 3-character
    category or a dotted subcategory; every key belongs to one condition only, each condition has
    its own bit."""
    rows = [(k, c.name, 1 << i) for i, c in enumerate(charlson_conditions()) for k in sorted(c.keys)]
    return values(column("key", String), column("cond", String), column("bit", Integer), name="charlson_map").data(rows)


def charlson_score(columns) -> "ColumnElement":
    """The Charlson index from the code facts' Charlson columns (a ``cmask`` of condition bits on
    PostgreSQL, else 0/1 ``cc_<condition>`` columns): the weights of the conditions present, less
    the milder level where its severe level is present too."""
    conditions = charlson_conditions()
    if hasattr(columns, "cmask"):
        mask = func.coalesce(columns.cmask, 0)
        col = {c.name: case((mask.op("&")(1 << i) != 0, 1), else_=0) for i, c in enumerate(conditions)}
    else:
        col = {c.name: func.coalesce(getattr(columns, f"cc_{c.name}"), 0) for c in conditions}
    weight = {c.name: c.weight for c in conditions}
    score = sum((col[c.name] * c.weight for c in conditions), literal(0))
    for c in conditions:
        if c.supersedes:
            score = score - col[c.name] * col[c.supersedes] * weight[c.supersedes]
    return score


def _code_facts(session: Session):
    """One row per episode from ONE pass over its final codes: primary diagnosis category, number
    of secondary diagnoses, codes chosen from the engine's proposal / typed by the coder, and the
    Charlson conditions present (the code's category or subcategory joined to the map). PostgreSQL
    ORs one bit per condition (``bit_or``: one aggregate instead of seventeen); SQLite, which has
    no ``bit_or``, keeps a 0/1 column per condition."""
    ec = EpisodeCode
    icd = ec.system == "icd10"
    cmap = _charlson_map().cte("charlson_map")
    m3, m5 = cmap.alias("m3"), cmap.alias("m5")
    if session.get_bind().dialect.name == "postgresql":
        charlson = [func.bit_or(func.coalesce(m3.c.bit, 0).op("|")(func.coalesce(m5.c.bit, 0))).label("cmask")]
    else:
        charlson = [func.max(case((or_(m3.c.cond == c.name, m5.c.cond == c.name), 1), else_=0)).label(f"cc_{c.name}")
                    for c in charlson_conditions()]
    return select(
        ec.episode_id.label("eid"),
        func.max(case((and_(icd, ec.position == 1), func.substr(ec.code, 1, 3)))).label("pcat"),
        func.sum(case((and_(icd, ec.position > 1), 1), else_=0)).label("nsec"),
        func.sum(case((ec.source == "engine", 1), else_=0)).label("n_engine"),
        func.sum(case((ec.source == "coder", 1), else_=0)).label("n_coder"),
        *charlson,
    ).select_from(ec).outerjoin(m3, and_(m3.c.key == func.substr(ec.code, 1, 3), icd)).outerjoin(
        m5, and_(m5.c.key == func.substr(ec.code, 1, 5), icd)).where(ec.stage == "final").group_by(
        ec.episode_id).subquery("codefacts")


def no_jit(session: Session) -> None:
    """Report settings for this transaction on PostgreSQL: no JIT (it compiles these one-off
    queries for longer than they run, ~0.4 s) and enough work memory for the per-episode
    aggregates to stay in memory (4 MB by default spills them to disk)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL work_mem = '64MB'"))


def _summary(session: Session, fe) -> dict[str, list[tuple]]:
    """Every grouped figure but timeliness in one statement: the period's episodes joined once to
    their code facts (one pass over the codes, GROUP BY episode) in a materialised CTE, which is
    then grouped several ways. Proposed codes not kept = the episode's proposed codes less its
    final codes taken from the proposal (source 'engine'), never below 0."""
    no_jit(session)
    cf = _code_facts(session)
    pc = (select(EpisodeCode.episode_id.label("eid"), func.count().label("n")).where(EpisodeCode.stage == "proposed")
          .group_by(EpisodeCode.episode_id).subquery("proposed"))
    proposed, engine = func.coalesce(pc.c.n, 0), func.coalesce(cf.c.n_engine, 0)
    day_pair = cast(uk_day(session, fe.c.discharged), String).concat(" ").concat(
        cast(uk_day(session, fe.c.finalised_at), String))
    ep = (select(fe.c.id, fe.c.specialty, fe.c.consultant, fe.c.dm, cf.c.pcat, day_pair.label("days"),
                 func.coalesce(cf.c.nsec, 0).label("nsec"), func.coalesce(cf.c.n_engine, 0).label("n_engine"),
                 func.coalesce(cf.c.n_coder, 0).label("n_coder"),
                 case((proposed > engine, proposed - engine), else_=0).label("n_not_kept"),
                 charlson_score(cf.c).label("score"))
          .select_from(fe).outerjoin(cf, cf.c.eid == fe.c.id).outerjoin(pc, pc.c.eid == fe.c.id)
          .cte("ep").prefix_with("MATERIALIZED"))

    def branch(kind: str, key, n, total):
        keyed = func.coalesce(cast(key, String), "") if key is not None else literal("")
        q = select(literal(kind).label("kind"), keyed.label("k"), n.label("n"), total.label("s")).select_from(ep)
        return q.group_by(key) if key is not None else q

    dead = func.sum(case((ep.c.dm == "4", 1), else_=0))
    rows = session.execute(union_all(
        branch("specialty", ep.c.specialty, func.count(), func.sum(ep.c.nsec)),
        branch("consultant", ep.c.consultant, func.count(), func.sum(ep.c.nsec)),
        branch("category", ep.c.pcat, func.count(), dead),
        branch("charlson", ep.c.score, func.count(), func.sum(ep.c.score)),
        branch("engine", None, func.coalesce(func.sum(ep.c.n_engine), 0), func.coalesce(func.sum(ep.c.n_coder), 0)),
        branch("not_kept", None, func.coalesce(func.sum(ep.c.n_not_kept), 0), func.count()),
        branch("timeliness", ep.c.days, func.count(), func.count()),
    )).all()
    out: dict[str, list[tuple]] = {}
    for kind, key, n, total in rows:
        out.setdefault(kind, []).append((key or "", int(n or 0), int(total or 0)))
    return out


def _depth_rows(rows: list[tuple]) -> list[tuple[str, int, float]]:
    return sorted(((k, n, round(t / n, 2) if n else 0.0) for k, n, t in rows), key=lambda r: (-r[1], r[0]))


def _timeliness(pairs: list[tuple], rules: DeadlineRules) -> dict:
    """From (discharge day, coded day, episodes) groups: coded within the local target and before
    the national deadline, and the days it took (median and mean)."""
    n = within_local = within_national = 0
    days = Counter()
    for d, f, count in pairs:
        n += count
        within_local += count if f <= local_deadline(d, rules) else 0
        within_national += count if f <= national_deadline(d, rules) else 0
        days[max(0, (f - d).days)] += count
    median = _median_from_counts(days, n)
    return {"coded": n, "within_local": within_local, "within_national": within_national,
            "pct_local": round(100 * within_local / n, 1) if n else None,
            "pct_national": round(100 * within_national / n, 1) if n else None,
            "median_days": median, "mean_days": round(sum(k * v for k, v in days.items()) / n, 1) if n else None,
            "distribution": sorted(days.items())}


def _median_from_counts(counts: Counter, n: int) -> float | None:
    if not n:
        return None
    seen, half = 0, (n + 1) / 2
    for value in sorted(counts):
        seen += counts[value]
        if seen >= half:
            return float(value)
    return None


def statistics_report(session: Session, period: Period, rules: DeadlineRules = DeadlineRules()) -> StatisticsReport:
    fe = _finalised(period)
    g = _summary(session, fe)
    by_specialty, by_consultant = _depth_rows(g.get("specialty", [])), _depth_rows(g.get("consultant", []))
    total = sum(n for _, n, _ in g.get("specialty", []))
    chapters, deaths_group, deaths_cat = Counter(), Counter(), Counter()
    for cat, n, dead in g.get("category", []):
        if cat:
            chapters[chapter_of(cat)] += n
            deaths_group[chapter_of(cat)] += dead
            if dead:
                deaths_cat[cat] += dead
    order = [c for c, _, _ in ICD10_CHAPTER_RANGES]
    by_chapter = [(c, CHAPTER_TITLES.get(c, "Unknown"), chapters[c]) for c in order if chapters.get(c)]
    bands = {"0": 0, "1-2": 0, "3-4": 0, "5+": 0}
    weighted = 0
    for score, n, _ in g.get("charlson", []):
        bands[charlson_band(int(score or 0))] += n
        weighted += int(score or 0) * n
    engine_row = (g.get("engine") or [("", 0, 0)])[0]
    not_kept = (g.get("not_kept") or [("", 0, 0)])[0][1]  # proposed codes that did not become final
    rejected_events = session.scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "reject_proposal", AuditEvent.episode_id.in_(select(fe.c.id)))) or 0
    accepted, coder, rejected = engine_row[1], engine_row[2], not_kept + int(rejected_events)
    engine = {"accepted": accepted, "coder_entered": coder, "rejected": rejected,
              "accept_rate": round(100 * accepted / (accepted + rejected), 1) if accepted + rejected else None,
              "amend_share": round(100 * coder / (accepted + coder), 1) if accepted + coder else None}
    secondary = sum(t for _, _, t in g.get("specialty", []))
    timely = []
    for pair, n, _ in g.get("timeliness", []):
        if pair and " " in pair:  # an episode finalised without a finalised time has no pair
            d, f = pair.split(" ", 1)
            timely.append((as_date(d), as_date(f), n))
    return StatisticsReport(
        period, total, by_chapter, by_specialty, by_consultant, round(secondary / total, 2) if total else 0.0,
        _timeliness(timely, rules), sum(deaths_group.values()),
        sorted(((c, CHAPTER_TITLES.get(c, "Unknown"), n) for c, n in deaths_group.items() if n), key=lambda t: -t[2]),
        deaths_cat.most_common(10), bands, round(weighted / total, 2) if total else 0.0, engine)


def episode_charlson(session: Session, period: Period):
    """(episode id, Charlson index) for every episode of the period with an index above 0."""
    no_jit(session)
    fe = _finalised(period)
    cf = _code_facts(session)
    score = charlson_score(cf.c)
    q = (select(cf.c.eid, score.label("score")).select_from(cf).join(fe, fe.c.id == cf.c.eid)
         .where(score > 0).order_by(cf.c.eid))
    return session.execute(q).all()
