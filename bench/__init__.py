"""Benchmarks: each hot path measured as a ratio against its raw limit in the same run."""
