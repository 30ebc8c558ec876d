"""Proposed themes: the fixture's three concerns come out as three themes, whatever the spelling, campaigns and
off-topic comments; the result is deterministic and adds up; comments_for_themes reads what the public sees.

Each concern of the fixture is written on its own article, so a theme's `articles` say which concerns its
comments came from (propose_themes only counts the articles, it never groups by them)."""

import json
from pathlib import Path

import pytest

from eparticipation.participation.models import CommentState, HidingReason
from eparticipation.reports.themes import OTHER_KEY, STOP_WORDS, ProposedTheme, comments_for_themes, propose_themes
from eparticipation.text import normalise

from ..factories import make_agency, make_comment, make_draft, make_user

FIXTURE = json.loads((Path(__file__).parent.parent / "fixtures" / "themes-comments.json").read_text("utf-8"))
ARTICLE = {"deadlines": "1", "costs": "2", "privacy": "3"}
KEY_WORDS = {"deadlines": {"مهلت", "زمان", "کوتاه"}, "costs": {"هزینه", "کوچک", "عوارض"}, "privacy": {"شخصی", "حریم"}}


def fixture_comments(campaign_copies=FIXTURE["campaign"]["copies"], english=False):
    """(comments, ids of each concern, ids of the off-topic comments, ids of the campaign's copies). The
    English section has two of the concerns, without campaign or off-topic comments."""
    comments, campaign, off_topic = [], set(), set()
    next_id = iter(range(101, 10_000))
    concerns = FIXTURE["english" if english else "concerns"]
    ids = {name: set() for name in concerns}
    for name, texts in concerns.items():
        for text in texts:
            comments.append((comment_id := next(next_id), ARTICLE[name], text))
            ids[name].add(comment_id)
    if not english:
        concern, text = FIXTURE["campaign"]["concern"], FIXTURE["campaign"]["text"]
        for _ in range(campaign_copies):
            comments.append((comment_id := next(next_id), ARTICLE[concern], text))
            ids[concern].add(comment_id)
            campaign.add(comment_id)
        for text in FIXTURE["off_topic"]:
            comments.append((comment_id := next(next_id), None, text))
            off_topic.add(comment_id)
    return comments, ids, off_topic, campaign


def theme_of(themes, concern) -> ProposedTheme:
    """The theme that holds most of the concern's comments."""
    return max((t for t in themes if not t.other), key=lambda t: t.articles.get(ARTICLE[concern], 0))


def assert_concerns_separated(themes, ids):
    chosen = {}
    for concern, members in ids.items():
        theme = theme_of(themes, concern)
        held = theme.articles.get(ARTICLE[concern], 0)
        assert held >= 0.8 * len(members), (concern, held, len(members), themes)
        # The theme is about that concern: at least 80 % of its comments came from it.
        assert held >= 0.8 * theme.size, (concern, theme)
        chosen[concern] = theme.key
    assert len(set(chosen.values())) == len(ids), chosen


def test_the_three_concerns_become_three_themes():
    comments, ids, _, _ = fixture_comments()
    themes = propose_themes(comments)
    assert_concerns_separated(themes, ids)
    assert len([t for t in themes if not t.other]) == 3


def test_top_terms_are_the_concerns_words():
    comments, ids, _, _ = fixture_comments()
    themes = propose_themes(comments)
    for concern in ids:
        terms = theme_of(themes, concern).top_terms
        assert 5 <= len(terms) <= 10
        words = {word for term in terms for word in term.split()}
        assert words & KEY_WORDS[concern], (concern, terms)
    for theme in themes:
        for term in theme.top_terms:
            assert term == normalise(term)  # Persian yeh and kaf, no ZWNJ, Latin digits
            assert not set(term.split()) & STOP_WORDS
            assert len(set(term.split())) == len(term.split())


def test_representatives_are_typical_comments_of_their_theme():
    comments, ids, _, campaign = fixture_comments()
    bodies = {comment_id: normalise(body) for comment_id, _, body in comments}
    themes = propose_themes(comments)
    for concern, members in ids.items():
        representatives = theme_of(themes, concern).representatives
        assert 2 <= len(representatives) <= 3
        assert set(representatives) <= members, concern
        # Distinct texts: a campaign shows once at most.
        assert len({bodies[r] for r in representatives}) == len(representatives)
        assert len(set(representatives) & campaign) <= 1


def test_sizes_and_articles_add_up():
    comments, _, _, campaign = fixture_comments()
    themes = propose_themes(comments)
    assert sum(t.size for t in themes) == len(comments)
    for theme in themes:
        assert sum(theme.articles.values()) == theme.size
        assert theme.size > 0
    costs = theme_of(themes, "costs")
    assert costs.articles[ARTICLE["costs"]] >= len(campaign)  # every copy of the campaign is counted
    sizes = [t.size for t in themes if not t.other]
    assert sizes == sorted(sizes, reverse=True)
    assert [t.key for t in themes if not t.other] == [f"t{n}" for n in range(1, len(sizes) + 1)]


def test_off_topic_comments_go_to_the_other_bucket_listed_last():
    comments, _, off_topic, _ = fixture_comments()
    themes = propose_themes(comments)
    other = themes[-1]
    assert other.other and other.key == OTHER_KEY
    assert not any(t.other for t in themes[:-1])
    # Only the off-topic comments were sent on the whole draft ("" in `articles`).
    assert other.articles.get("", 0) >= len(off_topic) - 1


def test_a_large_campaign_does_not_swallow_the_other_concerns():
    comments, ids, _, campaign = fixture_comments(campaign_copies=500)
    themes = propose_themes(comments)
    assert_concerns_separated(themes, {concern: members - campaign for concern, members in ids.items()})
    costs = theme_of(themes, "costs")
    assert costs.key == "t1" and costs.size >= 500


