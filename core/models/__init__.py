"""All mapped classes, importable from one place (Alembic reads ``Base.metadata`` from here)."""

from core.db import Base

from ._common import Language
from .audit import AuditEvent
from .auth import AccessCredential, StaffRole, StaffUser, new_session_token, staff_ente
from .batches import BatchRun, BatchStatus, FormDraft
from .calls import Call, CallEvent, CallOutcome
from .cases import (
    Case,
    CaseAttachment,
    CaseChannel,
    CaseEvent,
    CaseMessage,
    CasePriority,
    CaseStatus,
    CaseType,
    ProtocolCounter,
    Queue,
    RoutingRule,
    SurveyResponse,
    case_verbale,
)
from .enforcement import EnforcementPolicy, EntryStatus, Roll, RollEntry, RollStatus
from .ente import CostKind, Ente, EnteCost, NotificationChannel
from .letters import Letter, LetterKind
from .notifications import NotificationEvent, NotificationOutcome
from .payments import (
    Allocation,
    IuvCounter,
    NoticeStatus,
    Payment,
    PaymentChannel,
    PaymentNotice,
    PaymentStatus,
    RefundRequest,
    RefundStatus,
)
from .people import Person, PersonKind
from .verbali import (
    Evidence,
    EvidenceKind,
    Verbale,
    VerbaleCost,
    VerbaleStatus,
    VerbaleViolation,
)
from .violations import ViolationAmount, ViolationFamily, ViolationType

__all__ = [
    "BatchRun", "BatchStatus", "FormDraft", "Letter", "LetterKind",
    "Call", "CallEvent", "CallOutcome",
    "EnforcementPolicy", "EntryStatus", "Roll", "RollEntry", "RollStatus",
    "Case", "CaseAttachment", "CaseChannel", "CaseEvent", "CaseMessage", "CasePriority",
    "CaseStatus", "CaseType", "ProtocolCounter", "Queue", "RoutingRule", "SurveyResponse",
    "case_verbale",
    "Allocation", "IuvCounter", "NoticeStatus", "PaymentNotice", "RefundRequest", "RefundStatus",
    "AccessCredential", "AuditEvent", "Base", "CostKind", "Ente", "EnteCost", "Evidence",
    "EvidenceKind", "Language", "NotificationChannel", "NotificationEvent",
    "NotificationOutcome", "Payment", "PaymentChannel", "PaymentStatus", "Person", "PersonKind",
    "StaffRole", "StaffUser", "new_session_token", "Verbale", "VerbaleCost", "VerbaleStatus", "VerbaleViolation",
    "ViolationAmount", "ViolationFamily", "ViolationType", "staff_ente",
]
