"""Benchmarks (run as scripts, never collected by pytest): see bench/README.md."""
