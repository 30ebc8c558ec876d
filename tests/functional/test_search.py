"""Search on an index (eparticipation/search.py): the listing of drafts, the API and the editors' comments, on
PostgreSQL's trigram index and SQLite's FTS5 alike — Persian letter variants, ranking, paging, snippets, short
and hostile queries, and the index kept current."""

from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from eparticipation.consultations.models import State
from eparticipation.participation.models import Comment, CommentState
from eparticipation.search import Search, cursor_of, snippet

from ..conftest import NOW
from ..factories import make_agency, make_comment, make_draft, make_user


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


def opened(dbsession, agency, text, title="پیش‌نویس", **fields):
    return make_draft(dbsession, agency, state="consultation", title_fa=title, title_en="Draft", text=text,
                      opens_at=fields.pop("opens_at", NOW - timedelta(days=1)), **fields)


def titles(page):
    return [a.text.strip() for a in page.html.select("ol.drafts h2 a")]


def found(page):
    return set(titles(page))


def dialect(dbsession):
    return dbsession.get_bind().dialect.name


def test_persian_variants_match_on_either_database(testapp, dbsession, agency, clock):
    opened(dbsession, agency, "کتاب‌های درسی سال ۱۴۰۵ و مهلت ۳۰ روز", title="کتاب")
    opened(dbsession, agency, "ترخیص کالا از گمرک", title="گمرک")
    opened(dbsession, agency, "می‌شود گفت", title="جدا")

    def search(q):
        return found(testapp.get("/consultations/", {"q": q}))

    assert search("كتابهاي") == {"کتاب"}  # Arabic kaf and yeh, no ZWNJ
    assert search("کتاب\u200cهای") == {"کتاب"}  # with the ZWNJ
    assert search("۱۴۰۵") == search("١٤٠٥") == search("1405") == {"کتاب"}  # Persian, Arabic-Indic, ASCII digits
    assert search("ترخيص") == {"گمرک"}  # Arabic yeh
    assert search("ميشود") == {"جدا"}
    assert search("\u200fگمرك\u200e") == {"گمرک"}  # RLM/LRM typed around the word
    assert search("کتاب گمرک") == set()  # every word must be there
    assert search("کتاب ۳۰") == {"کتاب"}  # a word too short for the index is checked on what the index found
    assert search("۳۰") == {"کتاب"}  # only short words: searched without the index


def test_best_matches_first(testapp, dbsession, agency, clock):
    filler = " ".join(f"بند {n} درباره موضوعی دیگر و جزئیات اجرایی آن" for n in range(60))
    # In the title of a short text, early in a longer one, once at the end of a long one: either database's
    # ranking (bm25 on SQLite, where the words first come on PostgreSQL) puts them in this order.
    opened(dbsession, agency, f"{filler} و یک بار مالیات", title="بلند")
    opened(dbsession, agency, "بر ارزش افزوده و مالیات", title="مالیات کوتاه")
    opened(dbsession, agency, f"درباره مالیات {filler[:600]}", title="میانه")
    opened(dbsession, agency, "چیزی دیگر", title="بی‌ربط")
    assert titles(testapp.get("/consultations/", {"q": "ماليات"})) == ["مالیات کوتاه", "میانه", "بلند"]


def test_paging_a_search_loses_and_repeats_nothing(testapp, dbsession, agency, clock):
    # Equal texts score the same: the id keeps their order, across pages too.
    for n in range(45):
        opened(dbsession, agency, "عوارض گمرکی " + "و قانون " * (n % 4), title=f"پیش‌نویس {n:02d}")
    opened(dbsession, agency, "بی‌ربط", title="بی‌ربط")
    seen, page = [], testapp.get("/consultations/", {"q": "عوارض"})
    while True:
        seen += titles(page)
        link = page.html.find("a", rel="next")
        if link is None:
            break
        assert "q=" in link["href"]
        page = testapp.get(link["href"])
    assert len(seen) == 45 and len(set(seen)) == 45


