"""Errors of the flows domain: a log or a map that cannot be read as a whole."""

from __future__ import annotations

from medsec.errors import Error


class FlowLogError(Error):
    """An observed-flow file cannot be read at all (wrong log type, no header, unreadable).

    Single bad lines never raise this: they are counted in the
    :class:`~medsec.flows.records.ReadReport`.
    """

    kind = "invalid-flow-log"
    status = 422
    title = "The flow log cannot be read"


class FlowMapError(Error):
    """The authorized flow map is not a valid version-1 interchange document."""

    kind = "invalid-flow-map"
    status = 422
    title = "The authorized flow map is not valid"
