"""`doorstep tally FILE.json`: tally an owners' vote offline (a committee counting paper ballots).

Input (`-` reads standard input):

    {"matter": 1-9 or "279",
     "units": [{"id": "1-101", "area": "89.50", "owner": "wang", "developer_unsold": false}, ...],
     "ballots": [{"unit": "1-101", "choice": "yes" | "no" | "abstain"}, ...],
     "follow_majority": false,
     "required_consent": ["1-101"]}          # optional: owners who must agree themselves

Prints the result as JSON: turnout and consent shares by area and by headcount (decimal strings
and exact fractions), `passed`, and a Chinese `reason`. Bad input (malformed JSON or decimals,
unknown units, negative areas, conflicting ballots for one owner) prints a Chinese message on
stderr and exits with status 2. Rules: doorstep/council/tally.py.
"""

import json
import sys
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from doorstep.council.tally import TallyError, Unit, parse_area, tally


class Command(BaseCommand):
    help = "Tally an owners' vote (Civil Code art. 278/279) from a JSON file and print the result as JSON."
    leave_locale_alone = True  # messages in the site's language (Chinese), not forced English
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("the vote as JSON (- for standard input)"))

    def handle(self, *args, file, **options):
        try:
            data = read(file)
            result = tally_data(data)
        except TallyError as exc:
            self.stderr.write(
                _("Invalid input: %(reasons)s")
                % {"reasons": pgettext("list separator", "; ").join(exc.messages)}
            )
            sys.exit(2)
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))


def read(file: str):
    try:
        if file == "-":
            text = sys.stdin.read()
        else:
            with open(file, encoding="utf-8") as fh:
                text = fh.read()
    except OSError as exc:
        raise TallyError(
            _("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror}
        ) from None
    except UnicodeDecodeError:
        raise TallyError(_("%(file)s is not UTF-8 text.") % {"file": file}) from None
    try:
        # Numbers with a fraction are read as Decimal, never float.
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise TallyError(
            _("Not valid JSON (line %(line)d, column %(column)d).")
            % {"line": exc.lineno, "column": exc.colno}
        ) from None


def _text(value) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return None
    return str(value)


def tally_data(data):
    if not isinstance(data, dict):
        raise TallyError(_("The input must be a JSON object with matter, units and ballots."))
    missing = [key for key in ("matter", "units", "ballots") if key not in data]
    if missing:
        raise TallyError(_("Missing field: %(fields)s.") % {"fields": ", ".join(missing)})
    if not isinstance(data["units"], list) or not isinstance(data["ballots"], list):
        raise TallyError(_("units and ballots must be lists."))
    follow = data.get("follow_majority", False)
    if not isinstance(follow, bool):
        raise TallyError(_("follow_majority must be true or false."))
    required = data.get("required_consent", [])
    if not isinstance(required, list) or any(_text(u) is None for u in required):
        raise TallyError(_("required_consent must be a list of unit ids."))

    errors: list[str] = []
    units: list[Unit] = []
    for i, row in enumerate(data["units"], start=1):
        if not isinstance(row, dict) or _text(row.get("id")) is None:
            errors.append(_("Unit no. %(n)d has no id.") % {"n": i})
            continue
        unit_id = _text(row["id"])
        unsold = row.get("developer_unsold", False)
        if not isinstance(unsold, bool):
            errors.append(_("Unit %(unit)s: developer_unsold must be true or false.") % {"unit": unit_id})
            continue
        owner = _text(row.get("owner"))
        if owner is None and not unsold:
            errors.append(_("Unit %(unit)s has no owner.") % {"unit": unit_id})
            continue
        if "area" not in row:
            errors.append(_("Unit %(unit)s has no area.") % {"unit": unit_id})
            continue
        try:
            area = parse_area(row["area"], unit_id)
        except TallyError as exc:
            errors.extend(exc.messages)
            continue
        units.append(Unit(unit_id, area, owner or "", unsold))
    ballots: list[tuple[str, str]] = []
    for i, row in enumerate(data["ballots"], start=1):
        if (
            not isinstance(row, dict)
            or _text(row.get("unit")) is None
            or not isinstance(row.get("choice"), str)
        ):
            errors.append(_("Ballot no. %(n)d needs a unit and a choice.") % {"n": i})
            continue
        ballots.append((_text(row["unit"]), row["choice"]))
    if errors:
        raise TallyError(errors)
    return tally(data["matter"], units, ballots, follow, [_text(u) for u in required])
