import type {
  ReportBool,
  ReportTime,
  RootAccessKeyRow,
  RootCertificateRow,
  RootCredentialRow,
  SourceError,
} from './posture';

export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

export const ROOT_ACCOUNT_USER = '<root_account>';

const REQUIRED_COLUMNS = CREDENTIAL_REPORT_COLUMNS.filter((c) => c !== 'password_next_rotation');

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

export class ReportCellError extends Error {
  readonly code = 'MalformedCredentialReport';
  constructor(
    readonly column: string,
    readonly value: string,
  ) {
    super(`credential report column ${column} has an unexpected value "${value.slice(0, 40)}"`);
  }
}

export function parseReportTime(column: string, value: string): ReportTime {
  const v = value.trim();
  if (v === 'N/A') return { kind: 'not_applicable' };
  if (v === 'no_information') return { kind: 'no_information' };
  if (v === 'not_supported') return { kind: 'not_supported' };
  if (ISO_TIMESTAMP.test(v)) {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return { kind: 'time', at: new Date(ms).toISOString() };
  }
  throw new ReportCellError(column, value);
}

export function parseReportBool(column: string, value: string): ReportBool {
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  // Root password fields say `not_supported`: that means unknown, never false.
  if (v === 'not_supported') return null;
  throw new ReportCellError(column, value);
}

function optionalText(value: string | undefined): string | null {
  const v = value?.trim();
  return !v || v === 'N/A' ? null : v;
}

/**
 * Interprets the root row of a credential report (keyed by header name). Anything
 * outside the documented value set is `malformed`: nothing is guessed.
 */
export function interpretRootRow(
  raw: Record<string, string>,
): { ok: true; row: RootCredentialRow } | { ok: false; error: SourceError } {
  const missing = REQUIRED_COLUMNS.filter((c) => raw[c] === undefined);
  if (missing.length > 0) {
    return malformed(`credential report lacks column(s) ${missing.join(', ')}`);
  }
  const col = (name: string): string => raw[name] ?? '';
  try {
    const key = (slot: 1 | 2): RootAccessKeyRow => ({
      slot,
      active: parseReportBool(`access_key_${slot}_active`, col(`access_key_${slot}_active`)),
      lastRotated: parseReportTime(`access_key_${slot}_last_rotated`, col(`access_key_${slot}_last_rotated`)),
      lastUsed: parseReportTime(
        `access_key_${slot}_last_used_date`,
        col(`access_key_${slot}_last_used_date`),
      ),
      lastUsedRegion: optionalText(raw[`access_key_${slot}_last_used_region`]),
      lastUsedService: optionalText(raw[`access_key_${slot}_last_used_service`]),
    });
    const cert = (slot: 1 | 2): RootCertificateRow => ({
      slot,
      active: parseReportBool(`cert_${slot}_active`, col(`cert_${slot}_active`)),
      lastRotated: parseReportTime(`cert_${slot}_last_rotated`, col(`cert_${slot}_last_rotated`)),
    });
    if (col('user') !== ROOT_ACCOUNT_USER) {
      return malformed(
        `credential report row is for "${col('user').slice(0, 40)}", not ${ROOT_ACCOUNT_USER}`,
      );
    }
    return {
      ok: true,
      row: {
        arn: col('arn'),
        userCreationTime: parseReportTime('user_creation_time', col('user_creation_time')),
        passwordEnabled: parseReportBool('password_enabled', col('password_enabled')),
        passwordLastUsed: parseReportTime('password_last_used', col('password_last_used')),
        passwordLastChanged: parseReportTime('password_last_changed', col('password_last_changed')),
        mfaActive: parseReportBool('mfa_active', col('mfa_active')),
        accessKeys: [key(1), key(2)],
        certificates: [cert(1), cert(2)],
      },
    };
  } catch (err) {
    if (err instanceof ReportCellError) return malformed(err.message);
    throw err;
  }
}

function malformed(message: string): { ok: false; error: SourceError } {
  return { ok: false, error: { kind: 'malformed', code: 'MalformedCredentialReport', message } };
}
