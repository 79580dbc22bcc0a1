"""Reference and demo data for MeetX, as plain Python records and JSON files.

- `seeds.reference`: the 34 provincial units in force since 1 July 2025 (from the
  `vietnam-provinces` package), the 63 units in use before then and the unit each became
  part of, search aliases, the VSIC 2018 sections and divisions, and past Meet-X editions.
- `seeds.demo`: the fictional "Gặp gỡ Hàn Quốc 2026" demo event with its sessions,
  organisations, participants, meeting requests and wishes.

Nothing here touches a database; loaders turn these records into rows.
"""
