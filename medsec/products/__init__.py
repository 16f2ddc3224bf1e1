"""Products and their profile versions in the service: upload (validated and linted),
publish (then immutable), compare, render artifacts; hospitals hold products."""
