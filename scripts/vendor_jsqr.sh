#!/usr/bin/env bash
# Vendor jsQR (the QR decoder the scan screen falls back to where the browser has no
# BarcodeDetector) from the npm registry at a pinned version, check its hash, and record
# where it came from in static/vendor/README.md. Run again only to change JSQR_VERSION.
set -euo pipefail
JSQR_VERSION=1.4.0
JSQR_SHA256=bc40c8a15196236b2314db0856f72ca0b49980cd5413b8c852a7349f5fee0859
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "jsqr@${JSQR_VERSION}" >/dev/null && tar xzf jsqr-*.tgz)
out="static/vendor/jsQR-${JSQR_VERSION}.js"
cp "$tmp/package/dist/jsQR.js" "$out"
cp "$tmp/package/LICENSE" "static/vendor/jsQR-${JSQR_VERSION}.LICENSE"  # Apache-2.0 travels with the file
actual=$(sha256sum "$out" | cut -d' ' -f1)
[ "$actual" = "$JSQR_SHA256" ] || { echo "sha256 mismatch: $actual" >&2; exit 1; }
# Replace this package's row of the table (other rows belong to other scripts).
row="| jsQR-${JSQR_VERSION}.js | jsqr | ${JSQR_VERSION} | npm registry, \`dist/jsQR.js\` of \`npm pack jsqr@${JSQR_VERSION}\` (Apache-2.0) | ${actual} |"
readme=static/vendor/README.md
grep -v '^| jsQR-' "$readme" | awk -v row="$row" '{ print } /^\|---/ { print row }' > "$tmp/README.md"
cp "$tmp/README.md" "$readme"
echo "$out $actual"
