"""Firewall rules from the authorized flow map, through aerleon (used as a library).

:func:`medsec.network.firewall.policy.build` turns a :class:`~medsec.network.flowmap.FlowMap`
into an aerleon policy (one accept term per authorized flow, commented with the profile,
service and flow it comes from, then a logged default deny);
:mod:`medsec.network.firewall.targets` renders it for one firewall platform.
"""
