"""Encrypted, portable backups of an instance and their restore (``medsec backup``)."""
