package dev.ember.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RunPlot}: the PNG decodes at the asked size with something drawn, the CSV holds every point. */
class RunPlotTest {

    static RunPlot sample() {
        RunPlot plot = new RunPlot("a run", "epoch").xRange(0, 3);
        plot.panel("train loss").panel("test accuracy").panel("images/s");
        for (int i = 1; i <= 15; i++) {
            double x = i / 5.0;
            plot.add("train loss", "train", x, 2.3 * Math.exp(-x) + 0.2);
            plot.add("train loss", "val, with, commas", x, 2.4 * Math.exp(-x) + 0.25);
            plot.add("images/s", "training", x, 5000 + 300 * Math.sin(i));
        }
        plot.add("images/s", "training", 3.2, Double.NaN); // kept in the CSV, skipped in the picture
        for (int e = 1; e <= 3; e++) {
            plot.add("test accuracy", "test", e, 0.85 + 0.01 * e);
        }
        return plot;
    }

    @Test
    void thePngDecodesAtTheAskedSizeAndTheCsvHasEveryPoint(@TempDir Path dir) throws IOException {
        RunPlot plot = sample();
        Path png = dir.resolve("run.png");
        Path csv = dir.resolve("run.csv");
        TrainLeNet.writePlot(plot, png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(1000, image.getWidth());
        assertEquals(900, image.getHeight());
        // drawn: the series' first color (0x1f77b4) appears, and most of the picture is white background
        long blue = 0;
        long white = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                blue += rgb == 0x1f77b4 ? 1 : 0;
                white += rgb == 0xffffff ? 1 : 0;
            }
        }
        assertTrue(blue > 500, "series pixels: " + blue);
        assertTrue(white > image.getWidth() * image.getHeight() / 2, "background pixels: " + white);

        List<String> lines = Files.readAllLines(csv);
        assertEquals("panel,series,epoch,y", lines.get(0));
        assertEquals(1 + 15 * 3 + 1 + 3, lines.size());
        assertEquals("train loss,train,0.2," + (2.3 * Math.exp(-0.2) + 0.2), lines.get(1));
        assertTrue(lines.contains("train loss,\"val, with, commas\",1," + (2.4 * Math.exp(-1.0) + 0.25)), lines.toString());
        assertTrue(lines.contains("images/s,training,3.2,NaN"), lines.toString());
        assertTrue(lines.contains("test accuracy,test,2," + (0.85 + 0.01 * 2)), lines.toString());
    }

    @Test
    void ticksAreRoundNumbersCoveringTheRange() {
        assertArrayEquals(new double[] {0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2}, RunPlot.ticks(0.05, 1.16, 6), 1e-12);
        assertArrayEquals(new double[] {2000, 4000, 6000, 8000}, RunPlot.ticks(2500, 7800, 4), 1e-9);
        double[] t = RunPlot.ticks(0.8546, 0.8742, 5);
        assertTrue(t[0] <= 0.8546 && t[t.length - 1] >= 0.8742);
    }

    @Test
    void anEmptyPlotAndAnEmptyPanelStillDraw() {
        BufferedImage empty = new RunPlot("nothing yet", "epoch").render(400, 300);
        assertEquals(400, empty.getWidth());
        RunPlot onePanelEmpty = new RunPlot("t", "step").panel("loss").panel("accuracy");
        onePanelEmpty.add("loss", "train", 1, 1);
        assertNotEquals(null, onePanelEmpty.render(600, 500));
        assertThrows(IllegalArgumentException.class, () -> sample().render(200, 200));
    }
}
