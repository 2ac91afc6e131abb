package dev.onlinenow.internal.store;

import dev.onlinenow.store.LastSeen;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The in-process index on disk, so that a restart or redeploy forgets nobody: written when the
 * web app stops, read back (and deleted) when it starts.
 *
 * <p>Format, version {@value #VERSION} (big-endian, as {@link DataOutputStream} writes):
 * <pre>
 *   "ONLINE-NOW-INDEX" (16 bytes) | version int | saved-at long (epoch ms)
 *   record count long | record at long
 *   sections int, then per section: name (UTF) | entries int | per entry:
 *       id (UTF) | last seen long (epoch ms) | has location byte (0/1) [| location (UTF)]
 *   "END" (3 bytes) | CRC32 of everything before it, long
 * </pre>
 * Entries are written oldest first, so that reading puts each at the front of the recency order.
 * Written to a temporary file in the same directory, forced to disk and renamed over the old one,
 * so a crash mid-save leaves the previous file whole (or none). A file that is not there, is cut
 * short, fails its CRC, is not ours or has a newer version reads as {@link Problem}, never throws.
 */
public final class IndexFile {

    /** The file's name in its directory. */
    public static final String NAME = "online-now.index";
    static final int VERSION = 1;
    private static final byte[] MAGIC = "ONLINE-NOW-INDEX".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "END".getBytes(StandardCharsets.US_ASCII);
    /** The longest id or location written (modified UTF-8 of DataOutput allows 65535 bytes). */
    private static final int MAX_CHARS = 16_000;

    private IndexFile() {
    }

    /** What a file held: the record and, per section ({@code users}, {@code hidden}, ...), entries oldest first. */
    public record Contents(long savedAt, long recordCount, long recordAt, Map<String, List<LastSeen>> sections) {
    }

    /** Why a file could not be read (a WARN says it; the index starts empty). */
    public static final class Problem extends Exception {
        Problem(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Writes atomically: a temporary file, forced to disk, renamed over {@code file}.
     *
     * @param sections per name, entries NEWEST first (as {@code recent()} gives them)
     */
    public static void write(Path file, long savedAt, long recordCount, long recordAt,
                             Map<String, List<LastSeen>> sections) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, NAME + ".", ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                CRC32 crc = new CRC32();
                OutputStream raw = Channels.newOutputStream(ch);
                DataOutputStream out = new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(raw, 1 << 16), crc));
                out.write(MAGIC);
                out.writeInt(VERSION);
                out.writeLong(savedAt);
                out.writeLong(recordCount);
                out.writeLong(recordAt);
                out.writeInt(sections.size());
                for (Map.Entry<String, List<LastSeen>> section : new TreeMap<>(sections).entrySet()) {
                    out.writeUTF(section.getKey());
                    List<LastSeen> entries = section.getValue();
                    int n = 0;
                    for (LastSeen s : entries) {
                        if (s.id().length() <= MAX_CHARS) {
                            n++;
                        }
                    }
                    out.writeInt(n);
                    for (int i = entries.size() - 1; i >= 0; i--) { // oldest first
                        LastSeen s = entries.get(i);
                        if (s.id().length() > MAX_CHARS) {
                            continue;
                        }
                        out.writeUTF(s.id());
                        out.writeLong(s.epochMilli());
                        String location = s.location();
                        if (location == null || location.length() > MAX_CHARS) {
                            out.writeByte(0);
                        } else {
                            out.writeByte(1);
                            out.writeUTF(location);
                        }
                    }
                }
                out.write(END);
                out.flush();
                // the CRC of everything before it, not checked into itself
                DataOutputStream tail = new DataOutputStream(raw);
                tail.writeLong(crc.getValue());
                tail.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Deletes the temporary files a save killed midway left beside {@code file}; returns how many.
     * Never throws.
     */
    public static int deleteLeftovers(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        int n = 0;
        try (java.nio.file.DirectoryStream<Path> tmp = Files.newDirectoryStream(dir, NAME + ".*.tmp")) {
            for (Path p : tmp) {
                if (Files.deleteIfExists(p)) {
                    n++;
                }
            }
        } catch (IOException | RuntimeException e) {
            // nothing to clean, or not ours to clean: the next save writes its own
        }
        return n;
    }

    /**
     * Reads a file written by {@link #write}.
     *
     * @throws Problem when it is missing, cut short, damaged, not ours, or of a newer version
     */
    public static Contents read(Path file) throws Problem {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            CRC32 crc = new CRC32();
            DataInputStream in = new DataInputStream(new CheckedInputStream(raw, crc));
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new Problem("it is not an online-now index file", null);
            }
            int version = in.readInt();
            if (version > VERSION) {
                throw new Problem("it was written by a newer online-now (format " + version + ", this one reads "
                        + VERSION + ")", null);
            }
            if (version < 1) {
                throw new Problem("its format (" + version + ") is unknown", null);
            }
            long savedAt = in.readLong();
            long recordCount = in.readLong();
            long recordAt = in.readLong();
            int sectionCount = in.readInt();
            if (sectionCount < 0 || sectionCount > 64 || recordCount < 0) {
                throw new Problem("it is damaged", null);
            }
            Map<String, List<LastSeen>> sections = new TreeMap<>();
            for (int i = 0; i < sectionCount; i++) {
                String name = in.readUTF();
                int n = in.readInt();
                if (n < 0) {
                    throw new Problem("it is damaged", null);
                }
                List<LastSeen> entries = new ArrayList<>(Math.min(n, 1 << 16));
                for (int j = 0; j < n; j++) {
                    String id = in.readUTF();
                    long at = in.readLong();
                    byte has = in.readByte();
                    String location = has == 1 ? in.readUTF() : null;
                    if (has != 0 && has != 1) {
                        throw new Problem("it is damaged", null);
                    }
                    entries.add(new LastSeen(id, at, location));
                }
                sections.put(name, entries);
            }
            byte[] end = new byte[END.length];
            in.readFully(end);
            long expected = crc.getValue();
            long stored = new DataInputStream(raw).readLong();
            if (!java.util.Arrays.equals(end, END) || stored != expected) {
                throw new Problem("it is damaged (its checksum does not match)", null);
            }
            return new Contents(savedAt, recordCount, recordAt, sections);
        } catch (NoSuchFileException e) {
            throw new Problem("there is none (nothing was saved: a first start, or the last stop was not clean)", null);
        } catch (EOFException e) {
            throw new Problem("it is cut short", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new Problem("it could not be read (" + e + ")", e);
        }
    }
}
