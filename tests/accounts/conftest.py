"""Fixtures for the accounts tests: a private OpenLDAP ``slapd`` on loopback.

The directory runs from a temporary ``slapd.conf`` (mdb backend, the Debian schemas,
the memberof overlay) on two free ports — plain LDAP with StartTLS, and LDAPS — with a
certificate signed by a CA made for the test session. It is started once per session
and stopped at the end. Without ``/usr/sbin/slapd`` the LDAP tests are skipped, except
under CI (``CI=true``), where a missing directory server is a failure.

Install: ``DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SLAPD = Path("/usr/sbin/slapd")
SCHEMAS = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")

BASE = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{BASE}"
ROOT_PASSWORD = "root-secret-for-tests"
SERVICE_DN = f"cn=medsec,ou=services,{BASE}"
SERVICE_PASSWORD = "service-secret-for-tests"

#: uid → (password, groups). Passwords are stored in clear text: the directory is a
#: throwaway and the tests are about binding, not about slapd's hash schemes.
USERS = {
    "alice": ("alice correct horse battery", ["admins", "psirt"]),
    "bob": ("bob's long passphrase here", ["engineers"]),
    "carol": ("carol has no groups at all", []),
}

DIRECTORY_LDIF = f"""\
dn: {BASE}
objectClass: dcObject
objectClass: organization
dc: example
o: Example Hospital

dn: ou=people,{BASE}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{BASE}
objectClass: organizationalUnit
ou: groups

dn: ou=services,{BASE}
objectClass: organizationalUnit
ou: services

dn: {SERVICE_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: medsec
userPassword: {SERVICE_PASSWORD}
"""


def _user_ldif(uid: str, password: str) -> str:
    name = uid.capitalize()
    return f"""\
dn: uid={uid},ou=people,{BASE}
objectClass: inetOrgPerson
uid: {uid}
cn: {name} Example
sn: Example
mail: {uid}@example.org
userPassword: {password}
"""


# Two entries with the same uid: a search for it is ambiguous and must not sign in.
DUPLICATE_LDIF = f"""\
dn: cn=dup one,ou=people,{BASE}
objectClass: inetOrgPerson
uid: dup
cn: dup one
sn: one
userPassword: duplicate user password

dn: cn=dup two,ou=people,{BASE}
objectClass: inetOrgPerson
uid: dup
cn: dup two
sn: two
userPassword: duplicate user password
"""


def _groups_ldif() -> str:
    members: dict[str, list[str]] = {}
    for uid, (_, groups) in USERS.items():
        for group in groups:
            members.setdefault(group, []).append(f"uid={uid},ou=people,{BASE}")
    blocks = []
    for group, dns in sorted(members.items()):
        lines = [f"dn: cn={group},ou=groups,{BASE}", "objectClass: groupOfNames", f"cn: {group}"]
        lines += [f"member: {dn}" for dn in dns]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


SLAPD_CONF = """\
include {schemas}/core.schema
include {schemas}/cosine.schema
include {schemas}/inetorgperson.schema
include {schemas}/nis.schema
modulepath {modules}
moduleload back_mdb
moduleload memberof
pidfile {run}/slapd.pid
argsfile {run}/slapd.args
TLSCACertificateFile {run}/ca.pem
TLSCertificateFile {run}/server.pem
TLSCertificateKeyFile {run}/server.key

database mdb
maxsize 16777216
suffix "{base}"
rootdn "{root_dn}"
rootpw {root_password}
directory {run}/db
overlay memberof
access to attrs=userPassword by self =xw by anonymous auth by * none
access to * by users read by * none
"""


@dataclass(frozen=True)
class Directory:
    """A running test directory."""

    host: str
    ldap_port: int
    ldaps_port: int
    ca_file: Path
    #: A CA that did not sign the server's certificate.
    other_ca_file: Path
    base: str = BASE
    service_dn: str = SERVICE_DN
    service_password: str = SERVICE_PASSWORD

    def password(self, uid: str) -> str:
        return USERS[uid][0]

    @staticmethod
    def closed_port() -> int:
        """A loopback port nothing listens on."""
        return free_port()

    @property
    def ldap_uri(self) -> str:
        return f"ldap://{self.host}:{self.ldap_port}"

    @property
    def ldaps_uri(self) -> str:
        return f"ldaps://{self.host}:{self.ldaps_port}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_ca(directory: Path, name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    (directory / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def _write_server_cert(
    run: Path, ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, host: str
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (run / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (run / "server.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the LDAP tests must run in CI)")
    pytest.skip(reason)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until slapd accepts connections; this is start-up, not a timed assertion."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"slapd exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"slapd did not listen on port {port} within 30 s:\n{log.read_text()}")


def _ldapadd(uri: str, ldif: str) -> None:
    subprocess.run(
        ["ldapadd", "-x", "-H", uri, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
        input=ldif.encode(),
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="session")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Directory]:
    """A running slapd with users alice, bob, carol, two ``dup`` and three groups."""
    if not SLAPD.exists():
        _unavailable(f"{SLAPD} is missing; install the Debian packages slapd and ldap-utils")
    if shutil.which("ldapadd") is None:
        _unavailable("ldapadd is missing; install the Debian package ldap-utils")
    run = tmp_path_factory.mktemp("slapd")
    (run / "db").mkdir()
    host = "127.0.0.1"
    ca_key, ca = _write_ca(run, "ca")
    _write_ca(run, "other-ca")
    _write_server_cert(run, ca_key, ca, host)
    conf = run / "slapd.conf"
    conf.write_text(
        SLAPD_CONF.format(
            schemas=SCHEMAS,
            modules=MODULES,
            run=run,
            base=BASE,
            root_dn=ROOT_DN,
            root_password=ROOT_PASSWORD,
        )
    )
    ldap_port, ldaps_port = free_port(), free_port()
    urls = f"ldap://{host}:{ldap_port}/ ldaps://{host}:{ldaps_port}/"
    log = run / "slapd.log"
    with log.open("wb") as out:
        # -d keeps slapd in the foreground, so the fixture owns the process.
        process = subprocess.Popen(
            [str(SLAPD), "-f", str(conf), "-h", urls, "-d", "0"], stdout=out, stderr=out
        )
    try:
        _wait_for_port(ldap_port, process, log)
        _wait_for_port(ldaps_port, process, log)
        uri = f"ldap://{host}:{ldap_port}"
        _ldapadd(uri, DIRECTORY_LDIF)
        _ldapadd(uri, "\n".join(_user_ldif(uid, pw) for uid, (pw, _) in USERS.items()))
        _ldapadd(uri, DUPLICATE_LDIF)
        _ldapadd(uri, _groups_ldif())
        yield Directory(host, ldap_port, ldaps_port, run / "ca.pem", run / "other-ca.pem")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
