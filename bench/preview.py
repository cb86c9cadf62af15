"""Preview benchmark: `python -m bench.preview [--steps N]`.

Times `POST /api/trees/{id}/preview/` for a published N-step flow (MAX_NODES allows 20,000)
whose edit changes 10% of the steps and removes 5%, in a throwaway database.
"""

import argparse
import json
import statistics
import sys
import time

from bench.run import setup_database


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=19_000, help="procedure steps (sections come on top)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    setup_database()

    from django.core.cache import cache
    from rest_framework.test import APIClient

    from accounts.models import Account, User
    from bench.sync import _edited, _new_tree
    from flows.services import tree_publish

    author = User.objects.create(username="bench-author", account=Account.objects.create(name="Bench"))
    tree = _new_tree(author, args.steps)
    tree_publish(tree=tree)
    # The edit is stored without a sync (update() sends no signal), and the preview, with an
    # empty body, compares the stored flow with its library entries: a 20,000-node body
    # would be over Django's DATA_UPLOAD_MAX_MEMORY_SIZE anyway.
    tree.tree_structure = _edited(tree.tree_structure)
    type(tree).objects.filter(pk=tree.pk).update(tree_structure=tree.tree_structure)
    body = {}
    client = APIClient()
    client.force_login(author)
    seconds, cpu, size = [], [], 0
    for _ in range(args.runs):
        cache.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.post(f"/api/trees/{tree.pk}/preview/", body, format="json")
        seconds.append(time.perf_counter() - started)
        # CPU time of this process (the view runs in it): wall time on a shared machine
        # mostly measures the neighbours.
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200, response.content[:500]
        size = len(response.content)
    nodes = len(tree.tree_structure["steps"])
    figures = {
        "nodes": nodes,
        "median_wall_s": round(statistics.median(seconds), 2),
        "median_cpu_s": round(statistics.median(cpu), 2),
        "bytes": size,
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
