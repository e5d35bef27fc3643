/**
 * pixelgate sends money as decimal USD strings ("0.003"). The studio shows them as they are and
 * compares them as integer micro-dollars, never as floats.
 */
export function usdToMicros(usd: string): number {
  const match = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(usd.trim());
  if (!match) return 0;
  const [, sign, whole, fraction = ''] = match;
  const micros = Number(whole) * 1_000_000 + Number(fraction.padEnd(6, '0'));
  return sign ? -micros : micros;
}

export function formatUsd(usd: string | null | undefined): string {
  if (usd == null) return '—';
  const micros = usdToMicros(usd);
  const whole = Math.trunc(Math.abs(micros) / 1_000_000);
  let fraction = String(Math.abs(micros) % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  return `${micros < 0 ? '−' : ''}$${whole}.${fraction}`;
}
