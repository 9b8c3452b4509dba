"""Stands in for a test suite: reports how many tests ran."""
import json
import sys

job = json.load(sys.stdin)
print(json.dumps({"tests_passed": True, "tests_run": 128}))
