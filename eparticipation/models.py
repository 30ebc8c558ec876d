"""Imports every model so that the metadata (for Alembic and tests) is complete."""

from eparticipation.accounts.models import (  # noqa: F401
    AccountToken,
    LoginAttempt,
    RecoveryCode,
    RoleGrant,
    SecondFactor,
    User,
)
from eparticipation.agencies.models import Agency, Unit  # noqa: F401
from eparticipation.api.models import DRAFTS_BY_CHANGE  # noqa: F401
from eparticipation.audit.models import AuditCheckpoint, AuditEntry  # noqa: F401
from eparticipation.certificates.models import Certificate, CertificateRun  # noqa: F401
from eparticipation.consultations.models import (  # noqa: F401
    Article,
    ConsultedArticle,
    Draft,
    DraftText,
    WorkflowEvent,
)
from eparticipation.db import Base  # noqa: F401
from eparticipation.embed.models import EmbedSettings  # noqa: F401
from eparticipation.feedback.models import Service, ServiceRating  # noqa: F401
from eparticipation.incentives.models import (  # noqa: F401
    Badge,
    LedgerEntry,
    PointsTotal,
    PublicProfile,
    ThankYouList,
    ThankYouName,
)
from eparticipation.messaging.models import (  # noqa: F401
    InboxMessage,
    MessengerLink,
    MessengerLinkCode,
    OutboxMessage,
)
from eparticipation.participation.models import (  # noqa: F401
    Comment,
    CommentReport,
    CommentRevision,
    CommentSupport,
    ModerationAct,
    Vote,
)
from eparticipation.oversight.models import CommentTally, Headcount, Presence, ResponseDelay  # noqa: F401
from eparticipation.oversight import tallies  # noqa: F401 (the flush listeners that keep those counts)
from eparticipation.planning.models import PlanComment, PlanEntry, PlanFollow  # noqa: F401
from eparticipation.ratelimits import RateCounter  # noqa: F401
from eparticipation.reports.models import Report, ReportTheme  # noqa: F401
from eparticipation.responses.models import Response, ResponseComment, ResponseRevision  # noqa: F401
from eparticipation.subscriptions.models import (  # noqa: F401
    Subscriber,
    SubscriberChannel,
    Subscription,
    SubscriptionFanout,
    SubscriptionNotice,
)
from eparticipation.syndication.models import SyndicationPush  # noqa: F401
from eparticipation.surveys.models import Question, Submission, Survey  # noqa: F401
