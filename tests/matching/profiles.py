"""Profiles for the matching tests: a minimal valid one, with only what a test sets."""

from matching.profiles import Profile


def make(pid: str, side: str = "guest", **fields: object) -> Profile:
    base: dict[str, object] = {
        "id": pid,
        "side": side,
        "organization_id": f"org-{pid}",
        "kind": "company",
        "name": pid,
        "country": "KR" if side == "guest" else "VN",
        "languages": ("en",),
    }
    base.update(fields)
    return Profile(**base)  # type: ignore[arg-type]
