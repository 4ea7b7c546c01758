#!/usr/bin/env bash
# Installs every native and system part virtflash needs (by package name, with apt), then builds the
# project when its sources changed. Idempotent and quick when everything is present.
#
#   scripts/setup.sh            install what is missing, build if sources changed
#   scripts/setup.sh --no-build install only
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build=1
[[ "${1:-}" == "--no-build" ]] && build=0

log() { printf 'setup: %s\n' "$*" >&2; }

# Packages from the machine's own Debian release.
packages=(
  gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu device-tree-compiler
  qemu-utils qemu-system-arm u-boot-qemu qemu-efi-aarch64
  make cpio xz-utils
)
# Unicorn 2.1.1 comes from Debian 13 (trixie): bookworm's 2.0.1 cannot run firmware that turns on the MMU.
unicorn_pkg=libunicorn2t64
unicorn_min=2.1.1

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

installed_version() { dpkg-query -W -f='${db:Status-Status} ${Version}' "$1" 2>/dev/null | awk '$1=="installed"{print $2}' || true; }

missing=()
for p in "${packages[@]}"; do
  [[ -n "$(installed_version "$p")" ]] || missing+=("$p")
done
unicorn_ok=0
v="$(installed_version "$unicorn_pkg")"
if [[ -n "$v" ]] && dpkg --compare-versions "$v" ge "$unicorn_min"; then unicorn_ok=1; fi

