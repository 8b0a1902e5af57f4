import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI_BIN = fileURLToPath(new URL('../bin/rootwatch.mjs', import.meta.url));

/**
 * The child's whole environment, built explicitly: nothing leaks in from the machine running the tests
 * (no DATABASE_URL, no ~/.aws profile, no instance metadata lookups).
 */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/rootwatch-test/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/rootwatch-test/credentials',
    ROOTWATCH_LOG_LEVEL: 'warn',
    // Any free port: tests run side by side, and the default 9464 would collide.
    ROOTWATCH_METRICS_PORT: '0',
    ...extra,
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `rootwatch <args>` to completion (killed after timeoutMs). */
export function runCli(
  args: string[],
  { env = cliEnv(), timeoutMs = 120_000 }: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: REPO_ROOT, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface RunningCli {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** Resolves with the first match of `pattern` in stdout+stderr (rejects on exit or timeout). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a long-running command (`demo`, `api`, …) and lets the test watch its output. */
export function startCli(
  args: string[],
  {
    env = cliEnv(),
    command = [process.execPath, CLI_BIN],
  }: {
    /** 'inherit': the test runner's own environment (a shell running README commands needs PATH, HOME). */
    env?: Record<string, string> | 'inherit';
    command?: string[];
  } = {},
): RunningCli {
  const [file, ...pre] = command;
  const child = spawn(file!, [...pre, ...args], {
    cwd: REPO_ROOT,
    ...(env === 'inherit' ? {} : { env }),
    stdio: 'pipe',
    // Its own process group, so a test can signal it the way a terminal does and check nothing is left.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d) => {
    stdout += d;
    for (const l of listeners) l();
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
    for (const l of listeners) l();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
      for (const l of listeners) l();
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    waitFor(pattern, timeoutMs = 240_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = `${stdout}\n${stderr}`.match(pattern);
          if (match) {
            cleanup();
            resolve(match);
          } else if (done) {
            cleanup();
            reject(new Error(`exited before ${pattern}:\nstdout: ${stdout}\nstderr: ${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}:\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Pids of every live process in the process group led by `pid` (the CLI was spawned detached). */
export async function processGroupMembers(pgid: number): Promise<number[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const members: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state ppid pgrp …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {}
  }
  return members;
}
