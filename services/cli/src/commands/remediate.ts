import { setTimeout as sleep } from 'node:timers/promises';
import { type CommandSpec, helpText, parseCommand, postgresUrlOption } from '../args';
import type { Command, CommandContext } from '../context';
import { requirePostgres } from '../database';
import { CliError, EXIT, UsageError } from '../errors';

const spec = {
  usage:
    'rootwatch remediate plan [--account ID]... [--control ID]... [--ou OU]... [--org ID] [--by NAME] | show PLAN_ID | apply PLAN_ID --approve NAME [--dry-run]',
  help: `
Guarded remediation of member root credentials (centralized root access, IAMDeleteRootUserCredentials).

  plan      list, per account, the exact credentials to delete as last observed (key ids, certificate ids,
            login profile, MFA serials) and print the plan id; nothing changes. Without --account, the
            accounts failing the controls (under --ou when given). --control: root.access-keys,
            root.signing-certificates (the default pair) or root.credentials-removed (password, keys,
            certificates and MFA devices). Refused accounts are listed with the reason.
  show      the plan and every recorded action (planned, approved, deleted, skipped and why, rescan)
  apply     approve and apply a plan as NAME, who must not be its planner (two-person rule). Per account:
            AssumeRoot, re-read, delete only the planned credentials still there (anything new or changed:
            the account is skipped), at most ROOTWATCH_REMEDIATION_ACCOUNTS_PER_MINUTE accounts a minute;
            then a rescan. With REDIS_URL the workers apply it (this command waits); without, this process.
            --dry-run prints the calls it would make and changes nothing.

  --by NAME            who plans (default: cli)
  --json               print the plan as JSON
  --database-url URL   Postgres URL (default: DATABASE_URL)
  --debug              print stack traces of unexpected errors`,
  options: {
    account: { type: 'string', multiple: true },
    control: { type: 'string', multiple: true },
    ou: { type: 'string', multiple: true },
    org: { type: 'string' },
    by: { type: 'string' },
    approve: { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    'database-url': { type: 'string' },
  },
  positionals: 2,
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>;

const NAME = /^[A-Za-z0-9 .:@_-]{1,100}$/;
const list = (value: unknown) => (value as string[] | undefined) ?? [];

export const remediate: Command = async (ctx) => {
  const args = parseCommand(spec, ctx.argv);
  if (args.help) {
    ctx.stdout.write(helpText(spec));
    return 0;
  }
  const [action, planId] = args.positionals;
  const { values } = args;
  if (action !== 'plan' && action !== 'show' && action !== 'apply') {
    throw new UsageError(
      action === undefined ? 'missing action (plan, show or apply)' : `unknown action '${action}'`,
      spec.usage,
    );
  }
  if (action === 'plan' && planId !== undefined)
    throw new UsageError(`unexpected argument '${planId}'`, spec.usage);
  if (action !== 'plan' && planId === undefined)
    throw new UsageError(`${action} needs a PLAN_ID`, spec.usage);
  const accounts = list(values.account);
  for (const id of accounts)
    if (!/^\d{12}$/.test(id))
      throw new UsageError(`--account expects a 12-digit account id, got '${id}'`, spec.usage);
  if (action === 'apply' && !values.approve) throw new UsageError('apply needs --approve NAME', spec.usage);
  for (const [flag, name] of [
    ['by', values.by],
    ['approve', values.approve],
  ] as const) {
    if (name !== undefined && !NAME.test(name))
      throw new UsageError(`--${flag}: 1-100 letters, digits, spaces or . : @ - _`, spec.usage);
  }

  const config = { ...ctx.config() };
  config.databaseUrl =
    postgresUrlOption(values['database-url'], 'database-url', spec.usage) ?? config.databaseUrl;
  const database = await requirePostgres(config, 'remediate');
  const { planRemediation, claimPlan, RemediationError } = await import('@rootwatch/api/remediations');
  const { createRepositories } = await import('@rootwatch/db');
  const repos = createRepositories({ db: database.db });
  const refuse = (err: unknown): never => {
    if (err instanceof RemediationError) {
      const details = Array.isArray(err.details)
        ? (err.details as { reason: string }[]).map((d) => `\n  - ${d.reason}`).join('')
        : '';
      throw new CliError(
        `${err.message}${details && !err.message.includes(';') ? details : ''}`,
        err.code,
        err.statusCode === 403 ? 3 : EXIT.failure,
      );
    }
    throw err;
  };
  try {
    if (action === 'plan') {
      const { plan, refused } = await planRemediation(
        { db: database.db, config },
        {
          orgId: values.org,
          accountIds: accounts,
          controls: list(values.control),
          ous: list(values.ou),
          createdBy: values.by ?? 'cli',
          createdByKeyId: null,
        },
      ).catch(refuse);
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify({ ...plan, refused }, null, 2)}\n`);
        return EXIT.ok;
      }
      ctx.stdout.write(`${plan.id}\n`);
      ctx.stderr.write(describePlan(plan));
      for (const r of refused) ctx.stderr.write(`  refused ${r.accountId}: ${r.reason}\n`);
      ctx.stderr.write(
        `planned by ${plan.createdBy}; expires ${plan.expiresAt.toISOString()}. Apply with: rootwatch remediate apply ${plan.id} --approve <another name> [--dry-run]\n`,
      );
      return EXIT.ok;
    }

    const plan = await repos.remediations.get({ id: planId! });
    if (!plan) throw new CliError(`remediation plan ${planId} not found`, 'not_found');
    if (action === 'show') {
      const actions = await repos.remediations.actions({ planId: plan.id });
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify({ ...plan, actions }, null, 2)}\n`);
        return EXIT.ok;
      }
      ctx.stdout.write(describePlan(plan));
      for (const a of actions) ctx.stdout.write(`  ${describeAction(a)}\n`);
      return EXIT.ok;
    }

    // apply
    const approver = values.approve!;
    if (values['dry-run']) {
      if (plan.createdBy === approver)
        refuse(
          new RemediationError(
            403,
            'self_approval',
            `the plan was made by ${approver}; another person must approve it`,
          ),
        );
      if (plan.status !== 'planned')
        refuse(new RemediationError(409, 'plan_already_applied', `the plan is ${plan.status}`));
      if (plan.expiresAt.getTime() <= Date.now())
        refuse(
          new RemediationError(409, 'plan_expired', `the plan expired at ${plan.expiresAt.toISOString()}`),
        );
      const { plannedCalls } = await import('@rootwatch/worker');
      ctx.stdout.write(`dry run: nothing is changed. Calls an apply approved by ${approver} would make:\n`);
      for (const line of plannedCalls(plan)) ctx.stdout.write(`  ${line}\n`);
      ctx.stdout.write(`  then: a rescan of ${plan.orgId} through the normal scan pipeline\n`);
      return EXIT.ok;
    }
    const claimed = await claimPlan(
      { db: database.db },
      { planId: plan.id, approvedBy: approver, approvedByKeyId: null },
    ).catch(refuse);
    ctx.stderr.write(`approved by ${approver}; applying ${claimed.accounts.length} account(s)\n`);
    if (config.redisUrl) await applyThroughQueue(ctx, config.redisUrl, claimed, repos);
    else await applyInProcess(ctx, config, database.db, claimed);
    const done = (await repos.remediations.get({ id: plan.id }))!;
    const actions = await repos.remediations.actions({ planId: plan.id });
    for (const a of actions.filter((x) => x.kind !== 'planned')) ctx.stdout.write(`  ${describeAction(a)}\n`);
    ctx.stderr.write(`plan ${done.id}: ${done.status}\n`);
    return done.status === 'applied' ? EXIT.ok : EXIT.failure;
  } finally {
    await database.close();
  }
};

