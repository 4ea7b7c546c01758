package dev.virtflash.hw.block.qcow2;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small least-recently-used cache of metadata clusters (L2 tables, refcount blocks), keyed by host offset. The
 * cache is write-through: whoever changes a cached cluster writes the change to the file at once, so evicting never
 * writes and a crash never loses more than the update in flight.
 *
 * @param <T> the decoded form of one cluster
 */
final class ClusterCache<T> {

    /** Bytes of clusters kept, whatever the cluster size (at least two clusters). */
    static final int BUDGET_BYTES = 2 << 20;

    private final LinkedHashMap<Long, T> map;

    ClusterCache(int clusterBits) {
        int capacity = Math.max(2, BUDGET_BYTES >> clusterBits);
        this.map = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, T> eldest) {
                return size() > capacity;
            }
        };
    }

    T get(long hostOffset) {
        return map.get(hostOffset);
    }

    void put(long hostOffset, T value) {
        map.put(hostOffset, value);
    }

    void remove(long hostOffset) {
        map.remove(hostOffset);
    }
}
