#!/usr/bin/env bash
# Process-level comparison for the stream-audio cache, measured in one run
# against one local HTTPS server (throwaway CA) serving a 1 MiB body:
#   - `hookphone fetch URL` answered from the cache (hit), with a 304
#     revalidation (--revalidate), and as a miss (download + store + probe)
#   - vs `curl` downloading the same body with no cache.
# Each figure is the median wall time of 15 whole processes (start-up
# included; `hookphone --help` is timed too, as the start-up share). Prints
# the raw figures and Hookphone/curl ratios (lower is better).
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=local
. scripts/bench/lib.sh
go_bench HOOKPHONE_BENCH_FETCH TestFetchProcessBenchmark streamcache.sh
hit=$(val hookphone_hit_ms); rev=$(val hookphone_revalidate_ms); miss=$(val hookphone_miss_ms); curl=$(val curl_ms)
start=$(val hookphone_start_ms)
echo "streamcache: $(val body_bytes)-byte body over local HTTPS, median of 15 processes each"
printf "  hookphone fetch, hit:          %7.1f ms   curl %7.1f ms   ratio %s\n" "$hit" "$curl" "$(ratio "$hit" "$curl")"
printf "  hookphone fetch, 304 revalid.: %7.1f ms   curl %7.1f ms   ratio %s\n" "$rev" "$curl" "$(ratio "$rev" "$curl")"
printf "  hookphone fetch, miss:         %7.1f ms   curl %7.1f ms   ratio %s\n" "$miss" "$curl" "$(ratio "$miss" "$curl")"
printf "  (start-up alone, hookphone --help: %.1f ms = %s of a hit)\n" "$start" "$(ratio "$start" "$hit")"
