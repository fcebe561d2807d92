"""The public satisfaction survey at Jiangsu's scale (``make bench``): 3,115 residents
each rating 94 agencies.

In a database of its own: 94 agencies, a survey by invitation code with 3,115 codes.
Then every response through ``evaluations.surveys.response_submit`` (the code checked
and used up under a row lock, the levels checked, the answers inserted) against a bare
insert of the same rows (one response and its 94 answers per transaction, nothing
checked). Then the results (one grouped query) at those responses and at ten times as
many, inserted in bulk: the number of queries must not move, and the time is shown.

Run alone: ``.venv/bin/python -m benchmarks.survey [--responses N] [--agencies N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.__main__ import YEAR, note, report, setup_django, timed


def run(responses: int = 3115, agencies: int = 94) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="liangbang-survey-"))
    try:
        started = time.perf_counter()
        setup_django(workdir)
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext

        from departments.models import Category, Jurisdiction, Organisation
        from evaluations import surveys
        from evaluations.models import Response, ResponseAnswer, State, Survey

        rng = random.Random(3115)
        jurisdiction = Jurisdiction.objects.get(code="default")
        category = Category.objects.create(jurisdiction=jurisdiction, name="省级机关")
        Organisation.objects.bulk_create(
            Organisation(jurisdiction=jurisdiction, code=f"A{i:03d}", name=f"省直机关{i:03d}", category=category)
            for i in range(agencies))
        ids = list(Organisation.objects.filter(jurisdiction=jurisdiction).values_list("pk", flat=True))
        day = dt.date(YEAR, 11, 15)

        def survey_of(name: str) -> Survey:
            made = Survey.objects.create(jurisdiction=jurisdiction, year=YEAR, name=name, opens_on=day,
                                         closes_on=day + dt.timedelta(days=15), state=State.DRAFT)
            made.agencies.set(ids)
            return made

        answers = [{pk: rng.choice((0, 0, 1, 1, 1, 2, 2, 3, 4)) for pk in ids} for _n in range(responses)]
        ours_survey = survey_of("满意度测评")
        codes = surveys.codes_issue(survey=ours_survey, count=responses)
        surveys.survey_open(survey=ours_survey)
        note(f"survey: {agencies} agencies, {responses:,} codes, made in {time.perf_counter() - started:.1f}s")

        def ours() -> None:
            for code, levels in zip(codes, answers):
                surveys.response_submit(survey=ours_survey, levels=levels, code=code, today=day)

        bare_survey = survey_of("对照")

        def bare() -> None:
            for levels in answers:
                with transaction.atomic():
                    response = Response.objects.create(survey=bare_survey)
                    ResponseAnswer.objects.bulk_create(
                        [ResponseAnswer(response=response, agency_id=a, level=lv) for a, lv in levels.items()])

        baseline = timed(bare)
        spent = timed(ours)
        assert Response.objects.filter(survey=ours_survey).count() == responses
        report(f"survey_submit_{responses}x{agencies}", spent, baseline)
        note(f"survey: {responses / spent:.0f} responses a second through the service, "
             f"{responses / baseline:.0f} bare")

        def results_at(survey: Survey) -> tuple[int, float]:
            with CaptureQueriesContext(connection) as queries:
                took = timed(lambda: surveys.survey_results(survey=survey))
            return len(queries), took

        queries_1x, time_1x = results_at(ours_survey)
        # Nine times more, in bulk, for ten times the responses.
        for _round in range(9):
            with transaction.atomic():
                made = Response.objects.bulk_create([Response(survey=ours_survey) for _n in range(responses)])
                ResponseAnswer.objects.bulk_create(
                    [ResponseAnswer(response=response, agency_id=a, level=lv)
                     for response, levels in zip(made, answers) for a, lv in levels.items()], batch_size=5000)
        queries_10x, time_10x = results_at(ours_survey)
        report(f"survey_results_queries_{responses * 10}", queries_10x, queries_1x, unit="")
        report(f"survey_results_time_{responses * 10}", time_10x, time_1x)
        note(f"survey: results of {responses * 10:,} responses ({responses * 10 * agencies:,} answers) in "
             f"{time_10x * 1000:.0f} ms and {queries_10x} queries; of {responses:,} in {time_1x * 1000:.0f} ms and "
             f"{queries_1x} queries; total {time.perf_counter() - started:.1f}s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.survey", description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=3115)
    parser.add_argument("--agencies", type=int, default=94)
    args = parser.parse_args(argv)
    run(args.responses, args.agencies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
