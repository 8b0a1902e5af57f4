import { parseAccount, parseSettingsPatch } from './org-definition';
import { OrgDefinitionError } from './org-definition.errors';
import type { SimAccount, SimSettings } from './org-definition.types';
import { parseRootActivity, rootActivityEnvelope, rootAfterActivity } from './root-activity';
import { safeDecode } from './sigv4';
import { emptyStats, type SimState } from './sim-state';
import { queueUrl } from './sqs.service';

export interface ControlResponse {
  status: number;
  body?: unknown;
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The `/_sim/…` JSON API (AWS-SIM.md). */
export function handleControl(
  state: SimState,
  method: string,
  path: string,
  rawBody: Buffer,
  host = '127.0.0.1',
): ControlResponse {
  try {
    const activity = /^\/_sim\/accounts\/([^/]+)\/root-activity$/.exec(path);
    if (activity && method === 'POST')
      return rootActivity(state, safeDecode(activity[1]!), json(rawBody), host);
    return route(state, method, path, rawBody);
  } catch (err) {
    if (err instanceof ControlError)
      return { status: err.status, body: { error: { code: err.code, message: err.message } } };
    if (err instanceof OrgDefinitionError)
      return { status: 400, body: { error: { code: err.code, message: err.message, path: err.path } } };
    throw err;
  }
}

function route(state: SimState, method: string, path: string, rawBody: Buffer): ControlResponse {
  const accountMatch = /^\/_sim\/accounts\/([^/]+)$/.exec(path);
  const key = accountMatch ? `${method} /_sim/accounts/:id` : `${method} ${path}`;
  switch (key) {
    case 'GET /_sim/health':
      return { status: 200, body: { ok: true } };
    case 'GET /_sim/org':
      return { status: 200, body: state.definition };
    case 'GET /_sim/stats':
      return { status: 200, body: state.stats };
    case 'DELETE /_sim/stats':
      state.stats = emptyStats();
      return { status: 204 };
    case 'POST /_sim/reset':
      state.reset();
      return { status: 200, body: { ok: true } };
    case 'PUT /_sim/faults':
      state.applySettings(parseSettingsPatch(json(rawBody), settingsOf(state)));
      return { status: 200, body: settingsOf(state) };
    case 'GET /_sim/faults':
      return { status: 200, body: settingsOf(state) };
    case 'POST /_sim/accounts':
      return { status: 201, body: addAccount(state, json(rawBody)) };
    case 'GET /_sim/accounts/:id':
      return { status: 200, body: existing(state, safeDecode(accountMatch![1]!)) };
    case 'PATCH /_sim/accounts/:id':
      return { status: 200, body: patchAccount(state, safeDecode(accountMatch![1]!), json(rawBody)) };
    case 'DELETE /_sim/accounts/:id': {
      const account = existing(state, safeDecode(accountMatch![1]!));
      state.definition.accounts = state.definition.accounts.filter((a) => a !== account);
      state.reports.delete(account.id);
      state.touch();
      return { status: 204 };
    }
    default:
      throw new ControlError(404, 'not_found', `No simulator control route ${method} ${path}`);
  }
}

/**
 * Root used in a member account: the event its EventBridge rule would forward lands on the events queue,
 * and the root's last-used dates move so the next scan's credential report agrees with the event.
 */
function rootActivity(state: SimState, id: string, body: unknown, host: string): ControlResponse {
  const account = existing(state, id);
  const activity = parseRootActivity(body, new Date(state.now()));
  const envelope = rootActivityEnvelope(account, activity);
  const rootPatch = rootAfterActivity(account, activity);
  if (rootPatch) patchAccount(state, id, { root: rootPatch });
  const queue = state.sqs.get(state.definition.events.queueName)!;
  const message = state.sqs.send(queue, JSON.stringify(envelope), 'AIDAEVENTBRIDGESIM0001');
  const detail = envelope.detail as { eventID: string };
  return {
    status: 202,
    body: {
      messageId: message.messageId,
      eventId: detail.eventID,
      queueUrl: queueUrl(queue, host),
      event: envelope,
    },
  };
}

function settingsOf(state: SimState): SimSettings {
  const { latencyMs, credentialReportDelayMs, throttle, faults } = state.definition;
  return { latencyMs, credentialReportDelayMs, throttle, faults };
}

function json(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8') || 'null');
  } catch {
    throw new ControlError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

function existing(state: SimState, id: string): SimAccount {
  const account = state.accounts.get(id);
  if (!account) throw new ControlError(404, 'account_not_found', `No account ${id} in the organization.`);
  return account;
}

function checkParent(state: SimState, account: SimAccount): void {
  if (!state.index().parents.has(account.parentId))
    throw new OrgDefinitionError(
      'account.parentId',
      `expected the root id "${state.definition.organization.rootId}" or an organizational unit id`,
      account.parentId,
    );
}

function addAccount(state: SimState, body: unknown): SimAccount {
  const account = parseAccount(body, 'account', state.definition.organization.rootId);
  if (state.accounts.has(account.id))
    throw new ControlError(409, 'account_exists', `Account ${account.id} is already in the organization.`);
  checkParent(state, account);
  state.definition.accounts.push(account);
  state.touch();
  return account;
}

function patchAccount(state: SimState, id: string, patch: unknown): SimAccount {
  const current = existing(state, id);
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch))
    throw new OrgDefinitionError('account', 'expected an object', patch);
  if ('id' in patch && (patch as { id: unknown }).id !== id)
    throw new OrgDefinitionError(
      'account.id',
      `expected "${id}" (the id cannot change)`,
      (patch as { id: unknown }).id,
    );
  const merged = parseAccount(
    deepMerge(structuredClone(current), patch),
    'account',
    state.definition.organization.rootId,
  );
  checkParent(state, merged);
  const i = state.definition.accounts.indexOf(current);
  state.definition.accounts[i] = merged;
  // AWS reuses a report for 4 h; the simulator regenerates after a change so drift shows up at once.
  const report = state.reports.get(id);
  if (report) report.stale = true;
  state.touch();
  return merged;
}

/** Objects merge key by key; arrays, scalars and null replace. */
function deepMerge(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(target) || !isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(patch)) out[k] = k in out ? deepMerge(out[k], v) : structuredClone(v);
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
