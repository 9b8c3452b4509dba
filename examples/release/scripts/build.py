"""Stands in for a build: names the artifact from the version and the target header."""
import json
import os
import sys

job = json.load(sys.stdin)
target = json.loads(os.environ.get("BATON_HEADERS", "{}")).get("target", "unknown")
print(json.dumps({"artifact": f"baton-{job['version']}-{target}.tar.gz"}))
