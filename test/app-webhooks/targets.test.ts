/**
 * Where webhooks may go (SSRF). No request here leaves loopback: refused targets are refused before
 * any connection (the connect-time lookup answers with an error), and host names are resolved by
 * the test's own resolver.
 */
import type { LookupAddress } from 'node:dns';
import { checkedLookup, checkTargetUrl, refusedAddress, targetPolicy } from '../../src/app-webhooks/targets.ts';
import { eventually } from '../support/env.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { CreateWebhookEndpointDocument, WebhookEndpointsDocument } from './operations.ts';
import { startReceiver } from './receiver.ts';

const production = targetPolicy(true, []);
const development = targetPolicy(false, []);

const REFUSED_EVERYWHERE = [
  '10.0.0.1',
  '172.16.5.4',
  '192.168.1.1',
  '169.254.169.254',
  'fd00:ec2::254',
  '100.64.0.1',
  '0.0.0.0',
  '224.0.0.1',
  '255.255.255.255',
  'fe80::1',
  '64:ff9b::a00:1',
  '2002:a00:1::',
  '::ffff:10.0.0.1',
];

// The test's DNS: rebind.test is loopback (allowed outside production) until it is switched.
let rebound = false;
const resolve = async (hostname: string): Promise<LookupAddress[]> => {
  if (hostname !== 'rebind.test') throw Object.assign(new Error(`unknown host ${hostname}`), { code: 'ENOTFOUND' });
  return [{ address: rebound ? '10.0.0.5' : '127.0.0.1', family: 4 }];
};

const test = base.extend('receiver', { scope: 'file' }, async ({}, { onCleanup }) => {
  const receiver = await startReceiver();
  onCleanup(() => receiver.close());
  return receiver;
});
test.override('setup', { gateway: { appWebhooks: { resolve } } });

describe('webhook targets', () => {
  test('refuses every non-public address in production, loopback included; allows public unicast', () => {
    for (const address of [...REFUSED_EVERYWHERE, '127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      expect(refusedAddress(address, production), address).not.toBeNull();
    }
    for (const address of ['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111']) {
      expect(refusedAddress(address, production), address).toBeNull();
    }
  });

  test('allows loopback (only) outside production', () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1'])
      expect(refusedAddress(address, development)).toBeNull();
    for (const address of REFUSED_EVERYWHERE) expect(refusedAddress(address, development), address).not.toBeNull();
  });

  test('checks IP literals in URLs, whatever their spelling, and https in production', () => {
    for (const url of [
      'https://127.0.0.1/hooks',
      'https://[::ffff:127.0.0.1]/hooks',
      'https://[::ffff:7f00:1]/hooks',
      'https://2130706433/hooks',
      'https://0x7f.1/hooks',
      'https://169.254.169.254/latest/meta-data',
      'https://[fd00:ec2::254]/',
      'http://example.com/hooks',
      'https://user:secret@example.com/hooks',
      'ftp://example.com/hooks',
    ]) {
      expect(() => checkTargetUrl(url, production), url).toThrow();
    }
    expect(checkTargetUrl('https://example.com/hooks', production).href).toBe('https://example.com/hooks');
    expect(checkTargetUrl('http://127.0.0.1:9/hooks', development).href).toBe('http://127.0.0.1:9/hooks');
    expect(() => checkTargetUrl('http://[::ffff:10.0.0.1]/', development)).toThrow(/private/);
  });

  test('lets WEBHOOK_ALLOWED_TARGETS name exceptions: hosts (http too) and CIDRs', () => {
    const policy = targetPolicy(true, ['10.0.0.0/8', 'hooks.internal', 'fd00::5']);
    expect(refusedAddress('10.20.30.40', policy)).toBeNull();
    expect(refusedAddress('fd00::5', policy)).toBeNull();
    expect(refusedAddress('192.168.0.1', policy)).not.toBeNull();
    expect(checkTargetUrl('http://hooks.internal/x', policy).host).toBe('hooks.internal');
  });

  test('refuses a host name when any address it resolves to is refused, before connecting', async () => {
    const resolve = async (): Promise<LookupAddress[]> => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    const lookup = checkedLookup(production, resolve);
    const error = await new Promise<Error | null>((done) =>
      lookup('rebind.example', { all: true }, (err) => done(err)),
    );
    expect(error?.message).toBe('rebind.example resolves to a private address');
  });
});

describe('webhook targets through the API and the delivery pool', () => {
  test('refuses private, link-local and metadata URLs when an endpoint is saved, writing nothing', async ({
    app,
    gateway,
    newUser,
  }) => {
    const { key, userId } = await newUser();
    for (const url of [
      'http://10.1.2.3/hooks',
      'http://169.254.169.254/latest',
      'http://[::ffff:192.168.0.1]/',
      'http://[fd00:ec2::254]/',
    ]) {
      const answer = await app.graphql(CreateWebhookEndpointDocument, { input: { url } }, key);
      expect(answer.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        invalidFields: [{ path: 'input.url' }],
      });
    }
    const rows = await gateway.db
      .selectFrom('app_webhook_endpoints')
      .select('id')
      .where('user_id', '=', userId)
      .execute();
    expect(rows).toEqual([]);
  });

  test('refuses a host that rebinds to a private address at connect time: nothing is sent', async ({
    app,
    gateway,
    newUser,
    receiver,
  }) => {
    const { key } = await newUser();
    const url = receiver.url.replace('127.0.0.1', 'rebind.test');
    const created = await app.graphql(
      CreateWebhookEndpointDocument,
      { input: { url, events: ['generation.queued'] } },
      key,
    );
    expect(created.errors).toBeUndefined();
    await gateway.generate(key, { modelId: 'flux-schnell', prompt: 'before the rebinding' });
    await eventually(
      async () => receiver.received.length,
      (count) => count === 1,
    );

    rebound = true;
    await gateway.generate(key, { modelId: 'flux-schnell', prompt: 'after the rebinding' });
    const [endpoint] = await eventually(
      async () => (await app.graphql(WebhookEndpointsDocument, {}, key)).data!.webhookEndpoints,
      (endpoints) => endpoints[0]!.deliveries.edges.some((edge) => edge.node.status === 'FAILED'),
    );
    const failed = endpoint!.deliveries.edges.map((edge) => edge.node).find((node) => node.status === 'FAILED')!;
    expect(failed).toMatchObject({ attempts: 1, lastResponseCode: null });
    expect(failed.lastError).toMatch(/refused: .*rebind\.test resolves to a private address/);
    expect(receiver.received).toHaveLength(1);
  });
});
