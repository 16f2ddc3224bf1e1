"""Every domain's tables, imported so that ``Base.metadata`` is complete (for Alembic)."""

from medsec.accounts import models as accounts_models
from medsec.advisories.consumer import models as csaf_consumer_models
from medsec.advisories.publishing import models as advisories_models
from medsec.audit import models as audit_models
from medsec.db.base import Base
from medsec.disclosure import models as disclosure_models
from medsec.education import models as education_models
from medsec.escalation import models as escalation_models
from medsec.feeds import models as feeds_models
from medsec.findings import models as findings_models
from medsec.flows import models as flows_models
from medsec.inventory import models as inventory_models
from medsec.mds2 import models as mds2_models
from medsec.monitoring import models as monitoring_models
from medsec.network import models as network_models
from medsec.notifications import models as notifications_models
from medsec.products import models as products_models
from medsec.sbom import models as sbom_models
from medsec.updates import models as updates_models
from medsec.updates import planning_models as updates_planning_models
from medsec.vulns import models as vulns_models

metadata = Base.metadata

__all__ = [
    "accounts_models",
    "advisories_models",
    "audit_models",
    "csaf_consumer_models",
    "disclosure_models",
    "education_models",
    "escalation_models",
    "feeds_models",
    "findings_models",
    "flows_models",
    "inventory_models",
    "mds2_models",
    "metadata",
    "monitoring_models",
    "network_models",
    "notifications_models",
    "products_models",
    "sbom_models",
    "updates_models",
    "updates_planning_models",
    "vulns_models",
]
