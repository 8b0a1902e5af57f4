import { CONTROL_IDS } from './controls/catalog';

/** Longest a risk may be accepted at once: a year (and a leap day), then someone must decide again. */
export const MAX_EXCEPTION_DAYS = 366;
export const MAX_EXCEPTION_REASON = 2000;

export type ExceptionScope = { account_id: string } | { ou: string } | { tag: string };

/** What a client sends (API body, or one entry of an `exceptions apply` file). */
export type ExceptionRequest = {
  control_id: string;
  /** Exactly one of the three (checked here, so a client hears which field is wrong). */
  scope: { account_id?: string; ou?: string; tag?: string };
  reason: string;
  expires_at: string;
};

export type ParsedException = {
  controlId: string;
  scopeKind: 'account' | 'ou' | 'tag';
  scopeValue: string;
  reason: string;
  expiresAt: Date;
};

/** A rule the request breaks, with the field that breaks it (the API's 400 names it). */
export type ExceptionProblem = { field: string; message: string };

const ACCOUNT_ID = /^[0-9]{12}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/;
// key:value of an AWS tag: the key non-empty and without ':'; the value may be empty (AWS allows it).
const TAG = /^[^:\s][^:]{0,127}:.{0,256}$/;

/**
 * Checks an exception request against the rules of WORKFLOW.md that need no database: a known control or
 * '*', one well-formed scope, a reason, and an expiry in the future at most MAX_EXCEPTION_DAYS ahead.
 * Whether the account or OU exists is the caller's question.
 */
export function parseExceptionRequest(
  request: ExceptionRequest,
  now: Date,
): { ok: true; value: ParsedException } | { ok: false; problem: ExceptionProblem } {
  const fail = (field: string, message: string) => ({ ok: false as const, problem: { field, message } });
  const controlId = String(request.control_id ?? '');
  if (controlId !== '*' && !(CONTROL_IDS as readonly string[]).includes(controlId)) {
    return fail('control_id', `unknown control '${controlId}'; expected a control id or '*'`);
  }
  const scope = (request.scope ?? {}) as Record<string, unknown>;
  const keys = Object.keys(scope).filter((k) => scope[k] !== undefined);
  if (keys.length !== 1) return fail('scope', 'exactly one of account_id, ou or tag');
  let scopeKind: ParsedException['scopeKind'];
  let scopeValue: string;
  if ('account_id' in scope) {
    scopeKind = 'account';
    scopeValue = String(scope.account_id);
    if (!ACCOUNT_ID.test(scopeValue)) return fail('scope.account_id', 'a 12-digit account id');
  } else if ('ou' in scope) {
    scopeKind = 'ou';
    scopeValue = String(scope.ou);
    if (!OU_ID.test(scopeValue)) return fail('scope.ou', 'an organizational unit id (ou-…)');
  } else if ('tag' in scope) {
    scopeKind = 'tag';
    scopeValue = String(scope.tag);
    if (!TAG.test(scopeValue)) return fail('scope.tag', 'a tag as key:value');
  } else {
    return fail('scope', 'exactly one of account_id, ou or tag');
  }
  const reason = typeof request.reason === 'string' ? request.reason.trim() : '';
  if (reason.length === 0) return fail('reason', 'a reason is required');
  if (reason.length > MAX_EXCEPTION_REASON)
    return fail('reason', `at most ${MAX_EXCEPTION_REASON} characters`);
  const expiresAt = new Date(request.expires_at);
  if (Number.isNaN(expiresAt.getTime())) return fail('expires_at', 'an ISO-8601 timestamp');
  if (expiresAt.getTime() <= now.getTime()) return fail('expires_at', 'must be in the future');
  if (expiresAt.getTime() > now.getTime() + MAX_EXCEPTION_DAYS * 86_400_000) {
    return fail('expires_at', `at most ${MAX_EXCEPTION_DAYS} days ahead`);
  }
  return { ok: true, value: { controlId, scopeKind, scopeValue, reason, expiresAt } };
}

/** The API/file form of a stored scope. */
export function exceptionScopeOf(kind: string, value: string): ExceptionScope {
  return kind === 'account' ? { account_id: value } : kind === 'ou' ? { ou: value } : { tag: value };
}
