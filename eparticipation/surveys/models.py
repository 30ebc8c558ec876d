"""A draft's survey (DESIGN P3): its questions, written by the agency's editors before the consultation opens,
and one submission per participant, which they may revise until the consultation closes."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eparticipation.db import Base, UTCDateTime, portable_enum

QUESTION_MAX = 500  # a question's text, in each language
OPTION_MAX = 200  # an option's text, in each language
OPTION_SLOTS = 8  # the most options a choice question has (the form shows this many rows)
TEXT_ANSWER_MAX = 500  # a short-text answer
SCALE = range(1, 6)  # the values of a scale question


class QuestionKind(enum.StrEnum):
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    scale = "scale"  # 1 to 5
    text = "text"  # a short text

    @property
    def has_options(self) -> bool:
        return self in (QuestionKind.single_choice, QuestionKind.multiple_choice)


class Survey(Base):
    """The survey of one draft. Its questions can change only while the draft is a draft (SurveyDesign)."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    questions: Mapped[list["Question"]] = relationship(
        order_by="[Question.position, Question.id]", cascade="all, delete-orphan", back_populates="survey"
    )


class Question(Base):
    """One question: its text in every required language ({language: text}) and, for the choice kinds,
    its options ([{language: text}, ...]; an answer names an option by its index)."""

    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(portable_enum(QuestionKind, "question_kind"))
    required: Mapped[bool] = mapped_column(default=False)
    texts: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    options: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, default=list)

    survey: Mapped[Survey] = relationship(back_populates="questions")

    def text(self, language: str) -> str:
        return localized(self.texts, language)

    def option_labels(self, language: str) -> list[str]:
        return [localized(option, language) for option in self.options]


def localized(texts: dict[str, str], language: str, fallback: str = "fa") -> str:
    return texts.get(language) or texts.get(fallback) or next(iter(texts.values()), "")


class Submission(Base):
    """One participant's answers to one survey ({question id: answer}): an option's index (single choice),
    a list of indexes (multiple choice), 1–5 (scale) or a text. Unanswered optional questions are absent.
    Written by an upsert, so the database keeps one row per participant even under concurrent sends."""

    __tablename__ = "survey_submissions"
    __table_args__ = (sa.UniqueConstraint("survey_id", "user_id", name="uq_survey_submissions_survey_id_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
