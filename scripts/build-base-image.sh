#!/usr/bin/env bash
# Build a minimal Debian bookworm + Python 3.11 base image with debootstrap and import it into
# local podman storage, then print its digest-pinned reference (the only stdout line), e.g.
#   localhost/mlfleet-base@sha256:0123...
# Use it as the BASE_IMAGE build argument of apps/trainer/Dockerfile and apps/serving/Dockerfile.
#
# Why: on machines that can reach Debian's apt mirrors but no container registry, `python:3.11-slim`
# cannot be pulled; a debootstrap root filesystem gives an equivalent base (bookworm's python3.11,
# python3-venv, ca-certificates, passwd for useradd).
#
# Idempotent: an existing image with the tag is reused (its digest is printed); --rebuild forces a
# fresh debootstrap (the digest then changes: debootstrap output is not bit-for-bit reproducible).
# Needs root (debootstrap), podman, runc and debootstrap (apt-get install podman buildah runc
# debootstrap). Podman runs with `--runtime runc --storage-driver vfs` (crun and overlay do not work
# on these machines); override with MLFLEET_PODMAN_FLAGS.
#
# Environment: MLFLEET_BASE_IMAGE_NAME (default localhost/mlfleet-base), MLFLEET_BASE_IMAGE_TAG
# (default bookworm), DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

name="${MLFLEET_BASE_IMAGE_NAME:-localhost/mlfleet-base}"
tag="${MLFLEET_BASE_IMAGE_TAG:-bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
read -r -a podman_flags <<<"${MLFLEET_PODMAN_FLAGS:---runtime runc --storage-driver vfs}"
podman=(podman "${podman_flags[@]}")
packages="python3.11,python3-venv,python-is-python3,ca-certificates"

rebuild=0
case "${1:-}" in
    --rebuild) rebuild=1 ;;
    "") ;;
    *) echo "usage: $0 [--rebuild]" >&2; exit 2 ;;
esac

log() { echo "build-base-image: $*" >&2; }

for tool in podman debootstrap; do
    if ! command -v "$tool" >/dev/null; then
        log "$tool is not installed (apt-get install podman buildah runc debootstrap)"
        exit 1
    fi
done

digest_ref() {
    local digest
    digest="$("${podman[@]}" image inspect --format '{{.Digest}}' "$name:$tag")"
    echo "$name@$digest"
}

if [[ "$rebuild" == 0 ]] && "${podman[@]}" image exists "$name:$tag"; then
    log "reusing $name:$tag"
    digest_ref
    exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
    log "debootstrap needs root"
    exit 1
fi

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
rootfs="$workdir/rootfs"
start=$SECONDS
log "debootstrap --variant=minbase bookworm ($packages) from $mirror"
debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" >"$workdir/debootstrap.log" 2>&1 || {
    tail -30 "$workdir/debootstrap.log" >&2
    exit 1
}

# Trim what an image never needs: package caches and lists, docs, man pages, locales (C.UTF-8 is
# built into glibc), debootstrap's own leftovers. apt still works after `apt-get update`.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* "$rootfs"/tmp/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/locale/* "$rootfs"/debootstrap
# The image resolves names through the container engine's resolv.conf, not the build host's.
: >"$rootfs/etc/resolv.conf"
echo "deb $mirror bookworm main" >"$rootfs/etc/apt/sources.list"

log "importing as $name:$tag"
tar --numeric-owner --xattrs -C "$rootfs" -c . | "${podman[@]}" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    --message "debootstrap --variant=minbase bookworm + $packages" \
    - "$name:$tag" >/dev/null
log "built in $((SECONDS - start)) s; size $("${podman[@]}" image inspect --format '{{.Size}}' "$name:$tag") bytes"
digest_ref
