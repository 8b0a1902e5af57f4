import { ERROR_CODES, isRootwatchError, type SourceError, type SourceErrorKind } from '@rootwatch/core';

export interface ClassifiedAwsError extends SourceError {
  retryable: boolean;
}

export interface AwsErrorContext {
  /** `sts:AssumeRole`, `iam:GetAccountSummary`, … */
  operation?: string;
  accountId?: string;
  roleName?: string;
  region?: string;
}

const KINDS: Record<string, SourceErrorKind> = {
  AccessDenied: 'denied',
  AccessDeniedException: 'denied',
  UnauthorizedOperation: 'denied',
  AuthorizationError: 'denied',
  InvalidClientTokenId: 'denied',
  SignatureDoesNotMatch: 'denied',
  UnrecognizedClientException: 'denied',
  MissingAuthenticationToken: 'denied',
  AccountNotManagementOrDelegatedAdministratorException: 'denied',
  ServiceAccessNotEnabledException: 'denied',
  AWSOrganizationsNotInUseException: 'not_found',
  OrganizationNotFoundException: 'not_found',
  OrganizationNotInAllFeaturesModeException: 'denied',
  Throttling: 'throttled',
  ThrottlingException: 'throttled',
  TooManyRequestsException: 'throttled',
  LimitExceeded: 'throttled',
  LimitExceededException: 'throttled',
  RequestLimitExceeded: 'throttled',
  RequestThrottled: 'throttled',
  RequestThrottledException: 'throttled',
  SlowDown: 'throttled',
  ExpiredToken: 'expired',
  ExpiredTokenException: 'expired',
  RequestExpired: 'expired',
  TokenRefreshRequired: 'expired',
  RegionDisabled: 'region_disabled',
  RegionDisabledException: 'region_disabled',
  NoSuchEntity: 'not_found',
  NoSuchEntityException: 'not_found',
  ResourceNotFoundException: 'not_found',
  ReportNotPresent: 'not_found',
  ReportNotPresentException: 'not_found',
  ReportExpired: 'not_found',
  ReportExpiredException: 'not_found',
  CredentialReportNotPresentException: 'not_found',
  CredentialReportExpiredException: 'not_found',
  ParentNotFoundException: 'not_found',
  ChildNotFoundException: 'not_found',
  TargetNotFoundException: 'not_found',
  PolicyNotFoundException: 'not_found',
  AccountNotFoundException: 'not_found',
  ReportInProgress: 'transient',
  CredentialReportNotReadyException: 'transient',
  ReportTimeout: 'transient',
  ServiceFailure: 'transient',
  ServiceFailureException: 'transient',
  ServiceException: 'transient',
  InternalFailure: 'transient',
  InternalServerException: 'transient',
  ServiceUnavailable: 'transient',
  ServiceUnavailableException: 'transient',
  TimeoutError: 'transient',
  RequestTimeout: 'transient',
  ECONNRESET: 'transient',
  ECONNREFUSED: 'transient',
  ETIMEDOUT: 'transient',
  EPIPE: 'transient',
  MalformedCredentialReport: 'malformed',
  MalformedAssumeRoleResponse: 'malformed',
  [ERROR_CODES.paginationLoop]: 'malformed',
  SerializationException: 'malformed',
  ValidationException: 'malformed',
  InvalidInputException: 'malformed',
};

