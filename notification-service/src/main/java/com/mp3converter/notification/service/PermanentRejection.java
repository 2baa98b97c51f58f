package com.mp3converter.notification.service;

/**
 * The SMTP server refused a mail for good (a 5xx reply such as 550 "mailbox unavailable" or 553 "address not
 * allowed"): sending the same mail again gets the same answer, so it is never retried.
 */
public class PermanentRejection extends RuntimeException {

    private final int replyCode;

    PermanentRejection(int replyCode, String message, Throwable cause) {
        super(message, cause, false, false);
        this.replyCode = replyCode;
    }

    public int replyCode() {
        return replyCode;
    }
}
