#!/usr/bin/env bash
# Vendor htmx from the npm registry at a pinned version, check its hash, and
# record where it came from. Run again only to change HTMX_VERSION.
set -euo pipefail
HTMX_VERSION=2.0.11
HTMX_SHA256=d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "htmx.org@${HTMX_VERSION}" >/dev/null && tar xzf htmx.org-*.tgz)
out="static/vendor/htmx-${HTMX_VERSION}.min.js"
cp "$tmp/package/dist/htmx.min.js" "$out"
actual=$(sha256sum "$out" | cut -d' ' -f1)
[ "$actual" = "$HTMX_SHA256" ] || { echo "sha256 mismatch: $actual" >&2; exit 1; }
# Replace this package's row of the table (other rows belong to other scripts).
row="| htmx-${HTMX_VERSION}.min.js | htmx.org | ${HTMX_VERSION} | npm registry, \`dist/htmx.min.js\` of \`npm pack htmx.org@${HTMX_VERSION}\` | ${actual} |"
readme=static/vendor/README.md
grep -v '^| htmx-' "$readme" | awk -v row="$row" '{ print } /^\|---/ { print row }' > "$tmp/README.md"
cp "$tmp/README.md" "$readme"
echo "$out $actual"
