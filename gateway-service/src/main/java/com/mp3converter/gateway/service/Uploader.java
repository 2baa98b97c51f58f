package com.mp3converter.gateway.service;

/** Who is uploading, from the verified token. */
public record Uploader(String userId, String email) {
}
