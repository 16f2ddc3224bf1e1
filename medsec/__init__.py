"""medsec."""
