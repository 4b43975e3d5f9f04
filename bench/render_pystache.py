#!/usr/bin/python3
"""Renders the exported letter with Debian's python3-pystache for SECONDS and
prints "renders=N seconds=S"; writes the output to DIR/pystache.html.
  /usr/bin/python3 render_pystache.py DIR SECONDS"""
import json
import os
import sys
import time

import pystache

directory, seconds = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
with open(os.path.join(directory, "layout.mustache"), encoding="utf-8") as f:
    layout = pystache.parse(f.read())  # parsed once, like the others' caches
with open(os.path.join(directory, "partials.json"), encoding="utf-8") as f:
    partials = json.load(f)
with open(os.path.join(directory, "context.json"), encoding="utf-8") as f:
    view = json.load(f)
renderer = pystache.Renderer(partials=partials, missing_tags="ignore")
out = renderer.render(layout, view)
with open(os.path.join(directory, "pystache.html"), "w", encoding="utf-8") as f:
    f.write(out)
n, start = 0, time.perf_counter()
while time.perf_counter() - start < seconds:
    out = renderer.render(layout, view)
    n += 1
print(f"renders={n} seconds={time.perf_counter() - start:.6f} version={getattr(pystache, '__version__', '?')}")
