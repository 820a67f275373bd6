package dev.flywheel.http;

import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /metrics} through the Prometheus client's own scrape handler, so content negotiation
 * (text, OpenMetrics, protobuf), gzip and {@code name[]} filters behave as in its HTTP server; only
 * the exchange is adapted to a buffered {@link ServiceResponse}.
 */
public final class MetricsEndpoint {
    private final PrometheusScrapeHandler handler;

    public MetricsEndpoint(PrometheusRegistry registry) {
        this.handler = new PrometheusScrapeHandler(registry);
    }

    /**
     * A server of its own for a process whose only HTTP surface is its metrics (the trainer
     * worker, the release controller): {@code GET /metrics} on all interfaces, so a Prometheus in
     * another container reaches it, behind the same limits as every other service.
     *
     * @param port the port, or 0 for any free one ({@link HardenedHttpServer#port()} tells which)
     */
    public static HardenedHttpServer serve(String name, int port, PrometheusRegistry registry) {
        MetricsEndpoint endpoint = new MetricsEndpoint(registry);
        return HardenedHttpServer.builder(name)
                .bind("0.0.0.0", port)
                .handler(request -> request.rawPath().equals("/metrics") && request.method().equals("GET")
                        ? endpoint.scrape(request)
                        : ServiceResponse.error(404, "NOT_FOUND", "only GET /metrics is served here"))
                .build()
                .start();
    }

    public ServiceResponse scrape(ServiceRequest request) {
        BufferedExchange exchange = new BufferedExchange(request);
        try {
            handler.handleRequest(exchange);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return exchange.response();
    }

    private static final class BufferedExchange implements PrometheusHttpExchange, PrometheusHttpRequest, PrometheusHttpResponse {
        private final ServiceRequest request;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private int status = 500;

        BufferedExchange(ServiceRequest request) {
            this.request = request;
        }

        ServiceResponse response() {
            return new ServiceResponse(status, headers, body.toByteArray());
        }

        @Override
        public PrometheusHttpRequest getRequest() {
            return this;
        }

        @Override
        public PrometheusHttpResponse getResponse() {
            return this;
        }

        @Override
        public void handleException(IOException e) throws IOException {
            throw e;
        }

        @Override
        public void handleException(RuntimeException e) {
            throw e;
        }

        @Override
        public void close() {
        }

        @Override
        public String getQueryString() {
            return request.rawQuery();
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return Collections.enumeration(request.headers().getOrDefault(name, List.of()));
        }

        @Override
        public String getMethod() {
            return request.method();
        }

        @Override
        public String getRequestPath() {
            return request.rawPath();
        }

        @Override
        public void setHeader(String name, String value) {
            headers.put(name, value);
        }

        @Override
        public OutputStream sendHeadersAndGetBody(int statusCode, int contentLength) {
            status = statusCode;
            return body;
        }
    }
}
