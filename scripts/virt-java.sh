# Sourced by ./virt and scripts/setup.sh (needs $root): how the CLI's JVM is started.
#
# JVM flags, measured with ./bench --sweep (default payload, process RSS at the payload's exit):
#   -XX:+UseSerialGC -Xss4m            87-90 MiB  (one GC thread; 4 MiB stacks for deep native callbacks)
#   + -XX:TieredStopAtLevel=1           84-85 MiB  (C1 only: no C2 compiler thread/arena; the guest runs in Unicorn,
#                                                   the Java side is device callbacks, so C2 buys little; less CPU)
#   + -Xms8m                            75 MiB     (the heap starts small instead of 1/64 of the host's memory)
#   + -XX:-UsePerfData                  no change  (no /tmp/hsperfdata_$USER/PID file to create and map: a default
#                                                   payload ran 5 to 12 ms sooner, medians of 15 and 20 alternating
#                                                   runs; jps and jstat no longer list the process, jcmd still works)
# Unicorn's translation buffer (virt -accel tcg,tb-size=N, default 4) is resident in full: 16 MiB costs 12-14 MiB more.
virt_jvm_flags=(-XX:+UseSerialGC -Xss4m -XX:TieredStopAtLevel=1 -Xms8m -XX:-UsePerfData)

# A class-data archive of the classes a run loads, made by setup.sh after each build (a static one, in place of the
# JDK's own; see make_archive there): U-Boot reaches its prompt in 0.29 s instead of 0.34 s (JVM start-up is most of
# our time to a prompt). It needs jars on the class path, not folders. A stale archive is ignored silently (the JVM
# then loads every class from the jars and the runtime image, about 0.1 s more), so ./virt runs setup.sh first.
virt_cds_archive="$root/target/virt.jsa"
# Named only when it is there: a JVM told of a missing archive starts without the JDK's own either.
virt_cds_flags=()
if [[ -f "$virt_cds_archive" ]]; then
  virt_cds_flags=(-XX:SharedArchiveFile="$virt_cds_archive" -Xlog:cds=off -Xlog:cds+dynamic=off)
fi

# JNA's dispatch library, unpacked once by setup.sh after each build: JNA otherwise extracts it from its jar into the
# temporary folder on every start (and lists that folder for stale copies). Only used when it is there.
virt_jna_dir="$root/target/jna"
if [[ -f "$virt_jna_dir/libjnidispatch.so" ]]; then
  virt_jvm_flags+=(-Djna.boot.library.path="$virt_jna_dir" -Djna.nounpack=true)
fi

virt_classpath() {
  local jar
  jar="$(ls "$root"/app/target/app-*.jar | head -n 1)"
  echo "$jar:$(cat "$root/app/target/classpath.txt")"
}
