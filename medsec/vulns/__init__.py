"""Vulnerability records and ecosystem-correct matching.

Public surface (see docs/vulnerabilities.md):

- :mod:`medsec.vulns.versions` — ``compare(ecosystem, a, b)`` per OSV ecosystem (univers);
- :mod:`medsec.vulns.records` — the OSV record model;
- :mod:`medsec.vulns.sources` — ``osv.read_records`` (dir/zip/JSON/YAML), ``nvd.read_nvd``,
  ``kev.read_kev``;
- :mod:`medsec.vulns.matcher` — ``Index``, ``match(index, Package)``, ``match_cpe``;
- :mod:`medsec.vulns.packages` — ``Package`` (what is asked about), purl mapping;
- :mod:`medsec.vulns.store` — import into the service database, ``load_index``.

>>> from medsec.vulns.versions import compare
>>> compare("Maven", "1.0-SNAPSHOT", "1.0")
-1
"""
