"""Every table the migrations manage: importing this module registers the store's, the learning and the
account models on one MetaData, so the Alembic environment and its model check see them all."""

from __future__ import annotations

from copilot.auth import models as auth_models
from copilot.store import models as store_models
from copilot.store.base import Base

metadata = Base.metadata

__all__ = ["auth_models", "metadata", "store_models"]
