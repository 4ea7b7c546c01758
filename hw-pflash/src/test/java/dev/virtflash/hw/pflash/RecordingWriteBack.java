package dev.virtflash.hw.pflash;

import dev.virtflash.hw.block.WriteBack;
import dev.virtflash.memory.HostMemory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A write-back that records every call, optionally passing it on to a real one, or failing on demand. */
final class RecordingWriteBack implements WriteBack {

    /** One recorded write-back. */
    record Call(long offset, long length) {
        long end() {
            return offset + length;
        }
    }

    final List<Call> calls = new ArrayList<>();
    int flushes;
    boolean fail;
    private final WriteBack delegate;

    RecordingWriteBack() {
        this(null);
    }

    RecordingWriteBack(WriteBack delegate) {
        this.delegate = delegate;
    }

    @Override
    public void write(HostMemory memory, long offset, long length) throws IOException {
        calls.add(new Call(offset, length));
        if (fail) {
            throw new IOException("injected write failure");
        }
        if (delegate != null) {
            delegate.write(memory, offset, length);
        }
    }

    @Override
    public void flush() throws IOException {
        flushes++;
        if (delegate != null) {
            delegate.flush();
        }
    }
}
