"""Each person's journey in a real browser: Playwright drives Debian's Chromium
(``/usr/bin/chromium``, installed by scripts/setup.sh; Playwright's own browser
downloads are never used) against pytest-django's live server, in Chinese.

Every journey fails on a JavaScript error, a console error (a Content-Security-Policy
violation is one), an answer of 400 or more from our own server or a page of ours
without a Content-Security-Policy, and ends with a full-page screenshot in
``test-artifacts/screenshots/``.

The live server runs in this process, in another thread, so the tests are
transactional (``serialized_rollback`` puts back what the migrations created: roles,
the default jurisdiction). Data is made with the services, as the people would.

The personas are those of tests/conftest.py: alice of the office, bob rating for the
housing bureau (区住建局), carol for the market bureau (区市场监管局), leo the leader.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from playwright.sync_api import expect

from boards import services as board_services
from boards.models import Edition
from departments.models import Organisation
from departments.roles import user_department
from ratings import services
from ratings.models import Criterion, Period, Rating
from tests.factories import CategoryFactory, CriterionFactory, OrganisationFactory, RuleBookFactory

# Playwright's synchronous API runs an event loop in this thread; Django refuses ORM
# calls from a thread with a running loop unless told that this one is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# An address the browser reaches without asking a resolver (localhost may be ::1).
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1366, "height": 900}

# Every test here commits, so that the server thread sees its data.
journey = pytest.mark.django_db(transaction=True, serialized_rollback=True)

_saved: list[Path] = []


# The browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """Debian's Chromium, headless, in Chinese, with nothing that calls out to the internet."""
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
            "--lang=zh-CN",
        ],
        # The browser's own words (a file input's button, a date input's 年/月/日) in Chinese,
        # as on a user's machine: Chromium on Linux takes them from LANGUAGE and Debian's
        # chromium-l10n; the locale stays C.UTF-8, which every Debian has, so that file
        # names in Chinese reach the page.
        "env": {**os.environ, "LANGUAGE": "zh_CN:zh", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    }


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A browser in mainland China (a journey sets its own screen size)."""
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(autouse=True)
def _expect_timeout() -> None:
    # Generous for a loaded 2-core machine; nothing waits this long when all is well.
    expect.set_options(timeout=15_000)


@pytest.fixture(autouse=True)
def _board_cache(settings) -> Iterator[None]:
    """Cached stored pages must not outlive this test's (flushed) database."""
    caches[settings.BOARD_CACHE_ALIAS].clear()
    yield
    caches[settings.BOARD_CACHE_ALIAS].clear()


# What must not happen on any page ---------------------------------------------------------------


@dataclass
class Watch:
    """Collects, from every page of the contexts it watches: console errors (CSP
    violations are reported there), uncaught JavaScript errors, answers of 400 or more
    from our server (but the ``expected`` ones), and pages of ours served without a
    Content-Security-Policy."""

    origin: str
    problems: list[str] = field(default_factory=list)
    # Answers of 400 or more a journey expects, as (status, path); none so far: every
    # page links its icon, so the browser does not ask for /favicon.ico.
    expected: set[tuple[int, str]] = field(default_factory=set)

    def watch(self, context):
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"JavaScript error: {error.error}"))
        context.on("response", self._response)
        context.on("requestfailed", self._failed)
        return context

    def _console(self, message) -> None:
        if message.type != "error":
            return
        source = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and self._ours(source):
            return  # the answer itself is judged in _response, which knows what is expected
        page = message.page.url if message.page else ""
        self.problems.append(f"console error on {page} ({source}): {message.text}")

    def _ours(self, url: str) -> bool:
        return url.startswith(self.origin)

    def _response(self, response) -> None:
        if not self._ours(response.url):
            return
        if response.status >= 400:
            path = urlsplit(response.url).path
            if (response.status, path) not in self.expected:
                self.problems.append(f"{response.status} for {response.request.method} {response.url}")
        elif response.request.resource_type == "document" and "text/html" in response.headers.get("content-type", ""):
            # The pages are checked under the policy they are served with: it must be there.
            if not response.headers.get("content-security-policy"):
                self.problems.append(f"no Content-Security-Policy on {response.url}")

    def _failed(self, request) -> None:
        failure = request.failure or ""
        # A navigation or a reload cancels what the page still had in flight: not a fault.
        if self._ours(request.url) and "ERR_ABORTED" not in failure:
            self.problems.append(f"request failed: {request.method} {request.url}: {failure}")

    def assert_clean(self) -> None:
        assert not self.problems, "the browser reported problems:\n" + "\n".join(self.problems)


@pytest.fixture
def watch(live_server) -> Iterator[Watch]:
    watcher = Watch(origin=live_server.url)
    yield watcher
    watcher.assert_clean()


