export {
  API_KEY_SCOPES,
  type ApiKeyScope,
  generateApiKey,
  hashApiKey,
  parseApiKey,
} from './api-keys/api-keys';
export {
  type ApiKeyInfo,
  ApiKeyInputError,
  type ApiKeysUsecases,
  createApiKeysUsecases,
} from './api-keys/api-keys.usecases';
export {
  type AuthDecision,
  type BuildAppOptions,
  buildApp,
  type RootwatchApp,
  type ScanStarter,
} from './app';
export { type CursorCodec, createCursorCodec } from './cursor-codec';
export { ApiError } from './errors';
export {
  createExceptionsUsecases,
  describePlanStep,
  ExceptionInputError,
  type ExceptionPlanStep,
  type ExceptionsUsecases,
  type KeyedExceptionRequest,
} from './exceptions/exceptions.usecases';
export { type CreateLoggerOptions, createLogger, type Logger, scrubText, scrubValue } from './logger';
export { registerScanCounters, type ScanCounterSource } from './metrics';
export { buildMetricsApp, type MetricsServer, startMetricsServer } from './metrics-server';
export type { ResponseCacheOptions } from './single-flight-response-cache';
export { type RunningApi, type StartApiOptions, startApi } from './start-api';
