package io.moesim.reports;

import de.rototor.pdfbox.graphics2d.PdfBoxGraphics2D;
import de.rototor.pdfbox.graphics2d.PdfBoxGraphics2DFontTextDrawerDefaultFonts;
import io.moesim.models.InputException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.graphics.form.PDFormXObject;

/**
 * Writes a {@link Report}: {@code report.pdf} with every page drawn as vector graphics and real text
 * (PdfBoxGraphics2D, fonts mapped to the PDF standard fonts), and one PNG per chart at 150 dpi of an
 * A4-landscape page (1754 x 1240 pixels). Every file goes through a temporary file and a rename.
 */
public final class ReportWriter {

    /** Output formats. */
    public enum Format {
        PDF, PNG;

        /** Parses {@code pdf,png}. */
        public static Set<Format> parse(String list) {
            Set<Format> formats = java.util.EnumSet.noneOf(Format.class);
            for (String item : list.split(",")) {
                switch (item.strip().toLowerCase(java.util.Locale.ROOT)) {
                    case "pdf" -> formats.add(PDF);
                    case "png" -> formats.add(PNG);
                    default -> throw new InputException("--format " + list + ": unknown format '" + item.strip()
                            + "' (known: pdf, png)");
                }
            }
            return formats;
        }
    }

    /** Page width and height in points: A4 landscape. */
    public static final float PAGE_WIDTH = PDRectangle.A4.getHeight();
    public static final float PAGE_HEIGHT = PDRectangle.A4.getWidth();
    /** PNG resolution. */
    public static final int PNG_DPI = 150;
    public static final String PDF_NAME = "report.pdf";

    /**
     * PDFBox logs a warning each time it substitutes an installed font for a standard font's metrics;
     * the PDF still names the standard font, so the warning is noise on the command line.
     */
    private static final java.util.logging.Logger PDFBOX_LOG = java.util.logging.Logger.getLogger("org.apache.pdfbox");

    static {
        PDFBOX_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    private ReportWriter() {
    }

    /** Writes the formats asked for into {@code dir}; returns the files written. */
    public static List<Path> write(Report report, Path dir, Set<Format> formats) {
        List<Path> written = new ArrayList<>();
        if (formats.contains(Format.PNG)) {
            for (Page.Chart chart : report.charts()) {
                Path file = dir.resolve(chart.name() + ".png");
                writePng(chart, file);
                written.add(file);
            }
        }
        if (formats.contains(Format.PDF)) {
            Path file = dir.resolve(PDF_NAME);
            writePdf(report, file);
            written.add(file);
        }
        return written;
    }

    /** Writes every page of {@code report} into one PDF. */
    public static void writePdf(Report report, Path file) {
        atomically(file, temp -> {
            try (PDDocument document = new PDDocument();
                 PdfBoxGraphics2DFontTextDrawerDefaultFonts fonts = new PdfBoxGraphics2DFontTextDrawerDefaultFonts()) {
                document.getDocumentInformation().setTitle(report.title());
                document.getDocumentInformation().setCreator("moesim");
                for (Page page : report.pages()) {
                    PDPage pdfPage = new PDPage(new PDRectangle(PAGE_WIDTH, PAGE_HEIGHT));
                    document.addPage(pdfPage);
                    PdfBoxGraphics2D g = new PdfBoxGraphics2D(document, PAGE_WIDTH, PAGE_HEIGHT);
                    g.setFontTextDrawer(fonts);
                    page.draw(g, PAGE_WIDTH, PAGE_HEIGHT);
                    g.dispose();
                    PDFormXObject form = g.getXFormObject();
                    try (PDPageContentStream content = new PDPageContentStream(document, pdfPage)) {
                        content.drawForm(form);
                    }
                }
                document.save(temp.toFile());
            }
        });
    }

    /** Draws one page into a PNG at {@link #PNG_DPI}. */
    public static void writePng(Page page, Path file) {
        double scale = PNG_DPI / 72.0;
        int width = (int) Math.round(PAGE_WIDTH * scale);
        int height = (int) Math.round(PAGE_HEIGHT * scale);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.scale(scale, scale);
            page.draw(g, PAGE_WIDTH, PAGE_HEIGHT);
        } finally {
            g.dispose();
        }
        atomically(file, temp -> {
            if (!ImageIO.write(image, "png", temp.toFile())) {
                throw new IOException("no PNG writer");
            }
        });
    }

    private interface Writer {
        void write(Path temp) throws IOException;
    }

    private static void atomically(Path file, Writer writer) {
        Path absolute = file.toAbsolutePath();
        try {
            Files.createDirectories(absolute.getParent());
            Path temp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp");
            try {
                writer.write(temp);
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new InputException(file + ": cannot write: " + e.getMessage());
        }
    }
}
