"""Reference data: the 34 provincial units (with the 63 former ones) and VSIC sectors."""
