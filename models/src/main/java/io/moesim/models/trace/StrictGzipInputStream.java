package io.moesim.models.trace;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * Decompresses a gzip file (RFC 1952) and refuses what {@link java.util.zip.GZIPInputStream} lets
 * through: bytes after the last member that are not another gzip member are an error, not silently
 * dropped. Every member's CRC-32 and length are checked. Error messages are for the user: they say
 * what is wrong with the file, never which Java class noticed.
 */
final class StrictGzipInputStream extends InputStream {

    private static final int FTEXT_MASK = 0xe0; // reserved flag bits must be zero
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final PushbackInputStream in;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] buffer = new byte[1 << 16];
    private int bufferFill;
    private boolean inMember;
    private boolean ended;
    private int members;
    private long memberBytes;

    StrictGzipInputStream(InputStream raw) {
        this.in = new PushbackInputStream(raw, 1 << 16);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (ended) {
                return -1;
            }
            if (!inMember && !startMember()) {
                ended = true;
                return -1;
            }
            int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (DataFormatException e) {
                throw new ZipException("corrupt compressed data in gzip member " + (members) + " (not a valid"
                        + " deflate stream)");
            }
            if (n > 0) {
                crc.update(b, off, n);
                memberBytes += n;
                return n;
            }
            if (inflater.finished()) {
                endMember();
            } else if (inflater.needsDictionary()) {
                throw new ZipException("corrupt compressed data (a preset dictionary is not allowed in gzip)");
            } else if (inflater.needsInput()) {
                bufferFill = in.read(buffer);
                if (bufferFill < 0) {
                    throw new EOFException("the compressed data ends early (truncated gzip file)");
                }
                inflater.setInput(buffer, 0, bufferFill);
            }
        }
    }

    /** Reads the next member's header; false at a clean end of the file after at least one member. */
    private boolean startMember() throws IOException {
        int id1 = in.read();
        if (id1 < 0) {
            if (members == 0) {
                throw new EOFException("empty gzip file");
            }
            return false;
        }
        int id2 = in.read();
        if (id1 != 0x1f || id2 != 0x8b) {
            throw new ZipException(members == 0 ? "not a gzip file"
                    : "unexpected data after the end of the compressed stream");
        }
        int method = readByte();
        if (method != 8) {
            throw new ZipException("unsupported gzip compression method " + method);
        }
        int flags = readByte();
        if ((flags & FTEXT_MASK) != 0) {
            throw new ZipException("corrupt gzip header (reserved flags set)");
        }
        skip(6); // mtime, extra flags, OS
        if ((flags & FEXTRA) != 0) {
            int length = readByte() | readByte() << 8;
            skip(length);
        }
        if ((flags & FNAME) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FCOMMENT) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FHCRC) != 0) {
            skip(2);
        }
        inflater.reset();
        crc.reset();
        memberBytes = 0;
        inMember = true;
        members++;
        return true;
    }

    private void endMember() throws IOException {
        int remaining = inflater.getRemaining();
        if (remaining > 0) {
            in.unread(buffer, bufferFill - remaining, remaining);
        }
        long storedCrc = readInt();
        long storedSize = readInt();
        if (storedCrc != crc.getValue()) {
            throw new ZipException("gzip checksum mismatch (corrupt file)");
        }
        if (storedSize != (memberBytes & 0xffffffffL)) {
            throw new ZipException("gzip length mismatch (corrupt file)");
        }
        inMember = false;
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the gzip header ends early (truncated gzip file)");
        }
        return b;
    }

    private long readInt() throws IOException {
        long value = 0;
        for (int i = 0; i < 4; i++) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the gzip trailer is missing (truncated gzip file)");
            }
            value |= (long) b << (8 * i);
        }
        return value;
    }

    private void skip(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            readByte();
        }
    }

    private void skipZeroTerminated() throws IOException {
        while (readByte() != 0) {
            // skip the name or comment
        }
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }
}