type Plan = NonNullable<
  Awaited<ReturnType<ReturnType<typeof import('@rootwatch/db').createRepositories>['remediations']['get']>>
>;
type Repos = ReturnType<typeof import('@rootwatch/db').createRepositories>;
type Action = Awaited<
  ReturnType<ReturnType<typeof import('@rootwatch/db').createRepositories>['remediations']['actions']>
>[number];

function describePlan(plan: Plan): string {
  const lines = [
    `plan ${plan.id} (${plan.orgId}) ${plan.status}${plan.approvedBy ? `, approved by ${plan.approvedBy}` : ''}`,
  ];
  for (const account of plan.accounts) {
    const what = account.credentials
      .map((c) =>
        c.type === 'login-profile'
          ? 'login-profile'
          : c.type === 'mfa-device'
            ? `mfa-device ${c.serial}`
            : `${c.type} ${c.id}`,
      )
      .join(', ');
    lines.push(`  ${account.accountId} ${account.accountName}: ${what} (as observed ${account.observedAt})`);
  }
  return `${lines.join('\n')}\n`;
}

function describeAction(a: Action): string {
  return [a.at.toISOString(), a.kind, a.accountId ?? '', a.credentialId ?? '', a.reason ?? '']
    .filter(Boolean)
    .join('  ');
}

