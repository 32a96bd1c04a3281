#!/usr/bin/env bash
# Re-extract UI strings and merge them into both catalogs (zh is the default UI language).
set -euo pipefail
cd "$(dirname "$0")/.."
BABEL=${BABEL:-.venv/bin/pybabel}
"$BABEL" extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
  --project inspect-app -o inspect_app/translations/messages.pot .
for lang in zh en; do
  if [ -f "inspect_app/translations/$lang/LC_MESSAGES/messages.po" ]; then
    "$BABEL" update --no-fuzzy-matching -i inspect_app/translations/messages.pot -d inspect_app/translations -l "$lang"
  else
    "$BABEL" init -i inspect_app/translations/messages.pot -d inspect_app/translations -l "$lang"
  fi
done
