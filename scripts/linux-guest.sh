#!/usr/bin/env bash
# Fetches Debian's arm64 Linux kernel and busybox-static (by package name, with apt-get download) and builds a
# busybox initramfs, for booting Linux with -kernel. Idempotent: does nothing when the files are there.
#
#   scripts/linux-guest.sh [DIR]     (default DIR: ~/.cache/virtflash/linux-guest)
#
# Leaves DIR/Image (the kernel, inflated), DIR/initramfs.cpio.gz and DIR/VERSION (the kernel package).
set -euo pipefail

dir="${1:-${HOME}/.cache/virtflash/linux-guest}"
log() { printf 'linux-guest: %s\n' "$*" >&2; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

if [[ -s "$dir/Image" && -s "$dir/initramfs.cpio.gz" ]]; then
  exit 0
fi
mkdir -p "$dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  log "adding the arm64 architecture to dpkg (to download arm64 packages; nothing arm64 is installed)"
  as_root dpkg --add-architecture arm64
  as_root apt-get update -qq -o Acquire::Retries=3 >/dev/null 2>&1 || log "apt-get update reported errors (continuing)"
fi
if ! command -v cpio >/dev/null; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cpio >/dev/null
fi

# The versioned kernel package behind the metapackage, from the machine's own release (bookworm: 6.1).
kpkg="$(apt-cache depends linux-image-arm64:arm64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')"
kpkg="${kpkg%:arm64}"
[[ -n "$kpkg" ]] || { log "no linux-image-arm64 package found"; exit 1; }
log "downloading $kpkg:arm64 and busybox-static:arm64"
# (in a folder the _apt user may write to, or apt downloads unsandboxed and warns)
chmod 755 "$work"
(cd "$work" && apt-get download -qq "$kpkg:arm64" "busybox-static:arm64" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)

dpkg-deb -x "$work"/linux-image-*_arm64.deb "$work/k"
vmlinuz="$(ls "$work"/k/boot/vmlinuz-* | head -n 1)"
# Debian's arm64 vmlinuz is a plain Image (with an EFI stub); a gzip-compressed one is inflated.
if [[ "$(head -c 2 "$vmlinuz" | od -An -tx1 | tr -d ' ')" == "1f8b" ]]; then
  gzip -dc "$vmlinuz" > "$work/Image"
else
  cp "$vmlinuz" "$work/Image"
fi

dpkg-deb -x "$work"/busybox-static_*_arm64.deb "$work/bb"
root="$work/root"
mkdir -p "$root"/{bin,sbin,proc,sys,dev,etc,tmp}
cp "$work/bb/bin/busybox" "$root/bin/busybox"
for applet in sh ls cat echo mount uname dmesg poweroff reboot; do
  ln -s busybox "$root/bin/$applet"
done
cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "busybox initramfs: shell ready"
exec /bin/sh
INIT
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$work/initramfs.cpio.gz"

mv "$work/Image" "$dir/Image"
mv "$work/initramfs.cpio.gz" "$dir/initramfs.cpio.gz"
echo "$kpkg" > "$dir/VERSION"
log "kernel $kpkg and busybox initramfs in $dir"
