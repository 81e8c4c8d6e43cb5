"""Benchmarks: a scale corpus generator, peers, and the bench command (python -m bench.run)."""
