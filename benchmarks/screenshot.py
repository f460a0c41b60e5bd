"""Write docs/images/dashboard.png: the dashboard as Voila serves it, in headless Chromium.

    python benchmarks/screenshot.py [CONCESSION_ID ...] [--out PATH] [--width 1280 --height 800]

Same set-up as the browser tests (tests/browser_support.py). Concession ids given are
switched on first (e.g. ``ukraine-line-freeze``) for a more telling picture. The
dashboard scrolls inside Voila's ``#rendered_cells``, so a plain full-page shot would
stop at the viewport: the viewport is grown to the content's height for the shot.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser_support import find_chromium, launch_chromium, open_page, serve_voila  # noqa: E402
from tests.dashboard_page import wait_for_panels  # noqa: E402

NOTEBOOK = "notebooks/dashboard.ipynb"
GAP_VALUE = '.key-figures .kf[data-key="agreement-gap"] .kf-value'
JS_CONTENT_HEIGHT = """() => {
  const cells = document.getElementById('rendered_cells');
  return Math.ceil(Math.max(document.scrollingElement.scrollHeight, cells ? cells.scrollHeight : 0));
}"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("concessions", nargs="*", metavar="CONCESSION_ID", help="switch these on first")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "dashboard.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    parser.add_argument("--viewport-only", action="store_true", help="only what the viewport shows")
    args = parser.parse_args(argv)
    if find_chromium() is None:
        print("no Chromium found (/usr/bin/chromium or $CHROMIUM)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with serve_voila(NOTEBOOK) as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        watched = open_page(browser, {"width": args.width, "height": args.height})
        page = watched.page
        page.goto(server.url, wait_until="commit", timeout=120_000)
        wait_for_panels(page, timeout=120)
        for cid in args.concessions:
            box = page.locator(f".concession-{cid} input[type=checkbox]")
            if box.count() == 0:
                print(f"no concession {cid!r} in the dashboard", file=sys.stderr)
                return 1
            before = page.inner_text(GAP_VALUE)
            box.click()
            try:  # the key figures change when the kernel has answered (not every concession moves the gap)
                page.wait_for_function("([sel, old]) => document.querySelector(sel).textContent !== old",
                                       arg=[GAP_VALUE, before], timeout=5_000)
            except Exception:
                pass
        page.wait_for_timeout(1000)  # let the last redraw and transitions finish
        if not args.viewport_only:
            page.set_viewport_size({"width": args.width, "height": max(args.height, page.evaluate(JS_CONTENT_HEIGHT))})
            page.wait_for_timeout(1000)  # plotly re-lays out on resize
            try:  # panels drawn in the background (what to check first) are drawn once in view
                page.wait_for_function("() => !/Varying/.test(document.querySelector("
                                       "'section[data-panel=\"sensitivity\"]')?.textContent || '')", timeout=20_000)
            except Exception:
                pass
            page.wait_for_timeout(500)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out))
        browser.close()
        if watched.errors:
            print("page errors:", *watched.errors, sep="\n  ", file=sys.stderr)
            return 1
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
