#!/bin/sh
# virtflash Linux client (scripts/linux-client.sh): loads the MTD modules, then runs the steps named by
# virtflash.test= on the kernel command line and powers off, or gives a shell.
#
# `virtflash.test=STEP[,STEP...]` runs the steps in order and powers off; without it, a shell.
# Every step prints `virtflash: step NAME begin at T s` and `... pass at T s` (or `fail: why`; T is the uptime);
# the run ends with `virtflash: done`. `mtdparts=` (as for a built-in cmdlinepart) goes to the cmdlinepart module.
# Steps (bank 1 is /dev/mtd1 with mtdparts=0.flash:64m(flash0),64m(flash1)):
#   probe        /proc/mtd and each MTD device's sysfs geometry
#   raw          erase 1 block of mtd1, write 64 KiB of random bytes through /dev/mtd1, read back and compare;
#                prints the md5 of the bytes (the host compares it with the image)
#   mtd-tests    mtd_readtest, mtd_speedtest, mtd_stresstest, mtd_torturetest on mtd1, bounded (see below)
#   speed        mtd_speedtest on mtd1 alone (for the bench)
#   ubi-write    ubiformat mtd1, attach, make a volume, mount UBIFS, write files, sync, unmount, detach
#   ubi-check    attach, mount, compare the files with the md5s ubi-write printed
#   byte-writes  erase block 0 of mtd1, write 0x11 0x22 0x33 0x44 one byte at a time into one 32-bit word
#   erase        erase block 0 of mtd1 and report what flash_erase said (a read-only bank refuses)
#   write        write 4 bytes at the start of mtd1 and report what dd said (a read-only bank refuses)
export PATH=/bin:/sbin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
say() { echo "virtflash: $*"; }
now() { cut -d' ' -f1 /proc/uptime; }
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -n 1; }
mods=/lib/modules/$(uname -r)
# Loads the modules of /etc/modules.order (dependencies first) after the line $1 (empty: from the top) through the
# line $2 (empty: to the end), but not the MTD test modules (run by steps). Module loading is slow on an emulated
# CPU: the flash drivers load at boot, UBI and UBIFS when a step needs them.
load() {
  for m in $(awk -v from="$1" -v to="$2" 'BEGIN { on = from == "" } on { print } $0 == from { on = 1 }
                                           $0 == to { exit }' /etc/modules.order); do
    case $m in
      mtd_readtest|mtd_speedtest|mtd_stresstest|mtd_torturetest) ;;
      cmdlinepart) insmod $mods/$m.ko mtdparts="$(arg mtdparts)" || say "insmod $m failed" ;;
      *) insmod $mods/$m.ko || say "insmod $m failed" ;;
    esac
  done
}
load "" physmap
ubi_loaded=0
need_ubi() { [ $ubi_loaded = 1 ] || load physmap ""; ubi_loaded=1; }

pass() { say "step $1 pass at $(now) s"; }
fail() { say "step $1 fail: $2"; failed=1; }

# Loads one MTD test module with its parameters; its kernel log says what it did; unloads it.
mtdtest() {
  name=$1; shift
  grep -q '^mtd_test ' /proc/modules || insmod $mods/mtd_test.ko
  if insmod $mods/$name.ko "$@"; then rmmod $name; return 0; fi
  return 1
}

step_probe() {
  cat /proc/mtd
  for d in /sys/class/mtd/mtd[0-9]; do
    [ -d $d ] || continue
    set -- $(cat $d/name $d/type $d/size $d/erasesize $d/writesize $d/flags)   # one process: forks are slow here
    echo "${d##*/}: name $1 type $2 size $3 erasesize $4 writesize $5 flags $6"
  done
  [ -c /dev/mtd1 ] || { fail probe "no /dev/mtd1"; return; }
  pass probe
}

step_raw() {
  flash_erase -q /dev/mtd1 0 1 || { fail raw "flash_erase"; return; }
  dd if=/dev/urandom of=/tmp/pattern bs=4096 count=16 2>/dev/null
  dd if=/tmp/pattern of=/dev/mtd1 bs=4096 2>/dev/null || { fail raw "write"; return; }
  dd if=/dev/mtd1 of=/tmp/back bs=4096 count=16 2>/dev/null
  dd if=/dev/mtd1 of=/tmp/rest bs=4096 skip=16 count=48 2>/dev/null
  echo "raw: pattern md5 $(md5sum < /tmp/pattern | cut -d' ' -f1) read back md5 $(md5sum < /tmp/back | cut -d' ' -f1)"
  tr '\000' '\377' < /dev/zero | dd of=/tmp/erased bs=4096 count=48 2>/dev/null
  if cmp -s /tmp/rest /tmp/erased; then echo "raw: rest of the block erased (0xff)"
  else echo "raw: rest of the block not erased"; fi
  cmp -s /tmp/pattern /tmp/back || { fail raw "read back differs"; return; }
  pass raw
}

