"""Who is making a request: the signed-in person as the permission checks see them."""

from __future__ import annotations

from dataclasses import dataclass

from server.models import Role

ORGANISER_ROLES = frozenset({Role.ADMIN, Role.MODERATOR})


@dataclass(frozen=True)
class Principal:
    person_id: int
    event_id: int
    name: str
    role: Role
    organisation_id: int | None
    mission_id: int | None
    # The country sessions this person may enter: for organisers, every session of their event.
    session_ids: frozenset[int]
    via_cookie: bool = False

    @property
    def is_organiser(self) -> bool:
        return self.role in ORGANISER_ROLES

    def may_enter(self, country_session_id: int) -> bool:
        return country_session_id in self.session_ids
