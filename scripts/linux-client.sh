#!/usr/bin/env bash
# Builds what Linux needs to drive the virt board's CFI flash, from Debian packages (issue 16): the kernel Image,
# the MTD modules Debian's arm64 kernel lacks (CFI probe, Intel/Sharp command set, physmap-of, cmdlinepart, the MTD
# test modules), built out of tree from linux-source against the matching linux-headers with the cross compiler,
# and an initramfs holding busybox, those modules, the kernel's own MTD/UBI/UBIFS modules, mtd-utils (with the arm64
# libc) and an init script that runs the steps named on the kernel command line.
#
#   scripts/linux-client.sh [OUTDIR]     (default OUTDIR: ~/.cache/virtflash/linux-client)
#
# Leaves OUTDIR/Image, OUTDIR/initramfs.cpio.gz and OUTDIR/KEY (the package versions and the hashes of this script
# and of the init script, scripts/linux-client-init.sh, they were built from), and OUTDIR/parts (what the initramfs
# is packed from). Does nothing when KEY matches; while apt's package lists and both scripts are unchanged it does not
# even ask apt-cache (OUTDIR/STAMP), so a warm run takes 0.1 s.
#
# The init script, scripts/linux-client-init.sh, says what it does and which steps it runs.
set -euo pipefail

