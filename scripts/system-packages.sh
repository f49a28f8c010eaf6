#!/usr/bin/env bash
# Makes sure the system tools the platform needs are installed: ffmpeg/ffprobe always,
# Node's npm when asked (`--node`, to fetch the browser libraries), Chromium when asked
# (`--browser`, for the browser tests), the live stage's Janus (with janus-pp-rec, to turn its
# recordings into files) and coturn when asked (`--stage`), nginx when asked (`--proxy`, for the test of the production path). On Debian as root it installs them with apt-get; otherwise it stops with the
# one command to run — except for the stage, which is optional: without Janus the server
# says the stage is unavailable and everything else works.
set -euo pipefail

packages=()
stage=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || packages+=(ffmpeg)
for wanted in "$@"; do
    case "$wanted" in
        --browser) [[ -x /usr/bin/chromium ]] || packages+=(chromium) ;;
        --node) command -v npm >/dev/null 2>&1 || packages+=(nodejs npm) ;;
        --proxy) command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || packages+=(nginx) ;;
        --stage)
            command -v janus >/dev/null 2>&1 || stage+=(janus)
            command -v janus-pp-rec >/dev/null 2>&1 || stage+=(janus-tools)
            command -v turnserver >/dev/null 2>&1 || stage+=(coturn)
            ;;
        *) echo "unknown option: $wanted" >&2; exit 2 ;;
    esac
done
can_install=no
[[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1 && can_install=yes
if [[ ${#stage[@]} -gt 0 && $can_install == no ]]; then
    echo "The live stage needs ${stage[*]}: 'sudo apt-get install ${stage[*]}' (without it the stage is unavailable)." >&2
else
    packages+=("${stage[@]}")
fi
[[ ${#packages[@]} -eq 0 ]] && exit 0

if [[ $can_install == yes ]]; then
    echo "Installing ${packages[*]} with apt-get…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    exit 0
fi
echo "Missing ${packages[*]}: run 'sudo apt-get install ${packages[*]}' and try again." >&2
exit 1
