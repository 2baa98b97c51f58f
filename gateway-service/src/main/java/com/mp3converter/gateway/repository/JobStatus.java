package com.mp3converter.gateway.repository;

public enum JobStatus {
    QUEUED, CONVERTING, DONE, FAILED, CANCELLED
}