@pytest.mark.parametrize("after", ["garbage", "0.5", "nan_3", "inf_3", "1e999_3", "0.5_99999999999", "0.5_-3",
                                   "0.5_۳", "'; --_1"])
def test_a_tampered_search_cursor_is_a_translated_400(en, dbsession, agency, clock, after):
    opened(dbsession, agency, "عوارض گمرکی")
    page = en.get("/consultations/", {"q": "عوارض", "after": after}, status=400)
    assert "This next-page link is not one the site gave out." in page.text
    fa = en.get("/consultations/", {"q": "عوارض", "after": after, "_LOCALE_": "fa"}, status=400)
    assert "This next-page link" not in fa.text


def test_a_cursor_is_the_exact_score(dbsession):
    for score in (0.0, 1 / 3, 1.4119402985074626e-06, -2.5e-05):
        text = cursor_of(score, 7)
        from eparticipation.search import parse_cursor

        assert parse_cursor(text) == (score, 7)


def test_the_snippet_marks_the_words_and_escapes_the_rest(testapp, dbsession, agency, clock):
    opened(dbsession, agency, "<script>alert(1)</script> بند مربوط به مالیات <b>بر</b> درآمد", title="ایمن")
    page = testapp.get("/consultations/", {"q": "ماليات"})
    shown = page.html.select_one("ol.drafts .search-snippet bdi")
    assert shown is not None and [m.text for m in shown.find_all("mark")] == ["مالیات"]
    assert "<script>" not in page.text and "&lt;script&gt;" in str(shown)
    assert page.html.select_one('input[name="q"]')["value"] == "ماليات"  # the box keeps what was typed


def test_snippets_of_long_texts_and_variants():
    text = "آغاز " + "کلمه " * 300 + "كتاب\u200cهای درسی " + "پایان " * 300
    cut = snippet(text, Search.of("کتابهای"))
    assert "<mark>كتاب\u200cهای</mark>" in cut  # the text as written, variants and all
    assert cut.startswith("…") and cut.endswith("…") and len(cut) < 300
    assert snippet("هیچ", Search.of("کتاب")) is None
    assert "\u202e" not in snippet("\u202eکتاب خوب", Search.of("کتاب"))  # an override cut out of its text


def test_empty_and_too_short_queries_say_so(en, dbsession, agency, clock):
    opened(dbsession, agency, "عوارض گمرکی", title="Customs")
    for q, message in [("%%__", "Type a word to search for"), ("ب", "Type a word of at least two letters")]:
        page = en.get("/consultations/", {"q": q})
        assert message in page.text
        assert page.html.select_one('input[name="q"]')["value"] == q
        assert titles(page) == ["Draft"]  # the listing as without a search
    page = en.get("/consultations/", {"q": "   "})
    assert "Type a word" not in page.text and titles(page) == ["Draft"]
    fa = en.get("/consultations/", {"q": "ب", "_LOCALE_": "fa"})
    assert "Type a word" not in fa.text and fa.html.select_one("#search-problem").text.strip()


@pytest.mark.parametrize("q", [
    "ی" * 200, "x" * 5000, "a\x01b\x7fc", "100%", "_%_", "\\%", "'\"", '"عوارض" OR "x"', "عوارض*", "NEAR(a b)",
    "\u202eعوارض\u202c", "\u2067عوارض\u2069", "عوارض -گمرکی", "^عوارض", "' OR '1'='1", "<mark>عوارض</mark>",
])
def test_hostile_queries_are_searched_for_or_refused_never_a_500(testapp, dbsession, agency, clock, q):
    opened(dbsession, agency, "عوارض گمرکی", title="عوارض")
    page = testapp.get("/consultations/", {"q": q})
    assert page.status_int == 200
    if Search.of(q).usable and set(Search.of(q).words) <= {"عوارض", "گمرکی"}:
        assert "عوارض" in found(page)
    assert "<mark>عوارض</mark>" not in str(page.html.select_one('input[name="q"]'))


