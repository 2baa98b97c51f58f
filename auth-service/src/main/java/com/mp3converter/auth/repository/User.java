package com.mp3converter.auth.repository;

public record User(String id, String email, String passwordHash, boolean admin) {
}
