package com.mp3converter.devinfra;

import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.bson.ObjectId;
import org.h2.mvstore.type.ObjectDataType;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The key type of mongo-java-server's H2 index maps, ordered exactly as the shipped one orders them but without
 * its cost. An index key ({@link KeyValue}) is not {@code Comparable}, so H2's {@code ObjectDataType} compares
 * two keys by Java-serialising both, at every step of every B-tree search: a sixth of the server's CPU while a
 * video uploads. Here each key is serialised once and its bytes kept while the key lives (in a page, or for one
 * lookup), so the order, and with it every data file written before, stays the same. Only keys of scalars are
 * kept: for them equal keys serialise alike (two equal embedded documents may list their fields in another order).
 */
final class IndexKeyType extends ObjectDataType {

    private final Map<KeyValue, byte[]> serialised = Collections.synchronizedMap(new WeakHashMap<>());

    @Override
    public int compare(Object a, Object b) {
        if (a instanceof KeyValue x && b instanceof KeyValue y) {
            return a == b ? 0 : compareNotNull(serialisedForm(x), serialisedForm(y));
        }
        return super.compare(a, b);
    }

    private byte[] serialisedForm(KeyValue key) {
        for (Object value : key) {
            if (!isScalar(value)) {
                return serialize(key);
            }
        }
        return serialised.computeIfAbsent(key, ObjectDataType::serialize);
    }

    private static boolean isScalar(Object value) {
        return value == null || value instanceof String || value instanceof Integer || value instanceof Long
                || value instanceof Double || value instanceof Boolean || value instanceof ObjectId
                || value instanceof Missing;
    }
}
