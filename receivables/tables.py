"""Every table of Settle in one metadata.

The tables live with their topic: the core ones (debtors, invoices, payments, conversations,
handoffs, ...) in receivables/models.py, the others in their package's models.py. A table is
known to SQLAlchemy's metadata only once its module is imported, so this module imports every
one of them. Alembic (migrations/env.py), the schema check against the migrations and anything
that walks the whole schema use `metadata` from here; a new models module is added below
(tests/db/test_schema_matches_migrations.py fails until it is).
"""

from __future__ import annotations

from sqlalchemy import MetaData

from receivables import models
from receivables.books import models as books
from receivables.conversations import models as conversations
from receivables.ratelimits import models as ratelimits
from receivables.reminders import models as reminders
from receivables.verification import models as verification

MODULES = (models, books, conversations, ratelimits, reminders, verification)

metadata: MetaData = models.Base.metadata