def test_the_listing_without_a_query_is_as_before(testapp, dbsession, agency, clock):
    for n in range(3):
        opened(dbsession, agency, "متن", title=f"پیش‌نویس {n}", opens_at=NOW - timedelta(days=3 - n))
    assert titles(testapp.get("/consultations/")) == ["پیش‌نویس 2", "پیش‌نویس 1", "پیش‌نویس 0"]


def test_the_search_keeps_the_other_filters_and_what_one_may_see(testapp, dbsession, agency, clock):
    other = make_agency(dbsession, code="customs")
    opened(dbsession, agency, "عوارض", title="مالیات")
    opened(dbsession, other, "عوارض", title="گمرک")
    make_draft(dbsession, agency, state="draft", title_fa="نگشوده", text="عوارض")
    assert found(testapp.get("/consultations/", {"q": "عوارض"})) == {"مالیات", "گمرک"}
    assert found(testapp.get("/consultations/", {"q": "عوارض", "agency": "customs"})) == {"گمرک"}


# --- the API ------------------------------------------------------------------------------------------------


def test_the_api_uses_the_same_search(testapp, dbsession, agency, clock):
    kept = opened(dbsession, agency, "کتاب‌های درسی ۱۴۰۵", title="کتاب")
    opened(dbsession, agency, "چیزی دیگر", title="دیگر")

    def ids(query):
        return {int(c["id"]) for c in testapp.get(f"/api/v1/consultations?{query}").json["data"]}

    assert ids("q=" + quote("كتابهاي ١٤٠٥")) == {kept.id}
    error = testapp.get("/api/v1/consultations?q=" + quote("%%"), status=400).json["errors"][0]
    assert error["source"] == {"parameter": "q"}


# --- the editors' comments ---------------------------------------------------------------------------------


@pytest.fixture
def people(dbsession, agency):
    return {
        "citizen": make_user(dbsession, email="citizen@example.org", display_name="Maryam"),
        "editor": make_user(dbsession, email="editor@example.org", grants=[("editor", agency)]),
    }


@pytest.fixture
def closed(dbsession, agency):
    return make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=40),
                      closes_at=NOW - timedelta(days=5))


def comment_ids(page):
    return [int(li["id"].removeprefix("comment-")) for li in page.html.select("li[id^=comment-]")]


def test_editors_search_the_comments_of_a_consultation(en, dbsession, agency, closed, people):
    elsewhere = make_draft(dbsession, agency, state="closed", opens_at=closed.opens_at, closes_at=closed.closes_at)
    short = make_comment(dbsession, closed, people["citizen"], body="نرخ مالیات بر ارزش افزوده زیاد است")
    long = make_comment(dbsession, closed, people["citizen"],
                        body="در این پیش‌نویس، ماده دوم درباره مالیات روشن نیست " + "و توضیح بیشتر لازم است " * 10)
    make_comment(dbsession, closed, people["citizen"], body="ماده سوم را حذف کنید لطفا")
    make_comment(dbsession, elsewhere, people["citizen"], body="مالیات در پیش‌نویسی دیگر")
    hostile = make_comment(dbsession, closed, people["citizen"], body='<img src=x onerror=alert(1)> مالیات "بیشتر"')
    en.login("editor@example.org")
    page = en.get(f"/consultations/{closed.id}/responses/", {"q": "ماليات"})
    assert comment_ids(page) == [hostile.id, short.id, long.id] or set(comment_ids(page)) == {hostile.id, short.id,
                                                                                             long.id}
    assert comment_ids(page)[-1] == long.id  # the long one mentions it least
    shown = page.html.select_one(f"#comment-{hostile.id} .search-snippet bdi")
    assert [m.text for m in shown.find_all("mark")] == ["مالیات"]
    assert "<img" not in str(shown) and "&lt;img" in str(shown)
    assert page.html.select_one("#filter-q")["value"] == "ماليات"
    page = en.get(f"/consultations/{closed.id}/responses/", {"q": "ب"})
    assert "Type a word of at least two letters" in page.text
    en.get(f"/consultations/{closed.id}/responses/", {"q": "ماليات", "after": "1_x"}, status=400)


