"""MDS2 (HIMSS/NEMA HN 1-2019): profile → answers → xlsx/csv/json; file → answers; compare.

The public surface:

- :func:`derive` — a profile's :class:`Mds2Document` (derived and manual answers);
- :func:`write_mds2` — write a document as ``.xlsx``, ``.csv`` or ``.json``;
- :func:`read_mds2` — read any manufacturer's MDS2 spreadsheet (or our csv/json);
- :func:`compare` — the differences that matter between two documents;
- :func:`hn1_2019` — the form itself (sections and questions).

>>> from medsec.profiles.loader import load_profile_text
>>> from medsec.profiles.psp import EXAMPLE_MINIMAL
>>> doc = derive(load_profile_text(EXAMPLE_MINIMAL))
>>> doc.choice("DOC-11"), doc.coverage().total
(<Choice.NO: 'No'>, 240)
"""

from medsec.mds2.answers import Answer, Choice, Coverage, Mds2Document, Origin
from medsec.mds2.compare import Difference, Severity, compare
from medsec.mds2.derive import ManualAnswerError, derive, manual_entry
from medsec.mds2.export import write_mds2
from medsec.mds2.form import Form, Question, hn1_2019
from medsec.mds2.importer import ImportedMds2, Mds2FileError, read_mds2, read_mds2_bytes

__all__ = [
    "Answer",
    "Choice",
    "Coverage",
    "Difference",
    "Form",
    "ImportedMds2",
    "ManualAnswerError",
    "Mds2Document",
    "Mds2FileError",
    "Origin",
    "Question",
    "Severity",
    "compare",
    "derive",
    "hn1_2019",
    "manual_entry",
    "read_mds2",
    "read_mds2_bytes",
    "write_mds2",
]
