package com.mp3converter.e2e;

import jakarta.mail.Multipart;
import jakarta.mail.Part;

/** The plain-text part of a received email. */
final class TestMail {

    private TestMail() {
    }

    static String text(Part part) throws Exception {
        if (part.isMimeType("text/plain")) {
            return (String) part.getContent();
        }
        if (part.getContent() instanceof Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                String text = text(multipart.getBodyPart(i));
                if (!text.isEmpty()) {
                    return text;
                }
            }
        }
        return "";
    }
}
