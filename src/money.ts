/**
 * Money is integer micro-dollars everywhere inside pixelgate (1 USD = 1,000,000 micros); these
 * helpers are the only place where it meets decimal text.
 */
/** An amount of money in micro-dollars: always a safe integer. */
export type Micros = number;

export const MICROS_PER_USD = 1_000_000;

export class MoneyFormatError extends Error {}

/** The largest amount, either way, that pixelgate accepts as input (env, CLI, GraphQL). */
export const MAX_USD_AMOUNT = 1_000_000;
const MAX_MICROS = MAX_USD_AMOUNT * MICROS_PER_USD;

const USD_PATTERN = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * "0.003" → 3000. Whitespace around a string is ignored (as around every text input); anything
 * else but digits, one leading "-" and one "." is refused, as are more than 6 decimals, exponents,
 * NaN, infinities, empty text and amounts beyond ±MAX_USD_AMOUNT.
 */
export function parseUsdToMicros(value: string | number): Micros {
  if (typeof value === 'number' && Number.isFinite(value) && Math.abs(value) > MAX_USD_AMOUNT) throw tooLarge();
  const text = typeof value === 'number' ? numberToPlainText(value) : value.trim();
  const match = USD_PATTERN.exec(text);
  if (!match) throw new MoneyFormatError('expected a USD amount with at most 6 decimals, e.g. "0.25"');
  const [, minus, digits = '', fraction = ''] = match;
  if (fraction.length > 6) throw new MoneyFormatError('at most 6 decimals are allowed (1 micro-dollar)');
  const whole = digits.replace(/^0+(?=\d)/, '');
  if (whole.length > String(MAX_USD_AMOUNT).length) throw tooLarge();
  const micros = Number(whole) * MICROS_PER_USD + Number(fraction.padEnd(6, '0'));
  if (micros > MAX_MICROS) throw tooLarge();
  return minus ? -micros : micros;
}

function tooLarge(): MoneyFormatError {
  return new MoneyFormatError(`must be between -${MAX_USD_AMOUNT} and ${MAX_USD_AMOUNT} USD`);
}

function numberToPlainText(value: number): string {
  if (!Number.isFinite(value)) throw new MoneyFormatError('expected a finite USD amount');
  // toFixed(7) exposes a 7th decimal instead of silently rounding it away.
  const fixed = value.toFixed(7).replace(/0+$/, '').replace(/\.$/, '');
  return fixed;
}

/** 3000 → "0.003"; 60000 → "0.06"; 0 → "0". */
export function formatMicrosAsUsd(micros: Micros): string {
  if (!Number.isSafeInteger(micros)) throw new MoneyFormatError('money must be a whole number of micros');
  const sign = micros < 0 ? '-' : '';
  const absolute = Math.abs(micros);
  const whole = Math.floor(absolute / MICROS_PER_USD);
  const fraction = String(absolute % MICROS_PER_USD)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}
