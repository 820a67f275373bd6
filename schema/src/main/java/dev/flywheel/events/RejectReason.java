package dev.flywheel.events;

/**
 * Why the codec refused a record. The wire code is what dead-letter consumers filter on, so codes
 * are stable: add new ones, never rename.
 */
public enum RejectReason {
    EMPTY_PAYLOAD("empty_payload"),
    OVERSIZED_PAYLOAD("oversized_payload"),
    INVALID_UTF8("invalid_utf8"),
    MALFORMED_JSON("malformed_json"),
    TRAILING_CONTENT("trailing_content"),
    NESTING_TOO_DEEP("nesting_too_deep"),
    DUPLICATE_FIELD("duplicate_field"),
    NOT_AN_OBJECT("not_an_object"),
    MISSING_FIELD("missing_field"),
    WRONG_TYPE("wrong_type"),
    BLANK_FIELD("blank_field"),
    FIELD_TOO_LONG("field_too_long"),
    UNKNOWN_EVENT_TYPE("unknown_event_type"),
    TIMESTAMP_NOT_POSITIVE("timestamp_not_positive"),
    TIMESTAMP_TOO_OLD("timestamp_too_old"),
    TIMESTAMP_IN_FUTURE("timestamp_in_future"),
    NUMBER_OUT_OF_RANGE("number_out_of_range"),
    NON_FINITE_NUMBER("non_finite_number"),
    NEGATIVE_PRICE("negative_price"),
    NON_POSITIVE_QUANTITY("non_positive_quantity"),
    TOO_MANY_RESULTS("too_many_results"),
    /**
     * A string holds a lone surrogate escape such as {@code "\\uD800"}: valid JSON syntax, but text
     * that UTF-8 cannot carry, so no consumer could re-encode it faithfully.
     */
    UNPAIRED_SURROGATE("unpaired_surrogate");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    /** The stable wire code, for example {@code missing_field}. */
    public String code() {
        return code;
    }
}
