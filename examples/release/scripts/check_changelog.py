"""Checks that CHANGELOG.md (beside baton.toml) mentions the version being released."""
import json
import sys
from pathlib import Path

job = json.load(sys.stdin)
changelog = Path("CHANGELOG.md")
if not changelog.exists():
    sys.exit("CHANGELOG.md not found next to baton.toml")
print(json.dumps({"found": job["expected_version"] in changelog.read_text()}))
