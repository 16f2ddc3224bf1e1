r"""Checking the identifiers a component carries: package URL, CPE 2.3, hash algorithms.

>>> normalise_purl("pkg:PyPI/Django@4.2")
'pkg:pypi/django@4.2'
>>> normalise_cpe("cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*")
'cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*'
>>> print(normalise_cpe("cpe:/a:example:my%21app:1.0"))
cpe:2.3:a:example:my\!app:1.0:*:*:*:*:*:*:*
"""

from __future__ import annotations

import re

from packageurl import PackageURL

# The CPE 2.3 formatted-string binding, from the NIST CPE 2.3 naming schema (NISTIR 7695).
_CPE_COMPONENT = (
    r"(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!\"#$%&'\(\)\+,/:;<=>@\[\]\^`\{\|}~]))+"
    r"(\?*|\*?))|[\*\-])"
)
_CPE23 = re.compile(
    r"cpe:2\.3:[aho\*\-]"
    rf"(:{_CPE_COMPONENT}){{5}}"
    r"(:(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[\*\-]))"
    rf"(:{_CPE_COMPONENT}){{4}}"
)

#: SPDX checksum algorithm names → CycloneDX hash algorithm names.
SPDX_HASH_NAMES = {
    "SHA1": "SHA-1",
    "SHA224": "SHA-224",
    "SHA256": "SHA-256",
    "SHA384": "SHA-384",
    "SHA512": "SHA-512",
    "SHA3_256": "SHA3-256",
    "SHA3_384": "SHA3-384",
    "SHA3_512": "SHA3-512",
    "BLAKE2B_256": "BLAKE2b-256",
    "BLAKE2B_384": "BLAKE2b-384",
    "BLAKE2B_512": "BLAKE2b-512",
    "BLAKE3": "BLAKE3",
    "MD2": "MD2",
    "MD4": "MD4",
    "MD5": "MD5",
    "MD6": "MD6",
    "ADLER32": "ADLER32",
}

#: CycloneDX hash algorithms and the length of their hex digest (None: variable).
HASH_LENGTHS: dict[str, int | None] = {
    "MD5": 32,
    "SHA-1": 40,
    "SHA-256": 64,
    "SHA-384": 96,
    "SHA-512": 128,
    "SHA3-256": 64,
    "SHA3-384": 96,
    "SHA3-512": 128,
    "BLAKE2b-256": 64,
    "BLAKE2b-384": 96,
    "BLAKE2b-512": 128,
    "BLAKE3": None,
    "Streebog-256": 64,
    "Streebog-512": 128,
}
_HEX = re.compile(r"[0-9a-fA-F]+")


def normalise_purl(value: str) -> str:
    """The canonical form of a package URL; ``ValueError`` saying why when it is not one."""
    try:
        return str(PackageURL.from_string(value).to_string())
    except ValueError as e:
        raise ValueError(f"{value!r} is not a package URL ({e})") from e


def _fs_component(uri_part: str) -> str:
    """One CPE 2.2 URI component in the 2.3 formatted-string binding (NISTIR 7695 §6.1.3)."""
    if uri_part == "":
        return "*"
    if uri_part == "-":
        return "-"
    out = []
    i = 0
    while i < len(uri_part):
        ch = uri_part[i]
        if ch == "%" and _HEX.fullmatch(uri_part[i + 1 : i + 3]):
            code = uri_part[i + 1 : i + 3].lower()
            i += 3
            if code == "01":
                out.append("?")
                continue
            if code == "02":
                out.append("*")
                continue
            ch = chr(int(code, 16))
        else:
            i += 1
        out.append(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "\\" + ch)
    return "".join(out)


def normalise_cpe(value: str) -> str:
    """A CPE 2.3 formatted string for a 2.3 string or a 2.2 URI; ``ValueError`` otherwise."""
    if not value.lower().startswith("cpe:/"):
        return check_cpe23(value)
    parts = value[5:].split(":")
    if len(parts) > 7 or parts[0].lower() not in {"a", "o", "h"}:
        raise ValueError(f"{value!r} is not a CPE 2.2 URI (cpe:/part:vendor:product:…)")
    part, vendor, product, version, update, edition, language = parts + [""] * (7 - len(parts))
    sw_edition = target_sw = target_hw = other = ""
    if edition.startswith("~"):
        packed = edition.split("~")
        if len(packed) != 6:
            raise ValueError(f"{value!r}: a packed edition has five ~-separated fields")
        _, edition, sw_edition, target_sw, target_hw, other = packed
    fields: tuple[str, ...] = (vendor, product, version, update, edition, language)
    fields += (sw_edition, target_sw, target_hw, other)
    return check_cpe23(f"cpe:2.3:{part.lower()}:" + ":".join(_fs_component(f) for f in fields))


def check_cpe23(value: str) -> str:
    """``value`` if it is a CPE 2.3 formatted string; ``ValueError`` otherwise."""
    if _CPE23.fullmatch(value):
        return value
    if value.startswith("cpe:/"):
        raise ValueError(
            f"{value!r} is a CPE 2.2 URI; write it as a CPE 2.3 formatted string "
            "(cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:"
            "target_sw:target_hw:other)"
        )
    raise ValueError(
        f"{value!r} is not a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:"
        "version:update:edition:language:sw_edition:target_sw:target_hw:other)"
    )


def check_hash(alg: str, content: str) -> str:
    """The lower-case hex digest; ``ValueError`` when ``alg``/``content`` do not fit."""
    if alg not in HASH_LENGTHS:
        raise ValueError(f"{alg!r} is not a CycloneDX hash algorithm ({', '.join(HASH_LENGTHS)})")
    length = HASH_LENGTHS[alg]
    if not _HEX.fullmatch(content) or (length is not None and len(content) != length):
        expected = f"{length} hex digits" if length else "hex digits"
        raise ValueError(f"{alg} digest {content[:140]!r} is not {expected}")
    return content.lower()
