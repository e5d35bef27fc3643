/**
 * The rule behind WS_MAX_BUFFERED_BYTES_TOTAL, on LiveConnections alone (the transports call it:
 * test/edge/live-buffered-total.test.ts runs it over real sockets): past the instance's total the
 * connections with the most bytes waiting are ended, whoever's event passed it, so a client that
 * reads is not ended for what others leave waiting; ended, drained and removed connections leave
 * the total, which returns to zero.
 */
import { describe, expect, it } from 'vitest';
import { LiveConnections, type EndReason, type LiveConnection } from '../../src/graphql/live-connections.ts';
import { silentLogger } from '../../src/logger.ts';

const KIB = 1024;

function liveConnections() {
  return new LiveConnections(
    { maxConnections: 10, maxConnectionsPerUser: 10, maxBufferedBytes: 200 * KIB, maxBufferedBytesTotal: 256 * KIB },
    silentLogger,
  );
}

/** A connection that records how it was ended (and is removed then, as the transports do). */
function open(live: LiveConnections) {
  const ended: Array<{ reason: EndReason; message: string }> = [];
  const connection: LiveConnection = {
    transport: 'sse',
    authorization: null,
    end: (reason, message) => {
      ended.push({ reason, message });
      live.remove(connection);
    },
  };
  live.add(connection);
  return { connection, ended };
}

describe('bytes waiting for slow clients, all connections together', () => {
  it('ends the connections furthest behind when a reader passes the total, not the reader', () => {
    const live = liveConnections();
    const stalled = open(live);
    const lagging = open(live);
    const reader = open(live);
    expect(live.slowConsumer(stalled.connection, 190 * KIB)).toBeUndefined();
    expect(live.slowConsumer(lagging.connection, 60 * KIB)).toBeUndefined();
    expect(live.bufferedBytes).toBe(250 * KIB);

    expect(live.slowConsumer(reader.connection, 10 * KIB)).toBeUndefined();
    expect(stalled.ended).toEqual([{ reason: 'slowConsumer', message: expect.stringMatching(/instance/) }]);
    expect(lagging.ended).toEqual([]);
    expect(live.bufferedBytes).toBe(70 * KIB);
  });

  it('answers the connection itself when it is the one furthest behind, and counts it no more', () => {
    const live = liveConnections();
    const stalled = open(live);
    const other = open(live);
    expect(live.slowConsumer(other.connection, 100 * KIB)).toBeUndefined();
    expect(live.slowConsumer(stalled.connection, 150 * KIB)).toBeUndefined();
    expect(live.slowConsumer(stalled.connection, 170 * KIB)).toMatch(/instance/);
    expect(other.ended).toEqual([]);
    expect(live.bufferedBytes).toBe(100 * KIB);
  });

  it('keeps the per-connection bound, and drained and removed connections leave the total', () => {
    const live = liveConnections();
    const one = open(live);
    const two = open(live);
    expect(live.slowConsumer(one.connection, 201 * KIB)).toMatch(/too many bytes waiting/);
    expect(live.bufferedBytes).toBe(0);
    expect(live.slowConsumer(two.connection, 120 * KIB)).toBeUndefined();
    live.drained(two.connection, 20 * KIB);
    expect(live.bufferedBytes).toBe(20 * KIB);
    live.remove(two.connection);
    live.remove(one.connection);
    expect(live.bufferedBytes).toBe(0);
  });
});
