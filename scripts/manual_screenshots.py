"""Copies the screenshots the user manual cites from the browser journeys' output
(test-artifacts/screenshots/) into manual/static/manual/screenshots/, made small enough
to commit. Run by ``make manual`` after the journeys; fails, naming them, when a cited
screenshot is taken by no journey or was not produced by this run.

    python -m scripts.manual_screenshots [--from DIR] [--to DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from manual import figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, default=figures.TAKEN_DIR)
    parser.add_argument("--to", dest="target", type=Path, default=figures.MANUAL_DIR)
    args = parser.parse_args(argv)
    try:
        names = figures.copy_cited(source_dir=args.source, target_dir=args.target)
    except figures.MissingScreenshots as exc:
        print("manual: screenshots missing:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    sizes = sum((args.target / f"{name}.png").stat().st_size for name in names)
    print(f"manual: {len(names)} screenshots in {args.target} ({sizes // 1024} KB): {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
