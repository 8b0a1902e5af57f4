import type { RunningSimulator } from '@rootwatch/aws-sim';
import type { RootwatchConfig } from '@rootwatch/config';
import type { Db } from '@rootwatch/db';
import { createInlineDispatcher, createScanProducer, type RetryPolicy } from '@rootwatch/queue';
import { createAwsScanSource, createScanHandlers, createScanMetrics } from '../../src/index';
import { silentLogger } from './harness';

export const FAST_RETRY: RetryPolicy = {
  attempts: { 'scan.start': 6, 'scan.account': 8, 'scan.finalize': 10 },
  baseDelayMs: 50,
  maxDelayMs: 1_000,
};

/** The single-process wiring the demo and `scan --once` use: same handlers, inline transport. */
export function inlineScanner({
  db,
  sim,
  config,
  retry = FAST_RETRY,
}: {
  db: Db;
  sim: RunningSimulator;
  config: RootwatchConfig;
  retry?: RetryPolicy;
}) {
  const metrics = createScanMetrics();
  const source = createAwsScanSource({
    config,
    logger: silentLogger,
    observer: metrics,
    credentials: sim.credentials,
  });
  const handlers = createScanHandlers({ db, source, config, logger: silentLogger, observer: metrics });
  const dispatcher = createInlineDispatcher({ handlers, concurrency: config.worker.concurrency, retry });
  const producer = createScanProducer({ db, dispatcher });
  return {
    metrics,
    handlers,
    dispatcher,
    producer,
    async close() {
      await dispatcher.close();
      source.destroy();
    },
  };
}
