import { writeFile } from 'node:fs/promises';
import { ACCESS_MODES, type AccessMode, type RootwatchConfig } from '@rootwatch/config';
import { CONTROL_CATALOG, CONTROL_IDS } from '@rootwatch/core';
import {
  type CommandSpec,
  choiceOption,
  configFromFlags,
  helpText,
  intOption,
  parseCommand,
  pickOrganization,
  postgresUrlOption,
} from '../args';
import type { Command } from '../context';
import { CliError, EXIT, UsageError } from '../errors';
import { renderCsv } from '../report/csv';
import { renderJson } from '../report/json';
import { FAIL_ON_LEVELS, type FailOnLevel, failuresAtOrAbove } from '../report/model';
import { renderTable } from '../report/table';

const FORMATS = ['table', 'json', 'csv'] as const;

const spec = {
  usage:
    'rootwatch scan --once [--format table|json|csv] [--output FILE] [--concurrency N] [--fail-on critical|high|medium] [--database-url URL] [--org-role-arn ARN] [--member-role NAME] [--external-id ID] [--region REGION] [--org ID] [--access member-role|root-session|auto]',
  help: `
Scan an organization now and print a report (stdout, or --output FILE); progress goes to stderr.
AWS credentials come from the SDK default chain (AWS_PROFILE, SSO, environment, instance role);
AWS_ENDPOINT_URL sends every call elsewhere (e.g. the simulator, 'pnpm sim').

  --once                 required: scan once and exit (continuous scans are the worker/scheduler roles)
  --format F             table (default), json (stable format, see README) or csv (one row per account)
  --output FILE          write the report to FILE instead of stdout
  --concurrency N        accounts assessed at once (default ROOTWATCH_WORKER_CONCURRENCY, 256)
  --fail-on LEVEL        exit 3 when a control of severity LEVEL or higher FAILs (critical, high, medium)
  --database-url URL     also persist the run and its history in this Postgres database
  --org-role-arn ARN     role to assume for discovery (default ROOTWATCH_ORG_ROLE_ARN; none = ambient credentials)
  --member-role NAME     audit role name in member accounts (default ROOTWATCH_MEMBER_ROLE, RootwatchAudit)
  --external-id ID       ExternalId for the member role (default ROOTWATCH_EXTERNAL_ID)
  --region REGION        AWS region of the clients (default AWS_REGION, us-east-1)
  --org ID               which organization of ROOTWATCH_CONFIG to scan (when it lists several)
  --access MODE          how member accounts are read (default the org's access, ROOTWATCH_ACCESS_MODE, member-role):
                         member-role (AssumeRole into the audit role), root-session (sts:AssumeRoot with
                         IAMAuditRootUserCredentials, no member role) or auto (member role, else a root session
                         where the org has RootSessions)
  --quiet                no progress output
  --debug                print stack traces of unexpected errors

Exit codes: 0 report written, 1 scan failed, 2 usage/configuration/credentials, 3 --fail-on reached.`,
  options: {
    once: { type: 'boolean' },
    format: { type: 'string' },
    output: { type: 'string' },
    concurrency: { type: 'string' },
    'fail-on': { type: 'string' },
    'database-url': { type: 'string' },
    'org-role-arn': { type: 'string' },
    'member-role': { type: 'string' },
    'external-id': { type: 'string' },
    region: { type: 'string' },
    org: { type: 'string' },
    access: { type: 'string' },
    quiet: { type: 'boolean' },
  },
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export const scan: Command = async (ctx) => {
  const args = parseCommand(spec, ctx.argv);
  if (args.help) {
    ctx.stdout.write(helpText(spec));
    return EXIT.ok;
  }
  const v = args.values;
  if (!v.once) {
    throw new UsageError(
      '--once is required (scheduled scans are the worker and scheduler roles)',
      spec.usage,
    );
  }
  const format = choiceOption(v.format, 'format', FORMATS, 'table', spec.usage)!;
  const access = choiceOption<AccessMode>(v.access, 'access', ACCESS_MODES, undefined, spec.usage);
  const failOn = choiceOption<FailOnLevel>(v['fail-on'], 'fail-on', FAIL_ON_LEVELS, undefined, spec.usage);
  const databaseUrl = postgresUrlOption(v['database-url'], 'database-url', spec.usage);
  const base = configFromFlags(
    ctx.config,
    {
      'org-role-arn': { variable: 'ROOTWATCH_ORG_ROLE_ARN', value: v['org-role-arn'] },
      'member-role': { variable: 'ROOTWATCH_MEMBER_ROLE', value: v['member-role'] },
      'external-id': { variable: 'ROOTWATCH_EXTERNAL_ID', value: v['external-id'] },
      region: { variable: 'AWS_REGION', value: v.region },
    },
    spec.usage,
  );
  const concurrency = intOption(v.concurrency, 'concurrency', {
    min: 1,
    max: 1000,
    fallback: base.worker.concurrency,
    usage: spec.usage,
  });
  const picked = pickOrganization(base, v.org, spec.usage);
  const org = access ? { ...picked, access } : picked;
  const config: RootwatchConfig = {
    ...base,
    databaseUrl,
    organizations: [org],
    worker: { ...base.worker, concurrency },
  };

  const [{ ensureAwsCredentials }, { scanOnce }] = await Promise.all([
    import('../aws-credentials'),
    import('../scan-once'),
  ]);
  await ensureAwsCredentials({ region: org.region, endpoint: config.aws.endpointUrl });
  const report = await scanOnce({ config, orgId: org.id, ctx, quiet: v.quiet === true });

  const rendered =
    format === 'json'
      ? renderJson(report)
      : format === 'csv'
        ? renderCsv(report, CONTROL_IDS)
        : renderTable(report, CONTROL_CATALOG);
  if (v.output) {
    await writeFile(v.output, rendered).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(
        `--output ${v.output}: cannot write (${err.code ?? err.message})`,
        'output_unwritable',
      );
    });
    ctx.stderr.write(`report written to ${v.output}\n`);
  } else {
    ctx.stdout.write(rendered);
  }

  if (failOn) {
    const failures = failuresAtOrAbove(report, failOn);
    if (failures.length > 0) {
      const accounts = new Set(failures.map((f) => f.accountId)).size;
      ctx.stderr.write(
        `--fail-on ${failOn}: ${failures.length} failing control(s) of severity ${failOn} or higher in ${accounts} account(s)\n`,
      );
      return EXIT.failOn;
    }
  }
  return EXIT.ok;
};
