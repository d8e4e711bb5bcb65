package dev.anvil.report;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.anvil.train.EpochResult;
import dev.anvil.train.Evaluation;
import dev.anvil.train.StepProgress;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training report drawn by a real browser: headless Chromium takes a screenshot of the page
 * and the plots' lines must be in it. Skipped, saying so, where no Chromium is installed (the
 * system property {@code anvil.browser} may name one).
 */
class ReportRendersTest {
    /** The plots' line colour, #1f77b4. */
    private static final int R = 0x1f, G = 0x77, B = 0xb4;

    @TempDir
    Path dir;

    private static Path browser() {
        String named = System.getProperty("anvil.browser", "");
        if (!named.isEmpty()) return Path.of(named);
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser", "google-chrome", "chrome")) {
                Path p = Path.of(d, name);
                if (Files.isExecutable(p)) return p;
            }
        }
        return null;
    }

    /** Pixels of the plots' colour in a screenshot of {@code page}. */
    private int plotPixels(Path browser, Path page, String name) throws Exception {
        Path png = dir.resolve(name + ".png");
        Process p = new ProcessBuilder(browser.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--window-size=1400,1600", "--screenshot=" + png, page.toUri().toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the browser did not finish");
        assertTrue(Files.isRegularFile(png), "no screenshot: " + Files.readString(dir.resolve(name + ".log")));
        BufferedImage img = ImageIO.read(png.toFile());
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int c = img.getRGB(x, y);
                if (Math.abs((c >> 16 & 0xff) - R) < 40 && Math.abs((c >> 8 & 0xff) - G) < 40 && Math.abs((c & 0xff) - B) < 40) n++;
            }
        }
        return n;
    }

    @Test
    void chromiumDrawsThePlots() throws Exception {
        Path browser = browser();
        assumeTrue(browser != null, "no Chromium found (set -Danvil.browser=PATH): the report was not rendered in a browser");
        TrainingReport report = new TrainingReport("rendered", () -> 0.1);
        for (int e = 1; e <= 4; e++) {
            for (int s = 1; s <= 50; s++) report.onStep(new StepProgress(e, 4, s, 50, (float) (2.0 / (e + s * 0.02)), 1, 900 + s, 0));
            report.onEpochEnd(new EpochResult(e, 1.0 / e, 0.5 + 0.1 * e, 1000 + 10 * e, 2, new Evaluation(0.6 + 0.05 * e, 1.2 / e, 100, 0.1)));
        }
        Path page = report.write(dir.resolve("report"));
        int drawn = plotPixels(browser, page, "report");

        // The same page without its lines: nothing of their colour is left.
        Path bare = dir.resolve("bare.html");
        Files.writeString(bare, Files.readString(page).replaceAll("<polyline[^>]*/>", "").replaceAll("<circle[^>]*/>", ""));
        int without = plotPixels(browser, bare, "bare");
        org.slf4j.LoggerFactory.getLogger(ReportRendersTest.class).info("{} drew {} pixels of the plots' colour ({} without the lines)",
                browser, drawn, without);
        assertEquals(0, without, "only the lines have the plots' colour");
        assertTrue(drawn > 2000, "the browser drew the lines of the plots: " + drawn + " pixels of their colour");
    }
}
