"""All mapped classes, importable from one place (Alembic reads ``Base.metadata`` from here)."""

from core.db import Base

from ._common import Language
from .appeals import (
    Appeal,
    AppealOffice,
    AppealRoute,
    AppealStatus,
    DriverDeclaration,
    DriverDeclarationStatus,
)
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
from .imports import DeviceEvent, DeviceKind, VerbaliImport, VerbaliImportFormat
from .instalments import Instalment, InstalmentPlan, InstalmentStatus, PlanStatus
from .letters import Letter, LetterKind, LetterTemplate, PostalItem, PostalProduct
from .notifications import (
    DispatchStatus,
    LateNotificationReview,
    NotificationDispatch,
    NotificationEvent,
    NotificationOutcome,
    NotificationSettings,
)
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
from .reconciliation import (
    BankEntry,
    BankEntryStatus,
    ImportKind,
    ImportStatus,
    ItemReason,
    ItemResolution,
    ItemStatus,
    ReconciliationImport,
    ReconciliationItem,
)
from .requests import PendingRequest, RequestKind
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
    "DeviceEvent", "DeviceKind", "VerbaliImport", "VerbaliImportFormat",
    "Instalment", "InstalmentPlan", "InstalmentStatus", "PlanStatus",
    "BankEntry", "BankEntryStatus", "ImportKind", "ImportStatus", "ItemReason", "ItemResolution",
    "ItemStatus", "ReconciliationImport", "ReconciliationItem",
    "Appeal", "AppealOffice", "AppealRoute", "AppealStatus", "DriverDeclaration", "DriverDeclarationStatus",
    "Call", "CallEvent", "CallOutcome",
    "PendingRequest", "RequestKind",
    "BatchRun", "BatchStatus", "FormDraft", "Letter", "LetterKind",
    "EnforcementPolicy", "EntryStatus", "Roll", "RollEntry", "RollStatus",
    "LetterTemplate", "PostalItem", "PostalProduct",
    "Case", "CaseAttachment", "CaseChannel", "CaseEvent", "CaseMessage", "CasePriority",
    "CaseStatus", "CaseType", "ProtocolCounter", "Queue", "RoutingRule", "SurveyResponse",
    "case_verbale",
    "Allocation", "IuvCounter", "NoticeStatus", "PaymentNotice", "RefundRequest", "RefundStatus",
    "AccessCredential", "AuditEvent", "Base", "CostKind", "Ente", "EnteCost", "Evidence",
    "EvidenceKind", "Language", "NotificationChannel", "NotificationEvent",
    "DispatchStatus", "LateNotificationReview", "NotificationDispatch", "NotificationSettings",
    "NotificationOutcome", "Payment", "PaymentChannel", "PaymentStatus", "Person", "PersonKind",
    "StaffRole", "StaffUser", "new_session_token", "Verbale", "VerbaleCost", "VerbaleStatus", "VerbaleViolation",
    "ViolationAmount", "ViolationFamily", "ViolationType", "staff_ente",
]
