/**
 * pino with redaction: secrets never reach a log line, whether they sit in a header, a nested
 * object or the text of a message.
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

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

/**
 * What an error may put in a log line: its class, message and code (for Postgres errors also
 * severity and routine), its cause by the same rules, and its stack only at debug level. Never the
 * objects errors carry — a pg Client with its connection parameters and backend secret, a socket,
 * a pool — which a generic serializer would dump whole.
 */
export function serializeError(error: unknown, withStack = false, depth = 0): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) return { message: redactText(String(error)) };
  const fields = error as {
    message?: unknown;
    code?: unknown;
    severity?: unknown;
    routine?: unknown;
    stack?: unknown;
    cause?: unknown;
    originalError?: unknown;
  };
  const serialized: Record<string, unknown> = {
    type: (error as { constructor?: { name?: string } }).constructor?.name ?? 'Object',
    message: redactText(typeof fields.message === 'string' ? fields.message : String(error)),
  };
  if (typeof fields.code === 'string' || typeof fields.code === 'number') serialized.code = fields.code;
  if (typeof fields.severity === 'string') serialized.severity = fields.severity;
  if (typeof fields.routine === 'string') serialized.routine = fields.routine;
  if (withStack && typeof fields.stack === 'string') serialized.stack = redactText(fields.stack);
  const cause = fields.cause ?? fields.originalError;
  if (cause !== undefined && cause !== null && cause !== error && depth < 2) {
    serialized.cause = serializeError(cause, withStack, depth + 1);
  }
  return serialized;
}

const DEBUG_LEVELS = new Set(['debug', 'trace']);

export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  const withStack = DEBUG_LEVELS.has(level);
  const errorSerializer = (error: unknown) => serializeError(error, withStack);
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
      serializers: { err: errorSerializer, error: errorSerializer },
    },
    destination,
  );
}

/**
 * Where a command's log lines go on `stream` (stdout or stderr): readable lines with colours when
 * it is a terminal (someone reads them), JSON lines otherwise (a collector parses them). Written
 * synchronously either way, so the last line before an exit is not lost.
 */
export function logDestination(
  stream: NodeJS.WritableStream & { isTTY?: boolean; fd?: number },
): pino.DestinationStream {
  if (!stream.isTTY) return stream.fd === undefined ? stream : pino.destination({ fd: stream.fd, sync: true });
  return pretty({
    destination: stream.fd ?? stream,
    sync: true,
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
  });
}

/** A logger that writes nothing, for tests and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });
