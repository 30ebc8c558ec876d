"""The API's reads: SQLAlchemy Core selects of the columns an answer shows, keyset-paged on indexed columns, each
list in one statement whatever its length. Nothing personal is selected beyond a participant's public display
name, and that only for comments not sent anonymously; nothing a moderator hid, nothing withdrawn."""

import base64
import binascii
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from eparticipation.accounts.models import User
from eparticipation.agencies.models import Agency
from eparticipation.consultations.models import ConsultedArticle, Article, Draft, DraftText, State
from eparticipation.consultations.services import Filters, filtered
from eparticipation.participation.models import Comment, CommentState, Vote, VoteChoice
from eparticipation.responses.models import ResponseComment, ResponseRevision

PAGE_SIZE = 20
PAGE_SIZE_MAX = 100

# The orders of the consultations: the listing's (newest opened first), and by last change (oldest first), for
# clients that keep a copy. Each is keyset-paged on an index: (listed_at, id) and (updated_at, id).
CONSULTATION_SORTS = {
    "-postedDate": (Draft.listed_at, True),
    "lastModifiedDate": (Draft.updated_at, False),
}
DEFAULT_CONSULTATION_SORT = "-postedDate"
COMMENTS_SORT = "postedDate"


class BadCursor(ValueError):
    pass


