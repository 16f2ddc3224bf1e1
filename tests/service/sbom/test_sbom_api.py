"""The SBOM routes over HTTP: upload, list, components paging, NTIA, download, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from medsec.accounts.roles import OrganizationKind, Role

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "sbom"
PACS = EXAMPLES / "pacs-server-12.4.0.cdx.json"


def manufacturer(make: Any, client: TestClient, auth_header: Any) -> tuple[dict[str, str], int]:
    org = make.organization(OrganizationKind.MANUFACTURER)
    user = make.user(org, Role.PRODUCT_SECURITY_OFFICER)
    draft = make.upload(make.actor(user))
    _, token = make.token(user)
    return auth_header(token), draft.id


def test_upload_list_page_and_download(make: Any, client: TestClient, auth_header: Any) -> None:
    headers, version = manufacturer(make, client, auth_header)
    base = f"/api/v1/profile-versions/{version}"
    sent = client.post(
        f"{base}/sbom", headers=headers, files={"file": (PACS.name, PACS.read_bytes())}
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["component_count"] == 18 and sent.json()["ntia_passed"] is True
    (listed,) = client.get(f"{base}/sboms", headers=headers).json()
    assert listed["sha256"] == sent.json()["sha256"]
    page = client.get(f"{base}/sbom/components", headers=headers, params={"limit": 5, "offset": 5})
    assert page.json()["total"] == 18 and len(page.json()["items"]) == 5
    assert [c["position"] for c in page.json()["items"]] == [5, 6, 7, 8, 9]
    maven = client.get(f"{base}/sbom/components", headers=headers, params={"purl_type": "maven"})
    items = maven.json()["items"]
    assert len(items) == 7 and {c["parent_ref"] for c in items} == {"vista-dicom-services"}
    assert items[0]["namespace"] == "org.dcm4che"
    ntia = client.get(f"{base}/sbom/ntia", headers=headers).json()
    assert ntia["passed"] and [e["element"] for e in ntia["elements"]][-2:] == [
        "author",
        "timestamp",
    ]
    document = client.get(f"{base}/sbom/document", headers=headers)
    assert document.content == PACS.read_bytes()
    assert document.headers["content-type"] == "application/vnd.cyclonedx+json"


def test_an_invalid_sbom_is_a_problem_document(
    make: Any, client: TestClient, auth_header: Any
) -> None:
    headers, version = manufacturer(make, client, auth_header)
    bad = b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library"}]}'
    answer = client.post(
        f"/api/v1/profile-versions/{version}/sbom", headers=headers, files={"file": ("b.json", bad)}
    )
    assert answer.status_code == 422
    body = answer.json()
    assert body["type"] == "https://medsec.dev/problems/invalid-sbom"
    assert any(p["path"].startswith("/components/0") for p in body["problems"])
    empty = client.post(
        f"/api/v1/profile-versions/{version}/sbom", headers=headers, files={"file": ("e.json", b"")}
    )
    assert empty.status_code == 400 and "empty" in empty.json()["detail"]


def test_a_version_without_sbom_answers_404_on_its_sbom(
    make: Any, client: TestClient, auth_header: Any
) -> None:
    headers, version = manufacturer(make, client, auth_header)
    assert client.get(f"/api/v1/profile-versions/{version}/sboms", headers=headers).json() == []
    answer = client.get(f"/api/v1/profile-versions/{version}/sbom/ntia", headers=headers)
    assert answer.status_code == 404 and "has no SBOM" in answer.json()["detail"]
