package dev.virtflash.hw.block.qcow2;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Qcow2Checker} found, counted as {@code qemu-img check} counts it (the same fields as its
 * {@code --output=json}).
 *
 * @param file               the image checked
 * @param corruptions        errors: a refcount lower than the references, misaligned or out-of-file tables, wrong
 *                           {@code OFLAG_COPIED} flags, reserved bits set
 * @param leaks              clusters whose refcount is higher than their references (wasted space, no harm)
 * @param checkErrors        problems that kept the check from looking somewhere (e.g. an unreadable refcount block)
 * @param totalClusters      guest clusters of the virtual disk
 * @param allocatedClusters  guest clusters with a host cluster (data, compressed, preallocated zero)
 * @param fragmentedClusters allocated clusters not right after the previous one in the same L2 table
 * @param compressedClusters compressed guest clusters
 * @param imageEndOffset     the end of the last host cluster that is referenced or has a refcount
 * @param messages           one line per problem, worded as {@code qemu-img check} words it, in its order
 */
public record Qcow2CheckReport(Path file, long corruptions, long leaks, long checkErrors, long totalClusters,
        long allocatedClusters, long fragmentedClusters, long compressedClusters, long imageEndOffset,
        List<String> messages) {

    public Qcow2CheckReport {
        Objects.requireNonNull(file, "file");
        messages = List.copyOf(messages);
    }

    /** No corruptions, no leaks, no check errors. */
    public boolean clean() {
        return corruptions == 0 && leaks == 0 && checkErrors == 0;
    }

    /**
     * What {@code qemu-img check} prints on standard output after the problem lines (which it prints on standard
     * error, as {@link #messages}): the verdict, the allocation line and the image end offset, each line ending in a
     * newline.
     */
    public String summary() {
        StringBuilder text = new StringBuilder();
        if (clean()) {
            text.append("No errors were found on the image.\n");
        } else {
            if (corruptions != 0) {
                text.append('\n').append(corruptions).append(" errors were found on the image.\n")
                        .append("Data may be corrupted, or further writes to the image may corrupt it.\n");
            }
            if (leaks != 0) {
                text.append('\n').append(leaks).append(" leaked clusters were found on the image.\n")
                        .append("This means waste of disk space, but no harm to data.\n");
            }
            if (checkErrors != 0) {
                text.append('\n').append(checkErrors).append(" internal errors have occurred during the check.\n");
            }
        }
        if (totalClusters != 0 && allocatedClusters != 0) {
            text.append(allocatedClusters).append('/').append(totalClusters).append(" = ")
                    .append(percent(allocatedClusters * 100.0 / totalClusters)).append("% allocated, ")
                    .append(percent(fragmentedClusters * 100.0 / allocatedClusters)).append("% fragmented, ")
                    .append(percent(compressedClusters * 100.0 / allocatedClusters)).append("% compressed clusters\n");
        }
        if (imageEndOffset != 0) {
            text.append("Image end offset: ").append(imageEndOffset).append('\n');
        }
        return text.toString();
    }

    /** C's {@code %0.2f}: the exact binary value rounded half to even, as glibc rounds it. */
    private static String percent(double value) {
        return new BigDecimal(value).setScale(2, RoundingMode.HALF_EVEN).toPlainString();
    }

    /**
     * The exit status {@code qemu-img check} would give: 0 clean, 1 the check could not look everywhere, 2 corruptions,
     * 3 only leaks.
     */
    public int exitStatus() {
        if (checkErrors != 0) {
            return 1;
        }
        if (corruptions != 0) {
            return 2;
        }
        return leaks != 0 ? 3 : 0;
    }
}
