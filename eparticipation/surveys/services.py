"""Survey rules and storage: when a survey accepts answers, the participant's submission (an upsert that the
database keeps unique), and what the draft page says about the survey."""

from dataclasses import dataclass

import sqlalchemy as sa

from eparticipation.consultations.models import Draft, State
from eparticipation.consultations.workflow import local_date
from eparticipation.db import dialect_insert
from eparticipation.i18n import _
from eparticipation.participation.services import participation_changed
from eparticipation.permissions import Permissions
from eparticipation.surveys.events import SurveyAnswered
from eparticipation.surveys.models import Question, QuestionKind, Submission, Survey


def survey_url(request, draft, *elements, **kw) -> str:
    return request.resource_url(request.root, "consultations", str(draft.id), "survey", *(elements or ("",)), **kw)


def not_accepting_message(draft: Draft, now):
    """Why the survey takes no answers now (P6: closed means closed)."""
    if draft.state == State.draft:
        return _("The survey is not open for answers yet: it opens with the consultation.")
    if draft.state == State.consultation and now < draft.opens_at:
        return _("The survey opens for answers with the consultation, on ${date}.",
                 mapping={"date": local_date(draft.opens_at)})
    return _("The consultation has closed: the survey no longer accepts answers.")


def save_submission(request, survey: Survey, answers: dict) -> None:
    """The participant's answers: the first send creates their submission, later ones replace its answers.
    The unique constraint (survey, user) arbitrates concurrent sends: one row, the last answers win."""
    insert = dialect_insert(request.dbsession, Submission)
    statement = insert.values(
        survey_id=survey.id, user_id=request.identity.id, answers=answers, created_at=request.now,
        updated_at=request.now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[Submission.survey_id, Submission.user_id],
        set_={"answers": statement.excluded.answers, "updated_at": statement.excluded.updated_at},
    )
    request.dbsession.execute(statement)
    request.registry.notify(SurveyAnswered(request, survey))
    # The draft page says whether the person answered; pages kept from before must not be served again.
    participation_changed(request.dbsession, survey.draft_id)


def submission_of(request, survey: Survey | None) -> Submission | None:
    """The signed-in participant's submission, as the database has it now."""
    if survey is None or request.identity is None:
        return None
    return request.dbsession.scalar(
        sa.select(Submission)
        .where(Submission.survey_id == survey.id, Submission.user_id == request.identity.id)
        .execution_options(populate_existing=True)
    )


TEXT_ANSWERS_PAGE_SIZE = 50


def text_answers(dbsession, question: Question, before: int | None = None) -> tuple[list[str], int | None]:
    """One page of the answers to a short-text question, newest first (keyset-paged by submission), and the
    submission to continue before: what participants wrote, without who wrote it."""
    answer = Submission.answers[str(question.id)].as_string()
    query = (
        sa.select(Submission.id, answer)
        .where(Submission.survey_id == question.survey_id, answer.is_not(None), answer != "")
        .order_by(Submission.id.desc()).limit(TEXT_ANSWERS_PAGE_SIZE + 1)
    )
    if before is not None:
        query = query.where(Submission.id < before)
    rows = dbsession.execute(query).all()
    more = len(rows) > TEXT_ANSWERS_PAGE_SIZE
    rows = rows[:TEXT_ANSWERS_PAGE_SIZE]
    return [text for _, text in rows], (rows[-1][0] if more else None)


def text_answer_counts(dbsession, draft: Draft) -> list[tuple[Question, int]]:
    """The survey's short-text questions, each with its number of answers (two statements, however many)."""
    questions = dbsession.scalars(
        sa.select(Question).join(Survey, Survey.id == Question.survey_id)
        .where(Survey.draft_id == draft.id, Question.kind == QuestionKind.text).order_by(Question.position)
    ).all()
    if not questions:
        return []
    counts = []
    for question in questions:  # one leg per question: a JSON key is a literal in SQL
        answer = Submission.answers[str(question.id)].as_string()
        counts.append(sa.select(sa.literal(question.id), sa.func.count(Submission.id))
                      .where(Submission.survey_id == question.survey_id, answer.is_not(None), answer != ""))
    answered = dict(dbsession.execute(sa.union_all(*counts)).all())
    return [(question, answered.get(question.id, 0)) for question in questions]


@dataclass(frozen=True)
class SurveyStatus:
    """What the draft page says about the survey (templates/surveys/draft_section.jinja2)."""

    question_count: int
    accepting: bool
    answered: bool
    can_design: bool
    url: str
    design_url: str
    # For the agency and auditors: the short-text questions, with their number of answers, to read them.
    text_questions: tuple = ()


def survey_status(request, draft: Draft) -> SurveyStatus:
    question_count = request.dbsession.scalar(
        sa.select(sa.func.count(Question.id)).join(Survey).where(Survey.draft_id == draft.id)
    )
    accepting = draft.is_accepting(request.now)
    answered = False
    if question_count and accepting and request.identity is not None:
        answered = request.dbsession.scalar(
            sa.select(sa.exists().where(Submission.user_id == request.identity.id,
                                        Submission.survey_id == Survey.id, Survey.draft_id == draft.id))
        )
    text_questions = ()
    if question_count and draft.state != State.draft and request.has_permission(Permissions.DraftHistory, draft):
        text_questions = tuple(text_answer_counts(request.dbsession, draft))
    return SurveyStatus(
        text_questions=text_questions,
        question_count=question_count,
        accepting=accepting,
        answered=bool(answered),
        can_design=bool(request.has_permission(Permissions.SurveyDesign, draft)),
        url=survey_url(request, draft),
        design_url=survey_url(request, draft, "design"),
    )


def personal_answers(dbsession, user) -> list[dict]:
    """The person's survey answers (for their data download)."""
    rows = dbsession.execute(
        sa.select(Survey.draft_id, Submission.answers, Submission.updated_at)
        .join(Submission, Submission.survey_id == Survey.id).where(Submission.user_id == user.id)
        .order_by(Submission.id)
    ).all()
    return [{"draft": draft_id, "answers": answers, "updated_at": at.isoformat()} for draft_id, answers, at in rows]
