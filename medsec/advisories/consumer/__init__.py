"""The hospital's CSAF consumer: subscribe to a manufacturer's CSAF provider, download its
advisories, check that they are authentic and valid, import them into the vulnerability
store and tell the hospital which of its devices they concern.

- :mod:`~medsec.advisories.consumer.discovery`: provider-metadata.json (well-known URL, then
  security.txt), the documents its ROLIE feeds and directories list;
- :mod:`~medsec.advisories.consumer.download`: conditional GET (ETag, Last-Modified), HTTPS;
- :mod:`~medsec.advisories.consumer.integrity`: hash, then signature against the pinned key;
- :mod:`~medsec.advisories.consumer.pipeline`: one fetch, document by document, quarantine;
- :mod:`~medsec.advisories.consumer.matching`: advisory products against the inventory;
- :mod:`~medsec.advisories.consumer.services`: what routes, pages and commands call.
"""
