package dev.anvil.io;

import dev.anvil.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What Anvil's file formats (checkpoints, safetensors, model files) share: a tensor's data as
 * little-endian bytes and back, and writing a file beside its target that is then moved over it,
 * so that a failed save leaves the previous file intact.
 */
public final class TensorIo {
    private TensorIo() {}

    /** A copy of the tensor's data in little-endian byte order (through the host for a GPU tensor). */
    public static ByteBuffer littleEndianBytes(Tensor t) {
        Objects.requireNonNull(t, "tensor");
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(t.numel() * t.dtype().bytes())).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case FLOAT32 -> out.asFloatBuffer().put(t.toFloatArray());
            case INT32 -> out.asIntBuffer().put(t.toIntArray());
            case INT64 -> out.asLongBuffer().put(t.toLongArray());
        }
        return out;
    }

    /**
     * Copies {@code numel * dtype.bytes()} little-endian bytes from the position of {@code src}
     * into {@code t}, of whatever type {@code t} has.
     *
     * @throws IllegalArgumentException if {@code src} holds fewer bytes than {@code t} needs
     */
    public static void copyInto(Tensor t, ByteBuffer src) {
        Objects.requireNonNull(t, "tensor");
        Objects.requireNonNull(src, "src");
        long need = t.numel() * t.dtype().bytes();
        if (src.remaining() < need) {
            throw new IllegalArgumentException("a " + t.dtype() + t.shapeString() + " tensor needs " + need + " bytes, got "
                    + src.remaining());
        }
        ByteBuffer le = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case FLOAT32 -> t.copyFrom(le.asFloatBuffer().limit(Math.toIntExact(t.numel())));
            case INT32 -> {
                int[] v = new int[Math.toIntExact(t.numel())];
                le.asIntBuffer().get(v);
                t.copyFrom(v);
            }
            case INT64 -> {
                long[] v = new long[Math.toIntExact(t.numel())];
                le.asLongBuffer().get(v);
                try (Tensor host = Tensor.ofLongs(v, t.shape())) {
                    t.copyFrom(host);
                }
            }
        }
    }

    /** A new empty file beside {@code path}, created with the permissions the umask gives (not 0600). */
    public static Path createSibling(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        for (int attempt = 0; ; attempt++) {
            Path tmp = path.resolveSibling(path.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
    }

    /** Moves a finished {@code tmp} file over {@code target}, atomically where the file system can. */
    public static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
