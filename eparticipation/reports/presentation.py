"""How the report's codes read in each language: the statistics are stored as codes (age bands, genders,
provinces, categories, articles, decisions), so one stored report is shown in fa and in en."""

from dataclasses import dataclass

from eparticipation.accounts.schemas import GENDER_LABELS, STAKEHOLDER_LABELS
from eparticipation.geography import ABROAD, UNDISCLOSED, provinces
from eparticipation.i18n import _, localize_digits, reader_in, translate
from eparticipation.responses.schemas import DECISION_LABELS

AGE_BAND_LABELS = {
    "under_18": _("Under 18"),
    # "18 to 24" rather than "18–24": digits around a dash swap places in a right-to-left line.
    **{f"{low}_{high}": _("${low} to ${high}", mapping={"low": low, "high": high})
       for low, high in ((18, 24), (25, 34), (35, 44), (45, 54), (55, 64))},
    "65_plus": _("65 and over"),
}
VOTE_LABELS = {"support": _("Support"), "oppose": _("Oppose"), "abstain": _("Abstain")}
NOT_GIVEN = _("Not given")
MEASURE_LABELS = {
    "participants": _("Participants"),
    "comments": _("Comments"),
    "draft_comments": _("Comments on the whole draft"),
    "article_comments": _("Comments on articles"),
    "campaign_comments": _("Comments sent by many with the same text"),
    "campaigns": _("Texts sent by many"),
    "supports": _("Supports of comments"),
    "votes": _("Votes"),
    "survey_submissions": _("Survey answers"),
    "ratings": _("Service ratings"),
    "average": _("Average score"),
    "count": _("Number"),
    "support_share": _("Support among commenters who voted"),
    "oppose_share": _("Opposition among commenters who voted"),
    "total": _("Total"),
}
TARGET_LABELS = {"draft": _("On the whole draft"), "article": _("On an article")}
MEASURE_LABELS["answers"] = _("Answers")
DIMENSION_TITLES = {
    "stakeholder_category": _("by category"),
    "age_band": _("by age"),
    "gender": _("by gender"),
    "province": _("by province"),
}
TABLE_TITLES = {
    "participants": _("Participants ${by}"),
    "comments": _("Comments ${by}"),
    "supports": _("Supports of comments ${by}"),
    "votes": _("Votes ${by}"),
}
FIXED_TITLES = {
    "comments_by_article": _("Comments per article"),
    "author_votes_by_article": _("How the authors of each article's comments voted on the draft"),
    "ratings_by_service": _("Ratings of the agency's services during the consultation"),
    "responses_by_decision": _("The agency's responses, by decision"),
    "participants_by_age_band_gender": _("Participants by age and gender"),
}
DIMENSION_LABELS = {
    "age_band": _("Age"),
    "gender": _("Gender"),
    "province": _("Province"),
    "stakeholder_category": _("Category"),
    "article": _("Article"),
    "vote": _("Vote"),
    "decision": _("Decision"),
    "service": _("Service"),
    "option": _("Answer"),
    "score": _("Score"),
    "measure": _("Measure"),
    "comment_target": _("About"),
    "scale_value": _("Score"),
}


def table_title(request, table_id: str):
    """The title of a table of build_statistics(), by its id."""
    if table_id in FIXED_TITLES:
        return translate(request, FIXED_TITLES[table_id])
    measure, _sep, dimension = table_id.partition("_by_")
    if measure in TABLE_TITLES and dimension in DIMENSION_TITLES:
        return translate(request, _(TABLE_TITLES[measure], mapping={"by": translate(request, DIMENSION_TITLES[dimension])}))
    return table_id


def label(request, dimension: str, key, draft=None, extra: dict | None = None) -> str:
    """The words for one row or column key of a table."""
    language = request.locale_name
    key = "" if key is None else str(key)
    if extra and key in extra:
        return extra[key]
    if key == UNDISCLOSED:
        return translate(request, NOT_GIVEN)
    labels = {
        "comment_target": TARGET_LABELS,
        "age_band": AGE_BAND_LABELS,
        "gender": GENDER_LABELS,
        "stakeholder_category": STAKEHOLDER_LABELS,
        "vote": VOTE_LABELS,
        "decision": DECISION_LABELS,
        "measure": MEASURE_LABELS,
    }.get(dimension, MEASURE_LABELS if key in MEASURE_LABELS else {})
    for candidate, text in labels.items():
        if str(candidate) == key:
            return localize_digits(translate(request, text), language)
    if dimension == "province":
        if key == ABROAD:
            return translate(request, _("Abroad"))
        found = next((p for p in provinces() if p.code == key), None)
        return found.name(language) if found else key
    if dimension == "article":
        if key in ("", "draft"):
            return translate(request, _("The whole draft"))
        return translate(request, _("Article ${number}", mapping={"number": localize_digits(key, language)}))
    if dimension in ("score", "scale_value"):
        return localize_digits(key, language)
    return key


# The open data's own row (opendata.table_rows): the suppression threshold the tables were published with.
META_WORDS = {
    "meta": _("About these tables"),
    "suppression_threshold": _("Counts below this are not published, to protect the people counted"),
    "k": _("Threshold"),
}


def bilingual_words(registry, draft, services, languages=("fa", "en")):
    """`words(table, row, column)`: the table's title, the row's and the column's labels in each of
    `languages`, as (table_fa, table_en, row_fa, row_en, column_fa, column_en) for the open data's CSV.
    `services` are the agency's, whose ids are the rows of the ratings' table."""
    readers = {language: reader_in(registry, language) for language in languages}
    service_names = {language: {str(s.id): s.name(language) for s in services} for language in languages}

    def words(table: dict, row_key, column_key) -> list[str]:
        if table["id"] == "meta":
            meta = (table["id"], row_key, column_key)
            return [translate(readers[language], META_WORDS[key]) for key in meta for language in languages]
        dimension = table.get("rows", "")
        titles = [table_title(readers[language], table["id"]) for language in languages]
        rows = [translate(readers[language], MEASURE_LABELS["total"]) if row_key == "total"
                else label(readers[language], dimension, row_key, draft, service_names[language] if dimension ==
                           "service" else None) for language in languages]
        columns = [label(readers[language], table.get("columns", "measure"), column_key, draft)
                   for language in languages]
        return [*titles, *rows, *columns]

    return words


@dataclass
class Bar:
    label: str
    value: int | None  # None: suppressed
    width: float  # share of the longest bar, 0..1


def bars(labels: list[str], values: list) -> list[Bar]:
    numbers = [v for v in values if isinstance(v, (int, float))]
    largest = max(numbers, default=0) or 1
    return [Bar(text, value, (value / largest) if isinstance(value, (int, float)) else 0.0)
            for text, value in zip(labels, values)]