out="${1:-${HOME}/.cache/virtflash/linux-client}"
log() { printf 'linux-client: %s\n' "$*" >&2; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
self="$here/linux-client.sh"
init="$here/linux-client-init.sh"     # the initramfs's /init

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  log "adding the arm64 architecture to dpkg (to download arm64 packages; nothing arm64 is installed)"
  as_root dpkg --add-architecture arm64
  as_root apt-get update -qq -o Acquire::Retries=3 >/dev/null 2>&1 || log "apt-get update reported errors (continuing)"
fi

# Fast path: the package versions can only have changed if apt's package lists did (apt-cache takes seconds).
stamp="$( { ls -l --time-style=+%s /var/lib/apt/lists/ 2>/dev/null; sha1sum "$self" "$init"; } \
          | sha1sum | cut -d' ' -f1)"
if [[ -s "$out/Image" && -s "$out/initramfs.cpio.gz" && -f "$out/STAMP" && "$(cat "$out/STAMP")" == "$stamp" ]]; then
  exit 0
fi

# The versioned kernel package behind the metapackage, from the machine's own release (bookworm: 6.1).
kpkg="$(apt-cache depends linux-image-arm64:arm64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')"
kpkg="${kpkg%:arm64}"
[[ -n "$kpkg" ]] || { log "no linux-image-arm64 package found"; exit 1; }
release="${kpkg#linux-image-}"                  # 6.1.0-57-arm64
abi="${release%-arm64}"                         # 6.1.0-57
series="$(echo "$abi" | cut -d. -f1-2)"         # 6.1
packages=("$kpkg:arm64" "linux-headers-$release:arm64" "linux-headers-$abi-common" "linux-kbuild-$series"
          "linux-source-$series" "busybox-static:arm64" "mtd-utils:arm64" "libc6:arm64")
versions="$(apt-cache policy "${packages[@]}" | awk '/^[^ ]/{p=$1} /Candidate:/{print p, $2}')"
# Two levels: the parts (kernel, modules, busybox, mtd-utils) are keyed by the package versions and this script;
# the initramfs also by the init script, so changing the init only repacks.
parts_key="$(printf '%s\n%s\n' "$versions" "$(sha1sum "$self" | cut -d' ' -f1)")"
key="$(printf '%s\n%s\n' "$parts_key" "$(sha1sum "$init" | cut -d' ' -f1)")"
if [[ -s "$out/Image" && -s "$out/initramfs.cpio.gz" && -f "$out/KEY" && "$(cat "$out/KEY")" == "$key" ]]; then
  echo "$stamp" > "$out/STAMP"
  exit 0
fi
parts="$out/parts"
pack() {
  cp "$init" "$parts/root/init"
  chmod 755 "$parts/root/init"
  (cd "$parts/root" && find . | cpio -o -H newc --quiet | gzip -6) > "$out/initramfs.cpio.gz.new"
  rm -f "$parts/root/init"
  cp "$parts/Image" "$out/Image.new"
  mv "$out/Image.new" "$out/Image"
  mv "$out/initramfs.cpio.gz.new" "$out/initramfs.cpio.gz"
  echo "$key" > "$out/KEY"
  echo "$stamp" > "$out/STAMP"
  log "kernel $kpkg, $(wc -l < "$parts/root/etc/modules.order") modules and mtd-utils in $out/initramfs.cpio.gz"
}
if [[ -f "$parts/KEY" && "$(cat "$parts/KEY")" == "$parts_key" ]]; then
  pack
  exit 0
fi
if [[ "$(echo "$versions" | wc -l)" -ne "${#packages[@]}" ]] || echo "$versions" | grep -q '(none)'; then
  log "missing packages; apt-cache says:"; echo "$versions" >&2; exit 1
fi
for tool in cpio aarch64-linux-gnu-gcc-12 aarch64-linux-gnu-objcopy make; do
  command -v "$tool" >/dev/null || { log "$tool is missing: run scripts/setup.sh"; exit 1; }
done

mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"   # a folder the _apt user may write to, or apt downloads unsandboxed and warns
log "downloading ${packages[*]}"
(cd "$work" && apt-get download -qq "${packages[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
x="$work/x"
for deb in "$work"/*.deb; do
  case "$deb" in *linux-source-*) ;; *) dpkg-deb -x "$deb" "$x" ;; esac
done

# The MTD modules, out of tree against the headers: the headers' Makefile names the common tree by absolute path.
log "building the MTD modules for $release"
headers="$x/usr/src/linux-headers-$release"
echo "include $x/usr/src/linux-headers-$abi-common/Makefile" > "$headers/Makefile"
dpkg-deb --fsys-tarfile "$work"/linux-source-*.deb | tar -x -C "$work" --wildcards './usr/src/linux-source-*.tar.xz'
tar -xJf "$work"/usr/src/linux-source-*.tar.xz -C "$work" --wildcards 'linux-source-*/drivers/mtd/*'
src="$(echo "$work"/linux-source-*/drivers/mtd)"
build="$work/build"
mkdir -p "$build"
cp "$src"/chips/{cfi_probe.c,cfi_util.c,cfi_cmdset_0001.c,gen_probe.c,fwh_lock.h} "$src"/maps/physmap-*.[ch] \
   "$src"/parsers/cmdlinepart.c \
   "$src"/tests/{mtd_test.c,mtd_test.h,readtest.c,speedtest.c,stresstest.c,torturetest.c} "$build"/
cat > "$build/Kbuild" <<'KBUILD'
# CONFIG_MTD_CFI, _GEN_PROBE, _CFI_INTELEXT, _CFI_UTIL, _PHYSMAP (+ _OF), _CMDLINE_PARTS, _TESTS as modules
obj-m := cfi_util.o gen_probe.o cfi_probe.o cfi_cmdset_0001.o physmap.o cmdlinepart.o
obj-m += mtd_test.o mtd_readtest.o mtd_speedtest.o mtd_stresstest.o mtd_torturetest.o
physmap-y := physmap-core.o
mtd_readtest-y := readtest.o
mtd_speedtest-y := speedtest.o
mtd_stresstest-y := stresstest.o
mtd_torturetest-y := torturetest.o
ccflags-y := -DCONFIG_MTD_CFI_INTELEXT_MODULE=1 -DCONFIG_MTD_PHYSMAP_OF=1 -DCONFIG_MTD_CFI_UTIL_MODULE=1
KBUILD
make -s -C "$headers" M="$build" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- -j"$(nproc)" modules 2>&1 \
  | grep -v 'Skipping BTF generation' >&2 || true
built=(cfi_util gen_probe cfi_probe cfi_cmdset_0001 cmdlinepart physmap mtd_test mtd_readtest mtd_speedtest
       mtd_stresstest mtd_torturetest)
for m in "${built[@]}"; do
  [[ -s "$build/$m.ko" ]] || { log "module $m.ko was not built"; exit 1; }
done

# The initramfs.
root="$work/root"
mods="$root/lib/modules/$release"
mkdir -p "$root"/{bin,sbin,usr/sbin,proc,sys,dev,etc,tmp,mnt,lib/aarch64-linux-gnu} "$mods"
dpkg-deb -x "$work"/busybox-static_*_arm64.deb "$work/bb"
cp "$work/bb/bin/busybox" "$root/bin/busybox"
for applet in sh ls cat echo mount umount uname dmesg poweroff reboot insmod rmmod lsmod dd md5sum cmp hexdump \
              od sync sleep grep sed head tail mkdir rm cp seq printf tr wc cut awk test true false df du find; do
  ln -s busybox "$root/bin/$applet"
done
for tool in ubiformat ubiattach ubidetach ubimkvol ubinfo mtdinfo flash_erase; do
  cp "$x/usr/sbin/$tool" "$root/usr/sbin/"
done
cp "$x/lib/aarch64-linux-gnu/libc.so.6" "$x/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1" \
   "$root/lib/aarch64-linux-gnu/"
ln -s aarch64-linux-gnu/ld-linux-aarch64.so.1 "$root/lib/ld-linux-aarch64.so.1"

# The kernel's own modules (MTD core, chip registry, UBI, UBIFS) and what they depend on, in load order:
# each module's .modinfo `depends=` line, followed depth first.
kmods="$x/lib/modules/$release/kernel"
modinfo_depends() {
  aarch64-linux-gnu-objcopy -O binary --only-section=.modinfo "$1" /dev/stdout | tr '\0' '\n' \
    | sed -n 's/^depends=//p' | tr ',' ' '
}
order=()
declare -A seen=()
visit() {
  local name="$1" file
  [[ -n "${seen[$name]:-}" ]] && return
  seen[$name]=1
  if [[ -f "$build/$name.ko" ]]; then
    file="$build/$name.ko"
  else
    file="$(find "$kmods" -name "$name.ko" -print -quit)"
    [[ -n "$file" ]] || { log "no module $name.ko in $kpkg"; exit 1; }
  fi
  local dep
  for dep in $(modinfo_depends "$file"); do visit "$dep"; done
  cp "$file" "$mods/$name.ko"
  order+=("$name")
}
# (UBIFS needs its zstd compressor: CONFIG_UBIFS_FS_ZSTD=y with CONFIG_CRYPTO_ZSTD=m)
for m in mtd chipreg "${built[@]}" ubi zstd ubifs; do visit "$m"; done
printf '%s\n' "${order[@]}" > "$root/etc/modules.order"

# The kernel the modules were built for. Debian's arm64 vmlinuz is a plain Image (with an EFI stub); a
# gzip-compressed one is inflated.
vmlinuz="$(ls "$x"/boot/vmlinuz-* | head -n 1)"
if [[ "$(head -c 2 "$vmlinuz" | od -An -tx1 | tr -d ' ')" == "1f8b" ]]; then
  gzip -dc "$vmlinuz" > "$work/Image"
else
  cp "$vmlinuz" "$work/Image"
fi
rm -rf "$parts"
mkdir -p "$parts"
mv "$work/Image" "$root" "$parts/"
echo "$parts_key" > "$parts/KEY"
pack
