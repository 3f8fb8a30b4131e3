"""Demands and categories in the JSON API (/api/v1/)."""

from ninja import Router

router = Router(tags=["demands"])
