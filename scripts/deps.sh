#!/usr/bin/env bash
# Installs, idempotently and only what is missing, every Debian package that
# Hookphone's build and tests need. Runs apt-get update only when something
# must be installed. Works as root, or through sudo when not root.
set -euo pipefail

packages=(
  # build: cgo, Fyne (GLFW/X11/GL), PortAudio, speexdsp echo canceller
  gcc libc6-dev pkg-config ca-certificates git make
  libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
  portaudio19-dev libspeexdsp-dev
  # GUI tests: a real X server, software GL, window capture
  xvfb libgl1-mesa-dri xdotool x11-apps x11-utils imagemagick
  # audio tests: PulseAudio null sinks reached through ALSA's pulse plugin
  pulseaudio pulseaudio-utils libasound2-plugins alsa-utils sox libsox-fmt-base
  # real SIP peers and wire checks
  kamailio kamailio-tls-modules baresip-core openssl tcpdump jq
  # secret store tests: a private session bus with gnome-keyring's Secret Service
  dbus-daemon dbus-bin gnome-keyring libsecret-tools
  # stream cache process benchmark: the uncached download it is compared with
  curl
  # webhook inspector: node (with its npm) is the bench peer and the JSON.stringify reference in tests
  nodejs
  # audio latency bench (scripts/bench/audio.sh): click synthesis and cross-correlation
  python3
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends --no-upgrade "${missing[@]}"
