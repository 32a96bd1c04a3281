#!/usr/bin/env bash
# Vendor the front-end files from the npm registry at pinned versions, check each hash, and record
# where each came from in static/vendor/README.md. Change a version (and its sha256) in PINS, then
# run again: `scripts/vendor.sh` does them all, `scripts/vendor.sh jsqr` one package.
set -euo pipefail
cd "$(dirname "$0")/.."

# package | version | file in the package | vendored as | licence file to copy ("" = none) | sha256
PINS=(
  "htmx.org|2.0.11|dist/htmx.min.js|htmx-2.0.11.min.js||d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
  "jsqr|1.4.0|dist/jsQR.js|jsQR-1.4.0.js|LICENSE|bc40c8a15196236b2314db0856f72ca0b49980cd5413b8c852a7349f5fee0859"
)

vendor() {
  local pkg=$1 version=$2 src=$3 out=$4 licence=$5 want=$6 tmp actual row
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "${pkg}@${version}" >/dev/null && tar xzf ./*.tgz)
  cp "$tmp/package/$src" "static/vendor/$out"
  # Apache-2.0 and similar licences travel with the file.
  [ -z "$licence" ] || cp "$tmp/package/$licence" "static/vendor/${out%.js}.LICENSE"
  actual=$(sha256sum "static/vendor/$out" | cut -d' ' -f1)
  [ "$actual" = "$want" ] || { echo "$out: sha256 mismatch: $actual" >&2; rm -rf "$tmp"; exit 1; }
  # Replace this file's row of the table, keeping the others.
  local note=""
  [ -z "$licence" ] || note=" (licence in \`${out%.js}.LICENSE\`)"
  row="| $out | $pkg | $version | npm registry, \`$src\` of \`npm pack ${pkg}@${version}\`$note | $actual |"
  grep -vF "| ${out%%-*}-" static/vendor/README.md \
    | awk -v row="$row" '{ print } /^\|---/ { print row }' > "$tmp/README.md"
  cp "$tmp/README.md" static/vendor/README.md
  rm -rf "$tmp"
  echo "static/vendor/$out $actual"
}

for pin in "${PINS[@]}"; do
  IFS='|' read -r pkg version src out licence sha <<<"$pin"
  if [ $# -eq 0 ] || [ "$1" = "$pkg" ]; then vendor "$pkg" "$version" "$src" "$out" "$licence" "$sha"; fi
done
