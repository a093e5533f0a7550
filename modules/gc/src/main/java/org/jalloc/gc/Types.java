package org.jalloc.gc;

import java.util.ArrayList;
import java.util.List;

/**
 * The types of one collected heap, registered once: a fixed type has {@code n} reference fields and {@code d} data
 * bytes; the two built-in array types hold {@code length} references ({@link #REF_ARRAY}) or {@code length} bytes
 * ({@link #BYTE_ARRAY}). A type id is what the object header stores ({@link ObjectModel}); id 0 is never a type, so a
 * zeroed header is recognisably not an object.
 *
 * <p>Single owner, like the collector it belongs to: register types before allocating from other threads.
 */
public final class Types {
    /** The array of references: {@code length} reference fields, no data. */
    public static final int REF_ARRAY = 1;
    /** The array of bytes: no reference fields, {@code length} data bytes. */
    public static final int BYTE_ARRAY = 2;
    /** The largest type id the header can hold (24 bits). */
    public static final int MAX_TYPE_ID = (1 << 24) - 1;
    /** The most reference fields or data bytes a fixed type may declare. */
    public static final int MAX_FIXED_FIELDS = 1 << 16;

    private final List<String> names = new ArrayList<>(List.of("<none>", "ref[]", "byte[]"));
    private int[] refs = new int[16];
    private int[] data = new int[16];

    Types() {}

    /**
     * Registers a fixed type.
     *
     * @param name      for messages and maps
     * @param refFields reference fields, {@code 0 <= refFields <= 65536}
     * @param dataBytes data bytes after the references, {@code 0 <= dataBytes <= 65536}
     * @return the new type id (3, 4, ...)
     * @throws TypeMisuseException for negative or too large counts, or when the id space is exhausted
     */
    public int define(String name, int refFields, int dataBytes) {
        if (refFields < 0 || dataBytes < 0 || refFields > MAX_FIXED_FIELDS || dataBytes > MAX_FIXED_FIELDS) {
            throw new TypeMisuseException("type " + name + ": " + refFields + " reference fields and " + dataBytes
                    + " data bytes; each must be in [0, " + MAX_FIXED_FIELDS + "]");
        }
        int id = names.size();
        if (id > MAX_TYPE_ID) {
            throw new TypeMisuseException("type " + name + ": no type ids left (" + MAX_TYPE_ID + " registered)");
        }
        if (id == refs.length) {
            refs = java.util.Arrays.copyOf(refs, id * 2);
            data = java.util.Arrays.copyOf(data, id * 2);
        }
        names.add(name);
        refs[id] = refFields;
        data[id] = dataBytes;
        return id;
    }

    /** True for a registered id (the two arrays included). */
    public boolean isDefined(int type) {
        return type >= REF_ARRAY && type < names.size();
    }

    /** True for {@link #REF_ARRAY} and {@link #BYTE_ARRAY}. */
    public static boolean isArray(int type) {
        return type == REF_ARRAY || type == BYTE_ARRAY;
    }

    /** Reference fields of a fixed type (0 for the arrays: theirs depend on the length). */
    public int refFields(int type) {
        return isArray(type) ? 0 : refs[type];
    }

    /** Data bytes of a fixed type (0 for the arrays). */
    public int dataBytes(int type) {
        return isArray(type) ? 0 : data[type];
    }

    /** The name given at registration. */
    public String name(int type) {
        return type >= 0 && type < names.size() ? names.get(type) : "<undefined " + type + ">";
    }

    /** Registered ids, the built-in arrays included: valid ids are {@code 1 .. count()}. */
    public int count() {
        return names.size() - 1;
    }

    /** Throws {@link TypeMisuseException} unless {@code type} is registered. */
    void require(int type) {
        if (!isDefined(type)) {
            throw new TypeMisuseException("type id " + type + " is not registered (ids 1.." + count() + ")");
        }
    }
}