/** The workers apply it (rate-limited across them); this command waits for the plan to finish. */
async function applyThroughQueue(ctx: CommandContext, redisUrl: string, plan: Plan, repos: Repos) {
  const { createRemediationProducer } = await import('@rootwatch/queue');
  const producer = createRemediationProducer({ redisUrl });
  try {
    await producer.enqueueAccounts({ id: plan.id, accountIds: plan.accounts.map((a) => a.accountId) });
  } finally {
    await producer.close();
  }
  ctx.stderr.write(
    'enqueued for the workers; waiting for the result (Ctrl-C stops waiting, not the apply)\n',
  );
  for (;;) {
    const current = await repos.remediations.get({ id: plan.id });
    if (current?.status !== 'applying') return;
    if (ctx.signal.aborted)
      throw new CliError(`stopped waiting; see rootwatch remediate show ${plan.id}`, 'interrupted', 130);
    await sleep(1000, undefined, { signal: ctx.signal }).catch(() => {});
  }
}

/** No Redis: this process applies the plan, pacing accounts to the configured rate, and rescans inline. */
async function applyInProcess(
  ctx: CommandContext,
  config: ReturnType<CommandContext['config']>,
  db: import('@rootwatch/db').Db,
  plan: Plan,
) {
  const { createInlineDispatcher, createScanProducer } = await import('@rootwatch/queue');
  const { createAwsScanSource, createRemediationApplier, createScanHandlers } = await import(
    '@rootwatch/worker'
  );
  const { createCliLogger } = await import('../logger');
  const logger = createCliLogger({ level: ctx.debug ? 'debug' : 'warn', name: 'rootwatch-remediate' });
  const source = createAwsScanSource({ config, logger });
  const handlers = createScanHandlers({ db, source, config, logger });
  const dispatcher = createInlineDispatcher({ handlers, concurrency: config.worker.concurrency });
  const applier = createRemediationApplier({
    db,
    config,
    logger,
    scans: createScanProducer({ db, dispatcher }),
    rescanPollMs: 250,
  });
  const gapMs = 60_000 / (config.remediation?.accountsPerMinute ?? 30);
  try {
    for (const [i, account] of plan.accounts.entries()) {
      if (i > 0) await sleep(gapMs, undefined, { signal: ctx.signal }).catch(() => {});
      if (ctx.signal.aborted)
        throw new CliError('interrupted; the remaining accounts were not changed', 'interrupted', 130);
      const outcome = await applier.applyAccount({ planId: plan.id, accountId: account.accountId });
      ctx.stderr.write(`  ${account.accountId}: ${outcome}\n`);
    }
    await applier.finish({ planId: plan.id });
  } finally {
    applier.destroy();
    await dispatcher.close();
    source.destroy();
  }
}
