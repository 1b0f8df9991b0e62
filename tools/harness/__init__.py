"""tools/ktest.py's parts, one job each: ktap (parsing and judging KTAP), rows
(booting an emulator row), host (the host tests), report (what is printed at the end)."""
