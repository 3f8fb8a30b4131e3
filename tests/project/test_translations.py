"""Every UI string has its Chinese translation, and the compiled catalogue is current."""

from pathlib import Path

import doorstep

PO = Path(doorstep.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries(text: str):
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        msgid, msgstr, current = [], [], None
        for line in lines:
            if line.startswith("msgid "):
                current, line = msgid, line[6:]
            elif line.startswith("msgstr"):
                current, line = msgstr, line.split(" ", 1)[1]
            elif line.startswith(("#", "msgid_plural", "msgctxt")):
                current = None
                continue
            if current is not None:
                current.append(line.strip().strip('"'))
        yield "".join(msgid), "".join(msgstr), fuzzy


def test_every_string_is_translated_to_chinese():
    problems = [
        (msgid, "fuzzy" if fuzzy else "empty")
        for msgid, msgstr, fuzzy in entries(PO.read_text(encoding="utf-8"))
        if msgid and (fuzzy or not msgstr)
    ]
    assert problems == []


def test_compiled_catalogue_is_not_older_than_the_source():
    mo = PO.with_suffix(".mo")
    assert mo.exists(), "run `make messages`"
    assert mo.stat().st_mtime >= PO.stat().st_mtime
