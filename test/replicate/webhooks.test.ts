import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, webhookHeaders } from '../../src/replicate/webhooks.ts';

// The published Standard Webhooks test vector.
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const SPEC_NOW = new Date(SPEC.timestamp * 1000);
const OTHER_SECRET = 'whsec_' + Buffer.from('another secret of thirty-two b!!').toString('base64');

function specHeaders(signature = SPEC.signature): Record<string, string> {
  return { 'webhook-id': SPEC.id, 'webhook-timestamp': String(SPEC.timestamp), 'webhook-signature': signature };
}

describe('verifyWebhook', () => {
  it('accepts the Standard Webhooks spec vector', () => {
    expect(signWebhook({ id: SPEC.id, timestamp: SPEC.timestamp, rawBody: SPEC.body, secret: SPEC.secret })).toBe(
      SPEC.signature,
    );
    expect(
      verifyWebhook({ rawBody: SPEC.body, headers: specHeaders(), secrets: [SPEC.secret], now: SPEC_NOW }),
    ).toEqual({ ok: true, id: SPEC.id, timestamp: SPEC.timestamp });
  });

  it('accepts a Buffer body and a fetch Headers object', () => {
    const headers = new Headers(specHeaders());
    const result = verifyWebhook({ rawBody: Buffer.from(SPEC.body), headers, secrets: [SPEC.secret], now: SPEC_NOW });
    expect(result.ok).toBe(true);
  });

  it('reads header names case-insensitively', () => {
    const headers = {
      'Webhook-Id': SPEC.id,
      'Webhook-Timestamp': String(SPEC.timestamp),
      'Webhook-Signature': SPEC.signature,
    };
    expect(verifyWebhook({ rawBody: SPEC.body, headers, secrets: [SPEC.secret], now: SPEC_NOW }).ok).toBe(true);
  });

  it('accepts when any of several signatures matches, skipping unknown versions', () => {
    const wrong = signWebhook({ id: SPEC.id, timestamp: SPEC.timestamp, rawBody: SPEC.body, secret: OTHER_SECRET });
    const header = `v2,c29tZXRoaW5nIGVsc2U= ${wrong} garbage v1,not-base64!! ${SPEC.signature}`;
    expect(
      verifyWebhook({ rawBody: SPEC.body, headers: specHeaders(header), secrets: [SPEC.secret], now: SPEC_NOW }).ok,
    ).toBe(true);
  });

  it('accepts repeated signature headers joined by Headers.get', () => {
    const headers = new Headers(specHeaders('v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='));
    headers.append('webhook-signature', SPEC.signature);
    expect(verifyWebhook({ rawBody: SPEC.body, headers, secrets: [SPEC.secret], now: SPEC_NOW }).ok).toBe(true);
  });

  it('refuses a signature of an unknown version even when its bytes are right', () => {
    const header = SPEC.signature.replace('v1,', 'v1a,');
    expect(
      verifyWebhook({ rawBody: SPEC.body, headers: specHeaders(header), secrets: [SPEC.secret], now: SPEC_NOW }),
    ).toEqual({ ok: false, reason: 'no_matching_signature' });
  });

  it('accepts any of several secrets (rotation)', () => {
    const result = verifyWebhook({
      rawBody: SPEC.body,
      headers: specHeaders(),
      secrets: [OTHER_SECRET, SPEC.secret],
      now: SPEC_NOW,
    });
    expect(result.ok).toBe(true);
  });

  it('takes a secret without the whsec_ prefix as the base64 key itself', () => {
    const bare = SPEC.secret.slice('whsec_'.length);
    expect(verifyWebhook({ rawBody: SPEC.body, headers: specHeaders(), secrets: [bare], now: SPEC_NOW }).ok).toBe(true);
  });

  it('refuses a tampered body', () => {
    const result = verifyWebhook({
      rawBody: '{"test": 2432232315}',
      headers: specHeaders(),
      secrets: [SPEC.secret],
      now: SPEC_NOW,
    });
    expect(result).toEqual({ ok: false, reason: 'no_matching_signature' });
  });

  it('refuses a tampered id or timestamp', () => {
    const otherId = { ...specHeaders(), 'webhook-id': 'msg_other' };
    expect(verifyWebhook({ rawBody: SPEC.body, headers: otherId, secrets: [SPEC.secret], now: SPEC_NOW }).ok).toBe(
      false,
    );
    const otherTime = { ...specHeaders(), 'webhook-timestamp': String(SPEC.timestamp + 1) };
    expect(verifyWebhook({ rawBody: SPEC.body, headers: otherTime, secrets: [SPEC.secret], now: SPEC_NOW }).ok).toBe(
      false,
    );
  });

  it('refuses the wrong secret', () => {
    expect(
      verifyWebhook({ rawBody: SPEC.body, headers: specHeaders(), secrets: [OTHER_SECRET], now: SPEC_NOW }),
    ).toEqual({ ok: false, reason: 'no_matching_signature' });
  });

  it('refuses when no secret is usable', () => {
    for (const secrets of [[], ['whsec_'], ['whsec_not base64!']]) {
      expect(verifyWebhook({ rawBody: SPEC.body, headers: specHeaders(), secrets, now: SPEC_NOW })).toEqual({
        ok: false,
        reason: 'no_valid_secret',
      });
    }
  });

  it('refuses timestamps more than the tolerance away from now, both ways', () => {
    const verifyAt = (offsetSeconds: number, toleranceSeconds?: number) =>
      verifyWebhook({
        rawBody: SPEC.body,
        headers: specHeaders(),
        secrets: [SPEC.secret],
        now: new Date((SPEC.timestamp + offsetSeconds) * 1000),
        toleranceSeconds,
      });
    expect(verifyAt(300).ok).toBe(true);
    expect(verifyAt(-300).ok).toBe(true);
    expect(verifyAt(301)).toEqual({ ok: false, reason: 'timestamp_too_old' });
    expect(verifyAt(-301)).toEqual({ ok: false, reason: 'timestamp_too_new' });
    expect(verifyAt(61, 60)).toEqual({ ok: false, reason: 'timestamp_too_old' });
  });

  it('refuses missing headers', () => {
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const headers: Record<string, string | undefined> = { ...specHeaders(), [name]: undefined };
      expect(verifyWebhook({ rawBody: SPEC.body, headers, secrets: [SPEC.secret], now: SPEC_NOW })).toEqual({
        ok: false,
        reason: 'missing_headers',
      });
    }
    expect(verifyWebhook({ rawBody: SPEC.body, headers: {}, secrets: [SPEC.secret], now: SPEC_NOW }).ok).toBe(false);
  });

  it('refuses a non-numeric timestamp', () => {
    for (const timestamp of ['abc', '1614265330.5', '-1614265330', '1e9', ' ']) {
      const headers = { ...specHeaders(), 'webhook-timestamp': timestamp };
      const result = verifyWebhook({ rawBody: SPEC.body, headers, secrets: [SPEC.secret], now: SPEC_NOW });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(['invalid_timestamp', 'missing_headers']).toContain(result.reason);
    }
  });

  it('builds the three headers of a signed delivery that verify', () => {
    const now = new Date();
    const headers = webhookHeaders({ id: 'msg_1', timestamp: now, rawBody: '{"id":"p1"}', secret: SPEC.secret });
    expect(Object.keys(headers).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(verifyWebhook({ rawBody: '{"id":"p1"}', headers, secrets: [SPEC.secret], now }).ok).toBe(true);
  });
});
