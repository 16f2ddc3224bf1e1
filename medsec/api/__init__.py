"""HTTP API plumbing shared by every domain router: RFC 9457 problems, pagination."""
