package dev.flywheel.http;

import java.time.Duration;
import java.util.Objects;

/**
 * What one HTTP service lets a client hold. Every value has a default (see {@link #defaults()} and
 * docs/model-registry.md#http-limits); services override only what their traffic needs, the
 * registry its body limit for base64 artifacts.
 *
 * @param headerReadTimeout     time a connection gets to deliver a complete request line and
 *                              headers, counted from when it opens or its previous response was
 *                              sent; the connection is closed when it runs out, however slowly
 *                              bytes keep coming. So an idle keep-alive connection also closes
 *                              after this long.
 * @param idleTimeout           longest silence while a request body is being read or a response
 *                              written; on expiry the request fails (408 when nothing was sent yet)
 *                              and the connection closes
 * @param maxConnections        open connections the server accepts at once; beyond it, new
 *                              connections wait in the operating system's accept queue until one
 *                              closes
 * @param maxRequestHeaderBytes request line plus headers; more is answered 431 while parsing
 * @param maxRequestBodyBytes   request body; a larger declared length is answered 413 before a byte
 *                              of it is read, a chunked body as soon as it passes the limit
 * @param maxThreads            threads that run handlers. Waiting for a slow client never takes one:
 *                              headers and body are collected by the selector, and the handler runs
 *                              only once the whole request is in memory
 */
public record HttpLimits(Duration headerReadTimeout, Duration idleTimeout, int maxConnections,
                         int maxRequestHeaderBytes, int maxRequestBodyBytes, int maxThreads) {

    /** Handler threads are a pool shared with Jetty's selector and acceptor; below this it cannot start. */
    static final int MIN_THREADS = 8;

    public HttpLimits {
        Objects.requireNonNull(headerReadTimeout, "headerReadTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (headerReadTimeout.isNegative() || headerReadTimeout.isZero()) {
            throw new IllegalArgumentException("headerReadTimeout must be positive: " + headerReadTimeout);
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive: " + idleTimeout);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1: " + maxConnections);
        }
        if (maxRequestHeaderBytes < 1024) {
            throw new IllegalArgumentException("maxRequestHeaderBytes must be at least 1024: " + maxRequestHeaderBytes);
        }
        if (maxRequestBodyBytes < 0) {
            throw new IllegalArgumentException("maxRequestBodyBytes must not be negative: " + maxRequestBodyBytes);
        }
        if (maxThreads < MIN_THREADS) {
            throw new IllegalArgumentException("maxThreads must be at least " + MIN_THREADS + ": " + maxThreads);
        }
    }

    /**
     * 10 s for headers (a browser or client library sends them in one packet; 10 s is already
     * generous on a bad mobile link), 30 s of silence in a body, 512 connections, 16 KiB of
     * headers (a bearer token and a few cookies fit many times), 1 MiB of body, 32 handler
     * threads.
     */
    public static HttpLimits defaults() {
        return new HttpLimits(Duration.ofSeconds(10), Duration.ofSeconds(30), 512, 16 * 1024, 1024 * 1024, 32);
    }

    public HttpLimits withHeaderReadTimeout(Duration value) {
        return new HttpLimits(value, idleTimeout, maxConnections, maxRequestHeaderBytes, maxRequestBodyBytes, maxThreads);
    }

    public HttpLimits withIdleTimeout(Duration value) {
        return new HttpLimits(headerReadTimeout, value, maxConnections, maxRequestHeaderBytes, maxRequestBodyBytes, maxThreads);
    }

    public HttpLimits withMaxConnections(int value) {
        return new HttpLimits(headerReadTimeout, idleTimeout, value, maxRequestHeaderBytes, maxRequestBodyBytes, maxThreads);
    }

    public HttpLimits withMaxRequestHeaderBytes(int value) {
        return new HttpLimits(headerReadTimeout, idleTimeout, maxConnections, value, maxRequestBodyBytes, maxThreads);
    }

    public HttpLimits withMaxRequestBodyBytes(int value) {
        return new HttpLimits(headerReadTimeout, idleTimeout, maxConnections, maxRequestHeaderBytes, value, maxThreads);
    }

    public HttpLimits withMaxThreads(int value) {
        return new HttpLimits(headerReadTimeout, idleTimeout, maxConnections, maxRequestHeaderBytes, maxRequestBodyBytes, value);
    }
}
