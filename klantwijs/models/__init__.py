"""Database tables, one module per area. Content (lessons, questions) lives in files; rows
refer to it by slug and id. Import them from here: `from klantwijs.models import User`."""

from .accounts import ROLE_VALUES, GroupTeam, Invitation, LoginFailure, OidcIdentity, Role, User
from .base import MAX_ID, utcnow
from .interop import XapiStatement
from .learning import (
    Answer,
    Attempt,
    AttemptKind,
    Certificate,
    LessonView,
    QuestionTally,
    ReportCell,
    ReviewCard,
    ReviewLog,
    ReviewNudge,
    ReviewSession,
)
from .teams import (
    Assignment,
    AuditEntry,
    Membership,
    Notice,
    NoticeKind,
    ReminderSent,
    Team,
    TeamLead,
)

__all__ = [
    "MAX_ID",
    "ROLE_VALUES",
    "Answer",
    "Assignment",
    "Attempt",
    "AttemptKind",
    "AuditEntry",
    "Certificate",
    "GroupTeam",
    "Invitation",
    "LessonView",
    "LoginFailure",
    "Membership",
    "Notice",
    "NoticeKind",
    "OidcIdentity",
    "QuestionTally",
    "ReportCell",
    "ReminderSent",
    "ReviewCard",
    "ReviewLog",
    "ReviewNudge",
    "ReviewSession",
    "Role",
    "Team",
    "TeamLead",
    "User",
    "XapiStatement",
    "utcnow",
]
