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
. scripts/bench/lib.sh
go_bench HOOKPHONE_BENCH_CALLS TestCallsBenchmark calls.sh
hc=$(val hookphone_cpu_s); bc=$(val baresip_cpu_s)
hs=$(val hookphone_setup_ms); bs=$(val baresip_setup_ms)
hm=$(val hookphone_first_media_ms); bm=$(val baresip_first_media_ms)
secs=$(val call_s)
echo "calls: ${secs} s call through Kamailio/TLS, SRTP AES_CM_128_HMAC_SHA1_80, PCMU"
printf "  caller CPU-seconds:      hookphone %6.2f s   baresip %6.2f s   ratio %s\n" "$hc" "$bc" "$(ratio "$hc" "$bc")"
printf "  set-up INVITE→200:       hookphone %6.0f ms  baresip %6.0f ms  ratio %s\n" "$hs" "$bs" "$(ratio "$hs" "$bs")"
printf "  INVITE→first SRTP packet: hookphone %6.0f ms  baresip %6.0f ms  ratio %s\n" "$hm" "$bm" "$(ratio "$hm" "$bm")"
