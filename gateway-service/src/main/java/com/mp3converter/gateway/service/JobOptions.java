package com.mp3converter.gateway.service;

import com.mp3converter.contracts.ConversionOptions;

import java.util.function.Function;

/** What an upload asks for: the conversion options and, optionally, where to POST the job's end (callbackUrl). */
public record JobOptions(ConversionOptions conversion, String callbackUrl) {

    /** From query parameters or form fields; 400 for a bad value (the callback's address is checked later). */
    public static JobOptions parse(Function<String, String> param) {
        String callbackUrl = param.apply("callbackUrl");
        return new JobOptions(ConversionOptionsParser.parse(param),
                callbackUrl == null || callbackUrl.isBlank() ? null : WebhookTargets.parse(callbackUrl).toString());
    }
}
