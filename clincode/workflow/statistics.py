"""Statistics of the coded data for managers and clinicians.

Activity and case mix (ICD-10 chapter of the primary diagnosis, specialty, consultant), coding
depth (mean secondary diagnoses per episode), timeliness (discharge to coded, against the local
target and the national deadline), deaths by primary diagnosis group, the Charlson comorbidity
index, and how often coders accept, amend or reject the engine's codes.

All over finalised episodes discharged in a period; every figure is a ``GROUP BY`` in the
database (the Charlson index included: the Quan mapping is joined as a ``VALUES`` table).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Integer, String, and_, case, column, exists, func, literal, select, union_all, values
from sqlalchemy.orm import Session, aliased

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


def _depth(session: Session, fe, group_col) -> list[tuple[str, int, float]]:
    sec = (select(EpisodeCode.episode_id, func.count().label("n")).where(
        EpisodeCode.stage == "final", EpisodeCode.system == "icd10", EpisodeCode.position > 1)
        .group_by(EpisodeCode.episode_id).subquery("sec"))
    q = (select(group_col, func.count(), func.coalesce(func.sum(sec.c.n), 0))
         .select_from(fe).outerjoin(sec, sec.c.episode_id == fe.c.id).group_by(group_col))
    rows = [(g or "", int(n), round(float(s) / n, 2) if n else 0.0) for g, n, s in session.execute(q)]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def _primary_codes(fe):
    return (select(EpisodeCode.episode_id, func.substr(EpisodeCode.code, 1, 3).label("cat"))
            .where(EpisodeCode.stage == "final", EpisodeCode.system == "icd10", EpisodeCode.position == 1)
            .subquery("pc"))


def charlson_scores(fe) -> "Select":
    """Per episode (with any Charlson condition): its Charlson index, computed in SQL."""
    conditions = charlson_conditions()
    mapping = values(column("key", String), column("cond", String), column("weight", Integer), name="cmap").data(
        [(k, c.name, c.weight) for c in conditions for k in sorted(c.keys)]).cte("cmap")
    codes = (select(EpisodeCode.episode_id, EpisodeCode.code).where(
        EpisodeCode.stage == "final", EpisodeCode.system == "icd10", EpisodeCode.episode_id.in_(select(fe.c.id)))
        .subquery("cc"))
    hits = union_all(
        select(codes.c.episode_id, mapping.c.cond, mapping.c.weight).join(mapping, mapping.c.key == func.substr(codes.c.code, 1, 3)),
        select(codes.c.episode_id, mapping.c.cond, mapping.c.weight).join(mapping, mapping.c.key == func.substr(codes.c.code, 1, 5)),
    ).subquery("hits")
    present = select(hits.c.episode_id, hits.c.cond, hits.c.weight).distinct().subquery("present")
    weights = {c.name: c.weight for c in conditions}
    score = func.sum(present.c.weight)
    for c in conditions:
        if c.supersedes:  # the milder level does not count beside the severe one
            has = lambda name: func.max(case((present.c.cond == name, 1), else_=0))  # noqa: E731
            score = score - case((and_(has(c.name) == 1, has(c.supersedes) == 1), weights[c.supersedes]), else_=0)
    return select(present.c.episode_id, score.label("score")).group_by(present.c.episode_id)


def _timeliness(session: Session, fe, rules: DeadlineRules) -> dict:
    q = (select(uk_day(session, fe.c.discharged).label("d"), uk_day(session, fe.c.finalised_at).label("f"), func.count())
         .select_from(fe).where(fe.c.finalised_at.is_not(None)).group_by("d", "f"))
    n = within_local = within_national = 0
    days = Counter()
    for d, f, count in session.execute(q):
        d, f = as_date(d), as_date(f)
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


def _engine_use(session: Session, fe) -> dict:
    """Accepted (final code from the engine), entered or amended by the coder, rejected (proposed
    codes not in the final coding, and proposals the coder explicitly rejected)."""
    final_sources = dict(session.execute(
        select(EpisodeCode.source, func.count()).where(EpisodeCode.stage == "final",
                                                       EpisodeCode.episode_id.in_(select(fe.c.id)))
        .group_by(EpisodeCode.source)).all())
    f = aliased(EpisodeCode)
    not_kept = session.scalar(
        select(func.count()).select_from(EpisodeCode).where(
            EpisodeCode.stage == "proposed", EpisodeCode.episode_id.in_(select(fe.c.id)),
            ~exists().where(f.episode_id == EpisodeCode.episode_id, f.stage == "final", f.system == EpisodeCode.system,
                            f.code == EpisodeCode.code))) or 0
    rejected_events = session.scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "reject_proposal", AuditEvent.episode_id.in_(select(fe.c.id)))) or 0
    accepted, coder = int(final_sources.get("engine", 0)), int(final_sources.get("coder", 0))
    rejected = int(not_kept) + int(rejected_events)
    proposed = accepted + rejected
    return {"accepted": accepted, "coder_entered": coder, "rejected": rejected,
            "accept_rate": round(100 * accepted / proposed, 1) if proposed else None,
            "amend_share": round(100 * coder / (accepted + coder), 1) if accepted + coder else None}


def statistics_report(session: Session, period: Period, rules: DeadlineRules = DeadlineRules()) -> StatisticsReport:
    fe = _finalised(period)
    total = session.scalar(select(func.count()).select_from(fe)) or 0
    pc = _primary_codes(fe)
    by_cat = Counter()
    for cat, n in session.execute(select(pc.c.cat, func.count()).select_from(fe).join(pc, pc.c.episode_id == fe.c.id)
                                  .group_by(pc.c.cat)):
        by_cat[cat] += n
    chapters = Counter()
    for cat, n in by_cat.items():
        chapters[chapter_of(cat)] += n
    order = [c for c, _, _ in ICD10_CHAPTER_RANGES]
    by_chapter = [(c, CHAPTER_TITLES.get(c, "Unknown"), chapters[c]) for c in order if chapters.get(c)]
    by_specialty = _depth(session, fe, fe.c.specialty)
    by_consultant = _depth(session, fe, fe.c.consultant)
    secondary = sum(n * m for _, n, m in by_specialty)
    deaths_cat = Counter()
    for cat, n in session.execute(select(pc.c.cat, func.count()).select_from(fe).join(pc, pc.c.episode_id == fe.c.id)
                                  .where(fe.c.dm == "4").group_by(pc.c.cat)):
        deaths_cat[cat] += n
    deaths_group = Counter()
    for cat, n in deaths_cat.items():
        deaths_group[chapter_of(cat)] += n
    scores = charlson_scores(fe).subquery("cs")
    bands = {"0": 0, "1-2": 0, "3-4": 0, "5+": 0}
    scored = weighted = 0
    for score, n in session.execute(select(scores.c.score, func.count()).group_by(scores.c.score)):
        bands[charlson_band(int(score))] += n
        scored += n
        weighted += int(score) * n
    bands["0"] += total - scored
    return StatisticsReport(
        period, total, by_chapter, by_specialty, by_consultant, round(secondary / total, 2) if total else 0.0,
        _timeliness(session, fe, rules), sum(deaths_cat.values()),
        sorted(((c, CHAPTER_TITLES.get(c, "Unknown"), n) for c, n in deaths_group.items()), key=lambda t: -t[2]),
        deaths_cat.most_common(10), bands, round(weighted / total, 2) if total else 0.0, _engine_use(session, fe))


def episode_charlson(session: Session, period: Period):
    """(episode id, Charlson index) for every episode in the period with a score above 0."""
    fe = _finalised(period)
    return session.execute(charlson_scores(fe).order_by(column("episode_id"))).all()