def test_paging_the_comments_found(testapp, dbsession, agency, closed, people):
    from eparticipation.responses.services import WORK_PAGE_SIZE

    authors = [make_user(dbsession) for _ in range(WORK_PAGE_SIZE + 7)]
    made = {make_comment(dbsession, closed, author, body="مالیات " + "و " * (n % 3) + f"نظر {n}").id
            for n, author in enumerate(authors)}
    testapp.login("editor@example.org")
    seen, page = [], testapp.get(f"/consultations/{closed.id}/responses/", {"q": "مالیات"})
    while True:
        seen += comment_ids(page)
        link = page.html.find("a", rel="next")
        if link is None:
            break
        page = testapp.get(link["href"])
    assert sorted(seen) == sorted(made)


@pytest.mark.parametrize("who", [None, "citizen@example.org"])
def test_the_comment_search_is_refused_to_citizens_and_anonymous_visitors(testapp, dbsession, closed, people, who):
    make_comment(dbsession, closed, people["citizen"], body="نرخ مالیات بر ارزش افزوده زیاد است")
    if who:
        testapp.login(who)
    page = testapp.get(f"/consultations/{closed.id}/responses/", {"q": "مالیات"}, status=403)
    assert "مالیات بر ارزش" not in page.text


def fts_integrity(dbsession):
    """SQLite: FTS5 checks that its index says what the table holds (an error otherwise)."""
    if dialect(dbsession) == "sqlite":
        for table in ("drafts_search", "comments_search"):
            dbsession.execute(sa.text(f"INSERT INTO {table}({table}) VALUES ('integrity-check')"))


def test_the_comment_index_follows_edits_hiding_withdrawal_and_deletion(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=2),
                       closes_at=NOW + timedelta(days=28))
    edited = make_comment(dbsession, draft, people["citizen"], body="نخستین نگارش درباره عوارض")
    hidden = make_comment(dbsession, draft, make_user(dbsession), body="نظری درباره عوارض که پنهان می‌شود")
    withdrawn = make_comment(dbsession, draft, make_user(dbsession), body="نظری درباره عوارض که پس گرفته می‌شود")
    deleted = make_comment(dbsession, draft, make_user(dbsession), body="نظری درباره عوارض که پاک می‌شود")
    kept = make_comment(dbsession, draft, make_user(dbsession), body="نظری درباره عوارض که می‌ماند")
    assert dbsession.scalar(sa.select(Comment.search_text).where(Comment.id == kept.id)) == "نظری درباره عوارض که میماند"

    testapp.login("citizen@example.org")
    form = testapp.get(f"/consultations/{draft.id}/comments/{edited.id}/edit").forms["comment"]
    form["body"] = "نگارش دوم درباره ماليات"
    form.submit("save", status=303)
    added = testapp.get(f"/consultations/{draft.id}/comments/add").forms["comment"]
    added["body"] = "نظر تازه‌ای درباره عوارض و ماليات"
    added.submit("send", status=303)
    hidden.state, hidden.hidden_category, hidden.hidden_reason = CommentState.hidden, "spam", "spam"
    withdrawn.state = CommentState.withdrawn
    dbsession.flush()
    dbsession.execute(sa.delete(Comment).where(Comment.id == deleted.id))
    draft.state = State.closed
    dbsession.flush()
    fts_integrity(dbsession)

    testapp.reset()
    testapp.login("editor@example.org")

    def search(q):
        return set(comment_ids(testapp.get(f"/consultations/{draft.id}/responses/", {"q": q, "all": "1"})))

    new = dbsession.scalar(sa.select(Comment.id).where(Comment.body.like("نظر تازه%")))
    assert search("عوارض") == {kept.id, new}
    assert search("مالیات") == {edited.id, new}
    assert search("نخستین") == set()


def test_a_draft_s_edits_reach_the_index(testapp, dbsession, agency, clock):
    draft = opened(dbsession, agency, "متن نخست", title="ویرایش")
    draft.search_text = "متن تازه درباره بیمه"
    dbsession.flush()
    fts_integrity(dbsession)
    assert found(testapp.get("/consultations/", {"q": "بیمه"})) == {"ویرایش"}
    assert found(testapp.get("/consultations/", {"q": "نخست"})) == set()


