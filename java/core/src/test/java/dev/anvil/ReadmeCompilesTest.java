package dev.anvil;

import static org.junit.jupiter.api.Assertions.*;

import java.io.StringWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java example compiles as written: a class with a main method, imports included. */
class ReadmeCompilesTest {
    @Test
    void readmeJavaExampleCompiles(@TempDir Path out) throws Exception {
        Path readme = Path.of("").toAbsolutePath().getParent().getParent().resolve("README.md");
        String text = Files.readString(readme);
        int start = text.indexOf("```java\n");
        assertTrue(start >= 0, "README.md has a java block");
        String source = text.substring(start + 8, text.indexOf("```", start + 8));
        assertTrue(source.contains("public class FashionMnistExample"), "the first java block is the example class");

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "the tests run on a JDK");
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///FashionMnistExample.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        StringWriter diagnostics = new StringWriter();
        boolean ok = javac.getTask(diagnostics, null, null,
                List.of("-classpath", System.getProperty("java.class.path"), "-d", out.toString(), "-proc:none"), null, List.of(file)).call();
        assertTrue(ok, "README.md's example does not compile:\n" + diagnostics);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass("FashionMnistExample").getMethod("main", String[].class);
            assertTrue(Modifier.isStatic(main.getModifiers()));
        }
    }
}
