#!/usr/bin/env bash
# The long reliability runs of issue 9, which do not fit ./test's time budget (about 6 minutes on 2 cores):
#   1. U-Boot saveenv + reset, 100 cycles (after 10 warm-up cycles) in one process: every environment checked on the
#      image, RSS / fds / mappings / threads printed at start and end (growth must stay under 5 %);
#   2. EDK2 setvar + reset, 20 cycles, when SOAK_EDK2=1 (needs the board's GIC and generic timer);
#   3. 16 boards at once with translation buffers of 1, 2, 4, 8 and 16 MiB: RSS per board.
# Usage: scripts/soak.sh [extra Soak options, e.g. --uboot 1000]
# Exit code: non-zero if any run failed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
cp="$root/machine-virt/target/classes:$(cat "$root/machine-virt/target/classpath.txt")"
edk2=0
if [[ "${SOAK_EDK2:-0}" == 1 ]]; then edk2=20; fi
rc=0
java -XX:+UseSerialGC -Xss4m -Xmx256m -cp "$cp" dev.virtflash.virt.reliability.Soak --uboot 100 --edk2 "$edk2" "$@" \
    || rc=1
java -XX:+UseSerialGC -cp "$cp" dev.virtflash.virt.reliability.Density --sweep 1,2,4,8,16 --boards 16 || rc=1
exit $rc
