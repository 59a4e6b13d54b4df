"""Maintenance scripts: the README screenshots (run as `python -m scripts.screenshot`)."""