def test_spelling_variants_are_the_same_text():
    zwnj = "\u200c"
    text = f"هزینه‌های صدور مجوز برای کسب{zwnj}وکارهای کوچک بسیار سنگین است."
    variants = [text, text.replace("ی", "ي").replace("ک", "ك"), text.replace(zwnj, ""), f"  {text}  "]
    comments, ids, _, _ = fixture_comments()
    comments += [(5000 + n, "2", variant) for n, variant in enumerate(variants)]
    themes = propose_themes(comments)
    costs = theme_of(themes, "costs")
    assert costs.articles["2"] >= len(ids["costs"]) + len(variants) - 2
    # One text sent four times: it is not three of the costs theme's three representatives.
    assert len(set(costs.representatives) & {5000, 5001, 5002, 5003}) <= 1


def test_the_same_seed_gives_the_same_themes():
    comments, _, _, _ = fixture_comments()
    first = propose_themes(comments, seed=7)
    assert propose_themes(iter(comments), seed=7) == first
    assert propose_themes(list(comments), seed=7) == first


def test_a_sample_is_clustered_and_the_rest_assigned():
    comments, ids, _, _ = fixture_comments()
    themes = propose_themes(comments, sample_size=28)
    assert sum(t.size for t in themes) == len(comments)
    assert_concerns_separated(themes, ids)


def test_no_comments_no_themes():
    assert propose_themes([]) == []
    assert propose_themes(iter(())) == []


def test_fewer_comments_than_themes():
    comments = [
        (1, None, "مهلت اجرای این آیین‌نامه کوتاه است"),
        (2, "1", "هزینه‌ها برای کسب‌وکارهای کوچک سنگین است"),
        (3, "1", "حریم خصوصی و اطلاعات شخصی مردم"),
    ]
    themes = propose_themes(comments, max_themes=8)
    assert sum(t.size for t in themes) == 3
    assert all(t.size >= 3 or t.other for t in themes)  # one or two comments make no key concern
    assert propose_themes(comments[:1]) == [ProposedTheme(
        key=OTHER_KEY, top_terms=["مهلت", "اجرا", "کوتاه"], size=1, articles={"": 1}, representatives=[1], other=True,
    )]


def test_one_theme_when_one_is_asked_for():
    comments, _, _, _ = fixture_comments()
    themes = propose_themes(comments, max_themes=1)
    assert [t.key for t in themes if not t.other] == ["t1"]
    assert sum(t.size for t in themes) == len(comments)
    with pytest.raises(ValueError):
        propose_themes(comments, max_themes=0)


def test_comments_without_words_are_other():
    comments = [(n, None, body) for n, body in enumerate(["۱۲۳۴", "و در به از", "!!! ؟؟", "123 456"], start=1)]
    assert propose_themes(comments) == [
        ProposedTheme(key=OTHER_KEY, top_terms=[], size=4, articles={"": 4}, representatives=[1], other=True)
    ]


def test_english_comments():
    comments, ids, _, _ = fixture_comments(english=True)
    themes = propose_themes(comments)
    assert_concerns_separated(themes, ids)
    assert "deadline" in theme_of(themes, "deadlines").top_terms
    assert {"fees", "small"} & set(theme_of(themes, "costs").top_terms)
    assert not {"the", "is", "for", "please"} & {w for t in themes for term in t.top_terms for w in term.split()}


def test_comments_for_themes_reads_the_visible_comments_of_the_draft(dbsession, query_counter):
    agency = make_agency(dbsession)
    draft = make_draft(dbsession, agency, state="consultation", articles=3)
    other_draft = make_draft(dbsession, agency, state="consultation")
    author = make_user(dbsession)
    first, second, third = draft.consulted_articles
    on_draft = make_comment(dbsession, draft, author, body="مهلت اجرای پیش‌نویس کوتاه است")
    on_article = make_comment(dbsession, draft, author, body="هزینه این ماده سنگین است", article=second)
    make_comment(dbsession, draft, author, body="نظر پنهان‌شده", article=first, state=CommentState.hidden,
                 hidden_category=HidingReason.abuse, hidden_reason="توهین")
    make_comment(dbsession, draft, author, body="نظر پس‌گرفته", article=third, state=CommentState.withdrawn)
    make_comment(dbsession, other_draft, author, body="نظر روی پیش‌نویس دیگر")
    last = make_comment(dbsession, draft, author, body="حریم خصوصی", article=third)

    with query_counter() as counted:
        rows = list(comments_for_themes(dbsession, draft, batch_size=2))
    assert rows == [
        (on_draft.id, None, "مهلت اجرای پیش‌نویس کوتاه است"),
        (on_article.id, "2", "هزینه این ماده سنگین است"),
        (last.id, "3", "حریم خصوصی"),
    ]
    assert counted.count == 1


def test_comments_for_themes_feeds_propose_themes(dbsession):
    agency = make_agency(dbsession)
    draft = make_draft(dbsession, agency, state="consultation", articles=3)
    comments, ids, _, _ = fixture_comments()
    # A campaign's copies come from as many people: one person's same text is stored once (a unique index).
    authors = [make_user(dbsession) for _ in comments]
    articles = {article.number: article for article in draft.consulted_articles}
    written = {}
    for n, (comment_id, article, body) in enumerate(comments):
        comment = make_comment(dbsession, draft, authors[n], body=body, article=articles.get(article))
        written[comment_id] = comment.id
    themes = propose_themes(comments_for_themes(dbsession, draft))
    assert_concerns_separated(themes, {concern: {written[i] for i in members} for concern, members in ids.items()})
    assert sum(t.size for t in themes) == len(comments)
