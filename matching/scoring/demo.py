"""The demo event's participants as matching profiles, read from the seed file.

The reason checks and benchmarks score every suggestion of the demo event ("Gặp gỡ Hàn Quốc
2026"); they read ``seeds/data/demo_korea_2026.json`` and ``seeds/data/vsic2018.json``
directly and build profiles the way the service does (a Vietnamese organisation is a host,
any other a guest; wishes and pending or accepted requests are wishes to meet), so that the
matching code stays free of the service's imports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from matching.profiles import PairPreferences, Profile

__all__ = ["DemoEvent", "load_demo_event"]


@dataclass(frozen=True)
class DemoEvent:
    profiles: tuple[Profile, ...]
    preferences: PairPreferences
    sector_names: dict[str, tuple[str, str]]


def load_demo_event(seed_dir: str | Path) -> DemoEvent:
    """Profiles (id = organisation key), wishes and sector names of the demo event."""
    seed_dir = Path(seed_dir)
    data = json.loads((seed_dir / "demo_korea_2026.json").read_text("utf-8"))
    taking_part = {item["organization"] for item in data["participants"]}
    profiles = []
    for org in data["organizations"]:
        if org["key"] not in taking_part:
            continue
        profiles.append(
            Profile(
                id=org["key"],
                side="host" if org["country"] == "VN" else "guest",
                organization_id=org["key"],
                kind=org["kind"],
                name=org["name"],
                country=org["country"],
                province_code=org.get("province_code"),
                sectors=tuple(org.get("sectors", ())),
                offers=org.get("offers") or "",
                needs=org.get("needs") or "",
                languages=tuple(org.get("languages", ())),
                investment_usd=org.get("investment_usd"),
                fdi_target_usd=org.get("fdi_target_usd"),
                industrial_land_ha=org.get("industrial_land_ha"),
                projects=org.get("projects") or 0,
            )
        )
    wishes = {(w["from"], w["to"]) for w in data["wishes"]}
    for request in data["meeting_requests"]:
        if request["status"] in ("pending", "accepted"):
            wishes.add((request["from"], request["to"]))
        if request["status"] == "accepted":
            wishes.add((request["to"], request["from"]))
    sectors = json.loads((seed_dir / "vsic2018.json").read_text("utf-8"))["sectors"]
    names = {s["code"]: (s["name_vi"], s["name_en"]) for s in sectors}
    return DemoEvent(tuple(profiles), PairPreferences.of(wishes=sorted(wishes)), names)
