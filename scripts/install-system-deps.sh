#!/usr/bin/env bash
# Debian packages the test suites and benchmarks run against: a real Prometheus, Chromium for the
# dashboard, haproxy and nginx as routing peers, wrk and hey as load generators, kubectl as a
# second client of the test API server, Go to build the regexp oracle (Istio validates regexes with
# Go), and Graphite (carbon-cache, graphite-web served by gunicorn) for the graphite metric
# provider's suite. Idempotent; needs root (or sudo) on Debian 12.
set -euo pipefail
packages=(prometheus chromium haproxy nginx-light wrk hey golang-go graphite-carbon graphite-web gunicorn)
# Any kubectl will do; Debian's kubernetes-client conflicts with other kubectl packages.
command -v kubectl >/dev/null 2>&1 || packages+=(kubernetes-client)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${packages[*]})"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "system packages: installing ${missing[*]}"
$sudo apt-get update -qq
# A previous interrupted install leaves packages unpacked but not configured.
DEBIAN_FRONTEND=noninteractive $sudo dpkg --configure -a >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian prometheus package starts a system service on :9090; tests run their own instances.
# graphite-carbon's does the same with carbon-cache on :2003; tests run their own.
if command -v systemctl >/dev/null 2>&1; then $sudo systemctl stop prometheus carbon-cache 2>/dev/null || true; fi
echo "system packages: installed ${missing[*]}"
