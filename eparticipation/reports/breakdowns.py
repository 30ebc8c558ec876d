"""The report's breakdowns by who answered (S1): each survey question's answers, and the ratings of the
agency's services during the consultation, by stakeholder category, age band, gender and province, with the
report's small-cell suppression (S2).

`breakdowns_of(dbsession, draft, statistics)` adds to the statistics that build_statistics made (and reads
their totals, so that a number the report publishes elsewhere is public here, and one it suppresses is
suppressed here too):

    {"ratings": [table × 4],                      # "ratings_by_D": rows D, columns "measure": ["ratings"]
     "survey": [{"question": id, "tables": [table × 4]}, ...]}   # choice and scale questions only
        # "survey_question_<id>_by_D": rows D, columns "option" ("0", "1", …) or "scale_value" ("1" … "5");
        # a multiple-choice answer counts once per option chosen

Two statements whatever the number of answers: one for the ratings, one for every question (a union of one
leg per question, each grouped by the answer and the respondent's profile). The people are counted as in
the report's participants' tables: their profile now, their age at closing, the agency's own editors and
coordinators as government. `page_data` gives the report page and the PDF their charts and tables
(reports/sections/breakdowns.jinja2)."""

import sqlalchemy as sa

from eparticipation.accounts.models import Role, RoleGrant, StakeholderCategory, User
from eparticipation.feedback.models import Service, ServiceRating
from eparticipation.i18n import _, translate
from eparticipation.reports.presentation import DIMENSION_LABELS, DIMENSION_TITLES, MEASURE_LABELS, bars, label
from eparticipation.reports.statistics import (
    DIMENSIONS,
    Table,
    age_band,
    blank,
    decode,
    protect,
    raw,
    row_index,
    single_column,
)
from eparticipation.surveys.models import SCALE, Question, QuestionKind, Submission, Survey


def profile_columns(draft, reference_year: int) -> list:
    """SQL: the four dimensions of the person in `User`, in DIMENSIONS' order."""
    staff = sa.select(RoleGrant.user_id).where(RoleGrant.agency_id == draft.agency_id,
                                               RoleGrant.role.in_([Role.editor, Role.coordinator]))
    category = sa.case((User.id.in_(staff), sa.literal_column(f"'{StakeholderCategory.government.value}'")),
                       else_=raw(User.stakeholder_category))
    return [category.label("category"), age_band(reference_year).label("age_band"),
            raw(User.gender).label("gender"), User.residence.label("residence")]


def spread(rows, width: int, column_of) -> dict[str, list[list[int]]]:
    """Per dimension, the counts of `rows` ((*profile, key, count)) in cells [dimension row][column_of(key)]."""
    cells = {dimension: blank(keys, width) for dimension, keys in DIMENSIONS.items()}
    indexes = {dimension: row_index(dimension) for dimension in DIMENSIONS}
    for *profile, key, count in rows:
        for dimension, value in zip(DIMENSIONS, profile):
            for column in column_of(key):
                cells[dimension][indexes[dimension].get(value, indexes[dimension][None])][column] += count
    return cells


def breakdowns_of(dbsession, draft, statistics: dict) -> dict:
    k, year = statistics["k"], statistics["age_reference_year"]
    return {"ratings": rating_tables(dbsession, draft, k, year, statistics["totals"].get("ratings")),
            "survey": survey_tables(dbsession, draft, k, year, statistics.get("survey"))}


def rating_tables(dbsession, draft, k: int, year: int, published_total) -> list[dict]:
    """The ratings of the agency's services given during the consultation, by the rater."""
    if draft.opens_at is None or draft.closes_at is None:
        return []
    profile = profile_columns(draft, year)
    rows = dbsession.execute(
        sa.select(*profile, sa.literal_column("0"), sa.func.count())
        .select_from(ServiceRating)
        .join(Service, Service.id == ServiceRating.service_id)
        .join(User, User.id == ServiceRating.user_id)
        .where(Service.agency_id == draft.agency_id, ServiceRating.rated_at >= draft.opens_at,
               ServiceRating.rated_at < draft.closes_at)
        .group_by(*profile)
    ).all()
    cells = spread(rows, 1, lambda key: (0,))
    tables = [single_column(f"ratings_by_{dimension}", dimension, DIMENSIONS[dimension], "ratings",
                            [row[0] for row in cells[dimension]], total_name="ratings") for dimension in DIMENSIONS]
    # The report's own ratings total: what it published is public here, what it suppressed stays so.
    shown, _named = protect(tables, k, hidden=frozenset({"ratings"}) if published_total is None else frozenset(),
                            public_names=frozenset({"ratings"}) if published_total is not None else frozenset())
    return shown


