#!/usr/bin/env bash
# Runs a command with an X display, so the window tests (minifb) run for real: the current DISPLAY if
# there is one, else a virtual one from xvfb-run. Without either, the window tests say they are skipped.
set -euo pipefail
if [ -n "${DISPLAY:-}" ]; then
  exec "$@"
elif command -v xvfb-run >/dev/null 2>&1; then
  exec xvfb-run -a -s "-screen 0 1280x1024x24" "$@"
else
  echo "with-display: no DISPLAY and no xvfb-run (Debian: apt-get install xvfb xauth); window tests will be skipped" >&2
  exec "$@"
fi
