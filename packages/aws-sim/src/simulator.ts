import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACCOUNT_PATHS, handleAccount } from './account.service';
import { AwsError, throttling } from './aws-error';
import { handleControl } from './control-api';
import { REGION } from './defaults';
import { handleIam, type QueryCall } from './iam.service';
import { parseOrgDefinition } from './org-definition';
import type { OrgDefinition, SimStats } from './org-definition.types';
import { handleOrganizations, type JsonCall, ORGANIZATIONS_TARGET_PREFIX } from './organizations.service';
import { createSigV4Verifier, headerValue, parseAuthorization, sha256Hex } from './sigv4';
import {
  callerAccountId,
  createSimState,
  derivedId,
  emptyStats,
  type Identity,
  type SimState,
} from './sim-state';
import { handleSqs, SQS_TARGET_PREFIX, SqsError } from './sqs.service';
import { handleSts } from './sts.service';
import { IAM_NAMESPACE, queryError, queryResponse, STS_NAMESPACE } from './xml';

export interface StartSimulatorOptions {
  /** Raw org definition JSON (validated) or a parsed OrgDefinition. */
  definition: unknown;
  port?: number;
  host?: string;
  /** Clock for session expiry and credential-report timing (tests fake it). Default Date.now. */
  now?: () => number;
  /** Seed for latency and random throttling. Default 42. */
  seed?: number;
}

export interface RunningSimulator {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  definition(): OrgDefinition;
  stats(): SimStats;
  resetStats(): void;
  stop(): Promise<void>;
}

type Protocol = 'query' | 'json' | 'json1.0' | 'rest-json';
type Service = 'iam' | 'sts' | 'organizations' | 'account' | 'sqs';

interface Route {
  protocol: Protocol;
  service: Service;
  operation: string;
  params?: URLSearchParams;
  input?: Record<string, unknown>;
}

