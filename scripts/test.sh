#!/usr/bin/env bash
# Install the test extras and Debian's chromium (for the browser tests), then run the whole suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k lint
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
if [ ! -x /usr/bin/chromium ]; then
  # Playwright's own browser download cannot work here: the browser tests drive Debian's chromium.
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
.venv/bin/ruff check --quiet copilot tests bench
exec .venv/bin/python -m pytest "$@"
