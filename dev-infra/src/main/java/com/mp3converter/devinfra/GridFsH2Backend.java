package com.mp3converter.devinfra;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.AbstractCursor;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.DefaultQueryMatcher;
import de.bwaldvogel.mongo.backend.EmptyCursor;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.QueryMatcher;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * mongo-java-server's H2 backend, serving GridFS chunk reads the way MongoDB does: from the
 * {@code {files_id: 1, n: 1}} unique index, one batch at a time.
 * <p>
 * As shipped, its compound indexes serve exact matches only, so the query every GridFS download sends,
 * {@code {files_id: X, n: {$gte: k}}} sorted by n (and the delete {@code {files_id: X}}), deserialised every
 * chunk of every stored file, under the collection's lock, and held the whole file in memory before the
 * first batch went out: a read got slower with everything stored, and could not overlap the reader's work.
 * Here those shapes walk n = k, k+1, ... through the index instead, and {@code distinct("files_id")} (the
 * gateway's orphan sweep) reads the index keys instead of every chunk. Data files stay compatible with the
 * plain H2 backend (same map names).
 */
public final class GridFsH2Backend extends H2Backend {

    /**
     * MVStore's default page cache is 16 MB: a freshly uploaded video was evicted chunk by chunk as it was
     * written, so the conversion that followed read every chunk back from the file and deserialised it, and
     * the big chunk pages pushed the index pages out too (the server spent ~1.6 CPU-s serving one 155 MB
     * read). MongoDB keeps recent data in its cache as well; this one holds a few recent videos.
     */
    static final int CACHE_MB = 256;

    private static final IndexKeyType INDEX_KEYS = new IndexKeyType();

    public GridFsH2Backend(String fileName) {
        super(new MVStore.Builder().fileName(fileName).cacheSize(CACHE_MB).open());
    }

    @Override
    protected MongoDatabase openOrCreateDatabase(String databaseName) {
        return new Database(databaseName);
    }

    /** Inner, not static: H2Database's constructor already opens the stored collections, before any field is set. */
    private final class Database extends H2Database {

        Database(String name) {
            super(name, getMvStore(), getCursorRegistry());
        }

        /** Opens the index's map with {@link IndexKeyType} first; H2Database's own openMap then finds it open. */
        @Override
        protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys,
                                                        boolean sparse) {
            String mapName = getFullCollectionNamespace(collectionName) + "._index_" + indexName;
            getMvStore().openMap(mapName, new MVMap.Builder<KeyValue, Object>().keyType(INDEX_KEYS));
            return super.openOrCreateUniqueIndex(collectionName, indexName, keys, sparse);
        }

        @Override
        protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
            if (!collectionName.endsWith(".chunks")) {
                return super.openOrCreateCollection(collectionName, options);
            }
            String namespace = getFullCollectionNamespace(collectionName);
            MVStore store = getMvStore();
            return new ChunksCollection(this, collectionName, options, store, store.openMap("databases." + namespace),
                    store.openMap("meta." + namespace), cursorRegistry);
        }
    }

    private static final class ChunksCollection extends H2Collection {

        private static final Document IN_CHUNK_ORDER = new Document("n", 1);

        private final MVStore store;

        ChunksCollection(MongoDatabase database, String name, CollectionOptions options, MVStore store,
                         MVMap<Object, Document> data, MVMap<String, Object> meta, CursorRegistry cursors) {
            super(database, name, options, data, meta, cursors);
            this.store = store;
        }

        /**
         * No data size kept for collStats: it was got by encoding every chunk again as BSON, on insert and on
         * delete (14% of the stand-in's CPU while conversions ran, most of it deleting converted videos).
         */
        @Override
        protected boolean tracksDataSize() {
            return false;
        }

        /**
         * {@code distinct("files_id")}, optionally filtered on files_id, from the index keys. As shipped it read
         * and deserialised every chunk stored (1.9 s for 800 MB), holding the collection's lock and filling the
         * page cache with old chunks, every time the gateway's orphan sweep ran.
         */
        @Override
        public Document handleDistinct(Document command) {
            Document query = (Document) command.getOrDefault("query", new Document());
            Index<Object> index = filesIdAndNIndex();
            if (!"files_id".equals(command.get("key")) || index == null
                    || !query.keySet().stream().allMatch("files_id"::equals)) {
                return super.handleDistinct(command);
            }
            // The index's own map, as H2Database names it; reading its keys touches no chunk document.
            MVMap<KeyValue, Object> keys = store.openMap(getFullName() + "._index_" + index.getName());
            Set<Object> fileIds = new TreeSet<>(ValueComparator.ascWithoutListHandling());
            for (KeyValue key : keys.keySet()) {
                if (key.get(0) != null) {
                    fileIds.add(key.get(0));
                }
            }
            QueryMatcher matcher = new DefaultQueryMatcher();
            List<Object> values = fileIds.stream().filter(id -> matcher.matches(new Document("files_id", id), query)).toList();
            Document response = new Document("values", values);
            Utils.markOkay(response);
            return response;
        }

        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize,
                                             Document projection) {
            Document flat = flattened(query);
            Integer firstChunk = firstChunkOf(flat);
            boolean inChunkOrder = orderBy == null || orderBy.isEmpty() || orderBy.equals(IN_CHUNK_ORDER);
            boolean plain = skip == 0 && (projection == null || projection.isEmpty());
            Index<Object> index = firstChunk != null && inChunkOrder && plain ? filesIdAndNIndex() : null;
            if (index == null) {
                return super.queryDocuments(query, orderBy, skip, limit, batchSize, projection);
            }
            ChunkCursor cursor = new ChunkCursor(cursorRegistry.generateCursorId(), index, flat.get("files_id"),
                    firstChunk, limit > 0 ? limit : Integer.MAX_VALUE);
            if (batchSize <= 0) { // a delete, or a find that asked for everything at once
                return new QueryResult(cursor.takeDocuments(Integer.MAX_VALUE));
            }
            List<Document> firstBatch = cursor.takeDocuments(batchSize);
            if (cursor.isEmpty()) {
                return new QueryResult(firstBatch, EmptyCursor.get());
            }
            cursorRegistry.add(cursor);
            return new QueryResult(firstBatch, cursor);
        }

        /**
         * {@code {$and: [{a: x}, {b: y}]}} as {@code {a: x, b: y}} when no field repeats: the driver renders every
         * {@code Filters.and} with $and, and MongoDB's planner reads both forms alike; unflattened, the $and form
         * falls to a scan of every chunk stored, once per batch a reader fetches while a video is arriving.
         */
        private static Document flattened(Document query) {
            if (query.size() != 1 || !(query.get("$and") instanceof List<?> clauses)) {
                return query;
            }
            Document flat = new Document();
            for (Object clause : clauses) {
                if (!(clause instanceof Document fields)) {
                    return query;
                }
                for (String field : fields.keySet()) {
                    if (field.startsWith("$") || flat.containsKey(field)) {
                        return query;
                    }
                    flat.put(field, fields.get(field));
                }
            }
            return flat;
        }

        /** The first chunk number for {@code {files_id: X}} and {@code {files_id: X, n: {$gte: k}}}; else null. */
        private static Integer firstChunkOf(Document query) {
            Object fileId = query.get("files_id");
            if (fileId == null || fileId instanceof Document || fileId instanceof List) {
                return null;
            }
            if (query.size() == 1) {
                return 0;
            }
            if (query.size() == 2 && query.get("n") instanceof Document n && n.size() == 1
                    && n.get("$gte") instanceof Number from) {
                return Math.max(0, from.intValue());
            }
            return null;
        }

        private Index<Object> filesIdAndNIndex() {
            for (Index<Object> index : getIndexes()) {
                List<String> keys = index.getKeys().stream().map(IndexKey::getKey).toList();
                if (index.isUnique() && keys.equals(List.of("files_id", "n"))) {
                    return index;
                }
            }
            return null;
        }

        /** Chunks n, n+1, ... of one file, looked up one by one when the client asks for the next batch. */
        private final class ChunkCursor extends AbstractCursor {
            private final Index<Object> index;
            private final Object fileId;
            private int nextChunk;
            private int remaining;
            private Document peeked;

            ChunkCursor(long id, Index<Object> index, Object fileId, int firstChunk, int limit) {
                super(id);
                this.index = index;
                this.fileId = fileId;
                this.nextChunk = firstChunk;
                this.remaining = limit;
            }

            @Override
            public boolean isEmpty() {
                return peek() == null;
            }

            @Override
            public List<Document> takeDocuments(int count) {
                List<Document> batch = new ArrayList<>();
                while (batch.size() < count && peek() != null) {
                    batch.add(peeked);
                    peeked = null;
                    nextChunk++;
                    remaining--;
                }
                return batch;
            }

            private Document peek() {
                if (peeked == null && remaining > 0) {
                    Object position = index.getPosition(new Document("files_id", fileId).append("n", nextChunk));
                    peeked = position == null ? null : getDocument(position);
                }
                return peeked;
            }
        }
    }
}
