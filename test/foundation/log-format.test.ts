/**
 * Log lines are for whoever reads them (issue 24, item 7): readable lines when the command's log
 * stream is a terminal, JSON lines otherwise — and redacted either way.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logDestination } from '../../src/logger.ts';

/** A stream that says whether it is a terminal, collecting what is written to it. */
function captured(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

// Escape sequences the colourer writes; a terminal shows them as colour.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

describe('log format', () => {
  it('writes readable, coloured lines to a terminal, with secrets redacted', async () => {
    const terminal = captured(true);
    const logger = createLogger('info', logDestination(terminal.stream));
    logger.warn(
      { generationId: 'g-1', authorization: 'Bearer pg_secret_value_123' },
      'upstream slow for pg_abcdefghijkl',
    );
    await expect.poll(() => terminal.text()).toContain('upstream slow');
    const line = terminal.text();
    expect(line).toMatch(ANSI);
    const plain = line.replace(ANSI, '');
    expect(plain).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] WARN: upstream slow for \[Redacted\]\n/);
    expect(plain).toContain('generationId: "g-1"');
    expect(plain).not.toContain('pg_secret_value_123');
    expect(plain).not.toContain('pg_abcdefghijkl');
    expect(() => JSON.parse(plain)).toThrow();
  });

  it('writes one JSON object per line anywhere else (a pipe, a file, a collector)', async () => {
    const pipe = captured(false);
    const logger = createLogger('info', logDestination(pipe.stream));
    logger.info({ generationId: 'g-2', token: 'r8_secrettoken123' }, 'generation queued');
    await expect.poll(() => pipe.text()).toContain('\n');
    const record = JSON.parse(pipe.text()) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 30, msg: 'generation queued', generationId: 'g-2', service: 'pixelgate' });
    expect(record.token).toBe('[Redacted]');
  });
});
