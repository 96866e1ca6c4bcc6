#!/usr/bin/env bash
# Mouth-to-ear latency through virtual sound devices, Hookphone against a
# peer measured in the same run.
#
# A private PulseAudio has one stereo null sink "lab" whose LEFT channel is
# the microphone feed (sink "micin", remapped as the source "vmic") and whose
# RIGHT channel is the speaker (sink "vspk"). One recorder on lab.monitor
# therefore sees what was said into the microphone and what came out of the
# speaker on one sample clock: the lag between them is the mouth-to-ear
# latency of whatever connects vmic to vspk. Chirp "clicks" go into micin;
# each is found in the speaker channel by cross-correlation.
#
# Runs (each a loopback vmic -> vspk):
#   hookphone-48k  `hookphone devices --loopback` at 48 kHz: PortAudio capture
#                  and playback, queues, no resampling (plain passthrough)
#   hookphone-8k   the same through the call chain's resampler (48k->8k->48k)
#   sox            the peer: `sox -t alsa default -t alsa default`, the same
#                  ALSA pulse plugin path as PortAudio, 10 ms buffers
#   pa-loopback    PulseAudio's own module-loopback (latency_msec=10), inside
#                  the server: the floor of this set-up, for reference
# and, through a call (SIP over TLS, SRTP, PCMU) to the local echo service
# (`hookphone echo-server`), the path the issue is about:
#   hookphone-call `hookphone call --to echo --device default`
#   baresip-call   baresip 1.0 (alsa module, same ALSA pulse path) dialling
#                  the same echo service: the peer for the call figure
# (A `pacat -r | pacat -p` pipe is no peer: the pipe keeps whatever backlog
# built up while the player connected, hundreds of ms to seconds.)
# Each run happens twice, interleaved, because the machine's load changes
# the server's buffering. Output: median/min/max latency per run and the
# ratio of each median to the peer's.
set -euo pipefail
export LANG=en_US.UTF-8 JACK_NO_START_SERVER=1 GOTOOLCHAIN=local

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${HOOKPHONE_BIN:-$root/bin/hookphone}
for tool in pulseaudio pactl pacat sox python3 baresip jq; do
  command -v "$tool" >/dev/null || { echo "audio.sh: $tool not found: run make deps" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "audio.sh: $bin not found: run make build (or set HOOKPHONE_BIN)" >&2; exit 1; }

work=$(mktemp -d /tmp/hkbench.XXXXXX)
export XDG_RUNTIME_DIR=$work/xdg HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
mkdir -p -m 700 "$XDG_RUNTIME_DIR" "$HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${keep:-0}" = 1 ]; then echo "audio.sh: files kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

cat >"$work/lab.pa" <<EOF
load-module module-native-protocol-unix auth-anonymous=1 socket=$XDG_RUNTIME_DIR/pulse/native
load-module module-null-sink sink_name=lab rate=48000 channels=2 channel_map=front-left,front-right
load-module module-remap-sink sink_name=micin master=lab channels=1 channel_map=mono master_channel_map=front-left remix=no
load-module module-remap-sink sink_name=vspk master=lab channels=1 channel_map=mono master_channel_map=front-right remix=no
load-module module-remap-source source_name=vmic master=lab.monitor channels=1 channel_map=mono master_channel_map=front-left remix=no
set-default-sink vspk
set-default-source vmic
EOF
pulseaudio -n -F "$work/lab.pa" --daemonize=no --exit-idle-time=-1 --use-pid-file=no --no-cpu-limit=true \
  --log-target=file:"$work/pulse.log" --system=false &
pids+=($!)
export PULSE_SERVER=unix:$XDG_RUNTIME_DIR/pulse/native
for _ in $(seq 100); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
pactl info >/dev/null || { keep=1; echo "audio.sh: pulseaudio did not start" >&2; exit 1; }
# An idle null sink renders in 2 s blocks; a silent low-latency client keeps it at 10 ms.
pacat --playback --latency-msec=10 -d lab --rate=48000 --channels=2 --format=s16le --raw /dev/zero &
pids+=($!)
sleep 2.5

# The stimulus: a 5 ms chirp (300 Hz -> 3 kHz, inside the telephone band)
# every 700 ms, 12 times, after 1 s of silence.
python3 - "$work/clicks.raw" <<'EOF'
import math, struct, sys
rate, n = 48000, 12
out = [0.0] * rate
for k in range(n):
    seg = [0.0] * int(0.7 * rate)
    L = int(0.005 * rate)
    ph = 0.0
    for i in range(L):
        f = 300 + (3000 - 300) * i / L
        ph += 2 * math.pi * f / rate
        seg[i] = 0.7 * math.sin(ph) * math.sin(math.pi * i / L)
    out += seg
out += [0.0] * rate
open(sys.argv[1], "wb").write(b"".join(struct.pack("<h", int(v * 32767)) for v in out))
EOF

