#!/usr/bin/env bash
# Process-level comparison of calls, measured in one run through a real
# Kamailio over TLS with mandatory SRTP (PCMU, AES_CM_128_HMAC_SHA1_80):
#   - CPU-seconds of the calling process over a 60 s call:
#       `hookphone call` → baresip (the process's CPU from the answer to its exit,
#       hang-up included; start-up, TLS and registration excluded)
#       vs a baresip caller → baresip (its CPU from dial to hang-up)
#   - call set-up time: INVITE → 200 (answer), and INVITE → first SRTP packet
#     received (Hookphone: from its result object; baresip: dial command →
#     CALL_ESTABLISHED / CALL_RTPESTAB events on ctrl_tcp).
# Prints the raw figures and Hookphone/baresip ratios (lower is better).
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=local
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! HOOKPHONE_BENCH_CALLS=1 go test -tags migrated_fynedo -count=1 -timeout 10m -run '^TestCallsBenchmark$' -v . >"$log" 2>&1; then
  tail -50 "$log" >&2
  echo "calls.sh: benchmark run failed" >&2
  exit 1
fi
line=$(grep -o 'BENCH .*' "$log" | tail -1)
[ -n "$line" ] || { tail -50 "$log" >&2; echo "calls.sh: no figures" >&2; exit 1; }
val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$line"; }
hc=$(val hookphone_cpu_s); bc=$(val baresip_cpu_s)
hs=$(val hookphone_setup_ms); bs=$(val baresip_setup_ms)
hm=$(val hookphone_first_media_ms); bm=$(val baresip_first_media_ms)
secs=$(val call_s)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "calls: ${secs} s call through Kamailio/TLS, SRTP AES_CM_128_HMAC_SHA1_80, PCMU"
printf "  caller CPU-seconds:      hookphone %6.2f s   baresip %6.2f s   ratio %s\n" "$hc" "$bc" "$(ratio "$hc" "$bc")"
printf "  set-up INVITE→200:       hookphone %6.0f ms  baresip %6.0f ms  ratio %s\n" "$hs" "$bs" "$(ratio "$hs" "$bs")"
printf "  INVITE→first SRTP packet: hookphone %6.0f ms  baresip %6.0f ms  ratio %s\n" "$hm" "$bm" "$(ratio "$hm" "$bm")"
