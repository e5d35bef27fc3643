import { describe, expect, it } from 'vitest';
import { parseProgressPercent } from '../../src/replicate/progress.ts';

describe('parseProgressPercent', () => {
  it.each([
    ['no logs', null, null],
    ['undefined logs', undefined, null],
    ['empty logs', '', null],
    ['plain API-model logs', 'Using seed: 7710683\nGenerating...\nGenerated image in 5.0sec\n', null],
    ['a single tqdm line', '  0%|          | 0/4 [00:00<?, ?it/s]', 0],
    [
      'the last of several tqdm lines',
      'Using seed: 1234\n  0%|          | 0/4 [00:00<?, ?it/s]\n 25%|██▌       | 1/4\n 75%|███████▌  | 3/4 [00:00<00:00, 11.2it/s]',
      75,
    ],
    ['carriage-return updates on one line', ' 25%|██▌ | 1/4\r 50%|█████ | 2/4\r', 50],
    ['a finished bar', '100%|██████████| 4/4 [00:00<00:00, 12.0it/s]\n', 100],
    ['a value above 100 is clamped', 'progress 250%', 100],
    ['a decimal percentage keeps its whole part', 'progress 12.5%', 12],
    ['a later percentage wins over an earlier larger one', '90% cached\nstep 10%', 10],
  ])('%s', (_name, logs, expected) => {
    expect(parseProgressPercent(logs)).toBe(expected);
  });
});
