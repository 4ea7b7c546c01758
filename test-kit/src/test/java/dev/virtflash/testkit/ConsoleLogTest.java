package dev.virtflash.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleLogTest {

    private static void print(ConsoleLog log, String s) {
        for (byte b : s.getBytes(StandardCharsets.ISO_8859_1)) {
            log.put(b & 0xFF);
        }
    }

    @Test
    void consumeFindsSuccessivePromptsAndReturnsTheTextBetween() {
        ConsoleLog log = new ConsoleLog();
        print(log, "boot\n=> ");
        assertEquals("boot\n=> ", log.consume("=> "));
        assertNull(log.consume("=> "), "the first prompt is consumed");
        print(log, "flinfo\nBank # 1\n=> ");
        assertEquals("flinfo\nBank # 1\n=> ", log.consume("=> "));
        assertTrue(log.contains("boot"), "contains looks at everything kept");
    }

    @Test
    void aMatchSplitAcrossWritesIsFound() {
        ConsoleLog log = new ConsoleLog();
        print(log, "Hit any ");
        assertNull(log.consume("Hit any key"));
        print(log, "key to stop");
        assertEquals("Hit any key", log.consume("Hit any key"));
        assertEquals(" to stop", log.drain());
    }

    @Test
    void aFloodKeepsOnlyTheCapacityAndCountsTheRest() {
        ConsoleLog log = new ConsoleLog(64, null);
        for (int i = 0; i < 1000; i++) {
            print(log, "line " + i + "\n");
        }
        long written = log.written();
        assertTrue(written > 64);
        assertEquals(64, log.text().length());
        assertEquals(written - 64, log.dropped());
        assertTrue(log.text().endsWith("line 999\n"), log.text());
        assertEquals("line 999\n", log.tail(9));
        assertFalse(log.contains("line 0\n"), "the oldest lines are gone");
        assertTrue(log.consume("line 999").endsWith("line 998\nline 999"), "a search starts at the oldest kept byte");
    }

    @Test
    void aTextAwaitedBeforeAFloodPushesItOutIsStillFound() {
        ConsoleLog log = new ConsoleLog(16, null);
        print(log, "boot: Hit any ");
        assertNull(log.consume("Hit any key"), "not there yet: watched from now on");
        print(log, "key to stop autoboot, and then a great deal more text");
        assertEquals("Hit any key", log.consume("Hit any key"), "only the text itself is left to return");
        assertNull(log.consume("Hit any key"), "consumed once");
        print(log, "..=> ");
        assertEquals("l more text..=> ", log.consume("=> "), "from the oldest byte kept");
        assertNull(log.consume("abcabd"));
        print(log, "abcab");
        print(log, "cabd and more text pushing it out");
        assertEquals("abcabd", log.consume("abcabd"), "KMP: the partial match restarts correctly");
        print(log, "xyz");
        log.drain();
        assertNull(log.consume("q"));
        print(log, "q");
        log.drain(); // moves the mark past the watched hit: it counts as consumed
        assertNull(log.consume("q"));
    }

    @Test
    void bytesAreOneCharEachAndEchoed() {
        ByteArrayOutputStream echo = new ByteArrayOutputStream();
        ConsoleLog log = new ConsoleLog(16, echo);
        log.put(0xFF);
        log.put('\n');
        assertEquals("\u00ff\n", log.text());
        assertEquals(2, echo.size());
        assertEquals("\\xff\n", TestMachine.printable("\u00ff\r\n"));
    }

    @Test
    void textWrittenOnAnotherThreadIsFoundOnceWhileTheLogWrapsAround() throws Exception {
        ConsoleLog log = new ConsoleLog(64, null);
        Thread cpu = new Thread(() -> {
            for (int i = 0; i < 2000; i++) {
                print(log, "line " + i + "\n");
            }
            print(log, "Hit any key to stop autoboot: 2");
        });
        cpu.start();
        int found = 0;
        while (cpu.isAlive()) {
            found += log.consume("Hit any key") != null ? 1 : 0;
        }
        cpu.join();
        found += log.consume("Hit any key") != null ? 1 : 0;
        assertEquals(1, found, "found once, by a look during or after the writes");
        assertNull(log.consume("Hit any key"));
        long expected = 31;
        for (int i = 0; i < 2000; i++) {
            expected += ("line " + i + "\n").length();
        }
        assertEquals(expected, log.written(), "every byte counted, kept or not");
    }

    @Test
    void aBufferedEchoGetsWholeLinesAndTheLastPartOnFlush() {
        List<String> writes = new ArrayList<>();
        OutputStream descriptor = new OutputStream() {
            @Override
            public void write(int b) {
                writes.add(String.valueOf((char) b));
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes.add(new String(b, off, len, StandardCharsets.ISO_8859_1));
            }
        };
        ConsoleLog log = new ConsoleLog(4, new BufferedOutputStream(descriptor, 4096));
        print(log, "done 0\ndone 1\ndone");
        assertEquals(List.of("done 0\n", "done 1\n"), writes, "one write per line, at its end");
        log.flushEcho();
        assertEquals(List.of("done 0\n", "done 1\n", "done"), writes);
        log.flushEcho();
        assertEquals(3, writes.size(), "nothing left to pass on");
    }

    @Test
    void aFailingEchoIsDroppedAndTheLogGoesOn() {
        int[] calls = {0};
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                calls[0]++;
                throw new IOException("Broken pipe");
            }
        };
        ConsoleLog log = new ConsoleLog(16, broken);
        print(log, "ab\ncd");
        log.flushEcho();
        assertEquals(1, calls[0], "the echo is not tried again after it failed");
        assertEquals("ab\ncd", log.text());
    }
}
