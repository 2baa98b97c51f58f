package com.mp3converter.contracts;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What the user asked of the MP3; a null field means the converter's default: LAME VBR V2, the source's
 * sample rate and channels (at most stereo), the whole file.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ConversionOptions(Integer bitrateKbps, Integer vbrQuality, Integer sampleRate, Integer channels,
                                Double startSeconds, Double endSeconds) {

    public static final ConversionOptions DEFAULTS = new ConversionOptions(null, null, null, null, null, null);

    /** LAME's VBR level when no bitrate is given. */
    public static final int DEFAULT_VBR_QUALITY = 2;

    /** "192k" for constant bitrate, "V2" for VBR: how the MP3's bitrate is described. */
    public String bitrateLabel() {
        return bitrateKbps != null ? bitrateKbps + "k" : "V" + (vbrQuality != null ? vbrQuality : DEFAULT_VBR_QUALITY);
    }
}
