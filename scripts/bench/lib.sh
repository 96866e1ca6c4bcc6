# Sourced by the benchmark scripts that run a Go test printing one
# "BENCH key=value …" line (not executable: `make bench` runs only the
# executable scripts).

# go_bench ENV_SWITCH TEST_NAME NAME: runs the opt-in test in package main
# with ENV_SWITCH=1 and sets $line to its BENCH line; on failure prints the
# end of the log and exits.
go_bench() {
  local switch=$1 test=$2 name=$3 log
  log=$(mktemp)
  if ! env "$switch=1" go test -tags migrated_fynedo -count=1 -timeout 10m -run "^$test\$" -v . >"$log" 2>&1; then
    tail -50 "$log" >&2
    rm -f "$log"
    echo "$name: benchmark run failed" >&2
    exit 1
  fi
  line=$(grep -o 'BENCH .*' "$log" | tail -1)
  if [ -z "$line" ]; then
    tail -50 "$log" >&2
    rm -f "$log"
    echo "$name: no figures" >&2
    exit 1
  fi
  rm -f "$log"
}

# val KEY: the value of KEY in $line.
val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$line"; }

# ratio A B: A/B with two decimals, n/a when B is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