const MAX_BODY = 1024 * 1024;
const QUERY_VERSIONS: Record<string, Service> = { '2010-05-08': 'iam', '2011-06-15': 'sts' };
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export async function startSimulator(opts: StartSimulatorOptions): Promise<RunningSimulator> {
  const definition = parseOrgDefinition(opts.definition);
  const state = createSimState({ definition, now: opts.now ?? Date.now, seed: opts.seed });
  const verifier = createSigV4Verifier();

  const server = createServer((req, res) => {
    handleRequest(state, verifier, req, res).catch((err: unknown) => {
      // Last resort: never let a request crash the process.
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ __type: 'InternalFailure', message: String((err as Error)?.message ?? err) }),
        );
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    region: REGION,
    credentials: { ...state.definition.caller },
    definition: () => structuredClone(state.definition),
    stats: () => structuredClone(state.stats),
    resetStats: () => {
      state.stats = emptyStats();
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        state.sqs.wakeAll();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Keep draining an oversized body so the client still gets an answer.
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY) resolve(null);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

async function handleRequest(
  state: SimState,
  verifier: ReturnType<typeof createSigV4Verifier>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = randomUUID();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const body = await readBody(req);

  if (path === '/_sim' || path.startsWith('/_sim/')) {
    const out = body
      ? handleControl(state, req.method ?? 'GET', path, body, headerValue(req.headers.host) ?? '127.0.0.1')
      : tooLarge();
    if (out.body === undefined) res.writeHead(out.status).end();
    else {
      const text = JSON.stringify(out.body);
      res.writeHead(out.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    }
    return;
  }

  let route: Route;
  try {
    if (!body) throw new AwsError('RequestEntityTooLarge', 413, 'Request body too large.');
    route = routeOf(req, path, body);
  } catch (err) {
    const target = headerValue(req.headers['x-amz-target']) ?? '';
    const protocol: Protocol = target.startsWith(SQS_TARGET_PREFIX)
      ? 'json1.0'
      : target
        ? 'json'
        : path === '/'
          ? 'query'
          : 'rest-json';
    return sendError(res, protocol, 'iam', asAwsError(err), requestId);
  }

  const opKey = `${route.service}:${route.operation}`;
  const stats = state.stats;
  stats.requests++;
  stats.byOperation[opKey] = (stats.byOperation[opKey] ?? 0) + 1;
  const actOn = (accountId: string) => {
    stats.byAccount[accountId] = (stats.byAccount[accountId] ?? 0) + 1;
  };

  let result: unknown;
  let error: AwsError | null = null;
  try {
    const bodyHash = sha256Hex(body!);
    const identity = authenticate(state, verifier, req, path, query, body!, bodyHash, route.service);
    checkThrottle(state, route, identity);
    switch (route.service) {
      case 'iam':
      case 'sts': {
        const call: QueryCall = {
          state,
          identity,
          action: route.operation,
          params: route.params!,
          actOn,
          // The SigV4 scope's region: the regional STS endpoint the request was sent to.
          region: parseAuthorization(headerValue(req.headers.authorization))?.region ?? REGION,
          globalEndpoint: isGlobalStsHost(headerValue(req.headers.host)),
        };
        result = route.service === 'iam' ? handleIam(call) : handleSts(call);
        break;
      }
      case 'organizations':
      case 'account': {
        const call: JsonCall = { state, identity, operation: route.operation, input: route.input!, actOn };
        result = route.service === 'organizations' ? handleOrganizations(call) : handleAccount(call);
        break;
      }
      case 'sqs':
        result = await handleSqs({
          state,
          identity,
          operation: route.operation,
          input: route.input!,
          host: headerValue(req.headers.host) ?? '127.0.0.1',
          gone: () => req.socket.destroyed,
        });
        break;
    }
  } catch (err) {
    error = asAwsError(err);
    if (error.isThrottling) stats.throttled++;
    else stats.failed++;
  }

  const { min, max } = state.definition.latencyMs;
  if (max > 0) await sleep(min + state.rng.next() * (max - min));

  if (error) return sendError(res, route.protocol, route.service, error, requestId);
  if (route.protocol === 'query') {
    const ns = route.service === 'iam' ? IAM_NAMESPACE : STS_NAMESPACE;
    send(res, 200, 'text/xml', queryResponse(ns, route.operation, result as string, requestId), requestId);
  } else {
    const type =
      route.protocol === 'json'
        ? 'application/x-amz-json-1.1'
        : route.protocol === 'json1.0'
          ? 'application/x-amz-json-1.0'
          : 'application/json';
    send(res, 200, type, JSON.stringify(result), requestId);
  }
}

function tooLarge(): { status: number; body: unknown } {
  return { status: 413, body: { error: { code: 'body_too_large', message: 'Request body too large.' } } };
}

function routeOf(req: IncomingMessage, path: string, body: Buffer): Route {
  const target = headerValue(req.headers['x-amz-target']);
  if (target?.startsWith(SQS_TARGET_PREFIX))
    return {
      protocol: 'json1.0',
      service: 'sqs',
      operation: target.slice(SQS_TARGET_PREFIX.length),
      input: jsonBody(body, 'SerializationException'),
    };
  if (target) {
    if (!target.startsWith(ORGANIZATIONS_TARGET_PREFIX))
      throw new AwsError('UnknownOperationException', 400, `Unknown target ${target}`);
    return {
      protocol: 'json',
      service: 'organizations',
      operation: target.slice(ORGANIZATIONS_TARGET_PREFIX.length),
      input: jsonBody(body, 'SerializationException'),
    };
  }
  const restOperation = ACCOUNT_PATHS[path];
  if (restOperation && req.method === 'POST')
    return {
      protocol: 'rest-json',
      service: 'account',
      operation: restOperation,
      input: jsonBody(body, 'ValidationException'),
    };
  if (path !== '/' || req.method !== 'POST')
    throw new AwsError('UnknownOperationException', 404, `No operation at ${req.method} ${path}`);
  const params = new URLSearchParams(body.toString('utf8'));
  const action = params.get('Action');
  const version = params.get('Version') ?? '';
  const service = QUERY_VERSIONS[version] ?? scopeService(req);
  if (!service)
    throw new AwsError('InvalidAction', 400, `Could not find a service for version ${version || '(none)'}`);
  if (!action) throw new AwsError('MissingAction', 400, 'Missing Action');
  return { protocol: 'query', service, operation: action, params };
}

/**
 * The global STS endpoint is told from a regional one by its host name only (both sign for
 * us-east-1): a request whose Host is `sts.amazonaws.com` (any port) reached "the global endpoint".
 */
function isGlobalStsHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return name === 'sts.amazonaws.com';
}

function scopeService(req: IncomingMessage): Service | undefined {
  const service = parseAuthorization(headerValue(req.headers.authorization))?.service;
  return service === 'iam' || service === 'sts' ? service : undefined;
}

function jsonBody(body: Buffer, errorCode: string): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsError(
      errorCode,
      400,
      'Start of structure or map found where not expected, or the body is not valid JSON.',
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new AwsError(errorCode, 400, 'Expected a JSON object as the request body.');
  return parsed as Record<string, unknown>;
}

function authenticate(
  state: SimState,
  verifier: ReturnType<typeof createSigV4Verifier>,
  req: IncomingMessage,
  path: string,
  query: string,
  body: Buffer,
  bodyHash: string,
  service: Service,
): Identity {
  const header = headerValue(req.headers.authorization);
  const auth = parseAuthorization(header);
  if (!auth) {
    if (!header)
      throw new AwsError('MissingAuthenticationToken', 403, 'Request is missing Authentication Token');
    throw new AwsError(
      'IncompleteSignature',
      403,
      `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.`,
    );
  }
  if (auth.service !== service)
    throw new AwsError(
      'SignatureDoesNotMatch',
      403,
      `Credential should be scoped to correct service: '${service}'.`,
    );
  const sentHash = headerValue(req.headers['x-amz-content-sha256']);
  if (sentHash !== undefined && sentHash !== bodyHash)
    throw new AwsError('SignatureDoesNotMatch', 403, SIGNATURE_MISMATCH);

  const { caller } = state.definition;
  const request = { method: req.method ?? 'POST', path, query, headers: req.headers, body };
  if (auth.accessKeyId === caller.accessKeyId) {
    if (!verifier.verify(request, auth, caller.secretAccessKey, bodyHash))
      throw new AwsError('SignatureDoesNotMatch', 403, SIGNATURE_MISMATCH);
    return callerIdentity(callerAccountId(state));
  }
  const session = state.sessions.get(auth.accessKeyId);
  if (!session || headerValue(req.headers['x-amz-security-token']) !== session.sessionToken)
    throw new AwsError('InvalidClientTokenId', 403, 'The security token included in the request is invalid.');
  if (state.now() >= session.expiresAt)
    throw new AwsError('ExpiredToken', 403, 'The security token included in the request is expired');
  if (!verifier.verify(request, auth, session.secretAccessKey, bodyHash))
    throw new AwsError('SignatureDoesNotMatch', 403, SIGNATURE_MISMATCH);
  if (session.kind === 'root')
    return {
      kind: 'root',
      accountId: session.accountId,
      arn: `arn:aws:iam::${session.accountId}:root`,
      userId: session.accountId,
      session,
    };
  return {
    kind: 'role',
    accountId: session.accountId,
    arn: `arn:aws:sts::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName}`,
    userId: `${derivedId('AROA', session.accountId, `role/${session.roleName}`)}:${session.sessionName}`,
    session,
  };
}

const callerIdentities = new Map<string, Identity>();

function callerIdentity(accountId: string): Identity {
  let identity = callerIdentities.get(accountId);
  if (!identity) {
    identity = {
      kind: 'caller',
      accountId,
      arn: `arn:aws:iam::${accountId}:user/rootwatch`,
      userId: derivedId('AIDA', accountId, 'user/rootwatch'),
    };
    callerIdentities.set(accountId, identity);
  }
  return identity;
}

/**
 * AWS's request quotas, as token buckets: IAM per member account (`iam:perAccount`; `iam` is one budget
 * for all), AssumeRole and Organizations per calling account. A throttled call answers the service's
 * own error: `Throttling` for IAM and STS (query protocol), `TooManyRequestsException` for
 * Organizations (AWS-WIRE.md).
 */
function checkThrottle(state: SimState, route: Route, identity: Identity): void {
  const service = route.service;
  if (service === 'account' || service === 'sqs') return;
  // Buckets run on the wall clock even when tests fake `now` for expiry.
  const now = performance.now();
  let limited = false;
  if (service === 'iam') {
    // Both buckets are charged: a global budget and the account's own.
    const global = state.throttles.take('iam', '', now);
    const own = state.throttles.take('iam:perAccount', identity.accountId, now);
    limited = !global || !own;
  } else if (service === 'organizations') {
    limited = !state.throttles.take('organizations', identity.accountId, now);
  } else if (route.operation === 'AssumeRole' || route.operation === 'AssumeRoot') {
    // AssumeRoot spends the same per-caller STS budget as AssumeRole.
    limited = !state.throttles.take('sts:AssumeRole', identity.accountId, now);
  }
  const { throttleRate, throttleServices = ['iam'] } = state.definition.faults;
  const random =
    !limited &&
    throttleRate > 0 &&
    (throttleServices as string[]).includes(service) &&
    state.rng.next() < throttleRate;
  if (!limited && !random) return;
  if (service === 'organizations')
    throw new AwsError(
      'TooManyRequestsException',
      400,
      "AWS Organizations can't complete your request because another request is already in progress. Try again later.",
    );
  throw throttling();
}

function asAwsError(err: unknown): AwsError {
  if (err instanceof AwsError) return err;
  return new AwsError(
    'InternalFailure',
    500,
    'The request processing has failed because of an unknown error.',
  );
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  text: string,
  requestId: string,
  extra?: Record<string, string>,
) {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(text),
    'x-amzn-RequestId': requestId,
    ...extra,
  });
  res.end(text);
}

function sendError(
  res: ServerResponse,
  protocol: Protocol,
  service: Service,
  error: AwsError,
  requestId: string,
) {
  if (protocol === 'query') {
    const ns = service === 'sts' ? STS_NAMESPACE : IAM_NAMESPACE;
    return send(res, error.status, 'text/xml', queryError(ns, error, requestId), requestId);
  }
  if (protocol === 'json1.0') {
    // SQS (query-compatible JSON): a namespaced __type, and the legacy code in x-amzn-query-error.
    const sqs = error instanceof SqsError ? error : null;
    const type = sqs ? `com.amazonaws.sqs#${sqs.type}` : error.code;
    const queryCode = `${sqs ? sqs.queryCode : error.code};${error.status >= 500 ? 'Receiver' : 'Sender'}`;
    return send(
      res,
      error.status,
      'application/x-amz-json-1.0',
      JSON.stringify({ __type: type, message: error.message }),
      requestId,
      { 'x-amzn-query-error': queryCode },
    );
  }
  const body =
    protocol === 'json' ? { __type: error.code, Message: error.message } : { message: error.message };
  const type = protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json';
  return send(res, error.status, type, JSON.stringify(body), requestId, { 'x-amzn-ErrorType': error.code });
}
