"""Initial schema: runs, lanes, test_results.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-24 08:19:10.653733
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("runs",
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("run_id", sa.String(length=128), nullable=False),
    sa.Column("kind", sa.String(length=32), nullable=False),
    sa.Column("started", sa.DateTime(), nullable=True),
    sa.Column("finished", sa.DateTime(), nullable=True),
    sa.Column("verdict", sa.String(length=32), nullable=True),
    sa.Column("glance_source", sa.String(length=16), nullable=True),
    sa.Column("glance_version", sa.String(length=64), nullable=True),
    sa.Column("git_ref", sa.String(length=255), nullable=True),
    sa.Column("git_sha", sa.String(length=64), nullable=True),
    sa.Column("change", sa.String(length=32), nullable=True),
    sa.Column("patchset", sa.String(length=16), nullable=True),
    sa.Column("queue_hash", sa.String(length=128), nullable=True),
    sa.Column("winci_version", sa.String(length=32), nullable=True),
    sa.Column("backend", sa.String(length=16), nullable=True),
    sa.Column("manifest", sa.Text(), nullable=True),
    sa.Column("imported_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("run_id"),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runs_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_started"), ["started"], unique=False)

    op.create_table("lanes",
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("run_pk", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=32), nullable=False),
    sa.Column("verdict", sa.String(length=32), nullable=True),
    sa.Column("total", sa.Integer(), nullable=False),
    sa.Column("passed", sa.Integer(), nullable=False),
    sa.Column("failed", sa.Integer(), nullable=False),
    sa.Column("known_failures", sa.Integer(), nullable=False),
    sa.Column("flaky", sa.Integer(), nullable=False),
    sa.Column("skipped", sa.Integer(), nullable=False),
    sa.Column("duration_s", sa.Float(), nullable=False),
    sa.Column("error", sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(["run_pk"], ["runs.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("run_pk", "name", name="uq_lanes_run_name")
    )
    op.create_table("test_results",
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("lane_pk", sa.Integer(), nullable=False),
    sa.Column("test_id", sa.String(length=700), nullable=False),
    sa.Column("attrs", sa.String(length=255), nullable=False),
    sa.Column("status", sa.String(length=16), nullable=False),
    sa.Column("duration_s", sa.Float(), nullable=False),
    sa.Column("flaky", sa.Boolean(), nullable=False),
    sa.Column("known", sa.Boolean(), nullable=False),
    sa.Column("details", sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(["lane_pk"], ["lanes.id"], ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("test_results", schema=None) as batch_op:
        batch_op.create_index("ix_test_results_lane_test", ["lane_pk", "test_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_test_results_test_id"), ["test_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("test_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_test_results_test_id"))
        batch_op.drop_index("ix_test_results_lane_test")

    op.drop_table("test_results")
    op.drop_table("lanes")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_started"))
        batch_op.drop_index(batch_op.f("ix_runs_kind"))

    op.drop_table("runs")
