"""What the simulated day holds: the booths and desks bench_setup made (with their API
tokens) and, for every resident, the 1–3 agencies they need, drawn once from a seed
so the web run and the floor do the same work."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Booth:
    booth_id: int
    prefix: str
    agency: str
    services: tuple[str, ...]
    token: str
    user_id: int


@dataclass(frozen=True)
class Need:
    """One resident: a service at each of 1–3 different booths."""

    resident_id: int
    services: tuple[tuple[int, str], ...]  # (booth id, service code)


@dataclass(frozen=True)
class DayPlan:
    visit_id: int
    day: str
    booths: tuple[Booth, ...]
    desk_tokens: tuple[str, ...]
    desk_user_ids: tuple[int, ...]
    needs: tuple[Need, ...]

    @property
    def ticket_count(self) -> int:
        return sum(len(need.services) for need in self.needs)


def load_plan(path: Path, *, seed: int) -> DayPlan:
    data = json.loads(path.read_text(encoding="utf-8"))
    booths = tuple(
        Booth(
            booth_id=b["booth_id"],
            prefix=b["prefix"],
            agency=b["agency"],
            services=tuple(b["services"]),
            token=b["token"],
            user_id=b["user_id"],
        )
        for b in data["booths"]
    )
    rng = random.Random(seed)  # noqa: S311 -- a repeatable simulated day, not secrets
    needs = []
    for resident_id in data["residents"]:
        chosen = rng.sample(booths, min(len(booths), rng.randint(1, 3)))
        needs.append(
            Need(
                resident_id=resident_id,
                services=tuple((b.booth_id, rng.choice(b.services)) for b in chosen),
            )
        )
    return DayPlan(
        visit_id=data["visit_id"],
        day=data["day"],
        booths=booths,
        desk_tokens=tuple(d["token"] for d in data["desks"]),
        desk_user_ids=tuple(d["user_id"] for d in data["desks"]),
        needs=tuple(needs),
    )
