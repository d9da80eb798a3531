"""Fork-parallel work for big bibliographies: sort keys, citation texts and
entries are computed in forked worker processes (they inherit the parsed
style and the prepared, sorted state); ``BALINTBIB_NO_FORK`` turns it off."""

from __future__ import annotations


PARALLEL_FROM = 400  # entries; below this, forking costs more than it saves


def workers(count: int) -> int:
    import os
    if count < PARALLEL_FROM or os.environ.get("BALINTBIB_NO_FORK"):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    import multiprocessing
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(cpus, 4))


def spread(job, items: list) -> list:
    """job(items), in parallel slices for long lists (job maps each item
    independently and returns a list)."""
    count = workers(len(items))
    if count < 2:
        return job(items)
    size = -(-len(items) // count)
    chunks = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    return in_forks(lambda a, b: job(items[a:b]), chunks)


_JOB = None


def _run_job(args):
    return _JOB(*args)


def in_forks(job, chunks) -> list:
    """Run job(*chunk) for every chunk in forked processes; concatenated results."""
    import multiprocessing
    global _JOB
    _JOB = job
    try:
        with multiprocessing.get_context("fork").Pool(len(chunks)) as pool:
            parts = pool.map(_run_job, chunks)
    finally:
        _JOB = None
    return [value for part in parts for value in part]
