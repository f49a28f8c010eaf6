#!/usr/bin/env bash
# Makes sure the system tools the platform needs are installed: ffmpeg/ffprobe always,
# Node's npm when asked (`--node`, to fetch the browser libraries), Chromium when asked
# (`--browser`, for the browser tests). On Debian as root it installs
# them with apt-get; otherwise it stops with the one command to run.
set -euo pipefail

packages=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || packages+=(ffmpeg)
for wanted in "$@"; do
    case "$wanted" in
        --browser) [[ -x /usr/bin/chromium ]] || packages+=(chromium) ;;
        --node) command -v npm >/dev/null 2>&1 || packages+=(nodejs npm) ;;
        *) echo "unknown option: $wanted" >&2; exit 2 ;;
    esac
done
[[ ${#packages[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${packages[*]} with apt-get…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    exit 0
fi
echo "Missing ${packages[*]}: run 'sudo apt-get install ${packages[*]}' and try again." >&2
exit 1
