"""Test configuration shared by every module."""

from __future__ import annotations

import os

from hypothesis import settings

# CI runs the property tests on a fixed set of examples, so a submission
# passes or fails on its own merits; locally hypothesis explores afresh on
# every run (and keeps failures in its database).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
