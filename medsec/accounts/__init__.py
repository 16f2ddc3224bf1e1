"""Organizations, users, roles, sessions, MFA, password policy and API tokens."""
