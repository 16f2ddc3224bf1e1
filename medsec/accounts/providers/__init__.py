"""Central-authentication adapters: one module per identity provider (LDAP, OIDC)."""
