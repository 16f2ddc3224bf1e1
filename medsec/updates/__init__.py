"""Update releases, validated third-party patches, end-of-support notices and the
maintenance planner (issue 8).

Manufacturer side, in the service: :mod:`medsec.updates.models` (tables),
:mod:`medsec.updates.manifest` (release manifests and patch lists, YAML/JSON),
:mod:`medsec.updates.services` (tenancy, publishing, audit), :mod:`medsec.updates.api`.

Hospital side, pure functions over small input types: :mod:`medsec.updates.applicability`
(which releases apply to an asset and which findings each closes),
:mod:`medsec.updates.windows` (maintenance windows as local-time rules → UTC occurrences),
:mod:`medsec.updates.planner` (assign assets to occurrences within group limits) and
:mod:`medsec.updates.tasks` (task states and transitions).
"""
