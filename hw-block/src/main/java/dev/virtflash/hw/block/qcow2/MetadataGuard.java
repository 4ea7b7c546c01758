package dev.virtflash.hw.block.qcow2;

import dev.virtflash.hw.block.ImageFormatException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Knows which host clusters hold metadata (header, L1 table, refcount table, refcount blocks, L2 tables), so that a
 * data write or a new allocation can never overwrite them, whatever the refcounts of a damaged image say: QEMU's
 * metadata overlap check ({@code qcow2_check_metadata_overlap}), kept as a set so it costs O(1) per cluster.
 */
final class MetadataGuard {

    private final Path path;
    private final int clusterBits;
    private long l1First;
    private long l1End;
    private long refcountTableFirst;
    private long refcountTableEnd;
    private final Map<Long, String> tables = new HashMap<>();

    MetadataGuard(Path path, int clusterBits) {
        this.path = path;
        this.clusterBits = clusterBits;
    }

    void setL1(long offset, long bytes) {
        l1First = offset >>> clusterBits;
        l1End = bytes == 0 ? l1First : (offset + bytes - 1 >>> clusterBits) + 1;
    }

    void setRefcountTable(long offset, long bytes) {
        refcountTableFirst = offset >>> clusterBits;
        refcountTableEnd = (offset + bytes - 1 >>> clusterBits) + 1;
    }

    void addL2(long cluster) {
        tables.put(cluster, "L2 table");
    }

    void addRefcountBlock(long cluster) {
        tables.put(cluster, "refcount block");
    }

    /**
     * Records an existing table of the image, refusing one that lies on other metadata (two tables in one cluster
     * would be updated through two caches, each overwriting the other).
     */
    void claim(long cluster, String what) throws ImageFormatException {
        String other = metadataAt(cluster);
        if (other != null) {
            throw new ImageFormatException(path, String.format("%s at 0x%x lies on the %s in the same cluster (the"
                    + " image is corrupt; check it with qemu-img check)", what, cluster << clusterBits, other));
        }
        tables.put(cluster, what);
    }

    /** What metadata {@code cluster} holds, or {@code null} for none. */
    String metadataAt(long cluster) {
        if (cluster == 0) {
            return "header";
        }
        if (cluster >= l1First && cluster < l1End) {
            return "L1 table";
        }
        if (cluster >= refcountTableFirst && cluster < refcountTableEnd) {
            return "refcount table";
        }
        return tables.get(cluster);
    }

    boolean isMetadata(long cluster) {
        return metadataAt(cluster) != null;
    }

    /** Refuses a write of guest data (or of new metadata) to {@code [offset, offset + length)}. */
    void checkWrite(long offset, long length, String purpose) throws ImageFormatException {
        for (long c = offset >>> clusterBits; c <= (offset + length - 1) >>> clusterBits; c++) {
            String what = metadataAt(c);
            if (what != null) {
                throw new ImageFormatException(path, String.format("refusing to write %s at host offset 0x%x: it"
                        + " would overwrite the %s in cluster %d (the image is corrupt; check it with qemu-img"
                        + " check)", purpose, offset, what, c));
            }
        }
    }
}
