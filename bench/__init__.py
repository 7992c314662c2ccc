"""Benchmarks and the demo: each prints its figures side by side with a peer in one run."""
