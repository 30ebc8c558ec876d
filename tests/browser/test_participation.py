"""Taking part in a consultation, in a real browser, in Persian on a phone: a citizen signs in from the draft
page, comments on an article through the short form under it, supports another participant's comment, votes,
and answers the survey (then finds the answers again); the full comment form's validation message is shown;
last, a glance at the same draft page in English. Every page reached is audited, and what the browser did is
checked in the live server's database.

Elements are found by id, name, href and form action; wording is taken from the project's catalogues
(`translated`), never typed in Persian here.
"""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from eparticipation.accounts.models import User
from eparticipation.i18n import localize_digits
from eparticipation.participation.models import Comment, CommentSupport, Vote, VoteChoice
from eparticipation.surveys.models import Question, QuestionKind, Submission, Survey

from .accessibility import audit
from .pages import assert_fits_the_screen, error_of
from .seed import CITIZEN_EMAIL, CITIZEN_PASSWORD, OTHER_COMMENT, OTHER_PARTICIPANT_EMAIL
from .test_consultations import expect_language, translated

pytestmark = pytest.mark.browser

ARTICLE_COMMENT = "مهلت پانزده روز برای قراردادهای کوچک زیاد است؛ پیشنهاد می‌کنم هفت روز باشد."
TOO_SHORT = "کوتاه"  # fewer than COMMENT_MIN (10) characters
TEXT_ANSWER = "گزارش‌ها به زبان ساده هم منتشر شوند."


def fa_digits(value):
    return localize_digits(value, "fa")


# --- the database, as the live server left it ---------------------------------------------------------


def user_id(session, email):
    return session.scalars(sa.select(User.id).where(User.email == email)).one()


def seeded(live_server, draft_id):
    """The ids the journey needs: the citizen's, the other participant's comment, the survey's questions by kind."""
    with Session(live_server.engine) as session:
        other = user_id(session, OTHER_PARTICIPANT_EMAIL)
        comment = session.scalars(
            sa.select(Comment.id).where(Comment.draft_id == draft_id, Comment.author_id == other)
        ).one()
        questions = {
            question.kind: question.id
            for question in session.scalars(sa.select(Question).join(Survey).where(Survey.draft_id == draft_id))
        }
        return user_id(session, CITIZEN_EMAIL), comment, questions


# --- the page ------------------------------------------------------------------------------------------


def article_count_link(page, number):
    """The link under an article that says how many comments it has (and filters the list by it)."""
    return page.locator(f'#article-{number} .article-participation a[href$="?article={number}#comments"]')


def comments_on_article(count):
    return translated("${count} comments on this article", "fa", count=fa_digits(count))


def expect_flash(page, msgid, **mapping):
    expect(page.locator(".alert[role=status]")).to_have_text(translated(msgid, "fa", **mapping))


