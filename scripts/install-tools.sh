#!/usr/bin/env bash
# Installs the real local tools and servers the tests run against (idempotent).
# These machines are root with apt and npm; elsewhere run the printed commands yourself.
set -euo pipefail

# The rehearsal (mlfleet rehearse) runs the stacks' workloads with rootful podman + runc on a CNI
# bridge, and builds its base image with debootstrap. `mlfleet images push` is tested against the
# CNCF distribution registry (Debian docker-registry) with skopeo reading manifests.
apt_packages=(prometheus prometheus-alertmanager haproxy wrk podman buildah runc debootstrap containernetworking-plugins
  docker-registry skopeo)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # --no-install-recommends keeps it small; the services are not started (tests start their own).
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts the daemons on install; tests run their own on 127.0.0.1 instead.
    for svc in prometheus prometheus-alertmanager prometheus-node-exporter haproxy docker-registry; do
      (command -v systemctl >/dev/null && systemctl stop "$svc" 2>/dev/null) || service "$svc" stop >/dev/null 2>&1 || true
    done
  else
    echo "install-tools: not root; please run: sudo apt-get install ${missing[*]}" >&2
  fi
fi

# Azurite (Azure Blob emulator) from npm, into a project-local prefix.
if [[ ! -x .tools/node/bin/azurite-blob ]]; then
  if command -v npm >/dev/null 2>&1; then
    npm install --silent --no-audit --no-fund --prefix .tools/node azurite@3 >/dev/null
    mkdir -p .tools/node/bin
    ln -sf ../node_modules/.bin/azurite-blob .tools/node/bin/azurite-blob
  else
    echo "install-tools: npm not found; Azure Blob tests need azurite" >&2
  fi
fi
echo "install-tools: ok"
