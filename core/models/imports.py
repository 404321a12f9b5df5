"""Imports of verbali: the files received from the police software or from automatic devices,
and the device events already turned into verbali.

A :class:`VerbaliImport` records one file by its SHA-256, so importing the same file twice for
the same Ente finds the first import and changes nothing; its batch run carries the progress,
the counters and the summary. A :class:`DeviceEvent` is one detection of an automatic device
(speed camera, red-light camera, ZTL or bus-lane gate); the device, the instant and the plate
identify it, so the same event in a later file is skipped. See ``docs/import-format.md``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow

from ._common import str_enum


class VerbaliImportFormat(StrEnum):
    CSV = "csv"  # police software export, one verbale per row
    JSON = "json"  # the same records as one JSON array
    JSONL = "jsonl"  # the same records as JSON Lines
    DEVICE = "device"  # automatic devices' events (CSV or JSON Lines)


class DeviceKind(StrEnum):
    SPEED = "speed"  # autovelox / speed camera
    RED_LIGHT = "red_light"  # red-light camera
    ZTL = "ztl"  # limited-traffic-zone gate
    BUS_LANE = "bus_lane"  # reserved-lane gate


class VerbaliImport(Base):
    """One file imported for an Ente (police software export or device events)."""

    __tablename__ = "verbali_import"
    __table_args__ = (UniqueConstraint("ente_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    sha256: Mapped[str] = mapped_column(String(64))  # of the whole file: same file = same import
    format: Mapped[VerbaliImportFormat] = mapped_column(str_enum(VerbaliImportFormat, 10))
    filename: Mapped[str] = mapped_column(String(255))  # as received, for the operator
    size: Mapped[int] = mapped_column(BigInteger)  # bytes
    # Storage key of the uploaded file (contact-center uploads); empty for a local file (CLI).
    storage_key: Mapped[str] = mapped_column(String(300), default="")
    # Storage key of the rejected-rows report (CSV: line, column, reason); empty: none.
    report_key: Mapped[str] = mapped_column(String(300), default="")
    batch_run_id: Mapped[int | None] = mapped_column(ForeignKey("batch_run.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(120), default="")  # "staff:12" or "cli"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ente = relationship("Ente")
    batch_run = relationship("BatchRun")


class DeviceEvent(Base):
    """A detection of an automatic device, turned into a verbale in state ASSESSED."""

    __tablename__ = "device_event"
    __table_args__ = (
        UniqueConstraint("ente_id", "device_id", "event_at", "plate"),
        Index("ix_device_event_ente_plate", "ente_id", "plate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ente_id: Mapped[int] = mapped_column(ForeignKey("ente.id"))
    device_id: Mapped[str] = mapped_column(String(60))  # the device's serial / identifier
    device_kind: Mapped[DeviceKind] = mapped_column(str_enum(DeviceKind, 20))
    event_at: Mapped[datetime] = mapped_column(UTCDateTime)  # instant of the detection
    plate: Mapped[str] = mapped_column(String(20))  # normalised: upper case, no spaces
    verbale_id: Mapped[int] = mapped_column(ForeignKey("verbale.id", ondelete="CASCADE"),
                                            unique=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("verbali_import.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    verbale = relationship("Verbale")
