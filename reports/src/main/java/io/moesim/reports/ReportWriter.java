package io.moesim.reports;

import de.rototor.pdfbox.graphics2d.PdfBoxGraphics2D;
import de.rototor.pdfbox.graphics2d.PdfBoxGraphics2DFontTextDrawerDefaultFonts;
import io.moesim.models.InputException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import io.moesim.models.io.OutputFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSString;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.graphics.form.PDFormXObject;

/**
 * Writes a {@link Report}: {@code report.pdf} with every page drawn as vector graphics and real text
 * (PdfBoxGraphics2D, fonts mapped to the PDF standard fonts), and one PNG per chart at 150 dpi of an
 * A4-landscape page (1754 x 1240 pixels). The folder is written whole through {@link OutputFiles}.
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

    /**
     * Writes the formats asked for as the folder {@code dir}, whole: the files are built in a temporary
     * sibling folder that then replaces {@code dir} ({@link OutputFiles#writeFolder}), so a reader never
     * sees pages of two reports side by side, and a report killed half-way leaves the old one. An existing
     * {@code dir} may hold only a report's files ({@code *.png}, {@code report.pdf}). Returns the files
     * written, as paths under {@code dir}.
     */
    public static List<Path> write(Report report, Path dir, Set<Format> formats) {
        List<String> names = new ArrayList<>();
        if (formats.contains(Format.PNG)) {
            for (Page.Chart chart : report.charts()) {
                names.add(chart.name() + ".png");
            }
        }
        if (formats.contains(Format.PDF)) {
            names.add(PDF_NAME);
        }
        OutputFiles.writeFolder(dir, ReportWriter::isReportFile, folder -> {
            if (formats.contains(Format.PNG)) {
                for (Page.Chart chart : report.charts()) {
                    Files.write(folder.resolve(chart.name() + ".png"), png(chart));
                }
            }
            if (formats.contains(Format.PDF)) {
                try (OutputStream out = Files.newOutputStream(folder.resolve(PDF_NAME))) {
                    pdf(report, out);
                }
            }
        });
        return names.stream().map(dir::resolve).toList();
    }

    /** Checks before any work that {@link #write} could replace {@code dir} (see {@link OutputFiles#checkFolder}). */
    public static void checkFolder(Path dir) {
        OutputFiles.checkFolder(dir, ReportWriter::isReportFile);
    }

    /** Whether {@code name} is a file a report folder holds. */
    static boolean isReportFile(String name) {
        return name.equals(PDF_NAME) || name.endsWith(".png");
    }

    /** Writes every page of {@code report} into one PDF file ({@code -}: standard output). */
    public static void writePdf(Report report, Path file) {
        OutputFiles.write(file, out -> pdf(report, out));
    }

    /**
     * Every page of {@code report} as one PDF. The same report gives the same bytes: the document's
     * {@code /ID} (which PDFBox would draw from the clock) is derived from the report's content, and no
     * creation or modification date is written.
     */
    static void pdf(Report report, OutputStream out) throws IOException {
        try (PDDocument document = new PDDocument();
             PdfBoxGraphics2DFontTextDrawerDefaultFonts fonts = new PdfBoxGraphics2DFontTextDrawerDefaultFonts()) {
            PDDocumentInformation info = document.getDocumentInformation();
            info.setTitle(report.title());
            info.setCreator("moesim");
            info.setCreationDate(null);
            info.setModificationDate(null);
            MessageDigest digest = sha256();
            digest.update(report.title().getBytes(StandardCharsets.UTF_8));
            for (Page page : report.pages()) {
                PDPage pdfPage = new PDPage(new PDRectangle(PAGE_WIDTH, PAGE_HEIGHT));
                document.addPage(pdfPage);
                PdfBoxGraphics2D g = new PdfBoxGraphics2D(document, PAGE_WIDTH, PAGE_HEIGHT);
                g.setFontTextDrawer(fonts);
                page.draw(g, PAGE_WIDTH, PAGE_HEIGHT);
                g.dispose();
                PDFormXObject form = g.getXFormObject();
                try (java.io.InputStream content = form.getContentStream().createInputStream()) {
                    digest.update(content.readAllBytes());
                }
                try (PDPageContentStream content = new PDPageContentStream(document, pdfPage)) {
                    content.drawForm(form);
                }
            }
            byte[] id = java.util.Arrays.copyOf(digest.digest(), 16);
            COSArray ids = new COSArray();
            ids.add(new COSString(id));
            ids.add(new COSString(id));
            document.getDocument().getTrailer().setItem(COSName.ID, ids);
            document.save(out);
        }
    }

    /** Draws one page into a PNG file at {@link #PNG_DPI} ({@code -}: standard output). */
    public static void writePng(Page page, Path file) {
        byte[] bytes = png(page);
        OutputFiles.writeBytes(file, bytes);
    }

    /** One page as PNG bytes at {@link #PNG_DPI}. */
    static byte[] png(Page page) {
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
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 18);
        try {
            if (!ImageIO.write(image, "png", bytes)) {
                throw new IllegalStateException("no PNG writer in this JVM");
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
