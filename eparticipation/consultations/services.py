"""Rules about drafts that views and scripts share: the search index, the listing query, the importer's
result turned into articles, and the clock's tick."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eparticipation.accounts.models import Role
from eparticipation.consultations.models import Article, DocumentType, Draft, State, Subject
from eparticipation import search
from eparticipation.security import effective_grants
from eparticipation.text import normalise

PAGE_SIZE = 20


def refresh_search_text(draft: Draft):
    """Keep the normalised text that search looks in: titles, summaries, calls and articles, all languages."""
    parts = []
    for text in draft.texts.values():
        parts += [text.title, text.summary, text.call]
    for article in draft.articles:
        parts += [article.chapter or "", article.heading, article.text, *article.notes]
    draft.search_text = normalise("\n".join(part for part in parts if part))


def record_change(request, draft: Draft, action: str, **after):
    """After an edit of a draft's texts, articles or files: when it changed, what search finds in it, and the
    audit log's entry (R4)."""
    from eparticipation.audit import record

    draft.updated_at = request.now
    refresh_search_text(draft)
    record(request, action, draft, draft=draft, after=after or None)


def articles_from_import(result) -> list[Article]:
    return [
        Article(number=a.number, position=position, chapter=a.chapter, heading=a.heading, text=a.text,
                notes=list(a.notes))
        for position, a in enumerate(result.articles, start=1)
    ]


@dataclass
class Filters:
    agency: str = ""
    document_type: str = ""
    subject: str = ""
    state: str = ""
    open_now: bool = False
    closing_soon: bool = False
    q: str = ""
    # The keyset cursor of the last draft of the previous page: "<listed_at ISO>_<id>", or with a search (ranked)
    # "<score>_<id>".
    after: str = ""

    @classmethod
    def from_params(cls, params):
        return cls(
            agency=params.get("agency", "")[:32],
            document_type=params.get("type", "") if params.get("type", "") in DocumentType.__members__ else "",
            subject=params.get("subject", "") if params.get("subject", "") in Subject.__members__ else "",
            state=params.get("state", "") if params.get("state", "") in State.__members__ else "",
            open_now=params.get("open") == "1",
            closing_soon=params.get("closing") == "1",
            q=params.get("q", "")[:200],
            after=params.get("after", "")[:80],
        )

    @property
    def search(self) -> search.Search:
        return search.Search.of(self.q)


def visible_drafts(request):
    """Drafts this user may see: every opened one, and unopened ones of their agencies (all for auditors)."""
    grants = effective_grants(request)
    if any(g.role == Role.auditor for g in grants):
        return sa.true()
    staff_of = [g.agency_id for g in grants if g.agency_id is not None]
    return sa.or_(Draft.state != State.draft, Draft.agency_id.in_(staff_of))


def sees_unopened_drafts(request) -> bool:
    """Whether the listing may offer drafts not yet opened: to auditors and to the staff of an agency."""
    grants = effective_grants(request)
    return any(g.role == Role.auditor or g.agency_id is not None for g in grants)


@dataclass
class Listing:
    drafts: list[Draft]
    next_cursor: str | None
    search: search.Search
    snippets: dict  # draft id -> the text around what was searched for (Markup)


def list_drafts(request, filters: Filters) -> Listing:
    """One page of the listing, keyset-paged so that deep pages cost what the first does: newest first, or, with
    words to search for, the best matches first."""
    wanted = filters.search
    query = (
        sa.select(Draft)
        .where(visible_drafts(request))
        .options(selectinload(Draft.texts))
        .limit(PAGE_SIZE + 1)
    )
    dialect = search.dialect_of(request.dbsession)
    query = filtered(query, filters, request.now, dialect, with_search=False)
    if wanted.usable:
        return searched_drafts(request, query, wanted, filters.after, dialect)
    query = query.order_by(Draft.listed_at.desc(), Draft.id.desc())
    cursor = parse_cursor(filters.after)
    if cursor:
        listed_at, draft_id = cursor
        query = query.where(
            sa.or_(Draft.listed_at < listed_at, sa.and_(Draft.listed_at == listed_at, Draft.id < draft_id))
        )
    drafts = request.dbsession.scalars(query).unique().all()
    next_cursor = None
    if len(drafts) > PAGE_SIZE:
        drafts = drafts[:PAGE_SIZE]
        last = drafts[-1]
        next_cursor = f"{last.listed_at.isoformat()}_{last.id}"
    return Listing(drafts, next_cursor, wanted, {})


