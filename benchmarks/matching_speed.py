"""Speed and memory of partner suggestions on synthetic Meet-X events.

    python benchmarks/matching_speed.py                      # 1,000, 5,000 and 20,000 a side
    python benchmarks/matching_speed.py --sizes 5000 --repeat 3
    python benchmarks/matching_speed.py --agreement 1000     # latent vs exact text ranking
    python benchmarks/matching_speed.py --alike --sizes 2500 10000   # profiles all alike

Each size runs in its own process, so that its peak resident memory (``ru_maxrss``) is its own.
The process generates a seeded event of N hosts and N guests, builds the index (timed), ranks
the top 10 partners of every participant (timed, best of ``--repeat``), then writes the reasons
of 1,000 suggestions. Hosts are Vietnamese provinces, localities, firms, associations and
agencies writing mostly in Vietnamese; guests are Korean, Japanese, European and other firms
writing mostly in English, some in Korean or Vietnamese. Texts combine sector phrases with
product and place names drawn from pools that grow with the event, as a real vocabulary does.

``--alike`` makes every host the same profile (one sector, the same two lines) and every
guest too, but for its investment: what a large event whose firms registered little looks
like, and the case where every score ties (the ranking keeps a bounded number of ties, see
matching/scoring/selection.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time

import numpy as np

from matching.profiles import Profile
from matching.scoring import build_index, textspace

# Sector -> (Vietnamese offer phrases, Vietnamese need phrases, English offers, English needs).
_SECTOR_PHRASES: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {
    "C26": (
        ["lắp ráp linh kiện điện tử", "sản xuất bảng mạch in", "gia công SMT", "cảm biến"],
        ["công nghệ bán dẫn", "nhà đầu tư điện tử", "chuyển giao công nghệ vi mạch"],
        ["semiconductor packaging", "camera modules", "printed circuit boards", "display panels"],
        ["electronic components suppliers", "SMT assembly partners", "skilled technicians"],
    ),
    "C27": (
        ["sản xuất thiết bị điện", "dây cáp điện", "tủ điện"],
        ["đối tác sản xuất pin lưu trữ", "công nghệ thiết bị điện"],
        ["switchgear and transformers", "battery cells", "electric motors"],
        ["copper wire suppliers", "cable harness assembly", "factory space"],
    ),
    "C10": (
        ["chế biến thủy sản", "chế biến nông sản", "cà phê rang xay", "trái cây sấy"],
        ["kho lạnh", "công nghệ chế biến sâu", "thị trường xuất khẩu"],
        ["food processing lines", "cold chain logistics", "frozen seafood distribution"],
        ["raw seafood supply", "fruit growers", "halal certified processors"],
    ),
    "C13": (
        ["dệt vải", "sợi cotton", "nhuộm hoàn tất"],
        ["công nghệ dệt nhuộm tiết kiệm nước", "đơn hàng xuất khẩu"],
        ["technical textiles", "dyeing technology", "fabric sourcing"],
        ["garment factories", "spinning mills", "wastewater treatment"],
    ),
    "C14": (
        ["may mặc xuất khẩu", "gia công hàng may mặc", "đồng phục"],
        ["đơn hàng FOB", "thiết bị may tự động"],
        ["apparel brands", "garment orders", "sewing automation"],
        ["garment subcontractors", "fabric suppliers", "compliance audits"],
    ),
    "C29": (
        ["linh kiện ô tô", "phụ tùng xe máy", "khuôn mẫu"],
        ["nhà đầu tư ô tô điện", "công nghệ đúc"],
        ["automotive parts", "electric vehicle platforms", "die casting"],
        ["tier two suppliers", "plastic injection parts", "metal stamping"],
    ),
    "C20": (
        ["hóa chất công nghiệp", "phân bón hữu cơ"],
        ["công nghệ hóa dầu", "đối tác nguyên liệu"],
        ["specialty chemicals", "fertilisers", "coatings"],
        ["chemical storage", "port access", "industrial land near seaport"],
    ),
    "D35": (
        ["quỹ đất điện mặt trời", "tiềm năng điện gió ngoài khơi", "lưới điện truyền tải"],
        ["vốn đầu tư năng lượng tái tạo", "công nghệ lưu trữ năng lượng", "điện khí LNG"],
        ["solar farm development", "offshore wind turbines", "energy storage systems"],
        ["sites for wind farms", "grid connection", "power purchase agreements"],
    ),
    "H52": (
        ["kho bãi", "cảng cạn", "dịch vụ logistics", "trung tâm phân phối"],
        ["đầu tư hạ tầng logistics", "kho lạnh hiện đại", "công nghệ quản lý kho"],
        ["warehousing", "freight forwarding", "cold storage", "port operations"],
        ["logistics land", "customs services", "trucking partners"],
    ),
    "J62": (
        ["gia công phần mềm", "kỹ sư công nghệ thông tin", "chuyển đổi số"],
        ["đối tác phần mềm", "công nghệ trí tuệ nhân tạo", "trung tâm dữ liệu"],
        ["software development", "cloud computing", "artificial intelligence platforms"],
        ["software engineers", "offshore development centre", "data centre sites"],
    ),
    "A01": (
        ["vùng nguyên liệu", "nông nghiệp công nghệ cao", "rau quả an toàn"],
        ["công nghệ nhà kính", "giống cây trồng", "thiết bị tưới tiêu"],
        ["smart farming systems", "greenhouses", "seed varieties"],
        ["farmland", "contract farming", "agricultural cooperatives"],
    ),
    "I55": (
        ["quỹ đất du lịch ven biển", "khu nghỉ dưỡng", "khách sạn"],
        ["nhà đầu tư du lịch", "quản lý khách sạn"],
        ["hotel management", "resort development", "tour operations"],
        ["coastal land", "tourism partners", "hospitality staff"],
    ),
    "F41": (
        ["hạ tầng khu công nghiệp", "nhà xưởng xây sẵn", "khu đô thị"],
        ["vốn xây dựng hạ tầng", "nhà thầu EPC"],
        ["industrial park development", "ready-built factories", "EPC contracting"],
        ["construction permits", "local contractors", "building materials"],
    ),
    "Q86": (
        ["bệnh viện", "phòng khám", "dịch vụ y tế"],
        ["thiết bị y tế", "đầu tư bệnh viện quốc tế"],
        ["medical devices", "hospital management", "diagnostic equipment"],
        ["hospital partners", "medical distributors", "licensing support"],
    ),
    "P85": (
        ["đào tạo nghề", "trường đại học", "nguồn nhân lực"],
        ["hợp tác đào tạo", "giảng viên tiếng Hàn"],
        ["vocational training", "language schools", "engineering education"],
        ["training partners", "campus land", "students"],
    ),
    "E38": (
        ["xử lý rác thải", "tái chế phế liệu"],
        ["công nghệ xử lý chất thải", "nhà máy điện rác"],
        ["waste to energy plants", "recycling technology", "wastewater treatment"],
        ["municipal waste contracts", "landfill sites", "environmental permits"],
    ),
}
_SECTIONS = {"C": 0.2, "D": 0.05, "H": 0.05, "J": 0.05, "A": 0.05, "F": 0.05}
_GENERIC_HOST_OFFERS = [
    "đất công nghiệp sạch",
    "ưu đãi thuế",
    "thủ tục đầu tư nhanh",
    "nhân lực trẻ",
    "khu công nghiệp gần cảng biển",
    "hạ tầng đồng bộ",
    "hỗ trợ tuyển dụng",
]
_GENERIC_HOST_NEEDS = [
    "vốn đầu tư",
    "chuyển giao công nghệ",
    "kỹ năng quản trị",
    "thị trường xuất khẩu",
    "đối tác liên doanh",
    "nhà đầu tư chiến lược",
]
_GENERIC_GUEST_OFFERS = [
    "investment capital",
    "technology transfer",
    "management know-how",
    "export markets",
    "joint venture",
    "training programmes",
]
_GENERIC_GUEST_NEEDS = [
    "industrial land",
    "tax incentives",
    "skilled workers",
    "local partners",
    "fast licensing",
    "reliable power supply",
]
_KOREAN_PHRASES = ["반도체 부품 공급업체", "물류 창고", "섬유 공장", "자동차 부품", "스마트팜 기술"]
_PROVINCES = [
    ("01", "Hà Nội"),
    ("24", "Bắc Ninh"),
    ("31", "Hải Phòng"),
    ("38", "Thanh Hóa"),
    ("40", "Nghệ An"),
    ("48", "Đà Nẵng"),
    ("52", "Gia Lai"),
    ("56", "Khánh Hòa"),
    ("66", "Đắk Lắk"),
    ("75", "Đồng Nai"),
    ("79", "TP. Hồ Chí Minh"),
    ("92", "Cần Thơ"),
    ("22", "Quảng Ninh"),
    ("25", "Phú Thọ"),
    ("33", "Hưng Yên"),
    ("37", "Ninh Bình"),
]
_GUEST_COUNTRIES = [
    ("KR", "ko", 0.4),
    ("JP", "ja", 0.25),
    ("DE", "de", 0.08),
    ("FR", "fr", 0.05),
    ("NL", "nl", 0.04),
    ("SG", "en", 0.06),
    ("US", "en", 0.05),
    ("TH", "th", 0.04),
    ("CA", "en", 0.03),
]
_SYLLABLES = [
    "an",
    "bi",
    "co",
    "da",
    "el",
    "fo",
    "ga",
    "hy",
    "in",
    "jo",
    "ka",
    "lu",
    "mo",
    "na",
    "or",
    "pa",
    "qu",
    "ro",
    "su",
    "ta",
    "ul",
    "vi",
    "wo",
    "xe",
    "yo",
    "ze",
    "tech",
    "tron",
    "gen",
    "max",
    "pro",
    "tek",
    "sol",
    "net",
    "lab",
    "tra",
    "vin",
    "sun",
    "hana",
    "sei",
    "koh",
]


def _brand(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return round(10 ** rng.uniform(low, high), -3)


def _sectors(rng: random.Random) -> tuple[str, ...]:
    divisions = rng.sample(sorted(_SECTOR_PHRASES), rng.choice([1, 1, 2, 2, 3]))
    codes = list(divisions)
    for section, probability in _SECTIONS.items():
        if rng.random() < probability:
            codes.append(section)
    return tuple(dict.fromkeys(codes))


def _text(
    rng: random.Random, phrases: list[str], generic: list[str], brands: list[str], words: int
) -> str:
    parts = rng.sample(phrases, min(len(phrases), rng.randint(1, 3)))
    parts += rng.sample(generic, rng.randint(1, 2))
    parts += [f"{rng.choice(brands)} {rng.choice(brands).lower()}" for _ in range(words)]
    rng.shuffle(parts)
    return ", ".join(parts)


def _host(rng: random.Random, index: int, brands: list[str]) -> Profile:
    kind = rng.choices(
        ["company", "province", "locality", "association", "agency"], [75, 3, 12, 6, 4]
    )[0]
    code, province = rng.choice(_PROVINCES)
    sectors = _sectors(rng)
    divisions = [s for s in sectors if len(s) == 3]
    offers_vi = [p for s in divisions for p in _SECTOR_PHRASES[s][0]]
    needs_vi = [p for s in divisions for p in _SECTOR_PHRASES[s][1]]
    empty = rng.random() < 0.04
    offers = "" if empty else _text(rng, offers_vi, _GENERIC_HOST_OFFERS, brands, rng.randint(0, 2))
    needs = "" if empty else _text(rng, needs_vi, _GENERIC_HOST_NEEDS, brands, rng.randint(0, 2))
    if rng.random() < 0.15 and not empty:
        offers += ", " + ", ".join(rng.sample(_SECTOR_PHRASES[divisions[0]][2], 1))
    name = province if kind == "province" else f"{_brand(rng)} {province}"
    return Profile(
        id=f"h{index:06d}",
        side="host",
        organization_id=f"oh{index - 1 if index % 50 == 1 else index}",
        kind=kind,  # type: ignore[arg-type]
        name=name,
        country="VN",
        province_code=code,
        sectors=sectors,
        offers=offers,
        needs=needs,
        languages=("vi", "en") if rng.random() < 0.5 else ("vi",),
        investment_usd=_log_uniform(rng, 5.5, 8.5) if rng.random() < 0.6 else None,
        fdi_target_usd=_log_uniform(rng, 8, 9.7) if kind == "province" else None,
        industrial_land_ha=rng.uniform(50, 3000) if kind in ("province", "locality") else None,
        projects=rng.randint(0, 60) if kind in ("province", "locality") else rng.randint(0, 3),
    )


def _guest(rng: random.Random, index: int, brands: list[str]) -> Profile:
    country, language, _ = rng.choices(_GUEST_COUNTRIES, [c[2] for c in _GUEST_COUNTRIES])[0]
    sectors = _sectors(rng)
    divisions = [s for s in sectors if len(s) == 3]
    offers_en = [p for s in divisions for p in _SECTOR_PHRASES[s][2]]
    needs_en = [p for s in divisions for p in _SECTOR_PHRASES[s][3]]
    empty = rng.random() < 0.04
    offers = (
        "" if empty else _text(rng, offers_en, _GENERIC_GUEST_OFFERS, brands, rng.randint(0, 2))
    )
    needs = "" if empty else _text(rng, needs_en, _GENERIC_GUEST_NEEDS, brands, rng.randint(0, 2))
    if country == "KR" and rng.random() < 0.2 and not empty:
        needs += ", " + rng.choice(_KOREAN_PHRASES)
    if rng.random() < 0.1 and not empty:
        needs += ", " + rng.choice(_SECTOR_PHRASES[divisions[0]][1])
    languages = [language] if language != "en" else []
    if rng.random() < 0.7:
        languages.append("en")
    if rng.random() < 0.05:
        languages.append("vi")
    return Profile(
        id=f"g{index:06d}",
        side="guest",
        organization_id=f"og{index}",
        kind=rng.choices(["company", "association", "agency"], [90, 7, 3])[0],  # type: ignore[arg-type]
        name=f"{_brand(rng)} {rng.choice(['Co., Ltd.', 'Corporation', 'GmbH', 'K.K.', 'SAS'])}",
        country=country,
        sectors=sectors,
        offers=offers,
        needs=needs,
        languages=tuple(dict.fromkeys(languages)) or ("en",),
        investment_usd=_log_uniform(rng, 5.5, 9) if rng.random() < 0.7 else None,
    )


def synthetic_event(n_hosts: int, n_guests: int, seed: int = 2026) -> list[Profile]:
    """An event's profiles; the same arguments always give the same profiles."""
    rng = random.Random(seed)
    # The pool of product and place names grows with the event, like a real vocabulary.
    brands = sorted({_brand(rng) for _ in range(max(200, (n_hosts + n_guests) // 4))})
    hosts = [_host(rng, i, brands) for i in range(n_hosts)]
    guests = [_guest(rng, i, brands) for i in range(n_guests)]
    return hosts + guests


# The one host and the one guest of an alike event: (country, name, sector, offers, needs,
# languages).
_ALIKE = {
    "host": ("VN", "Công ty TNHH Điện tử Bắc Ninh", "C27", "Linh kiện điện tử, gia công cơ khí",
             "Đối tác công nghệ Hàn Quốc", ("vi", "en")),
    "guest": ("KR", "Hanbit Semicon", "C26",
              "Dây chuyền đóng gói bán dẫn / semiconductor packaging lines",
              "Nhà cung cấp linh kiện điện tử", ("ko", "en")),
}  # fmt: skip


def alike_event(n_hosts: int, n_guests: int) -> list[Profile]:
    """Hosts all alike, guests all alike but for their investment."""
    profiles = []
    for side, count in (("host", n_hosts), ("guest", n_guests)):
        country, name, sector, offers, needs, languages = _ALIKE[side]
        profiles += [
            Profile(
                id=f"{side[0]}{i:06d}",
                side=side,
                organization_id=f"org-{side[0]}{i}",
                kind="company",
                name=f"{name} {i}",
                country=country,
                sectors=(sector,),
                offers=offers,
                needs=needs,
                languages=languages,
                investment_usd=1_000_000 + i if side == "guest" else None,
            )
            for i in range(count)
        ]
    return profiles


def _peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(
    size: int, repeat: int, k: int, text_dimensions: int, alike: bool = False
) -> dict[str, float]:
    profiles = alike_event(size, size) if alike else synthetic_event(size, size)
    before = _peak_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    index = build_index(profiles, text_dimensions=text_dimensions)
    build_wall, build_cpu = time.perf_counter() - wall, time.process_time() - cpu
    best_wall = best_cpu = float("inf")
    found: dict[str, list] = {}
    for _ in range(repeat):
        found = {}  # the previous run's results are not kept alive during the next
        wall, cpu = time.perf_counter(), time.process_time()
        found = index.top_k_all(k=k)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        assert len(found) == 2 * size
    sample = [s for items in list(found.values())[:: max(1, len(found) // 100)] for s in items]
    wall = time.perf_counter()
    for suggestion in sample[:1000]:
        assert suggestion.reasons
    reasons_wall = time.perf_counter() - wall
    return {
        "size": size,
        "text_dimensions": text_dimensions,
        "text_exact": index.text_is_exact,
        "build_s": build_wall,
        "build_cpu_s": build_cpu,
        "top_k_s": best_wall,
        "top_k_cpu_s": best_cpu,
        "reasons_1000_s": reasons_wall * 1000 / max(1, min(1000, len(sample))),
        "rss_before_build_mb": before,
        "peak_rss_mb": _peak_mb(),
    }


def agreement(size: int, k: int, text_dimensions: int) -> dict[str, float]:
    """Overlap of each participant's top k between latent-space and exact text cosines."""
    profiles = synthetic_event(size, size, seed=11)
    latent = build_index(profiles, text_dimensions=text_dimensions)
    textspace.EXACT_LIMIT = 10**9
    exact = build_index(profiles)
    assert exact.text_is_exact and not latent.text_is_exact
    ours, reference = latent.top_k_all(k=k), exact.top_k_all(k=k)
    overlap = [
        len({s.partner_id for s in ours[p]} & {s.partner_id for s in reference[p]}) / k
        for p in ours
        if reference[p]
    ]
    return {
        "size": size,
        "text_dimensions": text_dimensions,
        "overlap_at_k": float(np.mean(overlap)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--text-dimensions", type=int, default=256)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--agreement", type=int, metavar="SIZE")
    parser.add_argument("--alike", action="store_true", help="every host alike, every guest")
    args = parser.parse_args()
    if args.one:
        row = run_one(args.one, args.repeat, args.k, args.text_dimensions, args.alike)
        print(json.dumps(row))
        return
    if args.agreement:
        print(json.dumps(agreement(args.agreement, args.k, args.text_dimensions)))
        return
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        "| hosts x guests | text | build (s) | top-10 for all (s) | top-10 CPU (s) "
        "| peak RSS (MB) | RSS before build (MB) | reasons per 1,000 (s) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        command = [
            sys.executable,
            __file__,
            "--one",
            str(size),
            "--repeat",
            str(args.repeat),
            "--k",
            str(args.k),
            "--text-dimensions",
            str(args.text_dimensions),
            *(["--alike"] if args.alike else []),
        ]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        row = json.loads(output.strip().splitlines()[-1])
        text = "exact" if row["text_exact"] else f"LSA {row['text_dimensions']}"
        cells = [
            f"{size:,} x {size:,}" + (" alike" if args.alike else ""),
            text,
            f"{row['build_s']:.1f}",
            f"{row['top_k_s']:.2f}",
            f"{row['top_k_cpu_s']:.2f}",
            f"{row['peak_rss_mb']:.0f}",
            f"{row['rss_before_build_mb']:.0f}",
            f"{row['reasons_1000_s']:.2f}",
        ]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