measure() { # name, then the loopback command; $settle s before the clicks
  local name=$1; shift
  local rec=$work/$name.raw
  pacat --record --latency-msec=10 -d lab.monitor --rate=48000 --channels=2 --format=s16le --raw >"$rec" &
  local recpid=$!
  pids+=("$recpid")
  bash -c "$*" >"$work/$name.log" 2>&1 &
  local looppid=$!
  pids+=("$looppid")
  sleep "${settle:-1.5}"
  pacat --playback --latency-msec=20 -d micin --rate=48000 --channels=1 --format=s16le --raw "$work/clicks.raw"
  sleep 0.5
  kill -TERM "$looppid" 2>/dev/null || true
  wait "$looppid" 2>/dev/null || true
  kill -TERM "$recpid" 2>/dev/null || true
  wait "$recpid" 2>/dev/null || true
  python3 - "$rec" "$name" >>"$work/results.txt" <<'EOF'
import struct, sys
path, name = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
n = len(raw) // 4
s = struct.unpack("<%dh" % (2 * n), raw[: 4 * n])
L, R = s[0::2], s[1::2]
rate, W = 48000, 240  # 5 ms template
lags, i = [], 0
while i < n - rate:
    if abs(L[i]) > 3000:  # a chirp starts in the microphone channel
        start = max(0, i - 24)
        tmpl = L[start : start + W]
        # coarse: the first loud sample in the speaker channel within 500 ms
        seg = R[start : start + rate // 2]
        peak = max((abs(v) for v in seg), default=0)
        if peak > 1000:
            j = next(k for k, v in enumerate(seg) if abs(v) > 0.3 * peak)
            best, bl = None, 0
            for lag in range(max(0, j - 192), j + 192):  # refine: cross-correlation, +-4 ms
                x = R[start + lag : start + lag + W]
                if len(x) < W:
                    break
                c = sum(a * b for a, b in zip(tmpl, x))
                if best is None or c > best:
                    best, bl = c, lag
            lags.append(bl / rate * 1000)
        i = start + int(0.6 * rate)
    else:
        i += 1
if len(lags) < 3:
    print("%s FAIL found only %d of 12 clicks" % (name, len(lags)))
else:
    lags.sort()
    print("%s %.1f %.1f %.1f %d" % (name, lags[len(lags) // 2], lags[0], lags[-1], len(lags)))
EOF
}

: >"$work/results.txt"
loopmod="idx=\$(pactl load-module module-loopback source=vmic sink=vspk latency_msec=10 source_dont_move=true sink_dont_move=true)
trap 'pactl unload-module \$idx; exit 0' TERM; sleep 60 & wait"
# The local echo service, and a baresip set up to dial it over TLS with SRTP.
"$bin" echo-server --json >"$work/echo.json" 2>"$work/echo.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/echo.json" ] && break; sleep 0.1; done
server=$(head -1 "$work/echo.json" | jq -r .server)
ca=$(head -1 "$work/echo.json" | jq -r .ca_file)
[ -n "$server" ] && [ "$server" != null ] || { keep=1; echo "audio.sh: echo-server did not start" >&2; exit 1; }
hostport=${server#sips:}
bport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/baresip"
cat >"$work/baresip/config" <<EOF
poll_method		epoll
sip_listen		127.0.0.1:$bport
sip_cafile		$ca
audio_player		alsa,default
audio_source		alsa,default
audio_alert		alsa,default
rtp_ports		31000-31100
jitter_buffer_delay	5-10
module_path		/usr/lib/baresip/modules
module			g711.so
module			alsa.so
module			srtp.so
module_tmp		account.so
module_app		menu.so
EOF
echo "<sip:tester@127.0.0.1;transport=tls>;regint=0;mediaenc=srtp-mand;audio_codecs=PCMU" >"$work/baresip/accounts"

for round in 1 2; do
  measure hookphone-48k "exec '$bin' devices --loopback 13s --codec-rate 48000"
  measure hookphone-8k "exec '$bin' devices --loopback 13s --codec-rate 8000"
  measure sox "exec sox -q --buffer 960 -t alsa default -t alsa default"
  measure pa-loopback "$loopmod"
  settle=5 measure hookphone-call "exec '$bin' call --server '$server' --ca '$ca' --no-register --user tester --to echo --device default --duration 18s"
  settle=5 measure baresip-call "exec baresip -f '$work/baresip' -t 19 -e '/dial sip:echo@$hostport;transport=tls'"
done

if grep -q FAIL "$work/results.txt"; then
  keep=1
  cat "$work/results.txt" >&2
  echo "audio.sh: a loopback did not pass the clicks; logs in $work" >&2
  exit 1
fi
echo "mouth-to-ear latency through virtual devices (PulseAudio null sinks, 48 kHz), 12 clicks per run;"
echo "ratio = median / the sox peer's median in the same round (load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
echo "(calls: ratio = median / baresip-call's median in the same round; both go through the same echo service)"
awk '{ r = int((NR - 1) / 6); if ($1 == "sox") peer[r] = $2; if ($1 == "baresip-call") cpeer[r] = $2; line[NR] = $0; round[NR] = r }
     END { for (i = 1; i <= NR; i++) { split(line[i], f, " "); r = round[i]
       if (f[1] ~ /-call$/) { p = cpeer[r]; pn = "baresip-call" } else { p = peer[r]; pn = "sox" }
       printf "  round %d  %-14s median %6.1f ms  (min %6.1f, max %6.1f, %2d clicks)  ratio to %s %.2f\n", r + 1, f[1], f[2], f[3], f[4], f[5], pn, f[2] / p } }' "$work/results.txt"