def test_citizen_comments_supports_votes_and_answers_the_survey(phone_page, live_server):
    page = phone_page
    draft_id = live_server.drafts.participation
    draft_url = live_server.draft(draft_id)
    citizen, other_comment_id, questions = seeded(live_server, draft_id)
    assert set(questions) == set(QuestionKind)

    # A visitor sees the draft, the other participant's comment and an invitation to sign in, on a phone.
    page.goto(draft_url)
    expect_language(page, "fa")
    expect(page.locator(f"#comment-{other_comment_id} .comment-body")).to_have_text(OTHER_COMMENT)
    expect(article_count_link(page, 1)).to_have_text(comments_on_article(1))
    expect(article_count_link(page, 3)).to_have_text(comments_on_article(0))
    expect(page.locator("#article-3 details")).to_have_count(0)  # no form before signing in
    assert_fits_the_screen(page)
    audit(page)

    # Signing in from there comes back to the draft.
    page.locator('#vote a[href*="/login?next="]').click()
    form = page.locator("form#login")
    form.locator('input[name="email"]').fill(CITIZEN_EMAIL)
    form.locator('input[name="password"]').fill(CITIZEN_PASSWORD)
    audit(page)
    form.locator('button[name="login"]').click()
    expect(page).to_have_url(draft_url)

    # 1. A comment on article 3, through the short form under it.
    details = page.locator("#article-3 details")
    expect(details).not_to_have_attribute("open", "")
    details.locator("summary").tap()
    textarea = details.locator("textarea#comment-body-3")
    expect(textarea).to_be_visible()
    expect(details.locator('input[type="hidden"][name="article"]')).to_have_value("3")
    assert_fits_the_screen(page)
    audit(page)  # the page with the article's form open
    textarea.fill(ARTICLE_COMMENT)
    details.locator('button[type="submit"][name="send"]').tap()
    expect(page).to_have_url(re.compile(rf"^{re.escape(draft_url)}#comment-\d+$"))
    comment_id = int(page.url.rpartition("#comment-")[2])
    expect_flash(page, "Your comment is published. Thank you.")
    mine = page.locator(f"#comment-{comment_id}")
    expect(mine).to_be_in_viewport()
    expect(mine.locator(".comment-body")).to_have_text(ARTICLE_COMMENT)
    expect(mine.locator('.comment-meta a[href="#article-3"]')).to_be_visible()
    expect(mine.locator('form[action$="/support"]')).to_have_count(0)  # nobody supports their own comment
    expect(article_count_link(page, 3)).to_have_text(comments_on_article(1))
    expect(article_count_link(page, 1)).to_have_text(comments_on_article(1))
    expect(page.locator("#comments-title .badge")).to_have_text(fa_digits(2))
    audit(page)

    # 2. Supporting the other participant's comment.
    other = page.locator(f"#comment-{other_comment_id}")
    supported_by = other.locator(".comment-actions > span.small").first
    expect(supported_by).to_have_text(translated("Supported by ${count}", "fa", count=fa_digits(0)))
    other.locator(f'form[action$="/comments/{other_comment_id}/support"] button[type="submit"]').click()
    expect(page).to_have_url(f"{draft_url}#comment-{other_comment_id}")
    expect_flash(page, "You support this comment.")
    expect(other.locator('form[action$="/support"]')).to_have_count(0)
    expect(other.locator(".comment-actions .text-success")).to_have_text(translated("You support this comment", "fa"))
    expect(supported_by).to_have_text(translated("Supported by ${count}", "fa", count=fa_digits(1)))
    audit(page)

    # 3. A vote: the tally counts it, and the form shows it as the citizen's.
    vote = page.locator("#vote")
    tally = vote.locator("p strong")
    expect(tally).to_have_text([fa_digits(0)] * 3)  # support, oppose, abstain
    vote_form = vote.locator('form[action$="/votes/"]')
    vote_form.locator('input[name="choice"][value="support"]').check()
    vote_form.locator('button[type="submit"]').click()
    expect(page).to_have_url(f"{draft_url}#vote")
    expect_flash(page, "Your vote is counted: ${choice}.", choice=translated("I support this draft", "fa"))
    expect(tally).to_have_text([fa_digits(1), fa_digits(0), fa_digits(0)])
    expect(vote_form.locator('input[name="choice"][value="support"]')).to_be_checked()
    # The form's legend names the vote, in Persian like the rest of the sentence.
    expect(vote_form.locator("legend")).to_have_text(translated(
        "Your vote: ${choice}. You can change it until the consultation closes.", "fa",
        choice=translated("I support this draft", "fa"),
    ))
    audit(page)

    # 4. The survey, from the draft page's link: every question answered.
    survey_link = page.locator('section.survey-section a[href$="/survey/"]')
    survey_link.click()
    expect(page).to_have_url(live_server.draft(draft_id, "survey/"))
    survey = page.locator("form#survey")
    single, multiple = questions[QuestionKind.single_choice], questions[QuestionKind.multiple_choice]
    scale, text = questions[QuestionKind.scale], questions[QuestionKind.text]
    expect(survey.locator(f'input[name="q{single}"]')).to_have_count(3)
    expect(survey.locator(f'input[name="q{scale}"]')).to_have_count(5)
    assert_fits_the_screen(page)
    audit(page)
    survey.locator(f'input[name="q{single}"][value="1"]').check()
    survey.locator(f"#q{multiple}-0").check()
    survey.locator(f"#q{multiple}-2").check()
    survey.locator(f'input[name="q{scale}"][value="4"]').check()
    survey.locator(f'input[name="q{text}"]').fill(TEXT_ANSWER)
    survey.locator('button[name="send"]').click()
    expect(page).to_have_url(live_server.draft(draft_id, "survey/"))
    expect_flash(page, "Thank you: your answers are saved. You can revise them until the consultation closes.")
    audit(page)

    # Reopened from the draft page (its link now offers to revise them), the answers are there.
    page.goto(draft_url)
    survey_link.click()
    expect(page).to_have_url(live_server.draft(draft_id, "survey/"))
    survey = page.locator("form#survey")
    expect(survey.locator(f'input[name="q{single}"][value="1"]')).to_be_checked()
    expect(survey.locator(f'input[name="q{single}"]:checked')).to_have_count(1)
    expect(survey.locator(f"#q{multiple}-0")).to_be_checked()
    expect(survey.locator(f"#q{multiple}-1")).not_to_be_checked()
    expect(survey.locator(f"#q{multiple}-2")).to_be_checked()
    expect(survey.locator(f'input[name="q{scale}"][value="4"]')).to_be_checked()
    expect(survey.locator(f'input[name="q{text}"]')).to_have_value(TEXT_ANSWER)
    audit(page)

    # 5. The full comment form (under article 3, "on behalf of an organisation") refuses a too-short comment.
    page.goto(draft_url)
    page.locator("#article-3 details summary").tap()
    page.locator('#article-3 a[href$="/comments/add?article=3"]').tap()
    expect(page).to_have_url(live_server.draft(draft_id, "comments", "add?article=3"))
    form = page.locator("form#comment")
    expect(form.locator('select[name="article"]')).to_have_value("3")
    audit(page)
    form.locator('textarea[name="body"]').fill(TOO_SHORT)
    with page.expect_response(lambda response: response.request.method == "POST") as refused:
        form.locator('button[name="send"]').click()
    assert refused.value.status == 400
    body_error = error_of(form, "body")
    expect(body_error).to_have_text(translated("Enter at least ${min} characters.", "fa", min=fa_digits(10)))
    expect(form.locator('textarea[name="body"]')).to_have_value(TOO_SHORT)
    expect(form.locator('select[name="article"]')).to_have_value("3")
    assert_fits_the_screen(page)
    audit(page)

    # In English, the part under each (Persian) article is marked as English, and the vote's legend is English.
    page.goto(f"{draft_url}?_LOCALE_=en")
    expect_language(page, "en")
    expect(page.locator("#article-3")).to_have_attribute("lang", "fa")
    under_article = page.locator("#article-3 .article-participation")
    expect(under_article).to_have_attribute("lang", "en")
    expect(under_article).to_have_attribute("dir", "ltr")
    expect(page.locator("#vote legend")).to_have_text(translated(
        "Your vote: ${choice}. You can change it until the consultation closes.", "en",
        choice=translated("I support this draft", "en"),
    ))
    audit(page)

    # The database holds what the browser did, and no more.
    with Session(live_server.engine) as session:
        comments = session.scalars(
            sa.select(Comment).where(Comment.draft_id == draft_id, Comment.author_id == citizen)
        ).all()
        assert [(c.id, c.body, c.article.number, c.anonymous) for c in comments] == [
            (comment_id, ARTICLE_COMMENT, "3", False)
        ]
        other_comment = session.get(Comment, other_comment_id)
        assert other_comment.support_count == 1
        assert session.scalars(
            sa.select(CommentSupport.user_id).where(CommentSupport.comment_id == other_comment_id)
        ).all() == [citizen]
        votes = session.scalars(sa.select(Vote).where(Vote.draft_id == draft_id)).all()
        assert [(v.user_id, v.choice) for v in votes] == [(citizen, VoteChoice.support)]
        submission = session.scalars(
            sa.select(Submission).join(Survey).where(Survey.draft_id == draft_id, Submission.user_id == citizen)
        ).one()
        assert submission.answers == {str(single): 1, str(multiple): [0, 2], str(scale): 4, str(text): TEXT_ANSWER}
