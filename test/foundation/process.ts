/** Runs the real `pixelgate` command (bin/pixelgate.js) as a child process, as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/pixelgate.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Only what the command needs: nothing from the test runner's own environment leaks in. */
export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env };
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `detached`: in a process group of its own, as a shell runs a foreground job (for `kill(-pid)`). */
export function spawnCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { detached?: boolean } = {},
): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
}

export async function runCli(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<CliResult> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  );
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface ServedCli {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<Exit>;
  output(): string;
}

interface CliOptions {
  readonly detached?: boolean;
  readonly logLevel?: string;
  /** Who stops the child: it is added as it is spawned, before it is ready. */
  readonly children?: CliChildren;
}

/**
 * The children a fixture stops when it ends. `startCli` adds each one as soon as it is spawned, not
 * once it is ready: when one member of a fleet fails to start, `Promise.all` rejects while its
 * siblings are still starting, and those must be stopped too. A child added after `stop` (a
 * sibling whose spawn came later) is killed at once.
 */
export class CliChildren {
  readonly #children: Array<{ child: ChildProcess; exited: Promise<Exit> }> = [];
  #stopped = false;

  add(child: ChildProcess, exited: Promise<Exit>): void {
    this.#children.push({ child, exited });
    if (this.#stopped) child.kill('SIGKILL');
  }

  /** Every child ever added (running or not), by pid. */
  get pids(): number[] {
    return this.#children.map(({ child }) => child.pid!);
  }

  /** Kills every child still running, started or starting, and waits until each has exited. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const { child } of this.#children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(this.#children.map(({ exited }) => exited));
  }
}

/** What `pixelgate serve` prints once it listens: its address. */
const SERVE_READY = /GraphiQL at (http:\/\/\S+)\/graphql/;
/** What `pixelgate worker` logs (at info) once its health endpoint listens: its address. */
const WORKER_READY = /"health":"(http:\/\/[^"]+)\/readyz"/;

/**
 * A long-running `pixelgate` command (`args`) on a free port; resolves with the address its
 * output names once `ready` (its first group) matches, rejects if it exits first. `children`
 * takes the child before it is ready, so whoever owns them can stop it whatever its start does.
 */
export async function startCli(
  args: readonly string[],
  env: Record<string, string>,
  ready: RegExp,
  options: CliOptions = {},
): Promise<ServedCli> {
  const child = spawnCli(
    args,
    { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: options.logLevel ?? 'warn', ...env },
    { detached: options.detached },
  );
  let output = '';
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  options.children?.add(child, exited);
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: string) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    void exited.then(({ code, signal }) =>
      reject(new Error(`${args.join(' ')} exited early (${code ?? signal}):\n${output}`)),
    );
  });
  return { child, url, exited, output: () => output };
}

/**
 * `pixelgate serve` on a free port (`args`: e.g. `['serve', '--no-worker']`); resolves once it
 * prints its GraphiQL URL.
 */
export function serveCli(
  env: Record<string, string>,
  options: CliOptions & { args?: readonly string[] } = {},
): Promise<ServedCli> {
  return startCli(options.args ?? ['serve'], env, SERVE_READY, options);
}

/** `pixelgate worker` on a free port; resolves once it logs its health address (`url`). */
export function workerCli(env: Record<string, string>, options: { children?: CliChildren } = {}): Promise<ServedCli> {
  return startCli(['worker'], env, WORKER_READY, { logLevel: 'info', children: options.children });
}
