"""GeoReport v2 wire formats: the same data as XML or JSON, and the error list.

XML has no namespace and starts with the XML declaration; a list is a wrapper element whose
children are named by ITEM_TAGS (endpoints → endpoint …). JSON mirrors it: lists are arrays.
Dates are sent in UTC with a trailing Z.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from django.http import HttpResponse

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
ITEM_TAGS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
    "photos": "photo",
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
}


def utc(moment: datetime | None) -> str | None:
    """W3C date-time in UTC with Z, to the second."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return utc(value) or ""
    return str(value)


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item = ITEM_TAGS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item), child)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> str:
    element = ET.Element(root)
    _fill(element, data)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


def _json_default(value):
    if isinstance(value, datetime):
        return utc(value)
    raise TypeError(type(value).__name__)


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """`data` as `fmt` ("xml" or "json"); `root` names the XML root element."""
    body = to_xml(root, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False, default=_json_default)
    return HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, *descriptions: str, code: int | None = None) -> HttpResponse:
    """The spec's error list: one {code, description} per problem, with the HTTP status."""
    rows = [{"code": code or status, "description": str(d)} for d in descriptions]
    return render(fmt, "errors", rows, status=status)
