/**
 * The Replicate simulator alone, for tests of the simulator itself and of the Replicate client
 * against it (no gateway, no database):
 *
 *     import { describe, expect, test } from '../support/simulator-fixtures.ts';
 *     test.override('simulatorSetup', { webhookSecret: SECRET });   // optional, at the top of the file
 *     describe('webhooks', () => {
 *       test('are signed', async ({ simulator }) => { … });
 *     });
 *
 * `simulator` starts on a free port at speed 0.02 (or as `simulatorSetup` says), with the
 * simulator's own rate limits, on first use, and closes after the file's last test. Like every
 * fixture in fixtures.ts it is file-scoped: the tests of a file share it.
 */
import { test as base } from 'vitest';
import { startSimulator, type RunningSimulator, type StartSimulatorOptions } from '../../src/simulator/index.ts';

export { describe, expect } from 'vitest';
export type { RunningSimulator };

export const test = base
  .extend('simulatorSetup', { scope: 'file' }, {} as StartSimulatorOptions)
  .extend('simulator', { scope: 'file' }, async ({ simulatorSetup }, { onCleanup }) => {
    const simulator = await startSimulator({ port: 0, speed: 0.02, ...simulatorSetup });
    onCleanup(() => simulator.close());
    return simulator;
  });
