"""Bilingual, human-readable reasons for a suggested pair.

Each reason names the evidence behind one component (shared sectors, matching needs and offers,
investment size and capacity, languages, wishes) or a gap in a profile, in Vietnamese first and
English, from the point of view of the participant the suggestion is for ("you") about its
partner ("they").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matching.profiles import Profile
from matching.scoring.languages import interpreter_languages, language_name
from matching.scoring.sectors import SectorCodes
from matching.scoring.terms import MAX_TERMS, SharedTerm, shared_terms
from matching.scoring.wording import Glossary

__all__ = [
    "MAX_TERMS",
    "Reason",
    "SharedTerm",
    "format_usd_en",
    "format_usd_vi",
    "gap_reasons",
    "language_reason",
    "matched_terms",
    "potential_reason",
    "preference_reason",
    "sector_reasons",
    "text_reasons",
]

MAX_SECTOR_REASONS = 3
# A direction of needs and offers is worth a reason from this cosine on.
TEXT_REASON_FROM = 0.05


@dataclass(frozen=True)
class Reason:
    """One reason, in Vietnamese and English; ``code`` says which kind, for display."""

    code: str
    vi: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "vi": self.vi, "en": self.en}


def _number_vi(value: float) -> str:
    text = f"{value:,.1f}".rstrip("0").rstrip(".")
    # Vietnamese writes 1.234,5 where English writes 1,234.5.
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _number_en(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".")


_USD_STEPS = ((1e9, "tỷ", "billion"), (1e6, "triệu", "million"), (1e3, "nghìn", "thousand"))


def format_usd_vi(usd: float) -> str:
    """250e6 -> "250 triệu USD", 1.5e9 -> "1,5 tỷ USD"."""
    for step, word_vi, _ in _USD_STEPS:
        if usd >= step:
            return f"{_number_vi(usd / step)} {word_vi} USD"
    return f"{_number_vi(usd)} USD"


def format_usd_en(usd: float) -> str:
    """250e6 -> "USD 250 million", 1.5e9 -> "USD 1.5 billion"."""
    for step, _, word_en in _USD_STEPS:
        if usd >= step:
            return f"USD {_number_en(usd / step)} {word_en}"
    return f"USD {_number_en(usd)}"


def _sector_label(code: str, names: Mapping[str, tuple[str, str]]) -> tuple[str, str]:
    name = names.get(code)
    if name is None:
        return code, code
    return f"{code} – {name[0]}", f"{code} – {name[1]}"


def sector_reasons(
    a: SectorCodes, b: SectorCodes, names: Mapping[str, tuple[str, str]]
) -> list[Reason]:
    """The divisions both share, then the sections they share without a common division."""
    reasons = []
    shared_divisions = sorted(a.divisions & b.divisions)
    for code in shared_divisions[:MAX_SECTOR_REASONS]:
        vi, en = _sector_label(code, names)
        reasons.append(Reason("sector.division", f"Cùng ngành {vi}", f"Same division {en}"))
    covered = {code[0] for code in shared_divisions}
    for code in sorted((a.sections & b.sections) - covered)[:MAX_SECTOR_REASONS]:
        vi, en = _sector_label(code, names)
        reasons.append(Reason("sector.section", f"Cùng lĩnh vực {vi}", f"Same section {en}"))
    return reasons


def matched_terms(
    reader_text: str,
    partner_text: str,
    reader_row: sp.csr_matrix,
    partner_row: sp.csr_matrix,
    feature_names: Sequence[str],
    glossary: Glossary,
    *,
    names: Sequence[str] = (),
) -> list[SharedTerm]:
    """The terms the reader's text shares with the partner's, strongest first.

    One text is needs and the other offers; the rows are their word TF-IDF rows. What may be
    shown, and how, is :func:`matching.scoring.terms.shared_terms`'s business.
    """
    common, reader_at, partner_at = np.intersect1d(
        reader_row.indices, partner_row.indices, assume_unique=True, return_indices=True
    )
    if len(common) == 0:
        return []
    products = reader_row.data[reader_at] * partner_row.data[partner_at]
    weights = {feature_names[c]: w for c, w in zip(common.tolist(), products.tolist(), strict=True)}
    return shared_terms(reader_text, partner_text, weights, glossary, names=names)


def text_reasons(
    they_need_you_offer: tuple[float, list[SharedTerm]],
    they_offer_you_need: tuple[float, list[SharedTerm]],
    text_component: float,
) -> list[Reason]:
    """Reasons from the two directions: (cosine, shared terms) for each."""
    reasons = []
    cosine, terms = they_need_you_offer
    if cosine >= TEXT_REASON_FROM and terms:
        reasons.append(
            Reason(
                "text.they_need",
                f"Họ cần điều bạn chào bán: {', '.join(t.vi for t in terms)}",
                f"They need what you offer: {', '.join(t.en for t in terms)}",
            )
        )
    cosine, terms = they_offer_you_need
    if cosine >= TEXT_REASON_FROM and terms:
        reasons.append(
            Reason(
                "text.they_offer",
                f"Họ chào bán điều bạn cần: {', '.join(t.vi for t in terms)}",
                f"They offer what you need: {', '.join(t.en for t in terms)}",
            )
        )
    if not reasons and text_component >= 2 * TEXT_REASON_FROM:
        reasons.append(
            Reason(
                "text.similar",
                "Nhu cầu và chào bán của hai bên được mô tả gần nhau",
                "Their needs and offers are worded alike",
            )
        )
    return reasons


def _capacity_vi(host: Profile) -> list[str]:
    parts = []
    if host.fdi_target_usd is not None:
        parts.append(f"mục tiêu thu hút FDI {format_usd_vi(host.fdi_target_usd)}/năm")
    if host.industrial_land_ha is not None:
        parts.append(f"{_number_vi(round(host.industrial_land_ha))} ha đất công nghiệp")
    if host.projects > 0:
        parts.append(f"{host.projects} dự án kêu gọi đầu tư")
    if host.investment_usd is not None:
        parts.append(f"cần huy động {format_usd_vi(host.investment_usd)}")
    return parts


def _capacity_en(host: Profile) -> list[str]:
    parts = []
    if host.fdi_target_usd is not None:
        parts.append(f"FDI target {format_usd_en(host.fdi_target_usd)} a year")
    if host.industrial_land_ha is not None:
        parts.append(f"{_number_en(round(host.industrial_land_ha))} ha of industrial land")
    if host.projects > 0:
        noun = "project" if host.projects == 1 else "projects"
        parts.append(f"{host.projects} {noun} calling for investment")
    if host.investment_usd is not None:
        parts.append(f"seeks {format_usd_en(host.investment_usd)}")
    return parts


def potential_reason(a: Profile, b: Profile, neutral: bool) -> Reason:
    """What the potential was judged on, or why it is neutral."""
    if a.side == b.side:
        return Reason(
            "potential.neutral",
            "Hai bên cùng phía: tiềm năng đầu tư tính ở mức trung bình",
            "Both are on the same side: investment potential set to neutral",
        )
    guest, host = (a, b) if a.side == "guest" else (b, a)
    if neutral:
        missing_vi = []
        missing_en = []
        if guest.investment_usd is None:
            missing_vi.append(f"{guest.name} chưa nêu quy mô đầu tư dự kiến")
            missing_en.append(f"{guest.name} has not stated a planned investment")
        else:
            missing_vi.append(f"{host.name} chưa nêu năng lực thu hút đầu tư")
            missing_en.append(f"{host.name} has not stated its capacity to receive investment")
        return Reason(
            "potential.neutral",
            f"{'; '.join(missing_vi)}: tiềm năng tính ở mức trung bình",
            f"{'; '.join(missing_en)}: potential set to neutral",
        )
    assert guest.investment_usd is not None
    return Reason(
        "potential.size",
        f"{guest.name} dự kiến đầu tư {format_usd_vi(guest.investment_usd)}; "
        f"{host.name}: {', '.join(_capacity_vi(host))}",
        f"{guest.name} plans to invest {format_usd_en(guest.investment_usd)}; "
        f"{host.name}: {', '.join(_capacity_en(host))}",
    )


def language_reason(a: Profile, b: Profile) -> Reason:
    """Shared working languages, the interpreter needed, or a language not declared."""
    if not a.languages or not b.languages:
        name = a.name if not a.languages else b.name
        return Reason(
            "language.unknown",
            f"{name} chưa khai báo ngôn ngữ làm việc",
            f"{name} has not declared a working language",
        )
    shared = [code for code in a.languages if code in b.languages]
    if shared:
        names = [language_name(code) for code in shared[:2]]
        return Reason(
            "language.shared",
            f"Làm việc chung bằng {' và '.join(vi for vi, _ in names)}",
            f"Common working language: {' and '.join(en for _, en in names)}",
        )
    names = [language_name(code) for code in interpreter_languages(a.languages, b.languages)]
    return Reason(
        "language.interpreter",
        f"Cần phiên dịch {' – '.join(vi for vi, _ in names)}",
        f"{'–'.join(en for _, en in names)} interpreter needed",
    )


def preference_reason(you_asked: bool, they_asked: bool, partner: Profile) -> Reason | None:
    if you_asked and they_asked:
        return Reason("preference.mutual", "Hai bên đều muốn gặp nhau", "Both sides asked to meet")
    if you_asked:
        return Reason(
            "preference.asked",
            f"Bạn đã đề nghị gặp {partner.name}",
            f"You asked to meet {partner.name}",
        )
    if they_asked:
        return Reason(
            "preference.asked_by",
            f"{partner.name} muốn gặp bạn",
            f"{partner.name} asked to meet you",
        )
    return None


def gap_reasons(profile: Profile) -> list[Reason]:
    """What a profile lacks that the score would otherwise have used."""
    reasons = []
    has_needs, has_offers = bool(profile.needs.strip()), bool(profile.offers.strip())
    if not has_needs and not has_offers:
        reasons.append(
            Reason(
                "profile.no_text",
                f"Hồ sơ của {profile.name} chưa có nhu cầu/chào bán",
                f"{profile.name}'s profile has no needs or offers yet",
            )
        )
    elif not has_needs:
        reasons.append(
            Reason(
                "profile.no_needs",
                f"Hồ sơ của {profile.name} chưa có nhu cầu",
                f"{profile.name}'s profile has no needs yet",
            )
        )
    elif not has_offers:
        reasons.append(
            Reason(
                "profile.no_offers",
                f"Hồ sơ của {profile.name} chưa có chào bán",
                f"{profile.name}'s profile has no offers yet",
            )
        )
    if not profile.sectors:
        reasons.append(
            Reason(
                "profile.no_sectors",
                f"Hồ sơ của {profile.name} chưa khai báo ngành",
                f"{profile.name}'s profile lists no sector yet",
            )
        )
    return reasons
