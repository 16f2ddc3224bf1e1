"""Advisories written and published in the service (issue 7 §2, §3, §8).

A manufacturer's draft is the authoring input (:class:`~medsec.advisories.authoring.input.
AdvisoryInput`, as JSON) naming the organization's stored products; it is built by the same
builder as ``medsec csaf new``. Publishing freezes a revision (the CSAF JSON, its HTML page
and field safety notice), writes the document into the CSAF provider directory (signed,
served at ``/.well-known/csaf/``), and tells every hospital organization that holds one of
the products or has assets linked to one of its versions; they acknowledge it.
"""
