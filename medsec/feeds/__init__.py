"""Signed manufacturer → hospital feeds of profiles, SBOMs and VEX (beyond CSAF).

Manufacturer side (:mod:`.index`, :mod:`.publishing`): every manufacturer organization
has a feed at ``/public/feeds/{org-slug}/index.json``, a small TUF-lite index listing one entry
per published profile version and document (``profile``, ``sbom``, ``vex``) with its URL,
SHA-256 and size, signed by the instance's OpenPGP key (``index.json.asc``, the key at
``key.asc``) and carrying the URL of the manufacturer's CSAF provider.

Hospital side (:mod:`.receiving`, :mod:`.subscriptions`): a subscription pins the feed's
key; fetching verifies the index signature and the SHA-256 of every entry (a mismatch is
quarantined with its reason and never stored), stores each new version as a product of
the hospital instance (profile, SBOM, VEX), computes the profile diff against the
previous received version, links the hospital's matching assets and notifies its staff.
"""
