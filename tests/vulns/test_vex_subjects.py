"""Properties of how a stated product or component identifies an SBOM's one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from packageurl import PackageURL

from medsec.vulns.vex.model import Subject, purl_without_version, purls_match

names = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)
versions = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,2}", fullmatch=True)
types = st.sampled_from(["pypi", "npm", "maven", "deb", "generic", "apk"])


@st.composite
def purls(draw: st.DrawFn) -> str:
    namespace = draw(st.none() | names)
    qualifiers = draw(st.dictionaries(st.sampled_from(["arch", "distro"]), names, max_size=2))
    return str(
        PackageURL(
            type=draw(types),
            namespace=namespace,
            name=draw(names),
            version=draw(versions),
            qualifiers=qualifiers or None,
        ).to_string()
    )


@given(purls())
def test_a_purl_names_itself(purl: str) -> None:
    assert purls_match(purl, purl)
    assert Subject(purl=purl).identifies(Subject(purl=purl, ref="x"))


@given(purls(), versions)
def test_a_purl_without_version_names_every_version(purl: str, version: str) -> None:
    p = PackageURL.from_string(purl)
    other = PackageURL(p.type, p.namespace, p.name, version, p.qualifiers).to_string()
    assert purls_match(purl_without_version(purl), other)
    assert purls_match(purl, other) is (version == p.version)


@given(purls(), names)
def test_another_name_is_never_identified(purl: str, name: str) -> None:
    p = PackageURL.from_string(purl)
    other = PackageURL(p.type, p.namespace, name, p.version, p.qualifiers).to_string()
    assert purls_match(purl, other) is (name == p.name)


@given(st.text(max_size=30), st.text(max_size=30))
def test_any_strings_compare_without_raising(a: str, b: str) -> None:
    assert isinstance(purls_match(a, b), bool)
    assert isinstance(Subject(purl=a, ref=b).identifies(Subject(purl=b, ref=a)), bool)


def test_refs_are_local_to_their_document() -> None:
    assert Subject(ref="c", document="urn:uuid:1").identifies(
        Subject(ref="c", document="urn:uuid:1")
    )
    assert not Subject(ref="c", document="urn:uuid:1").identifies(
        Subject(ref="c", document="urn:uuid:2")
    )
