import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Logger } from '@rootwatch/api/logger';
import type { RootwatchConfig } from '@rootwatch/config';
import { DEFAULT_HEALTH } from '@rootwatch/config';
import type { Database } from '@rootwatch/db';

/** One dependency the process cannot do its work without, checked through the very client it uses. */
export type LivenessCheck = { name: string; check: () => Promise<unknown> };

export type LivenessOptions = {
  checks: LivenessCheck[];
  /** 0 picks a free port (tests). */
  port: number;
  host?: string;
  /** /live answers 503 once no round of checks has passed for this long. */
  staleAfterMs: number;
  /** How often the checks run; each one fails if it takes longer than this. */
  intervalMs?: number;
  logger: Logger;
};

export type RunningLiveness = {
  url: string;
  /** Runs one round of checks now (tests; the timer runs them anyway). */
  checkNow(): Promise<void>;
  close(): Promise<void>;
};

/**
 * The liveness endpoint of the worker and the scheduler (`GET /live`). A pod must be restarted when its
 * database pool is wedged or its Redis connection never comes back, and only the process can see that: it
 * checks both through its own clients, and /live turns 503 when no round has passed for `staleAfterMs`.
 * A short outage (a Redis restart, a database failover) stays inside the window, so it restarts nothing;
 * the clients reconnect by themselves.
 */
export async function startLiveness({
  checks,
  port,
  host = '0.0.0.0',
  staleAfterMs,
  intervalMs = Math.min(10_000, Math.max(100, Math.floor(staleAfterMs / 4))),
  logger,
}: LivenessOptions): Promise<RunningLiveness> {
  // Healthy from the start: the process only got here with both dependencies working.
  let lastHealthyAt = Date.now();
  let failing: Record<string, string> = {};
  let round: Promise<void> | undefined;

  const withTimeout = (promise: Promise<unknown>) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${intervalMs} ms`)), intervalMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  };

  const runRound = async () => {
    const results = await Promise.all(
      checks.map(({ name, check }) =>
        withTimeout(Promise.resolve().then(check)).then(
          () => undefined,
          (error: Error) => [name, error.message] as const,
        ),
      ),
    );
    const failed = Object.fromEntries(results.filter((r) => r !== undefined));
    const wasFailing = Object.keys(failing).length > 0;
    failing = failed;
    if (Object.keys(failed).length === 0) {
      lastHealthyAt = Date.now();
      if (wasFailing) logger.info('liveness checks pass again');
    } else if (!wasFailing) {
      // Once per outage, not per round.
      logger.warn({ failing: failed }, 'liveness checks failing');
    }
  };
  const checkNow = () => {
    round ??= runRound().finally(() => {
      round = undefined;
    });
    return round;
  };
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/live' && req.url !== '/health')) {
      res.writeHead(404).end();
      return;
    }
    const staleForMs = Date.now() - lastHealthyAt;
    const live = staleForMs <= staleAfterMs;
    res.writeHead(live ? 200 : 503, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        status: live ? 'ok' : 'failing',
        lastHealthyAt: new Date(lastHealthyAt).toISOString(),
        failing: Object.keys(failing),
      }),
    );
  });
  server.listen(port, host);
  await once(server, 'listening');
  const timer = setInterval(() => void checkNow(), intervalMs);
  timer.unref();
  const address = server.address() as { port: number };
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    checkNow,
    async close() {
      clearInterval(timer);
      server.close();
      server.closeAllConnections();
      await once(server, 'close').catch(() => {});
    },
  };
}

/** The process's own pool: a pool whose clients all leaked fails this on its connect timeout. */
export function databaseCheck(database: Database): LivenessCheck {
  return {
    name: 'database',
    check: () => (database.driver === 'pg' ? database.pool.query('SELECT 1') : Promise.resolve()),
  };
}

/**
 * The process's own BullMQ connection (`getBackend().client`): it answers a round trip or it is not live.
 * BullMQ's client interface has no PING; a GET of a key nobody writes is the same round trip.
 */
export function redisCheck(client: Promise<{ get(key: string): Promise<unknown> }>): LivenessCheck {
  return { name: 'redis', check: async () => (await client).get('rootwatch:liveness') };
}

/** Starts /live on ROOTWATCH_HEALTH_PORT unless it is 0. */
export async function startProcessLiveness(
  config: RootwatchConfig,
  logger: Logger,
  checks: LivenessCheck[],
): Promise<RunningLiveness | undefined> {
  const { port, staleAfterMs } = config.health ?? DEFAULT_HEALTH;
  if (port === 0) return undefined;
  try {
    const liveness = await startLiveness({ checks, port, staleAfterMs, logger });
    logger.info({ url: `${liveness.url}/live` }, 'liveness endpoint listening');
    return liveness;
  } catch (error) {
    // Two workers on one host (a laptop, a test) share the port: the second works without the endpoint
    // rather than not at all. In a pod the port is free, so the probe finds the endpoint.
    logger.warn(
      { err: error, port },
      'liveness endpoint not started; set ROOTWATCH_HEALTH_PORT to a free port',
    );
    return undefined;
  }
}