if (( ${#missing[@]} > 0 || unicorn_ok == 0 )); then
  export DEBIAN_FRONTEND=noninteractive
  trixie_list=/etc/apt/sources.list.d/virtflash-trixie.sources
  trixie_pin=/etc/apt/preferences.d/virtflash-trixie.pref
  if [[ ! -f "$trixie_list" ]]; then
    log "adding the Debian trixie apt source (pinned at priority 100: only what we ask for comes from it)"
    as_root tee "$trixie_list" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  if [[ ! -f "$trixie_pin" ]]; then
    as_root tee "$trixie_pin" >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  fi
  log "apt-get update"
  # Unreachable third-party sources must not stop us: only Debian's are needed.
  as_root apt-get update -qq -o Acquire::Retries=3 >/dev/null 2>&1 || log "apt-get update reported errors (continuing)"
  if (( ${#missing[@]} > 0 )); then
    log "installing ${missing[*]}"
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if (( unicorn_ok == 0 )); then
    log "installing $unicorn_pkg from trixie"
    as_root apt-get install -y -qq --no-install-recommends "$unicorn_pkg/trixie" >/dev/null
  fi
fi

for p in "${packages[@]}"; do
  [[ -n "$(installed_version "$p")" ]] || { log "error: package $p is not installed after apt-get install"; exit 1; }
done
v="$(installed_version "$unicorn_pkg")"
if [[ -z "$v" ]] || ! dpkg --compare-versions "$v" ge "$unicorn_min"; then
  log "error: $unicorn_pkg ${v:-absent}, expected >= $unicorn_min"; exit 1
fi

# Debian's arm64 kernel and a busybox initramfs for the -kernel boot test (guest-tests' LinuxBootTest); once.
"$root/scripts/linux-guest.sh"
# The same kernel with the MTD modules Debian lacks built out of tree, UBI/UBIFS and mtd-utils, for guest-tests'
# LinuxMtdTest and the bench; rebuilt when a package version or the scripts change (about 1.5 min), else 0.1 s.
"$root/scripts/linux-client.sh"

(( build )) || exit 0

# Build only when the sources changed since the last successful build.
cd "$root"
stamp="$root/target/setup.stamp"
hash="$( { find . -path ./target -prune -o -path '*/target' -prune -o -path ./.git -prune -o -type f \
           \( -name pom.xml -o -path '*/src/*' \) -print0 | sort -z | xargs -0 sha1sum; } | sha1sum | cut -d' ' -f1)"
. "$root/scripts/virt-java.sh"

# The class-data archive ./virt starts from: a static archive (-Xshare:dump) of the classes that a default payload
# run and a second of U-Boot load, recorded with -XX:DumpLoadedClassList. It replaces the JDK's own archive at start:
# against a dynamic archive on top of the JDK's (-XX:ArchiveClassesAtExit), a payload run is 4 to 15 ms faster and
# 3.3 MiB smaller (the JDK's archive holds 1,300 classes a run does not use, and is mapped and relocated with ours).
# The JVM ignores an archive silently once a jar on the class path changed (a developer's own `mvn install`, say),
# and then starts without any: so a jar newer than the archive makes a new one, without a build.
archive_is_current() {
  [[ -f "$virt_cds_archive" ]] || return 1
  local jar
  for jar in $(virt_classpath | tr ':' ' '); do
    [[ "$jar" -nt "$virt_cds_archive" ]] && return 1
  done
  return 0
}
make_archive() {
  rm -f "$virt_cds_archive"
  local training cp
  training="$(mktemp -d)"
  cp="$(virt_classpath)"
  truncate -s 64M "$training/flash1.img"
  # U-Boot runs until the timeout ends it (exit code 124): only its class list matters
  if java "${virt_jvm_flags[@]}" -XX:DumpLoadedClassList="$training/payload.classlist" -Djava.io.tmpdir="$training" \
       -cp "$cp" dev.virtflash.app.Virt --rss-report=none >/dev/null 2>&1 \
     && { java "${virt_jvm_flags[@]}" -XX:DumpLoadedClassList="$training/uboot.classlist" -cp "$cp" \
            dev.virtflash.app.Virt -bios /usr/lib/u-boot/qemu_arm64/u-boot.bin \
            -drive "if=pflash,unit=1,format=raw,file=$training/flash1.img" -serial null --timeout 1 \
            </dev/null >/dev/null 2>&1 || [[ -s "$training/uboot.classlist" ]]; } \
     && cat "$training/payload.classlist" "$training/uboot.classlist" > "$training/all.classlist" \
     && java "${virt_jvm_flags[@]}" -Xshare:dump -XX:SharedClassListFile="$training/all.classlist" \
          -XX:SharedArchiveFile="$virt_cds_archive" -Xlog:cds=off -cp "$cp" >/dev/null 2>&1; then
    :
  else
    log "warning: recording the class-data archive failed; ./virt starts without it"
    rm -f "$virt_cds_archive"
  fi
  rm -rf "$training"
}

if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
  if ! archive_is_current; then
    log "recording the class-data archive (a jar changed since)"
    make_archive
  fi
  exit 0
fi
log "building (sources changed)"
mvn -q -B -ntp -Dstyle.color=never -DskipTests install >&2
mkdir -p "$root/target"

# JNA's dispatch library for this machine, unpacked from the JNA jar on the class path (see virt-java.sh).
rm -rf "$root/target/jna"
jna_jar="$(tr ':' '\n' < "$root/app/target/classpath.txt" | grep -m1 '/jna-[0-9][^/]*\.jar$' || true)"
jna_arch="$(uname -m | sed 's/x86_64/x86-64/')"
jna_entry="com/sun/jna/linux-$jna_arch/libjnidispatch.so"
if [[ -n "$jna_jar" ]] && mkdir -p "$root/target/jna" \
   && (cd "$root/target/jna" && jar xf "$jna_jar" "$jna_entry" && mv "$jna_entry" . && rm -rf com) \
   && [[ -f "$root/target/jna/libjnidispatch.so" ]]; then
  :
else
  log "warning: libjnidispatch.so not unpacked; JNA extracts it at every start"
  rm -rf "$root/target/jna"
fi
# virt-java.sh chose its JNA flags before the library was there: read it again.
. "$root/scripts/virt-java.sh"
make_archive
echo "$hash" > "$stamp"
