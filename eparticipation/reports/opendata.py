"""Open data of a report: the aggregate tables (CSV, long format) and the public comments with their responses
(CSV and JSON). Nothing personal beyond the public display name (or "anonymous")."""

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from eparticipation.accounts.models import User
from eparticipation.consultations.models import ConsultedArticle, Draft
from eparticipation.participation.models import Comment, CommentState
from eparticipation.responses.models import ResponseComment, ResponseRevision

COMMENT_FIELDS = ["comment_id", "article", "author", "anonymous", "organisation", "organisation_kind", "body",
                  "written_at", "response_id", "decision", "reason", "legal_basis_law", "legal_basis_article"]


TABLE_FIELDS = ["table", "row", "column", "value", "table_fa", "table_en", "row_fa", "row_en", "column_fa",
                "column_en"]


def table_rows(statistics: dict, words):
    """Every published cell as (table, row, column, value) in codes, then the words of the table, the row and
    the column in Persian and in English (`words`: presentation.bilingual_words); a suppressed cell's value
    is empty."""
    for table in statistics.get("tables", []):
        for row_key, cells in zip(table["row_keys"], table["cells"]):
            for column_key, value in zip(table["column_keys"], cells):
                yield table["id"], row_key, column_key, "" if value is None else value, *words(table, row_key,
                                                                                             column_key)
        for column_key, value in zip(table["column_keys"], table.get("column_totals") or []):
            yield table["id"], "total", column_key, "" if value is None else value, *words(table, "total", column_key)
    meta = {"id": "meta"}
    yield "meta", "suppression_threshold", "k", statistics.get("k"), *words(meta, "suppression_threshold", "k")


def codebook(statistics: dict, words) -> list[dict]:
    """For report.json: each table's title and the words of its row and column codes, in Persian and English."""
    book = []
    for table in statistics.get("tables", []):
        if not table["row_keys"] or not table["column_keys"]:
            continue
        first_row, first_column = table["row_keys"][0], table["column_keys"][0]
        title_fa, title_en = words(table, first_row, first_column)[:2]
        book.append({
            "table": table["id"],
            "title": {"fa": title_fa, "en": title_en},
            "rows": {str(key): dict(zip(("fa", "en"), words(table, key, first_column)[2:4]))
                     for key in [*table["row_keys"], "total"]},
            "columns": {str(key): dict(zip(("fa", "en"), words(table, first_row, key)[4:6]))
                        for key in table["column_keys"]},
        })
    return book


def public_comments(dbsession, draft: Draft):
    """The visible comments, oldest first, each with its response's latest wording (one statement)."""
    latest = aliased(ResponseRevision)
    newest_number = (
        sa.select(sa.func.max(latest.number)).where(latest.response_id == ResponseComment.response_id)
        .correlate_except(latest).scalar_subquery()
    )
    rows = dbsession.execute(
        sa.select(Comment.id, ConsultedArticle.number, User.display_name, Comment.anonymous,
                  Comment.organisation_name, Comment.organisation_kind, Comment.body, Comment.created_at,
                  ResponseComment.response_id, ResponseRevision.decision, ResponseRevision.reason,
                  ResponseRevision.legal_basis_law, ResponseRevision.legal_basis_article)
        .join(User, User.id == Comment.author_id)
        .outerjoin(ConsultedArticle, ConsultedArticle.id == Comment.article_id)
        .outerjoin(ResponseComment, ResponseComment.comment_id == Comment.id)
        .outerjoin(ResponseRevision, sa.and_(ResponseRevision.response_id == ResponseComment.response_id,
                                             ResponseRevision.number == newest_number))
        .where(Comment.draft_id == draft.id, Comment.state == CommentState.visible)
        .order_by(Comment.id)
        .execution_options(yield_per=1000)
    )
    for row in rows:
        (comment_id, article, name, anonymous, organisation, kind, body, written_at, response_id, decision, reason,
         law, law_article) = row
        yield {
            "comment_id": comment_id, "article": article or "", "author": None if anonymous else name,
            "anonymous": anonymous, "organisation": organisation, "organisation_kind": kind.value if kind else None,
            "body": body, "written_at": written_at.isoformat(), "response_id": response_id,
            "decision": decision.value if decision else None, "reason": reason, "legal_basis_law": law,
            "legal_basis_article": law_article,
        }
