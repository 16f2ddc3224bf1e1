"""CSAF 2.0 advisories: validation, plain-language explanations, readability, authoring.

The public surface:

- :mod:`medsec.advisories.interfaces` — the :class:`~medsec.advisories.interfaces.CsafValidator`
  port, the presets and the frozen result types;
- :func:`medsec.advisories.validation.default_validator` — the validator medsec uses
  (the ``csaf`` package, CSAF 2.0);
- :func:`medsec.advisories.explain.explain` — a finding in words a hospital reader follows;
- :func:`medsec.advisories.readability.score_text` — Flesch scores, long sentences, jargon;
- :mod:`medsec.advisories.authoring` — a CSAF 2.0 document from a small advisory input.
"""
