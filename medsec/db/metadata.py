"""Every domain's tables, imported so that ``Base.metadata`` is complete (for Alembic)."""

from medsec.accounts import models as accounts_models
from medsec.audit import models as audit_models
from medsec.db.base import Base
from medsec.products import models as products_models
from medsec.vulns import models as vulns_models

metadata = Base.metadata

__all__ = ["accounts_models", "audit_models", "metadata", "products_models", "vulns_models"]
