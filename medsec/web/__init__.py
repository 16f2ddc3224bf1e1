"""Server-rendered UI: Jinja2 templates + htmx (vendored), shared layout and auth pages."""
