"""Queries on roles: who may broadcast, export and see statistics."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Role

ORGANIZER = "organizer"
RAPPORTEUR = "rapporteur"
ROLES = (ORGANIZER, RAPPORTEUR)


def roles_from_settings(
    organizers: list[str], rapporteurs: list[str], platform: str, user_id: str
) -> set[str]:
    member = f"{platform}:{user_id}"
    roles = set()
    if member in organizers:
        roles.add(ORGANIZER)
    if member in rapporteurs:
        roles.add(RAPPORTEUR)
    return roles


async def stored_roles(session: AsyncSession, platform: str, user_id: str) -> set[str]:
    rows = await session.scalars(
        select(Role.role).where(Role.platform == platform, Role.user_id == user_id)
    )
    return set(rows)


async def grant(
    session: AsyncSession, platform: str, user_id: str, role: str, granted_by: str | None
) -> bool:
    """Store a role; False when it was already granted."""
    if role in await stored_roles(session, platform, user_id):
        return False
    session.add(Role(platform=platform, user_id=user_id, role=role, granted_by=granted_by))
    await session.flush()
    return True


async def revoke(session: AsyncSession, platform: str, user_id: str, role: str) -> bool:
    """Remove a stored role; False when there was none."""
    result = await session.execute(
        delete(Role).where(Role.platform == platform, Role.user_id == user_id, Role.role == role)
    )
    return bool(result.rowcount)


async def all_roles(session: AsyncSession) -> list[Role]:
    return list(await session.scalars(select(Role).order_by(Role.platform, Role.user_id)))