@pytest.fixture
def open_context(new_context, watch, request):
    """A watched browser context: ``open_context(viewport=..., is_mobile=...)``; a
    desktop screen unless told otherwise. When the journey fails, every page it had
    open is kept as test-artifacts/screenshots/failed-<test>-<n>.png."""
    contexts = []

    def make(**kwargs):
        context = watch.watch(new_context(**{"viewport": DESKTOP, **kwargs}))
        contexts.append(context)
        return context

    yield make
    if getattr(request.node, "journey_failed", False):
        pages = [page for context in contexts for page in context.pages]
        for number, page in enumerate(pages, start=1):
            screenshot(page, f"failed-{request.node.name}-{number}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.journey_failed = True
    return report


@pytest.fixture
def page(open_context):
    """The default page, watched."""
    return open_context().new_page()


def stop_the_clock(page) -> None:
    """The timers of the context's pages (setTimeout, setInterval, Date) run on
    Playwright's clock, stopped: they fire only when the test moves it on
    (``page.clock.run_for``) or lets it run (``page.clock.resume``)."""
    start = int(time.time() * 1000)
    page.clock.install(time=start)
    page.clock.pause_at(start + 1000)


def screenshot(page, name: str) -> Path:
    """The journey's end state, kept as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    _saved.append(path)
    return path


def pytest_terminal_summary(terminalreporter) -> None:
    if _saved:
        terminalreporter.write_line(
            f"browser journeys: {len(_saved)} screenshots in {SCREENSHOTS.relative_to(ROOT)}/ "
            f"({', '.join(path.name for path in _saved)})"
        )


# People and their first steps ----------------------------------------------------------------------


def password_of(user) -> str:
    return "pw-" + user.username  # tests/factories.make_user


def log_in(page, user, *, next_url: str = "/admin/") -> None:
    """Through the admin's login form, as a person does."""
    page.goto(f"/admin/login/?next={next_url}")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(password_of(user))
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#id_username")).to_have_count(0)  # the form is gone: logged in


# A small district, made with the services ------------------------------------------------------


UNITS = (  # code, name, category (from the demo district, Gaochun)
    ("CXJD", "淳溪街道", "街道"), ("GBJD", "古柏街道", "街道"), ("DBJD", "东坝街道", "街道"),
    ("YJZ", "阳江镇", "镇"), ("ZQZ", "砖墙镇", "镇"), ("GCZ", "固城镇", "镇"), ("QQZ", "漆桥镇", "镇"),
    ("CCJT", "区城建集团", "国有企业"),
)


@dataclass
class District:
    """区住建局 (bob) and 区市场监管局 (carol) rate eight units in three categories;
    this year's and last year's rule books each have a red-flag and a yellow-light
    criterion (H01, Y01)."""

    alice: User
    bob: User
    carol: User
    leo: User
    housing: Organisation  # 区住建局, department A
    market: Organisation  # 区市场监管局, department B
    units: dict[str, Organisation]
    past_year: int  # a year that is over: its months can be closed and published

    def unit(self, name: str) -> Organisation:
        return self.units[name]

    def period(self, year: int, month: int) -> Period:
        return services.period_get_or_open(jurisdiction=self.housing.jurisdiction, year=year, month=month)

    def record(self, period: Period, department: Organisation, unit_name: str, kind: str, reason: str, *,
               by: User) -> Rating:
        """A submitted rating citing the rule book's criterion for its kind."""
        criterion = Criterion.objects.get(rulebook__year=period.year, code="H01" if kind == "red_flag" else "Y01")
        return services.rating_record(period=period, department=department, unit=self.unit(unit_name), kind=kind,
                                      reason=reason, criterion=criterion, by=by, submit=True)

    def submitted(self, period: Period, rater: User, unit_name: str, kind: str, reason: str) -> Rating:
        return self.record(period, user_department(rater), unit_name, kind, reason, by=rater)

    def approved(self, period: Period, department: Organisation, unit_name: str, kind: str, reason: str) -> Rating:
        rating = self.record(period, department, unit_name, kind, reason, by=self.alice)
        return services.rating_approve(rating=rating, by=self.alice)

    def close(self, period: Period) -> Period:
        return services.period_close(period=period, by=self.alice)

    def publish(self, period: Period) -> Edition:
        """Closes the month if need be and publishes its board (WeasyPrint, for real)."""
        period.refresh_from_db()
        if period.status == Period.Status.OPEN:
            self.close(period)
        return board_services.edition_publish(period=period, by=self.alice).edition


@pytest.fixture
def district(alice, bob, carol, leo, dept_a, dept_b) -> District:
    categories = {name: CategoryFactory(name=name, order=order)
                  for order, name in enumerate(("街道", "镇", "国有企业"), start=1)}
    units = {name: OrganisationFactory(code=code, name=name, category=categories[category])
             for code, name, category in UNITS}
    this_year = services.today().year
    for year in (this_year - 1, this_year):
        rulebook = RuleBookFactory(year=year)
        CriterionFactory(rulebook=rulebook, code="H01", text="主动担当，攻坚克难，成效明显", kind="red_flag")
        CriterionFactory(rulebook=rulebook, code="Y01", text="推诿扯皮，慢作为", kind="yellow_light")
    return District(alice=alice, bob=bob, carol=carol, leo=leo, housing=dept_a, market=dept_b, units=units,
                    past_year=this_year - 1)
