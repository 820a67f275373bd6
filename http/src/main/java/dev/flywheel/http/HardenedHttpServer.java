package dev.flywheel.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server every Flywheel service listens with: Jetty 12's core API (no servlets) behind
 * the limits of {@link HttpLimits}.
 *
 * <p>Why Jetty and not the JDK's {@code com.sun.net.httpserver}: the JDK server hands a
 * connection to a pool thread as soon as it has bytes and then reads the rest of the head and the
 * body on that thread, so a dozen clients that send half a request and wait hold every thread of a
 * fixed pool; its only timeouts and limits are JVM-wide system properties, and it has no per-request
 * header timeout or connection limit. Jetty parses on its selector without a thread per waiting
 * client, enforces header size while parsing, limits connections at accept
 * ({@link NetworkConnectionLimit}), and is maintained. Jetty's one gap, a deadline on the whole
 * request head rather than on silence, is {@link HeaderDeadlines}.
 *
 * <p>Handlers see a complete {@link ServiceRequest}: the body is collected without a thread
 * (read as it arrives, refused past the limit) and only then is the handler run on a pool thread;
 * its {@link ServiceResponse} is written asynchronously. So no handler thread ever waits on a
 * client, and a pool of {@link HttpLimits#maxThreads()} serves any number of slow ones.
 *
 * <p>Errors the server answers itself use the services' JSON error shape
 * ({@code {"error","message"}}): 413 {@code TOO_LARGE}, 408 {@code TIMEOUT}, 500 {@code INTERNAL};
 * Jetty answers malformed requests (400) and oversized heads (431) itself.
 */
public final class HardenedHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HardenedHttpServer.class);

    private final String name;
    private final HttpLimits limits;
    private final Server server;
    private final ServerConnector connector;
    private final NetworkConnectionLimit connectionLimit;
    private final HeaderDeadlines headerDeadlines;

    private HardenedHttpServer(String name, String host, int port, HttpLimits limits, ServiceHandler handler) {
        this.name = name;
        this.limits = limits;
        QueuedThreadPool threads = new QueuedThreadPool(limits.maxThreads(), Math.min(4, limits.maxThreads()));
        threads.setName(name + "-http");
        threads.setDaemon(true);
        server = new Server(threads);

        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(limits.maxRequestHeaderBytes());
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // One acceptor and one selector: enough for thousands of connections, and each is a thread.
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        headerDeadlines = new HeaderDeadlines(limits.headerReadTimeout().toMillis(), connector.getScheduler());
        connector.addBean(headerDeadlines);
        server.addConnector(connector);
        connectionLimit = new NetworkConnectionLimit(limits.maxConnections(), connector);
        server.addBean(connectionLimit);

        ErrorHandler errors = new ErrorHandler();
        errors.setShowStacks(false);
        errors.setShowMessageInTitle(false);
        server.setErrorHandler(errors);
        server.setHandler(new CollectingHandler(handler, threads));
        server.setStopTimeout(0);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * Binds the port without serving yet: connections wait in the accept queue until {@link #start}.
     * Two steps so a service can learn its port (for URLs it hands out) before it can answer.
     */
    public HardenedHttpServer open() {
        try {
            connector.open();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + connector.getHost() + ":" + connector.getPort(), e);
        }
    }

    public HardenedHttpServer start() {
        try {
            server.start();
            LOG.info("{} HTTP on {}:{} ({})", name, connector.getHost(), port(), limits);
            return this;
        } catch (Exception e) {
            close();
            throw new IllegalStateException("cannot start the " + name + " HTTP server", e);
        }
    }

    public int port() {
        return connector.getLocalPort();
    }

    public HttpLimits limits() {
        return limits;
    }

    /** Open network connections now, stalled ones included. */
    public int openConnections() {
        return connectionLimit.getNetworkConnectionCount();
    }

    /** Connections closed because their request head was not complete within the header timeout. */
    public long headerTimeouts() {
        return headerDeadlines.expiredCount();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("{} HTTP server did not stop cleanly", name, e);
        }
    }

    public static final class Builder {
        private final String name;
        private String host = "127.0.0.1";
        private int port;
        private HttpLimits limits = HttpLimits.defaults();
        private ServiceHandler handler;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** Interface and port; port 0 picks a free one. Loopback and a free port unless set. */
        public Builder bind(String host, int port) {
            this.host = Objects.requireNonNull(host, "host");
            this.port = port;
            return this;
        }

        public Builder limits(HttpLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        public Builder handler(ServiceHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** The server, not yet bound: {@link #open} then {@link #start}, or just {@link #start}. */
        public HardenedHttpServer build() {
            return new HardenedHttpServer(name, host, port, limits, Objects.requireNonNull(handler, "handler"));
        }
    }

    /** Collects the whole request without a thread, then runs the service's handler on the pool. */
    private final class CollectingHandler extends Handler.Abstract.NonBlocking {
        private final ServiceHandler handler;
        private final Executor pool;

        CollectingHandler(ServiceHandler handler, Executor pool) {
            this.handler = handler;
            this.pool = pool;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Connection connection = request.getConnectionMetaData().getConnection();
            headerDeadlines.requestHeadComplete(connection);
            Callback done = new Callback() {
                @Override
                public void succeeded() {
                    // Before the callback: once it completes Jetty may parse a pipelined request,
                    // whose arrival must disarm the deadline armed here, not the other way round.
                    headerDeadlines.responseSent(connection);
                    callback.succeeded();
                }

                @Override
                public void failed(Throwable failure) {
                    callback.failed(failure);
                }
            };
            long declared = request.getLength();
            if (declared > limits.maxRequestBodyBytes()) {
                write(response, tooLarge(), done);
                return true;
            }
            if (declared == 0) {
                pool.execute(() -> serve(request, response, done, new byte[0]));
                return true;
            }
            Content.Source.asRetainableByteBuffer(request, null, false, limits.maxRequestBodyBytes(), new Promise<>() {
                @Override
                public void succeeded(RetainableByteBuffer buffer) {
                    // Copied here: the buffer is released as soon as this returns.
                    byte[] body = new byte[buffer.remaining()];
                    buffer.get(body, 0, body.length);
                    pool.execute(() -> serve(request, response, done, body));
                }

                @Override
                public void failed(Throwable failure) {
                    pool.execute(() -> refuse(response, done, failure));
                }
            });
            return true;
        }

        private void serve(Request request, Response response, Callback done, byte[] body) {
            ServiceResponse answer;
            try {
                answer = handler.handle(toServiceRequest(request, body));
            } catch (Exception | Error e) {
                LOG.error("{} {} {} failed", name, request.getMethod(), request.getHttpURI().getPath(), e);
                answer = ServiceResponse.error(500, "INTERNAL", "internal error; see the " + name + " log");
            }
            write(response, answer, done);
        }

        private void refuse(Response response, Callback done, Throwable failure) {
            if (failure instanceof IllegalStateException && String.valueOf(failure.getMessage()).startsWith("Max size")) {
                write(response, tooLarge(), done);
            } else if (failure instanceof TimeoutException || failure.getCause() instanceof TimeoutException) {
                write(response, ServiceResponse.error(408, "TIMEOUT", "the request body stopped arriving for "
                        + limits.idleTimeout().toSeconds() + " s"), done);
            } else {
                LOG.debug("{}: request body failed", name, failure);
                done.failed(failure);
            }
        }

        private ServiceResponse tooLarge() {
            return ServiceResponse.error(413, "TOO_LARGE", "request body exceeds " + limits.maxRequestBodyBytes() + " bytes");
        }
    }

    private static ServiceRequest toServiceRequest(Request request, byte[] body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (HttpField field : request.getHeaders()) {
            headers.computeIfAbsent(field.getName(), k -> new ArrayList<>()).add(field.getValue());
        }
        return new ServiceRequest(request.getMethod(), request.getHttpURI().getPath(), request.getHttpURI().getQuery(),
                headers, body, Request.getRemoteAddr(request));
    }

    private static void write(Response response, ServiceResponse answer, Callback done) {
        if (response.isCommitted()) {
            done.failed(new IllegalStateException("response already committed"));
            return;
        }
        response.setStatus(answer.status());
        answer.headers().forEach((header, value) -> response.getHeaders().put(header, value));
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, answer.body().length);
        response.write(true, ByteBuffer.wrap(answer.body()), done);
    }
}
