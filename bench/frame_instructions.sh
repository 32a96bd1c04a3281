#!/bin/sh
# Instructions per request of one page of bench/frame.py, counted by callgrind inside the
# measured loop only (start-up and warm-up run uninstrumented).
#   bench/frame_instructions.sh URL PAGE [ROUNDS] [extra frame.py args]
set -e
url=$1; page=$2; rounds=${3:-30}; shift 3 || shift $#
out=$(mktemp -d /tmp/frame_cg.XXXXXX)
valgrind --tool=callgrind --instr-atstart=no --toggle-collect=_operator_call \
  --callgrind-out-file="$out/cg.out" "$(dirname "$0")/../.venv/bin/python" \
  "$(dirname "$0")/frame.py" "$url" --only "$page" --pages "$page" --rounds "$rounds" \
  --go "$out/go" "$@" >"$out/log" 2>&1 &
while [ ! -f "$out/go.ready" ]; do sleep 1; done
callgrind_control -i on "$(cat "$out/go.ready")" >/dev/null
touch "$out/go"
wait
total=$(grep -E "^(summary|totals):" "$out/cg.out" | head -1 | awk '{print $2}')
echo "$page: $((total / rounds)) instructions per request ($rounds rounds; $out/cg.out)"
