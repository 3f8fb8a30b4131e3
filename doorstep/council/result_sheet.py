"""The printable result sheet (表决结果) of a counted owners' vote, as a PDF.

`sheet_facts(vote, staff=...)` gathers what the sheet says from the vote's stored result (the
exact tally made when it closed), its snapshot and its ballots — a fixed number of queries
whatever the size of the vote. `render_pdf(facts)` lays it out on A4 with reportlab's built-in
CID font STSong-Light, so no font file is needed and nothing is fetched.

The public sheet (of an announced result) names nobody and lists no single ballot: counts and
shares only, as the announcement page. The staff sheet (closed or announced) adds, for the
committee's record, each unit of the electorate with its owner's choice and how the ballot came
in — units, never names. Both end with room for the committee's signatures and seal.
"""

from __future__ import annotations

import io
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import tally as tally_rules
from .models import Ballot, Vote, VoteUnit

FONT = "STSong-Light"
SHEET_STATUSES = (Vote.Status.CLOSED, Vote.Status.ANNOUNCED)


def _fraction(value) -> Fraction:
    return Fraction(Decimal(str(value)))


def share_text(value: Fraction) -> str:
    """70.00%（0.700000 = 7/10）: the percentage, the six-place decimal and the exact fraction."""
    exact = f"{tally_rules.decimal_string(value)} = {tally_rules.fraction_string(value)}"
    return f"{tally_rules.percent(value)}（{exact}）"


def _ratio(part, whole) -> Fraction:
    whole = _fraction(whole)
    return _fraction(part) / whole if whole else Fraction(0)


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def thresholds(vote: Vote, kind: str) -> list[str]:
    if kind == tally_rules.Kind.UNANIMOUS:
        rules = [_("Consent: every interested owner agrees (Civil Code art. 279).")]
    else:
        rules = [
            _(
                "Turnout: owners with at least two thirds (≥ 2/3) of the exclusive area and at least "
                "two thirds (≥ 2/3) of all owners take part (Civil Code art. 278 para. 2)."
            )
        ]
        if kind == tally_rules.Kind.MAJOR:
            rules.append(
                _(
                    "Consent: at least three quarters (≥ 3/4) of the area taking part and at least "
                    "three quarters (≥ 3/4) of the owners taking part agree (art. 278 para. 2, items 6 to 8)."
                )
            )
        else:
            rules.append(
                _(
                    "Consent: more than half (> 1/2) of the area taking part and more than half "
                    "(> 1/2) of the owners taking part agree (art. 278 para. 2, other items)."
                )
            )
    if vote.template == Vote.Template.ELEVATOR or (vote.result or {}).get("required_consent_missing"):
        rules.append(_("Each owner whose exclusive part the work would occupy must agree individually."))
    return rules


def matter_text(vote: Vote) -> str:
    if vote.matter == "279":
        return _("Civil Code art. 279 — %(label)s") % {"label": vote.get_matter_display()}
    return _("Civil Code art. 278 para. 1 — %(label)s") % {"label": vote.get_matter_display()}


