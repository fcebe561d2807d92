"""The public site (no login). Every page is registered twice: at the root for the
default jurisdiction and under ``j/<code>/`` for the others (see ``boards.links``)."""

from django.urls import path, register_converter

from boards import views
from boards.feeds import EditionsFeed


class YearConverter:
    regex = r"[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{int(value):04d}"


class MonthConverter:
    regex = r"0[1-9]|1[0-2]"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{int(value):02d}"


register_converter(YearConverter, "yyyy")
register_converter(MonthConverter, "mm")

app_name = "boards"

PAGES = [
    ("", views.home, "home"),
    ("<yyyy:year>/<mm:month>/", views.edition, "edition"),
    ("<yyyy:year>/<mm:month>/r<int:revision>/", views.edition, "edition_revision"),
    ("<yyyy:year>/<mm:month>/board.pdf", views.edition_pdf, "edition_pdf_current"),
    ("<yyyy:year>/<mm:month>/r<int:revision>/board.pdf", views.edition_pdf, "edition_pdf"),
    ("<yyyy:year>/<mm:month>/board.json", views.edition_json, "edition_json_current"),
    ("<yyyy:year>/<mm:month>/r<int:revision>/board.json", views.edition_json, "edition_json"),
    ("<yyyy:year>/<mm:month>/board.csv", views.edition_csv, "edition_csv_current"),
    ("<yyyy:year>/<mm:month>/r<int:revision>/board.csv", views.edition_csv, "edition_csv"),
    ("archive/", views.archive, "archive"),
    ("archive/<yyyy:year>/", views.archive_year, "archive_year"),
    ("units/", views.units, "units"),
    ("units/<path:code>/", views.unit, "unit"),
    ("lobby/", views.lobby, "lobby"),
    ("lobby/status.json", views.lobby_status, "lobby_status"),
    ("years/<yyyy:year>/", views.year_table, "year"),
    ("years/<yyyy:year>/r<int:revision>/", views.year_table, "year_revision"),
    ("years/<yyyy:year>/table.csv", views.year_csv, "year_csv"),
    ("years/<yyyy:year>/table.json", views.year_json, "year_json"),
    ("data/", views.opendata, "opendata"),
    ("data/editions.json", views.editions_json, "editions_json"),
    ("feed/", EditionsFeed(), "feed"),
]

urlpatterns = [path(route, view, name=name) for route, view, name in PAGES] + [
    path(f"j/<slug:jurisdiction>/{route}", view, name=name) for route, view, name in PAGES
]
