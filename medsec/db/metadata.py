"""Every domain's tables, imported so that ``Base.metadata`` is complete (for Alembic)."""

from medsec.accounts import models as accounts_models
from medsec.audit import models as audit_models
from medsec.db.base import Base
from medsec.education import models as education_models
from medsec.escalation import models as escalation_models
from medsec.inventory import models as inventory_models
from medsec.mds2 import models as mds2_models
from medsec.notifications import models as notifications_models
from medsec.products import models as products_models
from medsec.updates import models as updates_models

metadata = Base.metadata

__all__ = [
    "accounts_models",
    "audit_models",
    "education_models",
    "escalation_models",
    "inventory_models",
    "mds2_models",
    "metadata",
    "notifications_models",
    "products_models",
    "updates_models",
]
