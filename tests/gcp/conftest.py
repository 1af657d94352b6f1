"""GCP tests: make tests/gcp's helper modules (gcp_helpers, gcp_builder) importable by name."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
