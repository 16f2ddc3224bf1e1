import dataclasses, pytest
from medsec.accounts.providers.ldap import LdapProvider, LdapSettings
from medsec.errors import ConfigurationError
from medsec.accounts.interfaces import AuthenticationFailed
BASE="dc=example,dc=org"
def test_probe(directory):
    base = LdapSettings(uri=directory.ldaps_uri, ca_file=directory.ca_file, bind_dn_template=f"uid={{username}},ou=people,{BASE}")
    for s in [dataclasses.replace(base, uri=f"ldaps://localhost:{directory.ldaps_port}"),
              dataclasses.replace(base, ca_file=directory.other_ca_file),
              dataclasses.replace(base, uri=directory.ldap_uri, start_tls=True, ca_file=directory.other_ca_file),
              dataclasses.replace(base, ca_file=None)]:
        try: LdapProvider(s).authenticate("alice", "alice correct horse battery"); print("OK?!", s.uri)
        except ConfigurationError as e: print("CONF", e.diagnostics())
    for u,p in [("alice","wrong"),("*)(uid=*","x"),("mallory","x"),("alice,ou=people","alice correct horse battery")]:
        try: LdapProvider(base).authenticate(u,p)
        except AuthenticationFailed as e: print("AUTH", e.reason)
