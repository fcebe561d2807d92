"""Open311 GeoReport v2 at ``/open311/v2/`` (casework.open311): each resource ends in
``.json`` or ``.xml``, which picks the format of the answer."""

from django.urls import path, register_converter

from casework import open311

app_name = "open311"


class FormatConverter:
    """The spec's ``.:format``: json or xml, nothing else."""

    regex = "|".join(open311.FORMATS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311_format")

urlpatterns = [
    path("services.<open311_format:format>", open311.services_list, name="services"),
    path("services/<slug:service_code>.<open311_format:format>", open311.service_definition, name="service"),
    path("requests.<open311_format:format>", open311.requests_view, name="requests"),
    path("requests/<str:request_id>.<open311_format:format>", open311.request_one, name="request"),
]
