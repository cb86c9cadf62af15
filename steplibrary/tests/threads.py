"""Running test code in real parallel threads, each with its own database connection."""

import threading
from collections.abc import Callable


def run_in_threads(count: int, target: Callable[[int, threading.Barrier], None]) -> list[BaseException]:
    """Runs `target(index, barrier)` in `count` threads; `barrier.wait()` lines them up so they
    truly overlap. Returns the exceptions raised (each thread closes its connections)."""
    from django.db import connections

    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            target(index, barrier)
        except BaseException as error:  # reported to the caller
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors
