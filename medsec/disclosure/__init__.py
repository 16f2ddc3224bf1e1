"""Coordinated vulnerability disclosure: sealed reports, triage, messages, security.txt."""