step_mtd_tests() {
  mtdtest mtd_readtest dev=1 || { fail mtd-tests "mtd_readtest"; return; }
  mtdtest mtd_speedtest dev=1 count=4 || { fail mtd-tests "mtd_speedtest"; return; }
  mtdtest mtd_stresstest dev=1 count=50 || { fail mtd-tests "mtd_stresstest"; return; }
  mtdtest mtd_torturetest dev=1 eb=8 ebcnt=2 cycles_count=3 || { fail mtd-tests "mtd_torturetest"; return; }
  pass mtd-tests
}

step_speed() {
  mtdtest mtd_speedtest dev=1 count=${speedcount:-8} || { fail speed "mtd_speedtest"; return; }
  pass speed
}

FILES="a b c"
step_ubi_write() {
  need_ubi
  ubiformat -q -y /dev/mtd1 || { fail ubi-write "ubiformat"; return; }
  ubiattach -m 1 >/dev/null || { fail ubi-write "ubiattach"; return; }
  ubimkvol /dev/ubi0 -N data -s 16MiB >/dev/null || { fail ubi-write "ubimkvol"; return; }
  mount -t ubifs ubi0:data /mnt || { fail ubi-write "mount"; return; }
  i=0
  for f in $FILES; do
    i=$((i + 1))
    dd if=/dev/urandom of=/mnt/$f bs=1024 count=$((i * 37)) 2>/dev/null
    echo "ubi: file $f $(md5sum < /mnt/$f | cut -d' ' -f1)"
  done
  sync
  umount /mnt || { fail ubi-write "umount"; return; }
  ubidetach -m 1 || { fail ubi-write "ubidetach"; return; }
  pass ubi-write
}

step_ubi_check() {
  need_ubi
  ubiattach -m 1 >/dev/null || { fail ubi-check "ubiattach"; return; }
  mount -t ubifs ubi0:data /mnt || { fail ubi-check "mount"; return; }
  for f in $FILES; do
    [ -f /mnt/$f ] || { fail ubi-check "no file $f"; return; }
    echo "ubi: file $f $(md5sum < /mnt/$f | cut -d' ' -f1)"
  done
  umount /mnt
  ubidetach -m 1
  pass ubi-check
}

step_byte_writes() {
  flash_erase -q /dev/mtd1 0 1 || { fail byte-writes "flash_erase"; return; }
  n=0
  for b in 11 22 33 44; do
    printf "\\x$b" | dd of=/dev/mtd1 bs=1 seek=$n 2>/dev/null || { fail byte-writes "write at $n"; return; }
    n=$((n + 1))
  done
  echo "byte-writes: word $(dd if=/dev/mtd1 bs=4 count=1 2>/dev/null | od -An -tx1 | tr -s ' ' | sed 's/^ //')"
  pass byte-writes
}

step_write() {
  printf 'abcd' | dd of=/dev/mtd1 bs=4 count=1 2>/dev/null
  echo "write: dd exit status $?; the kernel goes on"
  pass write
}

step_erase() {
  flash_erase -q /dev/mtd1 0 1
  echo "erase: flash_erase exit status $?; the kernel goes on"
  pass erase
}

steps=$(arg virtflash.test)
speedcount=$(arg virtflash.speedcount)
if [ -z "$steps" ]; then
  echo "busybox initramfs: shell ready"
  exec /bin/sh
fi
failed=0
for s in $(echo "$steps" | tr ',' ' '); do
  say "step $s begin at $(now) s"
  case $s in
    probe|raw|speed|erase|write) step_$s ;;
    mtd-tests) step_mtd_tests ;;
    ubi-write) step_ubi_write ;;
    ubi-check) step_ubi_check ;;
    byte-writes) step_byte_writes ;;
    *) fail "$s" "no such step" ;;
  esac
done
say "done, $( [ $failed = 0 ] && echo all passed || echo some failed )"
poweroff -f
