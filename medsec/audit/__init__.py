"""The tamper-evident audit log: ``source:subject:action`` events in a hash chain."""
