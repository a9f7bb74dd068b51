"""Who may appear in a list or an export: consenting stakeholders, narrowed by who they are.

The exports and the dashboard must agree on this, so it lives once, here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import ColumnElement, or_

from storage.models import Answer, Pledge, Stakeholder


class WhoFilters(Protocol):
    """The stakeholder side of a filter; an empty sequence means no narrowing."""

    @property
    def subregions(self) -> Sequence[str]: ...

    @property
    def countries(self) -> Sequence[str]: ...

    @property
    def categories(self) -> Sequence[str]: ...


def stakeholder_conditions(
    filters: WhoFilters, published_only: bool = False
) -> list[ColumnElement[bool]]:
    """Consent first: nobody who has not consented is ever listed or exported."""
    conditions: list[ColumnElement[bool]] = [Stakeholder.consented_at.is_not(None)]
    if filters.subregions:
        conditions.append(Stakeholder.subregion.in_(filters.subregions))
    if filters.countries:
        conditions.append(Stakeholder.country.in_(filters.countries))
    if filters.categories:
        conditions.append(Stakeholder.category.in_(filters.categories))
    if published_only:
        conditions.append(Stakeholder.publication_consent.is_(True))
    return conditions


def pledge_stands() -> ColumnElement[bool]:
    """A pledge counts while its answer is current (edited away, it goes), or made on its own.

    Needs `Answer` outer-joined on `Pledge.answer_id`.
    """
    return or_(Pledge.answer_id.is_(None), Answer.current.is_(True))
