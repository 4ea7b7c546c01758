package dev.virtflash.hw.pflash;

import dev.virtflash.memory.RomDeviceRegion;
import java.util.ArrayList;
import java.util.List;

/** Records what a region tells its listeners: romd flips and content changes, in order. */
final class RecordingListener implements RomDeviceRegion.Listener {

    /** A content change. */
    record Change(long offset, long length) {
    }

    final List<Boolean> romd = new ArrayList<>();
    final List<Change> changes = new ArrayList<>();
    /** Both kinds of event in order, as strings ("romd=false", "changed 0x0+0x40000"). */
    final List<String> events = new ArrayList<>();

    @Override
    public void romdChanged(RomDeviceRegion region, boolean value) {
        romd.add(value);
        events.add("romd=" + value);
    }

    @Override
    public void contentChanged(RomDeviceRegion region, long offset, long length) {
        changes.add(new Change(offset, length));
        events.add("changed 0x" + Long.toHexString(offset) + "+0x" + Long.toHexString(length));
    }

    void clear() {
        romd.clear();
        changes.clear();
        events.clear();
    }
}
