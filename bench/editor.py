"""Flow editor benchmark: `python -m bench.editor [--sizes 300,1000] [--edits 30]`
(or `make bench-editor`).

Serves the app from a throwaway database (Django's test database for DATABASE_URL) and
drives Debian's Chromium with Playwright: for each flow size it prints the editor's load
time (navigation start until every step is on screen and painted) and, per edit kind (add,
move, edit a title, remove), the p50 / p95 of the time from the click or keystroke until
the next frame is painted, measured inside the page. Also the DOM elements per step.
"""

import argparse
import os
import platform
import statistics
from datetime import UTC, datetime

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
# Playwright's sync API runs an event loop in this thread; the ORM calls around it are plain.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "bench-password"  # noqa: S105 - a throwaway user in a throwaway database

# One edit in the page, timed from the action until the frame after it is painted.
TIMED_EDIT = """async ([kind, index]) => {
  const items = () => document.querySelectorAll("#step-list .node");
  const nextFrame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done)));
  const item = items()[index];
  const start = performance.now();
  if (kind === "add") document.querySelector(".add-bar button:nth-child(2)").click();
  if (kind === "move") item.querySelector(".move-down").click();
  if (kind === "remove") item.querySelector(".node-controls .danger").click();
  if (kind === "edit") {
    const input = item.querySelector('input[id$="-title"]');
    input.value += "x";
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }
  await nextFrame();
  return performance.now() - start;
}"""

LOADED = """async (count) => {
  while (document.querySelectorAll("#step-list .node").length < count) await new Promise((done) => setTimeout(done, 5));
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done)));
  return { ms: performance.now(), elements: document.querySelectorAll("#step-list *").length };
}"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="300,1000", help="flow sizes (procedure steps)")
    parser.add_argument("--edits", type=int, default=30, help="timed edits per kind and size")
    parser.add_argument("--loads", type=int, default=3, help="page loads per size (median is reported)")
    return parser.parse_args(argv)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def make_flow(size: int):
    from accounts.models import Account, User
    from flows.models import Tree, TreeType
    from flows.samples import procedural_structure

    user = User.objects.filter(username="bench-editor").first()
    if user is None:
        user = User.objects.create(
            username="bench-editor", account=Account.objects.create(name="Bench editor")
        )
        user.set_password(PASSWORD)
        user.save()
    structure = procedural_structure(size, sections=max(1, size // 25))
    tree = Tree.objects.create(
        name=f"Editor bench {size}",
        tree_type=TreeType.PROCEDURAL,
        tree_structure=structure,
        author=user,
        account=user.account,
    )
    return tree, len(structure["steps"])


def measure(page, base: str, size: int, args) -> dict:
    tree, count = make_flow(size)
    loads, elements = [], 0
    for _ in range(args.loads):
        page.goto(f"{base}/flows/{tree.pk}/edit/")
        figures = page.evaluate(LOADED, count)
        loads.append(figures["ms"])
        elements = figures["elements"]
    result = {
        "steps": size,
        "nodes": count,
        "load_ms": statistics.median(loads),
        "elements_per_node": elements / count,
    }
    middle = count // 2
    for kind in ("add", "move", "edit", "remove"):
        times = [page.evaluate(TIMED_EDIT, [kind, middle + 1]) for _ in range(args.edits)]
        result[kind] = {"p50_ms": percentile(times, 0.5), "p95_ms": percentile(times, 0.95)}
    return result


def run(args) -> list[dict]:
    from playwright.sync_api import sync_playwright
    from pytest_django.live_server_helper import LiveServer

    from bench.run import setup_database

    setup_database()
    server = LiveServer("localhost:0")
    results = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--headless"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("dialog", lambda dialog: dialog.accept())
            make_flow(1)
            page.goto(f"{server.url}/accounts/login/")
            page.get_by_label("Username").fill("bench-editor")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{server.url}/library/")
            for size in [int(size) for size in args.sizes.split(",")]:
                results.append(measure(page, server.url, size, args))
            browser.close()
    finally:
        server.stop()
    return results


def main(argv=None) -> None:
    args = parse_args(argv)
    results = run(args)
    print(
        f"Flow editor in Chromium, {datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, {os.cpu_count()} cores"
    )
    print(
        f"{'steps':>6} {'load ms':>8} {'el/node':>8}  "
        + "  ".join(f"{kind + ' p50/p95 ms':>20}" for kind in ("add", "move", "edit", "remove"))
    )
    for row in results:
        edits = "  ".join(
            f"{row[kind]['p50_ms']:>9.1f} / {row[kind]['p95_ms']:>8.1f}"
            for kind in ("add", "move", "edit", "remove")
        )
        print(f"{row['steps']:>6} {row['load_ms']:>8.0f} {row['elements_per_node']:>8.1f}  {edits}")


if __name__ == "__main__":
    main()
