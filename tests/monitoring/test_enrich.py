"""Attribution and enrichment: message → asset → product version → catalog event, and the
uncatalogued messages counted per product with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from medsec.errors import DocumentError, Error
from medsec.monitoring.assets_file import FileAssetDirectory
from medsec.monitoring.catalog import Catalog, ProductRef
from medsec.monitoring.enrich import Enricher, Uncatalogued
from medsec.monitoring.exports.samples import samples
from medsec.monitoring.interfaces import Asset
from medsec.monitoring.syslog.parser import read_message
from medsec.profiles.loader import load_profile, load_profile_text
from medsec.profiles.psp import ProductSecurityProfile

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

PUMP = """\
psp_version: 1
product: {manufacturer: {name: Northwind}, name: LVP 3000, version: "VERSION"}
monitoring:
  events:
    - {id: AUTH-FAIL, severity: 4, category: authentication, description: Login failed,
       meaning: Guessing?, recommended_action: Check who services the pump.}
    - id: CONFIG-CHANGED
      severity: 5
      category: configuration
      description: Configuration changed
      match: {app_name: pumpd, regex: 'configuration (?P<what>changed|updated)'}
    - id: ANY-APP
      severity: 6
      category: system
      description: Matched by regex only
      match: {regex: '^heartbeat'}
