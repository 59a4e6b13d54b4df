#!/usr/bin/env bash
# Install the test extras, Debian's chromium and CJK fonts and axe-core (for the browser tests), then run
# the whole suite: ruff and mypy, the JavaScript unit tests (node --test tests/js/), then pytest.
# Extra arguments go to pytest, e.g. scripts/test.sh -k lint
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# Byte-compiled at install (no --no-compile): compiled at first import instead, jieba's invalid escapes
# would warn inside the tests, where warnings are errors.
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
# Playwright's own browser download cannot work here: the browser tests drive Debian's chromium, and the
# screenshots need CJK fonts (without fonts-noto-cjk every Chinese character renders as a box).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# axe-core (the accessibility check the browser tests run in each page), from npm into .cache/axe
# (gitignored); kept between runs, so only the first run downloads it.
if [ ! -f .cache/axe/node_modules/axe-core/axe.min.js ]; then
  npm install --silent --no-save --no-audit --no-fund --prefix .cache/axe axe-core@4 >/dev/null
fi
.venv/bin/ruff check --quiet copilot tests bench scripts
.venv/bin/ruff format --check --quiet copilot tests bench scripts
# strict typing over the package ([tool.mypy] in pyproject.toml): it runs beside the tests (a cold check takes
# ~20 s of one core, the tests leave the other mostly free) and its verdict is awaited at the end
mkdir -p .cache
.venv/bin/mypy copilot >.cache/mypy.log 2>&1 &
mypy_pid=$!
# the pages' pure JavaScript modules (offsets, back-off, the live-linted field): Node's own runner, no packages
node --test tests/js/
status=0
.venv/bin/python -m pytest "$@" || status=$?
if ! wait "$mypy_pid"; then
  cat .cache/mypy.log
  exit 1
fi
exit "$status"
