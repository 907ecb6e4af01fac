"""queue at a million requests (PostgreSQL only): partial indexes on open requests for the
queue's due-date order and the SLA watcher, and (status[, department], due date, id) indexes for
lists of one status, finished ones too; all end in (due_at, id), the keyset cursor's bound

Revision ID: 0006q
Revises: 0006p
Create Date: 2026-12-07
"""
from alembic import op

revision = "0006q"
down_revision = "0006p"
branch_labels = None
depends_on = None

# hub.models.OPEN_STATUSES, written out: a migration must not change when the code does
_OPEN = "status IN ('new', 'triaged', 'forwarded', 'in_progress', 'waiting_citizen', 'needs_review')"
INDEXES = {
    # the SLA watcher's candidates: open, with a deadline, neither paused nor already breached
    "ix_request_sla_open": f"(due_at) WHERE due_at IS NOT NULL AND sla_breached_at IS NULL "
    f"AND sla_paused_since IS NULL AND {_OPEN}",
    # the queue sorted by due date: open requests, alone or by department
    "ix_request_open_due": f"(due_at, id) WHERE due_at IS NOT NULL AND {_OPEN}",
    "ix_request_open_dept_due": f"(department, due_at, id) WHERE due_at IS NOT NULL AND {_OPEN}",
    # lists of one status (finished ones too), alone or by department, sorted by due date
    "ix_request_status_due": "(status, due_at, id) WHERE due_at IS NOT NULL",
    "ix_request_status_dept_due": "(status, department, due_at, id) WHERE due_at IS NOT NULL",
    # ... and by mahalle (PostgreSQL would otherwise AND the mahalle's bitmap with a whole department's)
    "ix_request_mahalle_due": "(mahalle, status, department, due_at, id) WHERE due_at IS NOT NULL "
    "AND mahalle IS NOT NULL",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite sites are small; its planner would not prove these predicates anyway
    for name, spec in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON request {spec}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
