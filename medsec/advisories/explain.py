"""Validation findings in words a hospital reader understands.

Each test of CSAF 2.0 §6 has a plain title and one sentence saying what is wrong and why it
matters to someone deciding whether their device is at risk. ``{value}`` is the thing the
finding is about (the first `quoted` value of the engine's message, else the value at the
finding's place in the document) and ``{path}`` is the place as a JSON pointer.

>>> from medsec.advisories.interfaces import Finding, Severity
>>> finding = Finding(
...     "6.1.1",
...     Severity.ERROR,
...     "/vulnerabilities/0/product_status/known_affected/0",
...     "product id `CSAFPID-0001` is not defined in product_tree",
... )
>>> print(explain(finding))  # doctest: +NORMALIZE_WHITESPACE
6.1.1 Missing definition of product ID: the advisory mentions product 'CSAFPID-0001'
at /vulnerabilities/0/product_status/known_affected/0 but never defines it in the
product tree, so you cannot tell which device it means.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from medsec.advisories.interfaces import Finding, Severity

#: test id -> (plain title, sentence). Every mandatory, optional and informative test of
#: CSAF 2.0, the schema, and the two CSAF 2.1 draft checks the csaf library adds.
EXPLANATIONS: Final[Mapping[str, tuple[str, str]]] = {
    "schema": (
        "Not in the CSAF 2.0 format",
        "the advisory does not follow the CSAF 2.0 format at {path} ({message}), so tools "
        "may read it wrongly or not at all",
    ),
    "6.1.1": (
        "Missing definition of product ID",
        "the advisory mentions product '{value}' at {path} but never defines it in the "
        "product tree, so you cannot tell which device it means",
    ),
    "6.1.2": (
        "Multiple definition of product ID",
        "product '{value}' is defined twice (again at {path}), so its name and version are "
        "ambiguous",
    ),
    "6.1.3": (
        "Circular definition of product ID",
        "product '{value}' is defined in terms of itself at {path}, so it never names a real "
        "device",
    ),
    "6.1.4": (
        "Missing definition of product group ID",
        "the advisory refers to product group '{value}' at {path} but never says which "
        "products are in it",
    ),
    "6.1.5": (
        "Multiple definition of product group ID",
        "product group '{value}' is defined twice (again at {path}), so its members are ambiguous",
    ),
    "6.1.6": (
        "Contradicting product status",
        "product '{value}' is listed at {path} both as affected and as not affected or fixed "
        "for the same vulnerability, so you cannot tell whether your device is at risk",
    ),
    "6.1.7": (
        "Multiple scores with the same CVSS version per product",
        "product '{value}' has two severity scores of the same CVSS version for one "
        "vulnerability at {path}; it is unclear which one applies",
    ),
    "6.1.8": (
        "Invalid CVSS",
        "the severity score at {path} is not a well-formed CVSS object ({message}), so its "
        "severity cannot be trusted",
    ),
    "6.1.9": (
        "Invalid CVSS computation",
        "the severity number at {path} does not match its CVSS vector ({message}); go by the "
        "vector, not the number",
    ),
    "6.1.10": (
        "Inconsistent CVSS",
        "the severity score at {path} contradicts its own CVSS vector ({message})",
    ),
    "6.1.11": (
        "Invalid CWE",
        "the weakness class (CWE) at {path} has an id or name that is not in the CWE "
        "catalogue ({message})",
    ),
    "6.1.12": (
        "Invalid language",
        "the language code '{value}' at {path} is not a valid language tag",
    ),
    "6.1.13": (
        "Invalid PURL",
        "the package identifier (purl) at {path} is malformed, so tools cannot match the "
        "product against your inventory",
    ),
    "6.1.14": (
        "Sorted revision history",
        "the revision history at {path} is out of order: sorted by date, its version numbers "
        "do not go up",
    ),
    "6.1.15": (
        "Translator",
        "the advisory was published by a translator but does not say at {path} which "
        "language it was translated from",
    ),
    "6.1.16": (
        "Latest document version",
        "the document version at {path} is not the newest entry of the revision history, so "
        "you cannot tell whether you have the latest edition",
    ),
    "6.1.17": (
        "Document status draft",
        "version '{value}' at {path} is a draft version number, but the advisory is marked "
        "final or interim",
    ),
    "6.1.18": (
        "Released revision history",
        "the revision history at {path} lists the draft version '{value}' in an advisory that "
        "is no longer a draft",
    ),
    "6.1.19": (
        "Revision history entries for pre-release versions",
        "the revision history at {path} contains the pre-release version '{value}', which a "
        "published advisory must not",
    ),
    "6.1.20": (
        "Non-draft document version",
        "version '{value}' at {path} carries a pre-release part although the advisory is not "
        "a draft",
    ),
    "6.1.21": (
        "Missing item in revision history",
        "the revision history at {path} skips a version number, so an edition of the advisory "
        "may be missing",
    ),
    "6.1.22": (
        "Multiple definition in revision history",
        "version '{value}' appears twice in the revision history (again at {path})",
    ),
    "6.1.23": (
        "Multiple use of the same CVE",
        "vulnerability {value} is described twice (again at {path}); the two descriptions "
        "may contradict each other",
    ),
    "6.1.24": (
        "Multiple definition in involvements",
        "the same party and date appear twice in the involvements at {path}",
    ),
    "6.1.25": (
        "Multiple use of the same hash algorithm",
        "the file checksums at {path} list the algorithm '{value}' twice",
    ),
    "6.1.26": (
        "Prohibited document category name",
        "the document category '{value}' at {path} imitates a reserved CSAF profile name "
        "without following that profile",
    ),
    "6.1.27": (
        "Profile-based rules",
        "the advisory breaks a rule of its document category at {path} ({message})",
    ),
    "6.1.27.1": (
        "Profile test: document notes",
        "an incident-response advisory must explain the incident in a note, and at {path} "
        "there is none besides the legal disclaimer",
    ),
    "6.1.27.2": (
        "Profile test: document references",
        "an informational advisory must point to at least one outside source, and at {path} "
        "there is none",
    ),
    "6.1.27.3": (
        "Profile test: vulnerabilities in an informational advisory",
        "an informational advisory must not list vulnerabilities, but it does at {path}",
    ),
    "6.1.27.4": (
        "Profile test: product tree",
        "a security advisory must say which products it covers, but the product tree "
        "({path}) is missing",
    ),
    "6.1.27.5": (
        "Profile test: vulnerability notes",
        "each vulnerability must be described in a note, and the one at {path} is not",
    ),
    "6.1.27.6": (
        "Profile test: product status",
        "each vulnerability must say which products are affected, fixed or not affected, "
        "and at {path} it does not",
    ),
    "6.1.27.7": (
        "Profile test: VEX product status",
        "each vulnerability of a VEX document must say affected, not affected, fixed or "
        "under investigation for its products, and at {path} it says '{value}' instead",
    ),
    "6.1.27.8": (
        "Profile test: vulnerability ID",
        "a VEX document must name at least one vulnerability by CVE or another public id, and "
        "at {path} none does",
    ),
    "6.1.27.9": (
        "Profile test: impact statement",
        "product '{value}' is declared not affected at {path}, but the advisory does not say why",
    ),
    "6.1.27.10": (
        "Profile test: action statement",
        "product '{value}' is declared affected at {path}, but the advisory does not say what "
        "to do about it",
    ),
    "6.1.27.11": (
        "Profile test: vulnerabilities",
        "a security advisory must describe at least one vulnerability, and at {path} there is none",
    ),
    "6.1.27.12": (
        "CSAF 2.1 check: conclusive product status",
        "at {path} no product has a definite status (only 'under investigation'); CSAF 2.1 "
        "will require one, CSAF 2.0 does not",
    ),
    "6.1.27.13": (
        "CSAF 2.1 check: remediations match product status",
        "the remediation at {path} names a product that has no status for this vulnerability; "
        "CSAF 2.1 will forbid this, CSAF 2.0 does not",
    ),
    "6.1.28": (
        "Translation",
        "the advisory says it is a translation, but its original language at {path} is the "
        "same as its own",
    ),
    "6.1.29": (
        "Remediation without product reference",
        "the fix or workaround at {path} does not say which products it applies to",
    ),
    "6.1.30": (
        "Mixed integer and semantic versioning",
        "the revision history at {path} mixes plain numbers (1, 2) and version numbers "
        "(1.0.0), so its editions cannot be put in order",
    ),
    "6.1.31": (
        "Version range in product version",
        "the product version '{value}' at {path} is a range or wildcard, not one version, so "
        "you cannot check whether your installed version is listed",
    ),
    "6.1.32": (
        "Flag without product reference",
        "the 'not affected' reason at {path} does not say which products it applies to",
    ),
    "6.1.33": (
        "Multiple VEX flags per product",
        "product '{value}' has more than one 'not affected' reason at {path}",
    ),
    "6.2.1": (
        "Unused definition of product ID",
        "product '{value}' is defined at {path} but no vulnerability mentions it",
    ),
    "6.2.2": (
        "Missing remediation",
        "the vulnerability at {path} affects products but offers no fix, workaround or mitigation",
    ),
    "6.2.3": ("Missing score", "affected product '{value}' has no severity score at {path}"),
    "6.2.4": (
        "Build metadata in revision history",
        "the revision history at {path} carries build metadata ('{value}') in a version number",
    ),
    "6.2.5": (
        "Older initial release date than revision history",
        "the first release date at {path} is earlier than the oldest revision",
    ),
    "6.2.6": (
        "Older current release date than revision history",
        "the current release date at {path} is earlier than the newest revision",
    ),
    "6.2.7": ("Missing date in involvements", "the involvement at {path} has no date"),
    "6.2.8": (
        "MD5 as the only hash algorithm",
        "the checksum at {path} uses only MD5, which can be forged; a stronger hash is needed "
        "to check an update file",
    ),
    "6.2.9": (
        "SHA-1 as the only hash algorithm",
        "the checksum at {path} uses only SHA-1, which can be forged; a stronger hash is "
        "needed to check an update file",
    ),
    "6.2.10": (
        "Missing TLP label",
        "the advisory does not say at {path} who may see it (Traffic Light Protocol label)",
    ),
    "6.2.11": (
        "Missing canonical URL",
        "the advisory does not give the web address of its own official copy ({path})",
    ),
    "6.2.12": ("Missing document language", "the advisory does not state its language ({path})"),
    "6.2.13": ("Sorting", "the keys at {path} are not in the recommended order"),
    "6.2.14": (
        "Use of private language",
        "the language code '{value}' at {path} is a private code others may not understand",
    ),
    "6.2.15": (
        "Use of default language",
        "the language code '{value}' at {path} says nothing about the actual language",
    ),
    "6.2.16": (
        "Missing product identification helper",
        "product '{value}' at {path} has no machine-readable identifier (CPE, purl, model or "
        "serial number), so it cannot be matched against your inventory automatically",
    ),
    "6.2.17": (
        "CVE in field IDs",
        "the CVE id '{value}' at {path} is in the list of other ids instead of the CVE field",
    ),
    "6.2.18": (
        "Product version range without vers",
        "the version range '{value}' at {path} is free text, not machine-readable (vers)",
    ),
    "6.2.19": (
        "CVSS for fixed products",
        "the severity score at {path} is applied to a product that is already fixed",
    ),
    "6.2.20": (
        "Additional properties",
        "the field at {path} is not part of CSAF 2.0 and will be ignored by other tools",
    ),
    "6.3.1": (
        "CVSS v2 as the only scoring system",
        "product '{value}' is scored only with the outdated CVSS v2 at {path}",
    ),
    "6.3.2": ("Use of CVSS v3.0", "the score at {path} uses CVSS v3.0; v3.1 is current"),
    "6.3.3": ("Missing CVE", "the vulnerability at {path} has no CVE id"),
    "6.3.4": (
        "Missing CWE",
        "the vulnerability at {path} does not say which kind of weakness it is (CWE)",
    ),
    "6.3.5": ("Use of short hash", "the checksum at {path} is shorter than recommended"),
    "6.3.6": (
        "Non-self-referencing URLs failing to resolve",
        "the link at {path} does not open",
    ),
    "6.3.7": ("Self-referencing URLs failing to resolve", "the link at {path} does not open"),
    "6.3.8": ("Spell check", "the text at {path} has spelling mistakes"),
    "6.3.9": (
        "Branch categories",
        "the product tree at {path} does not go vendor, then product, then version",
    ),
    "6.3.10": (
        "Usage of product version range",
        "the product tree at {path} gives a version range instead of listing the versions",
    ),
    "6.3.11": (
        "Usage of V as version indicator",
        "the version '{value}' at {path} starts with a 'v'; give the number alone",
    ),
}

#: Checks from the CSAF 2.1 draft, whose sentences already say CSAF 2.0 does not require them.
_CSAF21_ONLY: Final = frozenset({"6.1.27.12", "6.1.27.13"})

#: Longest engine message quoted in an explanation.
MAX_MESSAGE: Final = 160

_QUOTED = re.compile(r"`([^`]+)`")
_POINTER_TOKEN = re.compile(r"~[01]")
_INDEX = re.compile(r"[0-9]+")  # not str.isdigit(), which accepts "¹"


def _resolve(document: Mapping[str, Any] | None, pointer: str) -> Any:
    node: Any = document
    for raw in pointer.split("/")[1:]:
        token = _POINTER_TOKEN.sub(lambda m: "~" if m[0] == "~0" else "/", raw)
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and _INDEX.fullmatch(token) and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def _value(finding: Finding, document: Mapping[str, Any] | None) -> str:
    quoted = _QUOTED.search(finding.message)
    if quoted:
        return quoted[1]
    at_path = _resolve(document, finding.instance_path) if document is not None else None
    if isinstance(at_path, str | int | float) and not isinstance(at_path, bool):
        return str(at_path)
    return "(not named)"


def title(test_id: str) -> str:
    """The plain title of a test (the test id itself for one medsec does not know)."""
    known = EXPLANATIONS.get(test_id)
    return known[0] if known else test_id


def explain(finding: Finding, document: Mapping[str, Any] | None = None) -> str:
    """``"<test> <title>: <sentence>."``, naming the test and the place of the finding."""
    path = finding.instance_path or "/"
    known = EXPLANATIONS.get(finding.test_id)
    if known is None:
        return f"{finding.test_id}: at {path}: {finding.message}."
    heading, sentence = known
    message = finding.message.rstrip(".")
    if len(message) > MAX_MESSAGE:  # schema messages can quote a whole object
        message = message[: MAX_MESSAGE - 1].rstrip() + "…"
    text = sentence.format(value=_value(finding, document), path=path, message=message)
    if (
        finding.test_id.startswith("6.1.")
        and finding.severity is not Severity.ERROR
        and finding.test_id not in _CSAF21_ONLY
    ):
        text += " (only a warning: CSAF 2.0 allows this here; a stricter reading flags it)"
    return f"{finding.test_id} {heading}: {text}."