const RETRYABLE: ReadonlySet<SourceErrorKind> = new Set(['throttled', 'transient', 'expired']);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** The AWS error code of an SDK error (modelled class name, wire code, or Node network code). */
export function awsErrorCode(err: unknown): string {
  if (isRootwatchError(err)) return err.code;
  const e = (err ?? {}) as ErrorLike;
  if (typeof e.Code === 'string' && e.Code) return e.Code;
  if (typeof e.name === 'string' && e.name && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string' && e.code) return e.code;
  return 'UnknownError';
}

// Long base64 runs (secret keys, session tokens, signatures) never belong in a message.
const SECRET_LIKE = /[A-Za-z0-9/+]{40,}={0,2}/g;

export function redactSecrets(text: string): string {
  return text.replace(SECRET_LIKE, '[redacted]');
}

function awsMessage(err: unknown): string {
  const message = (err as ErrorLike | null)?.message;
  if (typeof message !== 'string' || !message) return '';
  return redactSecrets(message).slice(0, 300);
}

function advice(kind: SourceErrorKind, ctx: AwsErrorContext): string {
  const op = ctx.operation ?? 'the call';
  const role = ctx.roleName ?? 'the audit role';
  switch (kind) {
    case 'denied':
      if (ctx.operation === 'sts:AssumeRole') {
        return 'deploy the member role StackSet or check its trust policy and ExternalId';
      }
      if (ctx.operation === 'sts:AssumeRoot') {
        return 'centralized root sessions need the RootSessions feature, a member account (never the management account), and sts:AssumeRoot for the audit task policy on the identity Rootwatch runs as (docs/deploy.md)';
      }
      if (ctx.operation?.startsWith('organizations:') || ctx.operation === 'account:GetAlternateContact') {
        return `grant ${op} to the identity Rootwatch runs as (management or delegated-admin account)`;
      }
      return `grant ${op} to ${role} (see requiredPermissions().member) and check that no SCP denies it`;
    case 'throttled':
      return 'throttled past retries: lower the scan concurrency or raise maxAttempts';
    case 'expired':
      return 'the session expired: the account is re-assessed with a fresh session on retry';
    case 'region_disabled':
      return `STS is disabled in region ${ctx.region ?? '(configured region)'} for this account: enable the region or use another STS region`;
    case 'not_found':
      return 'the resource does not exist';
    case 'transient':
      return 'AWS-side or network failure: retried on the next attempt';
    case 'malformed':
      return 'AWS returned data Rootwatch cannot interpret; nothing was guessed';
    case 'not_readable':
      return 'this access path cannot read it';
  }
}

/** Classifies any AWS SDK (or network) error into the small taxonomy the rest of Rootwatch uses. */
export function classifyAwsError(err: unknown, context: AwsErrorContext = {}): ClassifiedAwsError {
  // Already classified where it happened (e.g. the scanner role, thrown through the SDK's credential provider).
  if (err instanceof AwsAccessError) {
    return { kind: err.kind, code: err.code, retryable: err.retryable, message: err.message };
  }
  const code = awsErrorCode(err);
  const e = (err ?? {}) as ErrorLike;
  const status = e.$metadata?.httpStatusCode;
  let kind: SourceErrorKind | undefined = KINDS[code];
  if (!kind && /NotFound/.test(code)) kind = 'not_found';
  if (!kind && /Throttl/.test(code)) kind = 'throttled';
  // An unknown code is reported as transient, but only a server-side one is worth retrying.
  const unknownClientError = !kind && e.$fault === 'client' && (status === undefined || status < 500);
  kind ??= 'transient';

  const subject =
    context.operation === 'sts:AssumeRole'
      ? `role ${context.roleName ?? '(audit role)'} cannot be assumed in ${context.accountId ?? 'the account'}`
      : `${context.operation ?? 'AWS call'} failed${context.accountId ? ` in ${context.accountId}` : ''}`;
  const detail = awsMessage(err);
  const message = `${subject}: ${code} — ${advice(kind, context)}${detail ? ` (AWS: ${detail})` : ''}`;
  return { kind, code, retryable: RETRYABLE.has(kind) && !unknownClientError, message };
}

/** An error already classified (thrown by the collectors), so callers never re-guess it. */
export class AwsAccessError extends Error {
  readonly kind: SourceErrorKind;
  readonly code: string;
  readonly retryable: boolean;
  constructor(classified: ClassifiedAwsError) {
    super(classified.message);
    this.name = 'AwsAccessError';
    this.kind = classified.kind;
    this.code = classified.code;
    this.retryable = classified.retryable;
  }

  toSourceError(): SourceError {
    return { kind: this.kind, code: this.code, message: this.message };
  }
}
