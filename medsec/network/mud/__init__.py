"""Manufacturer Usage Description (RFC 8520) files from and to profiles.

:func:`medsec.network.mud.export.export_mud` writes the MUD file (YANG JSON) of one
product version; :func:`medsec.network.mud.importer.import_mud_text` reads one (RFC 8520
or the pre-RFC ``access-lists`` shape) into a draft profile whose network section holds
every ACL entry. :mod:`medsec.network.mud.aces` is the normal form both sides compare.
"""
