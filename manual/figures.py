"""The manual's screenshots: which ones the chapters cite, which ones the browser
journeys take, and how a journey's screenshot becomes the manual's copy.

Pure Python (Pillow aside, and only to copy): no Django, so ``make manual`` and the
tests read the same rules. A chapter cites a screenshot with the template tag
``{% screenshot "rater-month" "caption" %}``; a journey takes one with
``screenshot(page, "rater-month")`` (tests/browser/conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS_DIR = ROOT / "templates" / "manual"
JOURNEYS_DIR = ROOT / "tests" / "browser"
TAKEN_DIR = ROOT / "test-artifacts" / "screenshots"
MANUAL_DIR = Path(__file__).resolve().parent / "static" / "manual" / "screenshots"
STATIC_PREFIX = "manual/screenshots/"

MAX_WIDTH = 1366  # the journeys' desktop width; a phone's 2x screenshot is narrower
MAX_HEIGHT = 3000  # a full-page screenshot longer than this is cut: the manual shows the top

CITE = re.compile(r"""\{%\s*screenshot\s+["']([\w-]+)["']""")
# screenshot(page, "rater-month") or screenshot(office, f"office-close-confirm-{size}")
TAKE = re.compile(r"""\bscreenshot\(\s*\w+\s*,\s*(f?)["']([^"'\n]+)["']\s*\)""")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def cited(chapters_dir: Path = CHAPTERS_DIR) -> dict[str, list[str]]:
    """Screenshot name → the templates that cite it."""
    found: dict[str, list[str]] = {}
    for template in sorted(chapters_dir.rglob("*.html")):
        for name in CITE.findall(template.read_text(encoding="utf-8")):
            found.setdefault(name, []).append(str(template.relative_to(chapters_dir)))
    return found


def taken(journeys_dir: Path = JOURNEYS_DIR) -> list[re.Pattern]:
    """What the browser journeys pass to ``screenshot(page, "<name>")``, as patterns: an
    f-string's ``{size}`` stands for any name part (the run itself shows which were made).
    The conftest only defines the helper and the screenshots of failed journeys."""
    patterns = []
    for journey in sorted(journeys_dir.glob("test_*.py")):
        for is_f, name in TAKE.findall(journey.read_text(encoding="utf-8")):
            if is_f:
                pieces = PLACEHOLDER.split(name)
                patterns.append(re.compile(r"[\w-]+".join(re.escape(piece) for piece in pieces)))
            else:
                patterns.append(re.compile(re.escape(name)))
    return patterns


def is_taken(name: str, patterns: list[re.Pattern]) -> bool:
    return any(pattern.fullmatch(name) for pattern in patterns)


def optimise(source: Path, target: Path) -> None:
    """A copy small enough to commit: at most MAX_WIDTH wide and MAX_HEIGHT tall, 256
    colours (screenshots of pages have few), PNG optimised."""
    from PIL import Image

    with Image.open(source) as opened:
        image = opened.convert("RGB")
    if image.width > MAX_WIDTH:
        image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)), Image.Resampling.LANCZOS)
    if image.height > MAX_HEIGHT:
        image = image.crop((0, 0, image.width, MAX_HEIGHT))
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, format="PNG", optimize=True)


def copy_cited(*, source_dir: Path = TAKEN_DIR, target_dir: Path = MANUAL_DIR,
               chapters_dir: Path = CHAPTERS_DIR, journeys_dir: Path = JOURNEYS_DIR) -> list[str]:
    """Copies every cited screenshot from the journeys' output into the manual and
    removes the manual's screenshots no chapter cites any more. Raises ``MissingScreenshots``
    naming each cited screenshot that no journey takes or that this run did not produce."""
    wanted = cited(chapters_dir)
    journeys = taken(journeys_dir)
    problems = []
    for name, templates in sorted(wanted.items()):
        where = ", ".join(templates)
        if not is_taken(name, journeys):
            problems.append(f"{name}: cited in {where}, but no journey in {journeys_dir} takes it")
        elif not (source_dir / f"{name}.png").is_file():
            problems.append(f"{name}: cited in {where}, but {source_dir / (name + '.png')} was not produced")
    if problems:
        raise MissingScreenshots(problems)
    for name in sorted(wanted):
        optimise(source_dir / f"{name}.png", target_dir / f"{name}.png")
    for stale in sorted(target_dir.glob("*.png")):
        if stale.stem not in wanted:
            stale.unlink()
    return sorted(wanted)


class MissingScreenshots(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