"""


def pump(version: str = "4.2") -> ProductSecurityProfile:
    return load_profile_text(PUMP.replace("VERSION", version))


PUMP_42 = ProductRef("Northwind", "LVP 3000", "4.2")
ASSETS = FileAssetDirectory([
    Asset("icu-7", "LVP 3000", "4.2", address="10.20.1.7", hostname="lvp-icu-07", serial="NW1"),
    Asset("ward-2", "LVP 3000", "4.3", address="10.20.2.2", serial="NW2"),
    Asset("mri", "Magnet", "1.0", hostname="mri-1"),
])  # fmt: skip


def enricher(*profiles: ProductSecurityProfile) -> Enricher:
    return Enricher(Catalog(profiles or [pump()]), ASSETS)


@pytest.mark.parametrize(
    ("raw", "source", "asset", "by"),
    [
        (b'<36>1 - - - - AUTH-FAIL [dev@1 serial="NW1"] x', "192.0.2.99", "icu-7", "serial"),
        (b'<36>1 - - - - AUTH-FAIL [dev@1 serialNumber="NW1"] x', None, "icu-7", "serial"),
        (b'<36>1 - - - - AUTH-FAIL [dev@1 sn="NW1"] x', None, "icu-7", "serial"),
        (b"<36>1 - lvp-icu-07 - - AUTH-FAIL - x", "10.20.1.7", "icu-7", "address"),
        (b"<36>1 - lvp-icu-07 - - AUTH-FAIL - x", "::ffff:10.20.1.7", "icu-7", "address"),
        (b"<36>1 - LVP-ICU-07 - - AUTH-FAIL - x", "192.0.2.99", "icu-7", "hostname"),
        (b'<36>1 - - - - AUTH-FAIL [dev@1 serial="other"] x', "10.20.1.7", "icu-7", "address"),
    ],
)
def test_attribution_by_serial_then_address_then_hostname(
    raw: bytes, source: str | None, asset: str, by: str
) -> None:
    event = enricher().enrich(read_message(raw, source=source))
    assert event.asset is not None
    assert (event.asset.id, event.attributed_by, event.product) == (asset, by, PUMP_42)


def test_catalog_event_by_msgid_with_its_meaning_and_action() -> None:
    event = enricher().enrich(read_message(b"<36>1 - - - - AUTH-FAIL - x", source="10.20.1.7"))
    assert (event.status, event.event_id, event.matched_by) == ("catalogued", "AUTH-FAIL", "msgid")
    assert (event.severity, event.category) == (4, "authentication")
    assert (event.meaning, event.recommended_action) == (
        "Guessing?",
        "Check who services the pump.",
    )


@pytest.mark.parametrize(
    ("raw", "event_id", "captures"),
    [
        (b"<36>1 - - pumpd - - - configuration changed by tech", "CONFIG-CHANGED",
         (("what", "changed"),)),
        (b"<13>Oct 11 22:14:15 lvp pumpd[3]: configuration updated", "CONFIG-CHANGED",
         (("what", "updated"),)),
        (b"<36>1 - - other - - - heartbeat ok", "ANY-APP", ()),
        (b"<36>1 - - pumpd - AUTH-FAIL - configuration changed", "AUTH-FAIL", ()),
    ],
)  # fmt: skip
def test_match_rules_when_the_msgid_is_not_in_the_catalog(
    raw: bytes, event_id: str, captures: tuple[tuple[str, str], ...]
) -> None:
    event = enricher().enrich(read_message(raw, source="10.20.1.7"))
    assert (event.event_id, event.captures) == (event_id, captures)


@pytest.mark.parametrize(
    ("raw", "source", "reason"),
    [
        (b"<36>1 - - other - - - configuration changed", "10.20.1.7", Uncatalogued.NO_EVENT),
        (b"<36>1 - - - - NOT-IN-CATALOG - x", "10.20.1.7", Uncatalogued.NO_EVENT),
        (b"<36>1 - - - - AUTH-FAIL - x", "10.20.2.2", Uncatalogued.NO_PROFILE),
        (b"<36>1 - - - - AUTH-FAIL - x", "192.0.2.1", Uncatalogued.NO_ASSET),
        (b"<36>1 - - - - AUTH-FAIL - x", None, Uncatalogued.NO_ASSET),
        (b"garbage", "10.20.1.7", Uncatalogued.UNPARSED),
    ],
)
def test_uncatalogued_messages_keep_the_reason(
    raw: bytes, source: str | None, reason: Uncatalogued
) -> None:
    event = enricher().enrich(read_message(raw, source=source))
    assert (event.status, event.reason, event.event_id) == ("uncatalogued", reason, None)
    assert event.reason_text


def test_uncatalogued_counts_per_product() -> None:
    enrich = enricher(pump("4.2"), pump("4.3"))
    for raw, source in [
        (b"<36>1 - - a - X - 1", "10.20.1.7"), (b"<36>1 - - a - X - 2", "10.20.1.7"),
        (b"<36>1 - - b - Y - 3", "10.20.2.2"), (b"<36>1 - - - - AUTH-FAIL - 4", "10.20.1.7"),
        (b"<36>1 - - - - Z - 5", "192.0.2.1"),
    ]:  # fmt: skip
        enrich.enrich(read_message(raw, source=source))
    assert enrich.uncatalogued.per_product() == {
        "(unattributed)": 1, "Northwind LVP 3000 4.2": 2, "Northwind LVP 3000 4.3": 1,
    }  # fmt: skip
    rows = [
        (r.product, r.app_name, r.msgid, r.reason, r.count, r.example)
        for r in enrich.uncatalogued.rows()
    ]
    assert rows == [
        ("(unattributed)", None, "Z", Uncatalogued.NO_ASSET, 1, "<36>1 - - - - Z - 5"),
        ("Northwind LVP 3000 4.2", "a", "X", Uncatalogued.NO_EVENT, 2, "<36>1 - - a - X - 1"),
        ("Northwind LVP 3000 4.3", "b", "Y", Uncatalogued.NO_EVENT, 1, "<36>1 - - b - Y - 3"),
    ]


def test_a_default_product_stands_in_for_the_assets_map() -> None:
    enrich = Enricher(Catalog([pump()]), FileAssetDirectory.empty(), default_product=PUMP_42)
    event = enrich.enrich(read_message(b"<36>1 - - - - AUTH-FAIL - x"))
    assert (event.event_id, event.attributed_by) == ("AUTH-FAIL", "default")


def test_two_profiles_of_one_version_are_an_error() -> None:
    with pytest.raises(Error, match=r"two profiles describe Northwind LVP 3000 4\.2"):
        Catalog([pump(), pump()])


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_sample_message_enriches_to_its_own_event(example: Path) -> None:
    profile = load_profile(example)
    product = ProductRef.of(profile)
    enrich = Enricher(Catalog([profile]), FileAssetDirectory.empty(), default_product=product)
    for sample in samples(profile):
        event = enrich.enrich(read_message(sample.line.encode()))
        assert event.event_id == sample.event_id, sample.line


# --------------------------------------------------------------------------- assets map


def test_assets_map_file(tmp_path: Path) -> None:
    path = tmp_path / "assets.yaml"
    path.write_text(
        "assets:\n"
        "  - {id: icu-7, product: LVP 3000, version: '4.2', address: 10.20.1.7, serial: NW1}\n"
        "  - {id: mri, product: Magnet, version: '1.0', hostname: MRI-1}\n"
    )
    directory = FileAssetDirectory.load(path)
    assert [a.id for a in directory.assets] == ["icu-7", "mri"]
    assert directory.by_hostname("mri-1") == directory.assets[1]
    assert directory.by_serial("NW1") == directory.by_address("10.20.1.7") == directory.assets[0]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("assets:\n  - {id: a, product: P}\n", ":2:5: assets[0].version: Field required"),
        ("assets:\n  - {id: a, product: P, version: '1', colour: red}\n", "assets[0].colour"),
        ("assets:\n  - {id: a, product: P, version: '1', serial: S}\n"
         "  - {id: b, product: P, version: '1', serial: S}\n",
         ":3:39: assets[1].serial: serial 'S' is already that of asset 'a'"),
        ("assets:\n  - {id: a, product: P, version: '1', address: 10.0.0.1}\n"
         "  - {id: b, product: P, version: '1', address: '::ffff:10.0.0.1'}\n",
         "assets[1].address: address '10.0.0.1' is already that of asset 'a'"),
    ],
)  # fmt: skip
def test_a_bad_assets_map_names_the_line(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "assets.yaml"
    path.write_text(text)
    with pytest.raises(DocumentError) as raised:
        FileAssetDirectory.load(path)
    assert problem in raised.value.diagnostics()
