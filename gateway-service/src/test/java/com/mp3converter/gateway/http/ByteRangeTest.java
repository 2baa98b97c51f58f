package com.mp3converter.gateway.http;

import com.mp3converter.gateway.service.ApiException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ByteRangeTest {

    @Test
    void noHeaderMeansTheWholeFile() {
        assertThat(ByteRange.parse(null, 1000)).isEqualTo(new ByteRange(0, 999, false));
    }

    @Test
    void readsTheThreeSingleRangeForms() {
        assertThat(ByteRange.parse("bytes=100-199", 1000)).isEqualTo(new ByteRange(100, 199, true));
        assertThat(ByteRange.parse("bytes=900-", 1000)).isEqualTo(new ByteRange(900, 999, true));
        assertThat(ByteRange.parse("bytes=-100", 1000)).isEqualTo(new ByteRange(900, 999, true));
        assertThat(ByteRange.parse("bytes=100-199", 1000).length()).isEqualTo(100);
    }

    @Test
    void aRangePastTheEndIsCutToTheFile() {
        assertThat(ByteRange.parse("bytes=500-5000", 1000)).isEqualTo(new ByteRange(500, 999, true));
        assertThat(ByteRange.parse("bytes=-5000", 1000)).isEqualTo(new ByteRange(0, 999, true));
    }

    @Test
    void aRangeThatStartsPastTheEndIsNotSatisfiable() {
        assertThatThrownBy(() -> ByteRange.parse("bytes=1000-", 1000)).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(416));
        assertThatThrownBy(() -> ByteRange.parse("bytes=20-10", 1000)).isInstanceOf(ApiException.class);
    }

    @Test
    void formsItDoesNotServeFallBackToTheWholeFile() {
        assertThat(ByteRange.parse("bytes=0-1,5-9", 1000).partial()).isFalse();
        assertThat(ByteRange.parse("items=0-1", 1000).partial()).isFalse();
        assertThat(ByteRange.parse("bytes=abc-", 1000).partial()).isFalse();
    }
}
