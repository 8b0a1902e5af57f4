import {
  type ExceptionProblem,
  type ExceptionRequest,
  exceptionScopeOf,
  type ParsedException,
  parseExceptionRequest,
  RootwatchError,
} from '@rootwatch/core';
import { createExceptionsRepository, type Db, type FindingException, withTransaction } from '@rootwatch/db';

/** A request that breaks a rule; `field` is the body field (or `exceptions[i].field` of a file) at fault. */
export class ExceptionInputError extends RootwatchError {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super({ code: 'invalid_exception', message: `${field}: ${problem}`, statusCode: 400 });
    this.name = 'ExceptionInputError';
  }
}

/** One entry of an exceptions-as-code file: the API's request plus a stable key. */
export type KeyedExceptionRequest = ExceptionRequest & { key: string };

export type ExceptionPlanStep =
  | { action: 'create'; key: string; want: ParsedException }
  | { action: 'update'; key: string; id: string; want: ParsedException; changes: string[] }
  | { action: 'replace'; key: string; id: string; want: ParsedException; changes: string[] }
  | { action: 'revoke'; key: string; id: string }
  | { action: 'unchanged'; key: string; id: string };

const KEY = /^[A-Za-z0-9][\w.:/@-]{0,127}$/;

/**
 * Exception rules that need the database (the account or OU exists) on top of the pure ones in core, and
 * the reconciliation of `rootwatch exceptions apply`. Used by the API routes and the CLI alike.
 */
export function createExceptionsUsecases({ db, now = () => new Date() }: { db: Db; now?: () => Date }) {
  const exceptions = createExceptionsRepository({ db });

  async function validate(request: ExceptionRequest, prefix = ''): Promise<ParsedException> {
    const parsed = parseExceptionRequest(request, now());
    const fail = (p: ExceptionProblem) => new ExceptionInputError(`${prefix}${p.field}`, p.message);
    if (!parsed.ok) throw fail(parsed.problem);
    const { scopeKind, scopeValue } = parsed.value;
    if (scopeKind === 'account' && !(await exceptions.accountKnown({ accountId: scopeValue }))) {
      throw fail({ field: 'scope.account_id', message: `unknown account ${scopeValue}` });
    }
    // The OU tree comes from discovery: an OU is known when some account sits in it or below it.
    if (scopeKind === 'ou' && !(await exceptions.ouKnown({ ou: scopeValue }))) {
      throw fail({ field: 'scope.ou', message: `unknown organizational unit ${scopeValue}` });
    }
    return parsed.value;
  }

  function differences(current: FindingException, want: ParsedException) {
    const scope = [
      current.controlId !== want.controlId ? 'control_id' : null,
      current.scopeKind !== want.scopeKind || current.scopeValue !== want.scopeValue ? 'scope' : null,
    ].filter((c): c is string => c !== null);
    const described = [
      current.reason !== want.reason ? 'reason' : null,
      current.expiresAt.getTime() !== want.expiresAt.getTime() ? 'expires_at' : null,
    ].filter((c): c is string => c !== null);
    return { scope, described };
  }

  async function plan(entries: KeyedExceptionRequest[]): Promise<ExceptionPlanStep[]> {
    const seen = new Set<string>();
    const wanted = new Map<string, ParsedException>();
    for (const [i, entry] of entries.entries()) {
      if (typeof entry.key !== 'string' || !KEY.test(entry.key)) {
        throw new ExceptionInputError(`[${i}].key`, 'a stable key: letters, digits and . _ : / @ - (≤ 128)');
      }
      if (seen.has(entry.key)) throw new ExceptionInputError(`[${i}].key`, `duplicate key '${entry.key}'`);
      seen.add(entry.key);
      wanted.set(entry.key, await validate(entry, `[${i}].`));
    }
    const at = now().getTime();
    // An exception past its expiry is over even before the expiry job marks it: the file's entry is new again.
    const current = new Map(
      (await exceptions.listKeyed()).filter((e) => e.expiresAt.getTime() > at).map((e) => [e.key!, e]),
    );
    const steps: ExceptionPlanStep[] = [];
    for (const [key, want] of wanted) {
      const existing = current.get(key);
      if (!existing) {
        steps.push({ action: 'create', key, want });
        continue;
      }
      const { scope, described } = differences(existing, want);
      if (scope.length > 0)
        steps.push({ action: 'replace', key, id: existing.id, want, changes: [...scope, ...described] });
      else if (described.length > 0)
        steps.push({ action: 'update', key, id: existing.id, want, changes: described });
      else steps.push({ action: 'unchanged', key, id: existing.id });
    }
    for (const [key, existing] of current) {
      if (!wanted.has(key)) steps.push({ action: 'revoke', key, id: existing.id });
    }
    return steps;
  }

  return {
    validate: (request: ExceptionRequest) => validate(request),

    async create({ request, by }: { request: ExceptionRequest; by: string }) {
      const parsed = await validate(request);
      return exceptions.create({ ...parsed, by });
    },

    plan,

    /**
     * Makes the live keyed exceptions match the file, in ONE transaction (a file is never half applied):
     * creates, updates in place (reason, expiry), replaces (control or scope changed: the old one is revoked
     * so its findings are re-evaluated) and revokes the keys the file no longer has.
     */
    async apply({
      entries,
      by,
      dryRun = false,
    }: {
      entries: KeyedExceptionRequest[];
      by: string;
      dryRun?: boolean;
    }): Promise<ExceptionPlanStep[]> {
      if (dryRun) return plan(entries);
      return withTransaction(db, async (tx) => {
        const store = createExceptionsRepository({ db: tx });
        // Ends what expired first: its key is then free for the file's entry.
        await store.expireDue();
        const steps = await createExceptionsUsecases({ db: tx, now }).plan(entries);
        for (const step of steps) {
          if (step.action === 'create') await store.create({ ...step.want, key: step.key, by });
          else if (step.action === 'update') await store.update({ id: step.id, ...step.want });
          else if (step.action === 'replace') {
            await store.revoke({ id: step.id, by });
            await store.create({ ...step.want, key: step.key, by });
          } else if (step.action === 'revoke') await store.revoke({ id: step.id, by });
        }
        return steps;
      });
    },
  };
}

export type ExceptionsUsecases = ReturnType<typeof createExceptionsUsecases>;

/** One line per step, for the CLI's plan output. */
export function describePlanStep(step: ExceptionPlanStep): string {
  switch (step.action) {
    case 'create': {
      const scope = exceptionScopeOf(step.want.scopeKind, step.want.scopeValue);
      return `+ create  ${step.key}  ${step.want.controlId} ${JSON.stringify(scope)} until ${step.want.expiresAt.toISOString()}`;
    }
    case 'update':
      return `~ update  ${step.key}  (${step.changes.join(', ')})`;
    case 'replace':
      return `± replace ${step.key}  (${step.changes.join(', ')}: revoked and created again)`;
    case 'revoke':
      return `- revoke  ${step.key}`;
    case 'unchanged':
      return `= keep    ${step.key}`;
  }
}
