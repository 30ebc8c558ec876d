"""A published consultation worth a report: 46 participants of every age, both genders and several provinces
and categories, their comments on three articles and votes, and the agency's responses — one accepted and one
partially accepted that changed articles 1 and 2 of the final text, the rest rejected or noted. Shared by the
report's functional tests and its browser tests (which commit it into the live server's database)."""

from datetime import timedelta

from eparticipation.accounts.models import Gender, StakeholderCategory
from eparticipation.i18n import localize_digits
from eparticipation.participation.models import Vote, VoteChoice
from eparticipation.responses.models import (
    Decision,
    Response,
    ResponseChange,
    ResponseComment,
    ResponseRevision,
)

from .factories import make_comment, make_draft, make_user

# (province, how many): Tehran's and Isfahan's counts are published; Gilan's 2 and Yazd's 1 are below k = 5.
PROVINCES = [("IR-23", 16), ("IR-10", 9), ("IR-07", 6), ("IR-06", 6), ("IR-01", 2), ("IR-21", 1), ("abroad", 6)]
BIRTH_YEARS = [1960, 1970, 1978, 1985, 1990, 1995, 1999, 2002, 1988, 1992, 1975]
CATEGORIES = ([StakeholderCategory.individual] * 6 + [StakeholderCategory.private_sector] * 2
              + [StakeholderCategory.academic, StakeholderCategory.ngo])
ACCEPTED_REASON = "مهلت ارسال گزارش در متن نهایی از سه ماه به شش ماه افزایش یافت."
PARTIAL_REASON = "تعریف دستگاه کوچک افزوده شد، اما معافیت کامل با قانون سازگار نیست."
REJECTED_REASON = "این پیشنهاد با قانون محاسبات عمومی سازگار نیست."
LAW, LAW_ARTICLE = "قانون محاسبات عمومی کشور", "ماده ۹۵"
COMMENT_BODIES = {
    "1": "مهلت سه ماهه برای ارسال گزارش دستگاه‌های کوچک کوتاه است و باید بیشتر شود.",
    "2": "تعریف دستگاه کوچک در این ماده روشن نیست و باید دقیق‌تر نوشته شود.",
    "3": "این ماده هزینهٔ زیادی برای دستگاه‌ها دارد و باید حذف شود.",
}


def seed_reported_consultation(session, agency, now, editor):
    """The published draft (consultation 90 to 60 days before `now`), its participants, comments, votes and
    responses; flushed, not committed. The report is still to be built."""
    draft = make_draft(session, agency, state="published", articles=3, title_fa="دستورالعمل گزارش‌های مالی دستگاه‌ها",
                       title_en="Directive on agencies' financial reports", opens_at=now - timedelta(days=90),
                       closes_at=now - timedelta(days=60))
    draft.closed_at, draft.published_at = draft.closes_at, now - timedelta(days=7)
    seed_participants_and_responses(session, draft, editor)
    return draft


def seed_participants_and_responses(session, draft, editor):
    """Into a published draft whose consulted text has articles 1 to 3 and whose final text has 1 and 2: the
    participants, their comments and votes, and the responses; flushed, not committed."""
    articles = {a.number: a for a in draft.consulted_articles}
    by_article = {"1": [], "2": [], "3": []}
    person = 0
    for province, count in PROVINCES:
        for _ in range(count):
            category = CATEGORIES[person % len(CATEGORIES)]
            user = make_user(session, display_name=f"شرکت‌کننده {localize_digits(person, 'fa')}", residence=province,
                             gender=Gender.female if person % 5 in (0, 2) else Gender.male,
                             birth_year=BIRTH_YEARS[person % len(BIRTH_YEARS)], stakeholder_category=category)
            number = "1" if person % 2 == 0 else ("2" if person % 4 == 1 else "3")
            comment = make_comment(session, draft, user,
                                   body=f"{COMMENT_BODIES[number]} ({localize_digits(person, 'fa')})",
                                   article=articles[number], stakeholder_category=category,
                                   created_at=draft.opens_at + timedelta(days=1, hours=person))
            by_article[number].append(comment)
            choice = (VoteChoice.support, VoteChoice.oppose, VoteChoice.support, VoteChoice.abstain)[person % 4]
            session.add(Vote(draft_id=draft.id, user_id=user.id, choice=choice, cast_at=comment.created_at,
                             updated_at=comment.created_at))
            person += 1
    final = {a.number: a for a in draft.articles}
    answers = [
        ("1", Decision.accepted, ACCEPTED_REASON, None, None, ["1"]),
        ("2", Decision.partially_accepted, PARTIAL_REASON, LAW, LAW_ARTICLE, ["2"]),
        ("3", Decision.rejected, REJECTED_REASON, LAW, LAW_ARTICLE, []),
    ]
    for number, decision, reason, law, law_article, changed in answers:
        response = Response(draft_id=draft.id, created_by_id=editor.id, created_at=draft.closes_at)
        response.covered = [ResponseComment(comment_id=c.id) for c in by_article[number]]
        response.revisions = [ResponseRevision(number=1, decision=decision, reason=reason, legal_basis_law=law,
                                               legal_basis_article=law_article, author_id=editor.id,
                                               written_at=draft.closes_at)]
        session.add(response)
        session.flush()
        session.add_all(ResponseChange(response_id=response.id, article_id=final[n].id) for n in changed)
    session.flush()
