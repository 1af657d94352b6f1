"""Per-cloud collectors (fetch.py: live SDK calls) and normalizers (pure). Installed as flightpath.collectors."""
