package dev.anvil.vision;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ImageFolder.fromList: images listed in a CSV or TSV file. */
class ImageListTest {
    @TempDir
    Path dir;

    @Test
    void csvWithHeaderRelativeAndQuotedPaths() throws Exception {
        TestImages.grey(dir.resolve("img/a.png"), 4, 4, 10, "png");
        TestImages.grey(dir.resolve("img/b, c.png"), 4, 4, 20, "png");
        TestImages.grey(dir.resolve("img/d.png"), 4, 4, 30, "png");
        Files.writeString(dir.resolve("list.csv"), "path,label\nimg/a.png,zebra\n\"img/b, c.png\",ant\n" + dir.resolve("img/d.png") + ",zebra\n");
        ImageFolder ds = ImageFolder.fromList(dir.resolve("list.csv")).channels(1).build();
        assertEquals(List.of("ant", "zebra"), ds.classes());
        assertEquals(3, ds.size());
        assertArrayEquals(new int[] {1, 0, 1}, new int[] {ds.label(0), ds.label(1), ds.label(2)});
        assertEquals(20 / 255f, ds.image(1).get(0, 0, 0), "the quoted path with a comma");
    }

    @Test
    void tsvWithNumericLabels() throws Exception {
        TestImages.grey(dir.resolve("a.png"), 4, 4, 0, "png");
        TestImages.grey(dir.resolve("b.png"), 4, 4, 0, "png");
        Files.writeString(dir.resolve("list.tsv"), "a.png\t2\nb.png\t0\n");
        IOException gap = assertThrows(IOException.class, () -> ImageFolder.fromList(dir.resolve("list.tsv")).build());
        assertTrue(gap.getMessage().contains("label 1 has no images (labels run from 0 to 2)"), gap.getMessage());
        TestImages.grey(dir.resolve("c.png"), 4, 4, 0, "png");
        Files.writeString(dir.resolve("list.tsv"), "a.png\t2\nb.png\t0\nc.png\t1\n");
        ImageFolder ds = ImageFolder.fromList(dir.resolve("list.tsv")).header(false).build();
        assertEquals(List.of("0", "1", "2"), ds.classes());
        assertArrayEquals(new int[] {2, 0, 1}, new int[] {ds.label(0), ds.label(1), ds.label(2)});
    }

    @Test
    void badListsNameTheLine() throws Exception {
        TestImages.grey(dir.resolve("a.png"), 4, 4, 0, "png");
        Path list = dir.resolve("l.csv");
        Files.writeString(list, "a.png,cat\nmissing.png,dog\n");
        IOException missing = assertThrows(IOException.class, () -> ImageFolder.fromList(list).build());
        assertTrue(missing.getMessage().contains("line 2: no such image file"), missing.getMessage());
        Files.writeString(list, "a.png,cat\na.png\n");
        IOException fields = assertThrows(IOException.class, () -> ImageFolder.fromList(list).build());
        assertTrue(fields.getMessage().contains("line 2: expected two fields"), fields.getMessage());
        Files.writeString(list, "path,label\n");
        assertTrue(assertThrows(IOException.class, () -> ImageFolder.fromList(list).build()).getMessage().contains("lists no images"));
        assertThrows(IOException.class, () -> ImageFolder.fromList(dir.resolve("none.csv")).build());
        assertThrows(IllegalStateException.class, () -> ImageFolder.builder(dir).header(true));
    }

    @Test
    void fieldsSplitOutsideQuotes() {
        assertArrayEquals(new String[] {"a,b", "say \"hi\"", ""}, ImageFolder.Builder.fields("\"a,b\", \"say \"\"hi\"\"\",", ','));
    }
}
