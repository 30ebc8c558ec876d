"""Counts the compliance dashboard reads instead of the comments (DESIGN E1): kept as people write, in the
same transaction (oversight/tallies.py), so the dashboard reads a few thousand rows at any number of comments.

A consultation's comments count in the Jalali quarter and year in which it opened, for its agency and for the
ministry as a whole (scope 0, as the points' totals count the site).

The counts are moved by upserts that add a difference, which may be negative; a CHECK (count >= 0) would refuse
the candidate row of such an upsert before the conflict makes it an update, so there is none: `eparticipation-
tallies` compares every count with the comments instead.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eparticipation.db import Base

MINISTRY_SCOPE = 0  # the scope of the ministry's rows; any other scope is an agency's id
PERIOD_MAX = 8  # "1405" or "1405-3"


class CommentTally(Base):
    """Per consultation: its visible comments, how many of them a response answers, and how many of those the
    response's latest revision accepts or partially accepts."""

    __tablename__ = "comment_tallies"

    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), primary_key=True)
    visible: Mapped[int] = mapped_column(sa.Integer, default=0)
    answered: Mapped[int] = mapped_column(sa.Integer, default=0)
    accepted: Mapped[int] = mapped_column(sa.Integer, default=0)


class Presence(Base):
    """How many visible comments a person has in a scope and period; a row at 0 is a person who left it (their
    comments withdrawn or hidden). It is what tells a person's first comment there from their next ones."""

    __tablename__ = "participation_presence"

    scope: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # MINISTRY_SCOPE or an agency's id
    period: Mapped[str] = mapped_column(sa.String(PERIOD_MAX), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    comments: Mapped[int] = mapped_column(sa.Integer, default=0)


class Headcount(Base):
    """How many people have a visible comment in a scope and period: the dashboard's participants."""

    __tablename__ = "participation_headcounts"

    scope: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(PERIOD_MAX), primary_key=True)
    people: Mapped[int] = mapped_column(sa.Integer, default=0)


class ResponseDelay(Base):
    """How many responses were written a given time after their consultation closed, per scope and period: the
    median days to respond is read from these counts. The time is in tenths of a day, the precision the dashboard
    shows, so that a cell holds as many rows as there are distinct delays, not as many as responses."""

    __tablename__ = "response_delays"

    scope: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(PERIOD_MAX), primary_key=True)
    tenths: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # of a day, rounded half up
    responses: Mapped[int] = mapped_column(sa.Integer, default=0)
