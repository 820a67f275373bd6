package dev.flywheel.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The header read timeout Jetty lacks. Jetty's idle timeout restarts with every byte, so a client
 * that sends a header byte every few seconds keeps a connection forever; this puts a deadline on
 * the whole request head instead. Armed when a connection opens and again after each response;
 * disarmed when a complete request head reaches the handler; on expiry the connection is closed
 * without an answer (the client has not finished asking anything).
 */
final class HeaderDeadlines implements Connection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadlines.class);

    private final Map<Connection, Deadline> open = new ConcurrentHashMap<>();
    private final long timeoutMillis;
    private final Scheduler scheduler;
    private final AtomicLong expired = new AtomicLong();

    HeaderDeadlines(long timeoutMillis, Scheduler scheduler) {
        this.timeoutMillis = timeoutMillis;
        this.scheduler = scheduler;
    }

    @Override
    public void onOpened(Connection connection) {
        Deadline deadline = new Deadline(connection);
        open.put(connection, deadline);
        deadline.arm();
    }

    @Override
    public void onClosed(Connection connection) {
        Deadline deadline = open.remove(connection);
        if (deadline != null) {
            deadline.disarm();
        }
    }

    void requestHeadComplete(Connection connection) {
        Deadline deadline = open.get(connection);
        if (deadline != null) {
            deadline.disarm();
        }
    }

    void responseSent(Connection connection) {
        Deadline deadline = open.get(connection);
        if (deadline != null) {
            deadline.arm();
        }
    }

    /** Connections closed because their request head did not arrive in time, since start. */
    long expiredCount() {
        return expired.get();
    }

    private final class Deadline {
        private final Connection connection;
        private Scheduler.Task task;

        Deadline(Connection connection) {
            this.connection = connection;
        }

        synchronized void arm() {
            disarm();
            task = scheduler.schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
        }

        synchronized void disarm() {
            if (task != null) {
                task.cancel();
                task = null;
            }
        }

        private void expire() {
            synchronized (this) {
                if (task == null) {
                    return; // a request head arrived while this task was starting
                }
                task = null;
            }
            expired.incrementAndGet();
            LOG.debug("closing {}: no complete request head within {} ms", connection.getEndPoint().getRemoteSocketAddress(), timeoutMillis);
            connection.getEndPoint().close();
        }
    }
}
