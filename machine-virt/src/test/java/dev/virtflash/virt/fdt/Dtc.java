package dev.virtflash.virt.fdt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Test helper: runs {@code dtc -I dtb -O dts} and reads its output into a map of node path to properties. */
public final class Dtc {

    /** dtc's output and its diagnostics. */
    public record Result(String dts, String warnings) {
    }

    private Dtc() {
    }

    public static Result decompile(Path dtb) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dtb.getParent(), "dtc", ".dts");
        Path err = Files.createTempFile(dtb.getParent(), "dtc", ".err");
        Process p = new ProcessBuilder("dtc", "-I", "dtb", "-O", "dts", "-o", out.toString(), dtb.toString())
                .redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("dtc did not finish");
        }
        String warnings = Files.readString(err, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("dtc failed with " + p.exitValue() + ": " + warnings);
        }
        return new Result(Files.readString(out, StandardCharsets.UTF_8), warnings);
    }

    /**
     * Node path to (property name to value text as dtc prints it, {@code ""} for an empty property). Relies on
     * dtc's layout: one property per line, {@code name {} opening and {@code };} closing a node.
     */
    public static Map<String, Map<String, String>> nodes(String dts) {
        Map<String, Map<String, String>> nodes = new LinkedHashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        for (String raw : dts.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("/dts-v1/") || line.startsWith("/memreserve/")) {
                continue;
            }
            if (line.endsWith("{")) {
                String name = line.substring(0, line.length() - 1).strip();
                String path;
                if (name.equals("/")) {
                    path = "/";
                } else {
                    String parent = stack.peek();
                    path = (parent.equals("/") ? "" : parent) + "/" + name;
                }
                stack.push(path);
                nodes.put(path, new LinkedHashMap<>());
            } else if (line.equals("};")) {
                stack.pop();
            } else if (line.endsWith(";")) {
                String body = line.substring(0, line.length() - 1);
                int eq = body.indexOf(" = ");
                String name = eq < 0 ? body : body.substring(0, eq);
                String value = eq < 0 ? "" : body.substring(eq + 3);
                nodes.get(stack.peek()).put(name, value);
            } else {
                throw new IllegalArgumentException("unexpected dtc line: " + raw);
            }
        }
        return nodes;
    }
}
