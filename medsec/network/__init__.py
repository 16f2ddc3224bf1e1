"""Network segmentation for a hospital site (principle 1 of the profiles).

- :mod:`medsec.network.site` / :mod:`medsec.network.site_yaml`: zones, conduits, assets
  and endpoint bindings, kept as a YAML file;
- :mod:`medsec.network.flowmap`: the authorized flow map computed from the assets'
  profiles, with to-dos and conflicts, and its ``map_version: 1`` interchange;
- :mod:`medsec.network.firewall`: rules for nftables, iptables, Cisco, SRX, Palo Alto
  (through aerleon);
- :mod:`medsec.network.mud`: MUD files (RFC 8520) from and to profiles.

See docs/network.md.
"""
