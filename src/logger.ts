/**
 * pino with redaction: secrets never reach a log line, whether they sit in a header, a nested
 * object or the text of a message.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  '*.*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'key',
  '*.key',
  'secret',
  '*.secret',
  'webhookSecret',
  '*.webhookSecret',
  'adminToken',
  '*.adminToken',
  'replicateApiToken',
  '*.replicateApiToken',
  'password',
  '*.password',
];

/** Bearer tokens, pixelgate keys, Replicate tokens and webhook secrets inside free text. */
const SECRET_IN_TEXT = /(Bearer\s+)[^\s"']+|\bpg_[A-Za-z0-9_-]{8,}|\br8_[A-Za-z0-9]{8,}|\bwhsec_[A-Za-z0-9+/=]{8,}/g;

export function redactText(text: string): string {
  return text.replace(SECRET_IN_TEXT, (match, bearer: string | undefined) =>
    bearer ? `${bearer}[Redacted]` : '[Redacted]',
  );
}

export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'pixelgate' },
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg));
          method.apply(this, redacted as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (error: unknown) => {
          const serialized = pino.stdSerializers.err(error as Error);
          if (serialized && typeof serialized.message === 'string') serialized.message = redactText(serialized.message);
          if (serialized && typeof serialized.stack === 'string') serialized.stack = redactText(serialized.stack);
          return serialized;
        },
      },
    },
    destination,
  );
}

/** A logger that writes nothing, for tests and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });
