"""The reach tests build AWS scenarios with the AWS test builder (tests/aws/scenario_builder.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "aws"))
