"""Speed benchmarks: scripts that measure and print figures (see docs/benchmarks.md).

Run one with ``python bench/<name>.py`` (``--quick`` for a smoke run) or all
with ``python bench/run_all.py``. :mod:`bench.corpus_gen` is the seeded
corpus generator they share; :mod:`bench.common` holds timing, machine and
temporary-database helpers.
"""
