#!/usr/bin/env bash
# GUI figures, each against a peer measured in the same run, under Xvfb
# with Mesa's software GL (the set-up of the GUI tests):
#   start   cold start to first frame: exec → the window is mapped AND a
#           capture of it is drawn (> 20 colours), fresh first-run folders
#           every time (Hookphone also makes its echo CA, opens its database
#           and starts the echo service and the inspector). Peer: a minimal
#           Fyne window of the same size (scripts/bench/gui-peer -window).
#           Median of 5 runs each, interleaved.
#   idle    CPU used over 60 s while idle on the Phone area after start-up,
#           both processes measured over the same 60 s. Peer: the minimal window.
#   rss     resident memory with 100 000 stored webhooks and the Webhooks
#           pane open. Peer: Hookphone with an empty database and the same
#           pane open (the cost of the data); the minimal window for scale.
set -euo pipefail
export LANG=en_US.UTF-8 JACK_NO_START_SERVER=1 GOTOOLCHAIN=local
root=$(cd "$(dirname "$0")/../.." && pwd)
for tool in Xvfb xdotool /usr/bin/import /usr/bin/identify go; do
  command -v "$tool" >/dev/null || { echo "gui.sh: $tool not found: run make deps" >&2; exit 1; }
done
work=$(mktemp -d /tmp/hkguibench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && go build -tags migrated_fynedo -o "$work/hookphone" . && go build -tags migrated_fynedo -o "$work/gui-peer" ./scripts/bench/gui-peer)
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" >"$work/xvfb.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.1; done
export DISPLAY=:$(cat "$work/display")
unset WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS

# fresh NAME: a throwaway HOME with XDG folders; prints its path.
fresh() {
  local h=$work/home-$1-$RANDOM$RANDOM
  mkdir -p "$h/.config" "$h/.local/share" "$h/.cache" "$h/run"
  chmod 700 "$h/run"
  echo "$h"
}
# launch HOME TITLE CMD...: starts CMD in HOME's folders; sets $pid and $wid
# once the window titled TITLE is mapped.
launch() {
  local h=$1 title=$2; shift 2
  HOME=$h XDG_CONFIG_HOME=$h/.config XDG_DATA_HOME=$h/.local/share XDG_CACHE_HOME=$h/.cache XDG_RUNTIME_DIR=$h/run \
    HOOKPHONE_SECRET_STORE=file "$@" >"$h/log" 2>&1 &
  pid=$!
  pids+=($pid)
  wid=$(timeout 60 xdotool search --sync --onlyvisible --name "^$title\$" | head -1)
  [ -n "$wid" ] || { echo "gui.sh: window $title never mapped" >&2; cat "$h/log" >&2; exit 1; }
}
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# first_frame TITLE CMD...: ms from exec to the first drawn capture.
first_frame() {
  local title=$1; shift
  local h; h=$(fresh start)
  local t0; t0=$(now_ms)
  launch "$h" "$title" "$@"
  for _ in $(seq 600); do
    if /usr/bin/import -window "$wid" "png:$h/f.png" 2>/dev/null &&
      [ "$(/usr/bin/identify -format '%k' "$h/f.png" 2>/dev/null || echo 0)" -gt 20 ]; then
      echo $(( $(now_ms) - t0 ))
      stop "$pid"
      return
    fi
    sleep 0.02
  done
  echo "gui.sh: $title never drew a frame" >&2; exit 1
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

echo "== cold start to first frame (ms, median of 5, interleaved) =="
hp=(); pe=()
for _ in 1 2 3 4 5; do
  hp+=("$(first_frame Hookphone "$work/hookphone")")
  pe+=("$(first_frame 'GUI peer' "$work/gui-peer" -window)")
done
hm=$(printf '%s\n' "${hp[@]}" | median); pm=$(printf '%s\n' "${pe[@]}" | median)
echo "hookphone ${hp[*]} -> median $hm ms"
echo "peer      ${pe[*]} -> median $pm ms"
echo "start ratio hookphone/peer: $(ratio "$hm" "$pm")"

echo "== idle CPU over 60 s (both at once, after 10 s of settling) =="
h1=$(fresh idle); launch "$h1" Hookphone "$work/hookphone"; hpid=$pid
h2=$(fresh idle); launch "$h2" 'GUI peer' "$work/gui-peer" -window; ppid=$pid
sleep 10
a1=$(ticks "$hpid"); b1=$(ticks "$ppid")
sleep 60
a2=$(ticks "$hpid"); b2=$(ticks "$ppid")
hz=$(getconf CLK_TCK)
hc=$(awk -v d=$((a2 - a1)) -v hz="$hz" 'BEGIN { printf "%.2f", d / hz / 60 * 100 }')
pc=$(awk -v d=$((b2 - b1)) -v hz="$hz" 'BEGIN { printf "%.2f", d / hz / 60 * 100 }')
echo "hookphone ${hc}% of one core, peer ${pc}% (ticks $((a2 - a1)) vs $((b2 - b1)) at $hz Hz)"
echo "idle CPU ratio hookphone/peer: $(ratio $((a2 - a1)) $((b2 - b1)))"
stop "$hpid"; stop "$ppid"

echo "== RSS with the Webhooks pane open =="
# webhooks HOME: start Hookphone in HOME, open the Webhooks pane, settle, print RSS (KiB).
webhooks_rss() {
  launch "$1" Hookphone "$work/hookphone"
  sleep 4
  xdotool mousemove --window "$wid" 44 215 click 1
  sleep 8
  xdotool mousemove --window "$wid" 280 300 click 1   # scroll the list a little: rows are drawn
  xdotool click 5 click 5 click 5 click 5
  sleep 4
  rss_kib "$pid"
  stop "$pid"
}
hs=$(fresh rss-100k)
mkdir -p "$hs/.local/share/hookphone"
t0=$(now_ms)
"$work/gui-peer" -seed 100000 -db "$hs/.local/share/hookphone/hookphone.db" 2>/dev/null
echo "seeded 100000 webhooks in $(( $(now_ms) - t0 )) ms ($(du -h "$hs/.local/share/hookphone/hookphone.db" | cut -f1))"
full=$(webhooks_rss "$hs")
empty=$(webhooks_rss "$(fresh rss-empty)")
hm=$(fresh rss-peer); launch "$hm" 'GUI peer' "$work/gui-peer" -window; sleep 6; minimal=$(rss_kib "$pid"); stop "$pid"
echo "hookphone, 100000 webhooks: $((full / 1024)) MiB; empty database: $((empty / 1024)) MiB; minimal Fyne window: $((minimal / 1024)) MiB"
echo "RSS ratio 100k/empty: $(ratio "$full" "$empty"); hookphone(100k)/minimal window: $(ratio "$full" "$minimal")"
