package dev.virtflash.guesttests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 7, acceptance 3: the README's example test is {@link ReadmeExampleTest}, verbatim (the file without its
 * {@code package} line), so the example users copy is one the suite runs; and it stays under 20 lines.
 */
class ReadmeExampleInReadmeTest {

    /** Surefire runs in the module's folder; the README is the repository's. */
    static final Path README = Path.of("..", "README.md");
    static final Path EXAMPLE = Path.of("src", "test", "java", "dev", "virtflash", "guesttests",
            "ReadmeExampleTest.java");
    private static final Pattern JAVA_BLOCK = Pattern.compile("(?ms)^```java\\n(.*?)^```$");

    /** The example as the README shows it: the source file without its package line and the blank line after it. */
    static String exampleCode(String source) {
        String s = source.replace("\r\n", "\n");
        return s.replaceFirst("\\Apackage [\\w.]+;\\n\\n", "").stripTrailing();
    }

    /** The contents of every {@code ```java} block of a Markdown text. */
    static List<String> javaBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(markdown.replace("\r\n", "\n"));
        while (m.find()) {
            blocks.add(m.group(1).stripTrailing());
        }
        return blocks;
    }

    @Test
    void theReadmeShowsTheExampleTestVerbatim() throws IOException {
        String example = exampleCode(Files.readString(EXAMPLE));
        List<String> blocks = javaBlocks(Files.readString(README));
        assertTrue(blocks.contains(example), () -> README.toAbsolutePath().normalize() + " has no ```java block equal "
                + "to " + EXAMPLE + " without its package line; paste this block:\n```java\n" + example + "\n```");
    }

    @Test
    void theExampleTestClassIsUnderTwentyLines() throws IOException {
        String example = exampleCode(Files.readString(EXAMPLE));
        String testClass = example.substring(example.indexOf("@ExtendWith"));
        long lines = testClass.lines().count();
        assertTrue(lines < 20, "the example test class has " + lines + " lines");
    }

    @Test
    void blocksAreFoundAndComparedExactly() {
        String md = "text\n```java\nclass A {\n}\n```\nmore\n```java\nclass B {}\n```\n```sh\nls\n```\n";
        assertEquals(List.of("class A {\n}", "class B {}"), javaBlocks(md));
        assertEquals("import x;\n\nclass C {}", exampleCode("package a.b;\n\nimport x;\n\nclass C {}\n"));
    }
}