def encode_cursor(sort: str, moment: datetime, row_id: int) -> str:
    """Opaque to clients: where the next page starts, and for which order."""
    text = f"{sort}|{moment.astimezone(timezone.utc).isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[datetime, int]:
    """The (moment, id) of a cursor this API gave out for `sort`; BadCursor for any other text."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        given_sort, moment, row_id = text.split("|")
        moment, row_id = datetime.fromisoformat(moment), int(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadCursor(cursor) from None
    if given_sort != sort or moment.tzinfo is None or not (0 < row_id < 2**31) or not cursor.isascii():
        raise BadCursor(cursor)
    return moment, row_id


def after_cursor(key, id_column, cursor, descending: bool):
    """Rows after the cursor in the order (key, id): a row value, which the (key, id) index bounds."""
    moment, row_id = cursor
    bound, start = sa.tuple_(key, id_column), sa.tuple_(sa.literal(moment, key.type), sa.literal(row_id))
    return bound < start if descending else bound > start


@dataclass
class Page:
    rows: list
    next_cursor: str | None


def page_of(rows, page_size: int, sort: str, key_name: str) -> Page:
    if len(rows) <= page_size:
        return Page(rows, None)
    rows = rows[:page_size]
    return Page(rows, encode_cursor(sort, getattr(rows[-1], key_name), rows[-1].id))


# --- agencies -------------------------------------------------------------------------------------------------


# Each statement's fixed part is built once (building a select of aliased tables costs more than running it on an
# index); a request adds only its own conditions.


@lru_cache(maxsize=1)
def agencies_statement():
    parent = aliased(Agency)
    return (sa.select(Agency.id, Agency.code, Agency.name_fa, Agency.name_en, parent.code.label("parent_code"))
            .outerjoin(parent, parent.id == Agency.parent_id).order_by(Agency.code))


def agencies(connection) -> list:
    return connection.execute(agencies_statement()).all()


# --- consultations --------------------------------------------------------------------------------------------


def text_columns(languages, *fields):
    """One outer join of draft_texts per language (unique on draft_id, language), its `fields` labelled
    <field>_<language>."""
    joins, columns = [], []
    for language in languages:
        text = aliased(DraftText, name=f"text_{language}")
        joins.append((text, sa.and_(text.draft_id == Draft.id, text.language == language)))
        columns += [getattr(text, field).label(f"{field}_{language}") for field in fields]
    return joins, columns


CONSULTATION_LIST_COLUMNS = (
    Draft.id, Draft.document_type, Draft.subject, Draft.state, Agency.code.label("agency_code"), Draft.listed_at, Draft.opens_at,
    Draft.closes_at, Draft.closed_at, Draft.published_at, Draft.updated_at,
    Draft.withdrawal_reason.is_not(None).label("withdrawn"),
)


@lru_cache(maxsize=16)
def consultations_statement(languages: tuple, fields: tuple):
    """The opened consultations with their agency's code and their texts' `fields` in each language."""
    joins, texts = text_columns(languages, *fields)
    query = sa.select(*CONSULTATION_LIST_COLUMNS, *texts).join(Agency, Agency.id == Draft.agency_id)
    for text, on in joins:
        query = query.outerjoin(text, on)
    return query.where(Draft.state != State.draft)


def consultations(connection, languages, filters: Filters, now, sort: str, cursor, page_size: int,
                  updated_since: datetime | None) -> Page:
    query = filtered(consultations_statement(tuple(languages), ("title",)), filters, now, connection.dialect.name)
    if updated_since is not None:
        query = query.where(Draft.updated_at >= updated_since)
    key, descending = CONSULTATION_SORTS[sort]
    if cursor is not None:
        query = query.where(after_cursor(key, Draft.id, cursor, descending))
    order = (key.desc(), Draft.id.desc()) if descending else (key.asc(), Draft.id.asc())
    rows = connection.execute(query.order_by(*order).limit(page_size + 1)).all()
    return page_of(rows, page_size, sort, key.key)


def consultation(connection, languages, draft_id: int):
    query = consultations_statement(tuple(languages), ("title", "summary", "call"))
    return connection.execute(query.where(Draft.id == draft_id)).one()


def last_change(connection):
    """When the latest change to any consultation was (the index on updated_at answers it)."""
    return connection.execute(last_change_statement()).scalar()


@lru_cache(maxsize=1)
def last_change_statement():
    return sa.select(sa.func.max(Draft.updated_at))


ARTICLE_FIELDS = ("number", "position", "chapter", "heading", "text", "notes")


def articles(connection, draft_id: int, published: bool) -> tuple[list, list | None]:
    """The text put to consultation, and the final text once published (before, the final text is the agency's
    work in progress), in one statement."""
    consulted = sa.select(sa.literal("consulted").label("text_kind"),
                          *(getattr(ConsultedArticle, f) for f in ARTICLE_FIELDS)) \
        .where(ConsultedArticle.draft_id == draft_id)
    query = consulted
    if published:
        final = sa.select(sa.literal("final"), *(getattr(Article, f) for f in ARTICLE_FIELDS)) \
            .where(Article.draft_id == draft_id)
        query = sa.union_all(consulted, final)
    rows = connection.execute(query.order_by(sa.text("text_kind"), sa.text("position"))).all()
    texts = {"consulted": [], "final": [] if published else None}
    for row in rows:
        texts[row.text_kind].append(row)
    return texts["consulted"], texts["final"]


# --- comments -------------------------------------------------------------------------------------------------


COMMENT_COLUMNS = (
    Comment.id, Comment.body, Comment.anonymous, Comment.organisation_name, Comment.organisation_kind,
    Comment.support_count, Comment.by_agency_staff, Comment.created_at, Comment.updated_at,
    # The public name, never for a comment sent anonymously (the database leaves it out, not the serialiser).
    sa.case((Comment.anonymous, sa.null()), else_=User.display_name).label("display_name"),
    ConsultedArticle.number.label("article_number"),
)
RESPONSE_COLUMNS = (
    ResponseComment.response_id, ResponseRevision.decision, ResponseRevision.reason,
    ResponseRevision.legal_basis_law, ResponseRevision.legal_basis_article, ResponseRevision.written_at,
)


@lru_cache(maxsize=2)
def comments_statement(with_responses: bool):
    query = (
        sa.select(*COMMENT_COLUMNS, *(RESPONSE_COLUMNS if with_responses else ()))
        .join(User, User.id == Comment.author_id)
        .outerjoin(ConsultedArticle, ConsultedArticle.id == Comment.article_id)
        .where(Comment.state == CommentState.visible)
    )
    if with_responses:
        latest = aliased(ResponseRevision)
        newest_number = (
            sa.select(sa.func.max(latest.number)).where(latest.response_id == ResponseComment.response_id)
            .correlate_except(latest).scalar_subquery()
        )
        query = query.outerjoin(ResponseComment, ResponseComment.comment_id == Comment.id).outerjoin(
            ResponseRevision, sa.and_(ResponseRevision.response_id == ResponseComment.response_id,
                                      ResponseRevision.number == newest_number))
    return query


def comments(connection, draft_id: int, with_responses: bool, cursor, page_size: int) -> Page:
    """A page of the visible comments, oldest first, each with its response's latest wording once the outcome is
    published (the responses are public only then): one statement, on the (draft_id, created_at, id) index."""
    query = comments_statement(with_responses).where(Comment.draft_id == draft_id)
    if cursor is not None:
        query = query.where(after_cursor(Comment.created_at, Comment.id, cursor, descending=False))
    rows = connection.execute(
        query.order_by(Comment.created_at.asc(), Comment.id.asc()).limit(page_size + 1)
    ).all()
    return page_of(rows, page_size, COMMENTS_SORT, "created_at")


# --- tallies --------------------------------------------------------------------------------------------------


def tally(connection, draft_id: int) -> tuple[dict, list]:
    """The votes for each choice, and the visible comments on the whole draft and on each consulted article."""
    votes = dict(connection.execute(
        sa.select(Vote.choice, sa.func.count(Vote.id)).where(Vote.draft_id == draft_id).group_by(Vote.choice)
    ).all())
    counted = (
        sa.select(Comment.article_id, sa.func.count(Comment.id).label("comments"))
        .where(Comment.draft_id == draft_id, Comment.state == CommentState.visible)
        .group_by(Comment.article_id).subquery()
    )
    per_article = connection.execute(
        sa.select(ConsultedArticle.number, ConsultedArticle.position, counted.c.comments)
        .select_from(counted).outerjoin(ConsultedArticle, ConsultedArticle.id == counted.c.article_id)
        .order_by(ConsultedArticle.position.is_not(None), ConsultedArticle.position)
    ).all()
    return {choice: votes.get(choice, 0) for choice in VoteChoice}, per_article