def sheet_facts(vote: Vote, *, staff: bool) -> dict:
    """What the sheet says; `vote` comes with compound and building. Two queries (three for
    staff): the electorate's unit count (and, for staff, its units), the ballots."""
    r = vote.result or {}
    kind = r.get("kind") or str(tally_rules.matter_kind(vote.matter))
    units = VoteUnit.objects.filter(vote=vote).aggregate(n=Count("id"))["n"]
    ballots = list(
        Ballot.objects.filter(vote=vote)
        .order_by("origin", "sheet_ref", "id")
        .values_list("owner_key", "choice", "origin", "sheet_ref", "proxy_ref")
    )
    by_origin = {o: 0 for o in Ballot.Origin.values}
    for _key, _choice, origin, _sheet, _proxy in ballots:
        by_origin[origin] = by_origin.get(origin, 0) + 1
    origin_labels = dict(Ballot.Origin.choices)
    total, part = r.get("total", {}), r.get("participated", {})
    shares = []
    for code, label in (("yes", _("Agree")), ("no", _("Disagree")), ("abstain", _("Abstain"))):
        w = r.get(code, {"area": "0", "headcount": 0})
        shares.append(
            {
                "label": label,
                "area": w["area"],
                "headcount": w["headcount"],
                "share_area": share_text(_ratio(w["area"], part.get("area", 0))),
                "share_headcount": share_text(_ratio(w["headcount"], part.get("headcount", 0))),
            }
        )
    fm = r.get("follow_majority") or {}
    if not vote.follow_majority:
        follow = _("Not applied: the vote does not count non-voters with the majority (从众).")
    elif fm.get("used"):
        follow = _(
            "Applied: %(n)d owners (%(area)s m²) who did not vote were counted %(side)s with the "
            "majority, for consent only, never for turnout. Allowed by: %(clause)s"
        ) % {
            "n": fm["added"]["headcount"],
            "area": fm["added"]["area"],
            "side": _("for the proposal") if fm.get("side") == "yes" else _("against the proposal"),
            "clause": vote.follow_majority_clause,
        }
    else:
        follow = _("Allowed but not applied: there was no majority to follow. Allowed by: %(clause)s") % {
            "clause": vote.follow_majority_clause
        }
    facts = {
        "staff": staff,
        "title": vote.title,
        "number": f"BJ{vote.pk:06d}",
        "scope": vote.scope_label,
        "matter": matter_text(vote),
        "thresholds": thresholds(vote, kind),
        "opened": _when(vote.opened_at),
        "closed": _when(vote.closed_at),
        "announced": _when(vote.announced_at),
        "units": units,
        "area": total.get("area", "0"),
        "headcount": total.get("headcount", 0),
        "participated_area": part.get("area", "0"),
        "participated_headcount": part.get("headcount", 0),
        "turnout_area": share_text(_ratio(part.get("area", 0), total.get("area", 0))),
        "turnout_headcount": share_text(_ratio(part.get("headcount", 0), total.get("headcount", 0))),
        "shares": shares,
        "consent_area": share_text(_fraction_of(r.get("consent", {}), "area")),
        "consent_headcount": share_text(_fraction_of(r.get("consent", {}), "headcount")),
        "follow_majority": follow,
        "passed": bool(r.get("passed")),
        "reason": r.get("reason", ""),
        "origins": [(origin_labels[o], n) for o, n in by_origin.items()],
        "sheets": [s for _k, _c, origin, s, _p in ballots if origin == Ballot.Origin.PAPER],
        "proxies": [p for _k, _c, origin, _s, p in ballots if origin == Ballot.Origin.PROXY] if staff else [],
        "rows": [],
    }
    if staff:
        choice_of = {k: (c, origin, s or p) for k, c, origin, s, p in ballots}
        choice_labels = dict(Ballot.Choice.choices)
        for label, area, key in (
            VoteUnit.objects.filter(vote=vote).order_by("label").values_list("label", "area", "owner_key")
        ):
            c, origin, ref = choice_of.get(key, ("", "", ""))
            facts["rows"].append(
                {
                    "unit": label,
                    "area": str(area),
                    "choice": str(choice_labels[c]) if c else _("did not vote"),
                    "origin": f"{origin_labels[origin]} {ref}".strip() if origin else "",
                }
            )
    return facts


def _fraction_of(share: dict, name: str) -> Fraction:
    exact = share.get(f"{name}_exact")
    if exact:
        num, den = exact.split("/")
        return Fraction(int(num), int(den))
    return Fraction(0)


