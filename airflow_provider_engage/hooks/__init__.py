"""Hooks: one method per API endpoint, sent with requests."""
