"""Open311 test helpers: call an endpoint, check the wire format, validate JSON against the
schemas in tests/open311/schemas/ (written from the GeoReport v2 spec)."""

import json
from functools import cache
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema

SCHEMAS = Path(__file__).parent / "schemas"
BASE = "/open311/v2/"
INSIDE_A = (114.3801, 27.8001)  # inside 都市春天小区 (袁州区 360902)
INSIDE_B = (114.5001, 27.8501)  # inside 新城国际小区 (上高县 360923)
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"


@cache
def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


def validate(data, name: str) -> None:
    jsonschema.Draft202012Validator(schema(name)).validate(data)


def url(path: str, **params) -> str:
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
    return BASE + path + (f"?{query}" if query else "")


def as_json(response, schema_name: str, status: int = 200):
    """The JSON body, after checking status, content type and the schema."""
    assert response.status_code == status, response.content.decode()[:500]
    assert response["Content-Type"] == JSON_TYPE
    data = json.loads(response.content.decode("utf-8"))
    validate(data, schema_name)
    return data


def as_xml(response, status: int = 200) -> ET.Element:
    assert response.status_code == status, response.content.decode()[:500]
    assert response["Content-Type"] == XML_TYPE
    text = response.content.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(text.split("\n", 1)[1])
    assert "}" not in root.tag  # no namespace
    return root


def error_json(response, status: int) -> list[str]:
    return [e["description"] for e in as_json(response, "errors", status)]


def error_xml(response, status: int) -> list[str]:
    root = as_xml(response, status)
    assert root.tag == "errors"
    assert [e.findtext("code") for e in root.findall("error")] == [str(status)] * len(root)
    return [e.findtext("description") for e in root.findall("error")]
