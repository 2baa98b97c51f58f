package com.mp3converter.mediastore;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.bson.types.ObjectId;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Videos still being received, so a converter can read one while it arrives: a marker per upload in
 * "videos.receiving", written when the upload opens, kept fresh by the uploading process and removed once the
 * upload is complete (data and final metadata) or aborted. A marker that stopped being refreshed belongs to a
 * process that died mid-upload, or to an upload nobody writes to any more (abandoned): readers give up on it and
 * the gateway's sweep removes its video. A fresh marker keeps the orphan-chunk sweep off the upload's chunks.
 */
final class Arrivals {

    static final Duration KEEP_ALIVE_EVERY = Duration.ofSeconds(5);
    /** Six missed refreshes: a process stalled that long (or gone) will not complete the upload. */
    static final Duration DEAD_AFTER = KEEP_ALIVE_EVERY.multipliedBy(6);

    private final MongoCollection<Document> markers;
    /** The uploads open here, each with whether it is still being written to (only those are kept alive). */
    private final Map<ObjectId, BooleanSupplier> receivingHere = new ConcurrentHashMap<>();
    private final ScheduledExecutorService keepAlive = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "upload-keep-alive");
        t.setDaemon(true);
        return t;
    });

    Arrivals(MongoCollection<Document> markers) {
        this.markers = markers;
        keepAlive.scheduleWithFixedDelay(this::refresh, KEEP_ALIVE_EVERY.toMillis(), KEEP_ALIVE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** @param progressing true while the upload is still written to; once false its marker goes stale */
    void started(ObjectId videoId, BooleanSupplier progressing) {
        markers.insertOne(new Document("_id", videoId).append("aliveAt", new Date()));
        receivingHere.put(videoId, progressing);
    }

    void ended(ObjectId videoId) {
        receivingHere.remove(videoId); // first: a marker that cannot be removed now goes stale, and readers give up on it
        markers.deleteOne(Filters.eq("_id", videoId));
    }

    enum State { RECEIVING, DEAD, NOT_RECEIVING }

    /** RECEIVING while the video's upload is open in a live process, DEAD if that process stopped refreshing it. */
    State state(ObjectId videoId) {
        Document marker = markers.find(Filters.eq("_id", videoId)).first();
        if (marker == null) {
            return State.NOT_RECEIVING;
        }
        return marker.getDate("aliveAt").toInstant().isAfter(Instant.now().minus(DEAD_AFTER)) ? State.RECEIVING : State.DEAD;
    }

    boolean receiving(ObjectId videoId) {
        return state(videoId) == State.RECEIVING;
    }

    /** Uploads whose marker is fresh: open in a live process, and written to. */
    Set<ObjectId> alive() {
        return markers.find(Filters.gte("aliveAt", Date.from(Instant.now().minus(DEAD_AFTER))))
                .map(marker -> marker.getObjectId("_id")).into(new HashSet<>());
    }

    /** Uploads whose process stopped refreshing their marker. */
    List<ObjectId> dead() {
        return markers.find(Filters.lt("aliveAt", Date.from(Instant.now().minus(DEAD_AFTER))))
                .map(marker -> marker.getObjectId("_id")).into(new ArrayList<>());
    }

    void forget(ObjectId videoId) {
        markers.deleteOne(Filters.eq("_id", videoId));
    }

    private void refresh() {
        List<ObjectId> progressing = new ArrayList<>();
        receivingHere.forEach((id, written) -> {
            if (written.getAsBoolean()) {
                progressing.add(id);
            }
        });
        if (progressing.isEmpty()) {
            return;
        }
        try {
            markers.updateMany(Filters.in("_id", progressing), Updates.set("aliveAt", new Date()));
        } catch (RuntimeException storageDown) {
            // the next refresh tries again; readers allow several missed ones
        }
    }
}
