"""Alice of the efficiency office closes a month: she reviews what the departments
submitted, approves it in bulk, closes the month and publishes its board, following
the publication on its progress page until it is done; the public site then shows it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from boards.models import Edition, PublishRun
from ratings.models import Period, Rating
from tests.browser.conftest import journey, log_in, screenshot, stop_the_clock

pytestmark = journey


@pytest.fixture
def queued_publishing() -> Iterator["Worker"]:
    """Publishing queued on the (in-memory) broker instead of run at once, so that the
    progress page shows the run waiting; ``Worker.run_one()`` then does what a Celery
    worker does: takes the message off the queue and runs its task."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    worker = Worker(app)
    worker.drain()
    yield worker
    worker.drain()
    app.conf.task_always_eager = saved


class Worker:
    def __init__(self, app) -> None:
        self.app = app

    def _queue(self, connection):
        return connection.SimpleQueue(self.app.conf.task_default_queue)

    def run_one(self) -> str:
        with self.app.connection_for_read() as connection:
            queue = self._queue(connection)
            message = queue.get(timeout=10)
            name = message.headers["task"]
            args, kwargs, _embed = message.decode()
            self.app.tasks[name](*args, **kwargs)
            message.ack()
            queue.close()
        return name

    def run_through(self, name: str) -> list[str]:
        """Run the queued tasks in order until ``name`` has run; their names."""
        ran = [self.run_one()]
        while ran[-1] != name:
            ran.append(self.run_one())
        return ran

    def drain(self) -> None:
        with self.app.connection_for_read() as connection:
            queue = self._queue(connection)
            queue.clear()
            queue.close()


def test_alice_approves_the_submitted_ratings_closes_the_month_and_publishes_its_board(
    page, district, queued_publishing, watch,
):
    october = district.period(district.past_year, 10)
    label = october.label
    district.submitted(october, district.bob, "淳溪街道", "red_flag", "主动承办疑难工单9件，均提前办结")
    district.submitted(october, district.bob, "阳江镇", "yellow_light", "12345工单随意退单6件")
    district.submitted(october, district.carol, "古柏街道", "red_flag", "食品安全专项整治成效明显")

    # The submitted ratings, from the list's filter.
    log_in(page, district.alice, next_url="/admin/ratings/rating/")
    page.locator("#changelist-filter").get_by_role("link", name="待审核").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.locator(".lb-status")).to_have_text(["待审核"] * 3)

    # All approved at once.
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option(label="审核通过")
    page.get_by_role("button", name="执行").click()
    expect(page.locator(".messagelist .success")).to_have_text("已审核通过 3 条认定。")
    assert set(october.ratings.values_list("status", flat=True)) == {Rating.Status.APPROVED}

    # The month is closed from its page.
    page.locator("#nav-sidebar").get_by_role("link", name="月度", exact=True).click()
    page.get_by_role("link", name=label).click()
    page.locator(".lb-object-actions").get_by_role("link", name="关账…").click()
    expect(page.locator("#content-main")).to_contain_text("该月的认定都已审核通过，可以关账。")
    page.get_by_role("button", name="确认关账").click()
    expect(page.locator(".messagelist .success")).to_have_text(f"{label} 已关账。")
    expect(page.locator(".lb-notice-info")).to_contain_text(f"{label} 已关账")

    # 亮榜发布 › 月度发布: what will be published, then the run.
    page.locator("#nav-sidebar").get_by_role("link", name="月度发布").click()
    row = page.locator("#result_list tbody tr", has_text=label)
    expect(row).to_contain_text("已关账")
    row.get_by_role("link", name="发布…").click()
    expect(page.locator("#content-main")).to_contain_text(f"{label} 已审核通过的认定：红旗 2 面，黄灯 1 盏，红灯 0 盏")
    # Before she publishes: the board as it will be, marked as not published yet.
    expect(page.locator("#lb-diff")).to_contain_text("该月尚未发布，这将是第一版：3 条认定将首次公开。")
    with page.context.expect_page() as opened:
        page.locator("#lb-preview").get_by_role("link", name="在新窗口打开预览").click()
    preview = opened.value
    expect(preview.locator(".notice-preview")).to_contain_text("预览（未发布）")
    expect(preview.locator("h1")).to_contain_text(f"{district.past_year}年10月")
    expect(preview.locator(".board-honour")).to_contain_text("食品安全专项整治成效明显")
    expect(preview.locator(".board-warning")).to_contain_text("阳江镇")
    screenshot(preview, "office-publish-preview")
    preview.close()
    assert not Edition.objects.exists()
    # The progress page's timers wait for the test: it looks at the run only once the
    # worker is done (the worker here shares the server's SQLite connection).
    stop_the_clock(page)
    page.get_by_role("button", name="发布", exact=True).click()

    # The progress page shows the run waiting for the worker ...
    progress = page.locator("#lb-publish")
    expect(progress.locator("[data-role=status]")).to_have_text("排队中")
    expect(progress.locator("[data-role=message]")).to_have_text("已排队，等待开始…")
    expect(progress.locator("[data-role=done]")).to_be_hidden()
    # First the dashboard's figures the close queued, then the publication.
    assert queued_publishing.run_through("boards.tasks.publish_run_task") == [
        "dashboard.tasks.warm_figures_task", "boards.tasks.publish_run_task"]
    # ... and, polling, follows it until it is done.
    page.clock.resume()
    expect(progress.locator("[data-role=message]")).to_have_text(f"已发布 {label} 第 1 版")
    expect(progress.locator("[data-role=status]")).to_have_text("已完成")
    expect(progress.locator("[data-role=bar]")).to_have_attribute("value", "100")
    expect(progress.locator("[data-role=done]")).to_be_visible()
    run = PublishRun.objects.get()
    assert run.status == PublishRun.Status.DONE and run.edition.revision == 1
    october.refresh_from_db()
    assert october.status == Period.Status.PUBLISHED

    # The public page opens in a new tab and shows the new edition.
    with page.context.expect_page() as opened:
        progress.get_by_role("link", name="查看公开页面").click()
    board = opened.value
    year, month = district.past_year, 10
    expect(board.locator("h1")).to_contain_text(f"{year}年{month}月")
    expect(board.locator(".board-honour")).to_contain_text("淳溪街道")
    expect(board.locator(".board-honour")).to_contain_text("古柏街道")
    expect(board.locator(".board-honour")).to_contain_text("食品安全专项整治成效明显")
    expect(board.locator(".board-warning")).to_contain_text("阳江镇")
    # ... and so does the site's home page, for everyone.
    board.goto("/")
    expect(board.locator("h1")).to_contain_text(f"{year}年{month}月")
    assert Edition.objects.get().revision == 1
    watch.assert_clean()
    screenshot(page, "office-publish-progress")
    screenshot(board, "office-publish")