def survey_tables(dbsession, draft, k: int, year: int, survey: dict | None) -> list[dict]:
    """Each choice or scale question's answers by the respondent, protected against the report's own table
    of the question: the options it publishes are public here, those it suppresses stay suppressed."""
    if not survey:
        return []
    questions = dbsession.scalars(
        sa.select(Question).join(Survey, Survey.id == Question.survey_id)
        .where(Survey.draft_id == draft.id, Question.kind != QuestionKind.text)
        .order_by(Question.position, Question.id)
    ).all()
    if not questions:
        return []
    profile = profile_columns(draft, year)
    legs = []
    for question in questions:
        answer = Submission.answers[str(question.id)].as_string()
        legs.append(
            sa.select(*profile, sa.literal_column(str(int(question.id))).label("question"), answer.label("answer"),
                      sa.func.count())
            .select_from(Submission).join(User, User.id == Submission.user_id)
            .where(Submission.survey_id == question.survey_id, answer.is_not(None))
            .group_by(*profile, answer)
        )
    rows = dbsession.execute(sa.union_all(*legs)).all()
    published = {entry["id"]: entry for entry in survey.get("questions", [])}
    found = []
    for question in questions:
        keys = list(SCALE) if question.kind == QuestionKind.scale else list(range(len(question.options)))
        position = {key: n for n, key in enumerate(keys)}

        def columns(answer):
            value = decode(answer)
            return [position[v] for v in (value if isinstance(value, list) else [value]) if v in position]

        mine = [(*row[:4], row[5], row[6]) for row in rows if row[4] == question.id]
        cells = spread(mine, len(keys), columns)
        single = question.kind != QuestionKind.multiple_choice
        names = {f"option_{n}": [("column_total", n)] for n in range(len(keys))}
        if single:  # one answer per respondent: the table's total is the question's respondents
            names["respondents"] = [("total",)]
        hidden, public = question_quantities(published.get(question.id), len(keys), single)
        kind = "scale_value" if question.kind == QuestionKind.scale else "option"
        tables = [Table(f"survey_question_{question.id}_by_{dimension}", dimension, kind, list(DIMENSIONS[dimension]),
                        [str(key) for key in keys], cells[dimension], dict(names)) for dimension in DIMENSIONS]
        shown, _named = protect(tables, k, hidden=hidden, public_names=public)
        found.append({"question": question.id, "tables": shown})
    return found


def question_quantities(published: dict | None, width: int, single: bool) -> tuple[frozenset, frozenset]:
    """The names of the question's quantities that the report suppressed, and of those it published."""
    table = (published or {}).get("table")
    if table is None:
        everything = {f"option_{n}" for n in range(width)} | ({"respondents"} if single else set())
        return frozenset(everything), frozenset()
    hidden, public = set(), set()
    for n, row in enumerate(table["cells"]):
        (hidden if row[0] is None else public).add(f"option_{n}")
    if single:
        (hidden if published.get("respondents") is None else public).add("respondents")
    return frozenset(hidden), frozenset(public)


# --- the report page and the PDF ---------------------------------------------------------------------------


def table_view(request, table: dict, title: str, column_labels: dict | None = None) -> dict:
    """A table as reports/macros.jinja2 draws it (the chart of its first column's totals per row, and the table)."""
    dimension = table["rows"]
    rows = [label(request, dimension, key) for key in table["row_keys"]]
    columns = [column_labels.get(key, key) if column_labels else label(request, table["columns"], key)
               for key in table["column_keys"]]
    return {
        "id": table["id"], "title": title,
        "row_heading": translate(request, DIMENSION_LABELS[dimension]),
        "rows": list(zip(rows, table["cells"], table["row_totals"])),
        "columns": columns,
        "column_totals": table["column_totals"],
        "total": table["total"],
        "has_row_totals": len(table["column_keys"]) > 1,
        # The chart: each row's total (every answer of the group), the table gives each option.
        "bars": bars(rows, table["row_totals"]),
        "chart_measure": translate(request, MEASURE_LABELS["total"]),
    }


def page_data(request, draft, statistics: dict | None) -> dict:
    """The report's breakdown sections, translated: `breakdown_sections` for reports/sections/breakdowns.jinja2."""
    found = (statistics or {}).get("breakdowns")
    if not found:
        return {"breakdown_sections": []}
    language = request.locale_name
    sections = []
    questions = {q.id: q for q in request.dbsession.scalars(
        sa.select(Question).join(Survey).where(Survey.draft_id == draft.id))}
    for entry in found.get("survey", []):
        question = questions.get(entry["question"])
        if question is None:
            continue
        options = ({str(n): text for n, text in enumerate(question.option_labels(language))}
                   if question.kind != QuestionKind.scale else None)
        tables = [table_view(request, table, translate(request, DIMENSION_TITLES[table["rows"]]), options)
                  for table in entry["tables"]]
        sections.append({"id": f"survey-question-{question.id}", "title": question.text(language), "tables": tables})
    if found.get("ratings"):
        sections.append({
            "id": "ratings-by-rater",
            "title": translate(request, _("Ratings of the agency's services during the consultation, by who rated")),
            "tables": [table_view(request, table, translate(request, DIMENSION_TITLES[table["rows"]]))
                       for table in found["ratings"]],
        })
    return {"breakdown_sections": sections}
