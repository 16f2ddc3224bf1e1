"""The hospital device inventory: sites, zones (IEC 62443), assets and their events.

A healthcare provider records where its devices are (site, zone, location), what they are
(vendor, model, serial, firmware), how to reach them (IP, MAC, hostname), who owns them
and how critical they are clinically, and links each asset to the published profile
version of a product it holds. Assets come from forms, the API, CSV/JSON imports
(:mod:`medsec.inventory.importer`) and identity self-reports of devices or their
manufacturer's central server (:mod:`medsec.inventory.identity`).
"""
