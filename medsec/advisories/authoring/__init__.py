"""Writing CSAF 2.0 advisories from a small input that names PSP profiles.

>>> from pathlib import Path
>>> from medsec.advisories.authoring import load_advisory_input, build_advisory
>>> example = Path(__file__).resolve().parents[3] / "examples" / "advisories" / "nwis-2026-004.yaml"
>>> advisory, _ = load_advisory_input(example)
>>> built = build_advisory(advisory, base=example.parent, file=str(example))
>>> built.validation.is_valid, built.document["document"]["tracking"]["version"]
(True, '1.1.0')
"""

from __future__ import annotations

from medsec.advisories.authoring.build import AdvisoryInvalid, BuiltAdvisory, build_advisory
from medsec.advisories.authoring.input import AdvisoryInput, load_advisory_input
from medsec.advisories.authoring.write import write_advisory

__all__ = [
    "AdvisoryInput",
    "AdvisoryInvalid",
    "BuiltAdvisory",
    "build_advisory",
    "load_advisory_input",
    "write_advisory",
]