# --- the index itself ---------------------------------------------------------------------------------------


def test_the_searches_run_on_the_index(dbsession, agency):
    from eparticipation import search
    from eparticipation.consultations.models import Draft

    query, score = search.ranked(sa.select(Draft.id), search.drafts_index(), Search.of("مالیات"), dialect(dbsession))
    statement = search.ordered(query, score, Draft.id, None).limit(20)
    compiled = str(statement.compile(dbsession.get_bind(), compile_kwargs={"literal_binds": True}))
    if dialect(dbsession) == "postgresql":
        dbsession.execute(sa.text("SET LOCAL enable_seqscan = off"))  # a test's few rows would be scanned
        plan = "\n".join(dbsession.execute(sa.text("EXPLAIN " + compiled)).scalars())
        assert "ix_drafts_search_text_trgm" in plan
        assert dbsession.scalar(sa.text("SELECT cardinality(show_trgm('مالیات'))")) > 0  # a UTF-8 ctype
    else:
        plan = " ".join(str(row) for row in dbsession.execute(sa.text("EXPLAIN QUERY PLAN " + compiled)))
        assert "VIRTUAL TABLE INDEX" in plan


def test_the_migration_builds_and_takes_down_the_index(tmp_path):
    from alembic import command

    from eparticipation.db import get_engine

    from ..conftest import alembic_config

    engine = get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'm.sqlite'}"})

    def search_objects(connection):
        return set(connection.execute(sa.text(
            "SELECT type || ' ' || name FROM sqlite_master WHERE name IN ('drafts_search', 'comments_search') "
            "OR (type = 'trigger' AND name LIKE '%search%')")).scalars())

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "incent01")
        connection.execute(sa.text(
            "INSERT INTO agencies (code, name_fa, name_en, created_at) VALUES ('tax', 'سازمان', 'Agency', '2026-11-01')"))
        connection.execute(sa.text(
            "INSERT INTO users (email, password_hash, display_name, locale, is_active, created_at) "
            "VALUES ('old@example.org', 'x', 'Old', 'fa', 1, '2026-11-01 10:00:00.000000')"))
        connection.execute(sa.text(
            "INSERT INTO drafts (agency_id, subject, state, created_at, updated_at, listed_at, search_text, "
            "participation_version) VALUES (1, 'service', 'draft', '2026-11-01', '2026-11-01', '2026-11-01', "
            "'متن پیش نویس درباره عوارض', 0)"))
        connection.execute(sa.text(
            "INSERT INTO comments (draft_id, author_id, body, fingerprint, anonymous, by_agency_staff, state, "
            "support_count, created_at, updated_at) VALUES (1, 1, 'نظري درباره عوارض گمركي', 'f', 0, 0, 'visible', "
            "0, '2026-11-01', '2026-11-01')"))
        command.upgrade(alembic_config(connection), "search01")
        assert connection.execute(sa.text("SELECT search_text FROM comments")).scalar() == "نظری درباره عوارض گمرکی"
        assert search_objects(connection) == {
            "table drafts_search", "table comments_search",
            *(f"trigger {table}_search_{event}" for table in ("drafts", "comments")
              for event in ("insert", "update", "delete"))}
        for table in ("drafts", "comments"):
            assert connection.execute(sa.text(
                f"SELECT rowid FROM {table}_search WHERE {table}_search MATCH '\"عوارض\"'")).scalars().all() == [1]
        command.downgrade(alembic_config(connection), "incent01")
        assert search_objects(connection) == set()
        assert "search_text" not in [c["name"] for c in sa.inspect(connection).get_columns("comments")]
        command.upgrade(alembic_config(connection), "heads")
        # At the newest schema the triggers are there still: no later migration recreated the tables without them.
        assert len([o for o in search_objects(connection) if o.startswith("trigger")]) == 6
    engine.dispose()
