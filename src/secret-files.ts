/**
 * Keeps the rotating secrets (the Replicate token, the admin token) current while the process
 * runs: their files are re-read when they change and on `reload()` (SIGHUP). The log names the
 * secret that changed, never its value.
 */
import { unwatchFile, watchFile } from 'node:fs';
import { ConfigError, reloadSecretFiles, rotatingSecretFiles, type Config } from './config.ts';
import type { Logger } from './logger.ts';

/**
 * Polled `stat`, not inotify: it follows the path, so it sees the symlink swap by which
 * Kubernetes updates a mounted secret as well as an edit in place.
 */
const WATCH_INTERVAL_MS = 1_000;

export interface SecretFileWatch {
  /** Re-reads the files now (SIGHUP). */
  reload(trigger?: string): void;
  stop(): void;
}

export function watchSecretFiles(config: Config, logger: Logger, intervalMs = WATCH_INTERVAL_MS): SecretFileWatch {
  const reload = (trigger = 'signal') => {
    try {
      for (const secret of reloadSecretFiles(config)) {
        logger.info({ secret, trigger }, `${secret} changed; new requests use the new value`);
      }
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      logger.warn({ problems: error.problems }, 'could not re-read a secret file; keeping the current value');
    }
  };
  const files = rotatingSecretFiles(config);
  const onChange = () => reload('file');
  for (const file of files) watchFile(file, { interval: intervalMs, persistent: false }, onChange);
  return {
    reload,
    stop: () => {
      for (const file of files) unwatchFile(file, onChange);
    },
  };
}
