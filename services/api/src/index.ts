export { hashApiKey, parseApiKey } from './api-keys/api-keys';
export { createApiKeysUsecases } from './api-keys/api-keys.usecases';
export { type BuildAppOptions, buildApp, type RootwatchApp } from './app';
export { createCursorCodec } from './cursor-codec';
export { createExceptionsUsecases, describePlanStep } from './exceptions/exceptions.usecases';
export { createLogger } from './logger';
export { registerScanCounters } from './metrics';
export { startMetricsServer } from './metrics-server';
export { type RunningApi, startApi } from './start-api';
