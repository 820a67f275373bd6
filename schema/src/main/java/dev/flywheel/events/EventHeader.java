package dev.flywheel.events;

import java.util.Objects;

/**
 * What every shopper event carries.
 *
 * @param eventId   unique id, used downstream for deduplication
 * @param ts        event time, epoch milliseconds
 * @param userId    the shopper
 * @param sessionId the browsing session the event belongs to
 * @param extras    fields the contract does not know, kept verbatim as a JSON object text
 *                  ({@code null} when there are none) so that producers can add fields
 *                  before consumers learn them
 */
public record EventHeader(String eventId, long ts, String userId, String sessionId, String extras) {

    public EventHeader {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(sessionId, "sessionId");
    }

    public EventHeader(String eventId, long ts, String userId, String sessionId) {
        this(eventId, ts, userId, sessionId, null);
    }
}