def searched_drafts(request, query, wanted: search.Search, after: str, dialect: str) -> Listing:
    query, score = search.ranked(query, search.drafts_index(), wanted, dialect)
    query = search.ordered(query.add_columns(score), score, Draft.id, search.parse_cursor(after))
    with search.on_the_index(request.dbsession, wanted):
        rows = request.dbsession.execute(query).unique().all()
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        next_cursor = search.cursor_of(rows[-1][1], rows[-1][0].id)
    drafts = [draft for draft, _ in rows]
    return Listing(drafts, next_cursor, wanted, draft_snippets(request, drafts, wanted))


def draft_snippets(request, drafts: list[Draft], wanted: search.Search) -> dict:
    """For each draft found, the text around the first word found: in its summary or call (the reader's
    language first), else in its articles, read for those drafts only. The title is shown anyway."""
    language = request.locale_name
    snippets, unfound = {}, []
    for draft in drafts:
        texts = sorted(draft.texts.values(), key=lambda text: text.language != language)
        found = search.first_snippet([part for text in texts for part in (text.summary, text.call)], wanted)
        if found is None:
            unfound.append(draft.id)
        else:
            snippets[draft.id] = found
    if unfound:
        rows = request.dbsession.execute(
            sa.select(Article.draft_id, Article.chapter, Article.heading, Article.text, Article.notes)
            .where(Article.draft_id.in_(unfound)).order_by(Article.draft_id, Article.position)
        ).all()
        for row in rows:
            if row.draft_id not in snippets:
                found = search.first_snippet([row.heading, row.text, *row.notes, row.chapter or ""], wanted)
                if found is not None:
                    snippets[row.draft_id] = found
    return snippets


def filtered(query, filters: Filters, now: datetime, dialect: str, with_search: bool = True):
    """The listing's filters (agency, type, subject, state, open now, closing soon, words) on a select from drafts; the
    open-data API applies the same ones. The agency is matched by a subquery, so the select may join it itself.
    The words are looked for on the search index of `dialect`'s database (search.py); without `with_search` the
    caller looks for them itself, ranked."""
    from eparticipation.agencies.models import Agency

    if filters.agency:
        query = query.where(Draft.agency_id == sa.select(Agency.id).where(Agency.code == filters.agency)
                            .scalar_subquery())
    if filters.document_type:
        query = query.where(Draft.document_type == DocumentType(filters.document_type))
    if filters.subject:
        query = query.where(Draft.subject == Subject(filters.subject))
    if filters.state:
        query = query.where(Draft.state == State(filters.state))
    if filters.open_now or filters.closing_soon:
        query = query.where(Draft.state == State.consultation, Draft.opens_at <= now, Draft.closes_at > now)
    if filters.closing_soon:
        query = query.where(Draft.closes_at <= now + timedelta(days=7))
    wanted = filters.search
    if with_search and wanted.usable:
        query = query.where(search.condition(search.drafts_index(), wanted, dialect))
    return query


def parse_cursor(text: str):
    """The (listed_at, id) a next-page link carries; None without one. A link that was tampered with is refused
    (400) rather than shown as the first page."""
    from eparticipation.inputs import not_a_number, parse_integer

    if not text:
        return None
    listed_at, _, draft_id = text.rpartition("_")
    try:
        moment, number = datetime.fromisoformat(listed_at), parse_integer(draft_id)
    except ValueError:
        number = None
    if number is None:
        raise not_a_number("after")
    return moment, number


def tick(request) -> list[Draft]:
    """Close every consultation whose end has passed (run from cron by `eparticipation-tick`)."""
    from eparticipation.consultations.workflow import close_if_ended

    ended = request.dbsession.scalars(
        sa.select(Draft).where(Draft.state == State.consultation, Draft.closes_at <= request.now).with_for_update(
            skip_locked=True, of=Draft  # drafts only: the agency is joined for display, not locked
        )
    ).all()
    return [draft for draft in ended if close_if_ended(draft, request)]
