#!/usr/bin/env bash
# Runs a command with an X display, so the window tests (minifb) run for real: the current DISPLAY if
# there is one, else a virtual one from xvfb-run. Without xvfb-run it installs xvfb and xauth when it
# is root with apt-get, or else fails with one line that says how. It sets DQN_REQUIRE_DISPLAY=1, so
# a window test without a display fails instead of skipping.
set -euo pipefail
export DQN_REQUIRE_DISPLAY=1
if [ -n "${DISPLAY:-}" ]; then
  exec "$@"
fi
if ! command -v xvfb-run >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "with-display: no DISPLAY and no xvfb-run; installing xvfb and xauth (apt-get)" >&2
    if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb xauth >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb xauth >/dev/null 2>&1; }; }; then
      echo "with-display: apt-get install xvfb xauth failed; install them, or run with a DISPLAY" >&2
      exit 1
    fi
  else
    echo "with-display: no DISPLAY and no xvfb-run: install them (Debian: sudo apt-get install xvfb xauth) or run with a DISPLAY" >&2
    exit 1
  fi
fi
exec xvfb-run -a -s "-screen 0 1280x1024x24" "$@"
