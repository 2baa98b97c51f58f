package com.mp3converter.contracts;

import java.util.Locale;

/**
 * The broker's names the services agree on. All messages go through one durable topic exchange
 * (its name from config, {@code rabbitmq-exchange}, default "mp3converter"); each consumer owns its queue.
 */
public final class Topology {

    /** Gateway to converter: a job to convert. */
    public static final String CONVERSION_REQUESTED = "conversion.requested";
    /** Gateway to every converter replica: its owner cancelled the job; stop it wherever it is. */
    public static final String CONVERSION_CANCELLED = "conversion.cancelled";
    /** Converter to everyone: conversion.event.started, .progress, .done, .failed. */
    public static final String EVENT_PREFIX = "conversion.event.";
    /** Gateway to notifier: an address proved it can read our emails ({@link EmailVerified}). */
    public static final String EMAIL_VERIFIED = "account.email.verified";

    private Topology() {
    }

    public static String eventKey(JobEvent.Type type) {
        return EVENT_PREFIX + type.name().toLowerCase(Locale.ROOT);
    }
}
