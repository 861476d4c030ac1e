"""The history schema (SQLAlchemy 2.0): runs, their lanes, and each test's result.

Changes to these models need an Alembic revision in ``migrations/versions`` (the
test suite checks that the migrated schema matches the models).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: Test ids are indexed; 700 characters of utf8mb4 stay under InnoDB's 3072-byte key limit.
TEST_ID_LEN = 700


class Base(DeclarativeBase):
    pass


class Run(Base):
    """One ``winci run`` (or one imported stream), with what its manifest said."""

    __tablename__ = "runs"
    # history ids are never reused on SQLite either, even after a run is replaced
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32), default="run", index=True)
    started: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    finished: Mapped[datetime | None] = mapped_column(DateTime)
    verdict: Mapped[str | None] = mapped_column(String(32))
    glance_source: Mapped[str | None] = mapped_column(String(16))
    glance_version: Mapped[str | None] = mapped_column(String(64))
    git_ref: Mapped[str | None] = mapped_column(String(255))
    git_sha: Mapped[str | None] = mapped_column(String(64))
    change: Mapped[str | None] = mapped_column(String(32))
    patchset: Mapped[str | None] = mapped_column(String(16))
    queue_hash: Mapped[str | None] = mapped_column(String(128))
    winci_version: Mapped[str | None] = mapped_column(String(32))
    backend: Mapped[str | None] = mapped_column(String(16))
    manifest: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(DateTime)

    lanes: Mapped[list[Lane]] = relationship(back_populates="run", cascade="all, delete-orphan",
                                             passive_deletes=True)


class Lane(Base):
    """One lane of a run, with its counts as in ``summary.json``/``verdict.json``."""

    __tablename__ = "lanes"
    __table_args__ = (UniqueConstraint("run_pk", "name", name="uq_lanes_run_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(32))
    verdict: Mapped[str | None] = mapped_column(String(32))
    total: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    known_failures: Mapped[int] = mapped_column(Integer, default=0)
    flaky: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)

    run: Mapped[Run] = relationship(back_populates="lanes")


class TestResult(Base):
    """One test of one lane: its final status, duration, and whether flaky or known."""

    __tablename__ = "test_results"
    __table_args__ = (Index("ix_test_results_lane_test", "lane_pk", "test_id"),)
    __test__ = False  # not a pytest test class

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lane_pk: Mapped[int] = mapped_column(ForeignKey("lanes.id", ondelete="CASCADE"))
    #: the id without its ``[...]`` attributes, which are kept in ``attrs``
    test_id: Mapped[str] = mapped_column(String(TEST_ID_LEN), index=True)
    attrs: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16))
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    flaky: Mapped[bool] = mapped_column(Boolean, default=False)
    known: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the traceback of failures, the reason of skips and known failures
    details: Mapped[str | None] = mapped_column(Text)