def render_pdf(facts: dict) -> bytes:
    """The sheet on A4 in Chinese, whatever the reader's language (it is the official record)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    from xml.sax.saxutils import escape

    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=14, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=12)
    head = ParagraphStyle("head", parent=body, fontSize=16, leading=22, alignment=1)
    h2 = ParagraphStyle("h2", parent=body, fontSize=11.5, leading=16, spaceBefore=4)

    def p(text, style=body):
        if isinstance(text, list | tuple):
            return Paragraph("<br/>".join(escape(str(t)) for t in text), style)
        return Paragraph(escape(str(text)), style)

    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ]
    )
    width = A4[0] - 36 * mm

    def table(rows, widths, header=True):
        t = Table(
            [[p(c, small) for c in row] for row in rows], colWidths=widths, repeatRows=1 if header else 0
        )
        t.setStyle(grid if header else TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
        return t

    f = facts
    story = [
        p(_("Result of the owners' joint decision"), head),
        p(f["title"], ParagraphStyle("sub", parent=body, alignment=1, fontSize=12, leading=18)),
        p(
            (
                _("Record copy for the committee (not for posting)")
                if f["staff"]
                else _("Copy for public posting")
            )
            + f"　{f['number']}",
            ParagraphStyle("ver", parent=small, alignment=1),
        ),
        Spacer(1, 4 * mm),
        table(
            [
                [_("Scope"), f["scope"]],
                [_("Matter"), f["matter"]],
                [_("Thresholds"), f["thresholds"]],
                [_("Voting opened"), f["opened"]],
                [_("Voting closed"), f["closed"]],
                [_("Announced"), f["announced"]],
            ],
            [32 * mm, width - 32 * mm],
            header=False,
        ),
        p(_("Electorate and turnout"), h2),
        table(
            [
                ["", _("Exclusive area (square metres)"), _("Owners (head-count)")],
                [
                    _("All owners in scope (%(n)d units)") % {"n": f["units"]},
                    f["area"],
                    str(f["headcount"]),
                ],
                [_("Took part"), f["participated_area"], str(f["participated_headcount"])],
                [_("Turnout"), f["turnout_area"], f["turnout_headcount"]],
            ],
            [44 * mm, (width - 44 * mm) / 2, (width - 44 * mm) / 2],
        ),
        p(_("Choices (shares of those taking part)"), h2),
        table(
            [["", _("Exclusive area (square metres)"), _("Owners (head-count)")]]
            + [
                [s["label"], f"{s['area']}／{s['share_area']}", f"{s['headcount']}／{s['share_headcount']}"]
                for s in f["shares"]
            ]
            + [[_("Consent as counted"), f["consent_area"], f["consent_headcount"]]],
            [44 * mm, (width - 44 * mm) / 2, (width - 44 * mm) / 2],
        ),
        p(_("Non-voters with the majority (从众)"), h2),
        p(f["follow_majority"]),
        p(_("Outcome of the vote"), h2),
        p(
            (_("Passed") if f["passed"] else _("Not passed")),
            ParagraphStyle("verdict", parent=body, fontSize=13, leading=18),
        ),
        p(f["reason"]),
        p(_("Ballots by how they came in"), h2),
        table(
            [[_("How"), _("Ballots")]] + [[label, str(n)] for label, n in f["origins"]],
            [width - 30 * mm, 30 * mm],
        ),
    ]
    if f["sheets"]:
        story.append(p(_("Signed paper sheets: %(refs)s") % {"refs": "、".join(f["sheets"])}, small))
    if f["proxies"]:
        story.append(p(_("Written proxies: %(refs)s") % {"refs": "、".join(f["proxies"])}, small))
    if f["rows"]:
        story += [
            p(_("Units and choices (record copy)"), h2),
            table(
                [[_("Unit"), _("Exclusive area (square metres)"), _("Choice"), _("How")]]
                + [[r["unit"], r["area"], r["choice"], r["origin"]] for r in f["rows"]],
                [34 * mm, 34 * mm, 26 * mm, width - 94 * mm],
            ),
        ]
    # The closing block (art. 280 notice, signatures, seal) never splits across pages.
    story.append(
        KeepTogether(
            [
                Spacer(1, 3 * mm),
                p(
                    _(
                        "Owners who consider the decision harms their lawful rights may ask the people's court "
                        "to revoke it (Civil Code art. 280)."
                    ),
                    small,
                ),
                Spacer(1, 5 * mm),
                p(_("Members of the owners' committee (signatures): ____________________________________")),
                Spacer(1, 5 * mm),
                p(_("Owners' committee (seal)                    Date: ______ year ____ month ____ day")),
            ]
        )
    )
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f["title"],
        invariant=1,
    )
    doc.build(story)
    return buffer.getvalue()


def result_sheet_pdf(vote: Vote, *, staff: bool) -> bytes:
    with translation.override("zh-hans"):
        return render_pdf(sheet_facts(vote, staff=staff))
