import { AwsError } from './aws-error';
import type { JsonCall } from './organizations.service';
import { isOrgAdmin } from './sim-state';

export const ACCOUNT_PATHS: Record<string, string> = { '/getAlternateContact': 'GetAlternateContact' };

const CONTACT_TYPES = ['BILLING', 'OPERATIONS', 'SECURITY'];

/** account:GetAlternateContact (rest-json). Only SECURITY contacts are modelled. */
export function handleAccount(call: JsonCall): unknown {
  if (call.operation !== 'GetAlternateContact')
    throw new AwsError('UnknownOperationException', 404, `Unknown operation ${call.operation}`);
  const { state, identity, input } = call;
  const type = input.AlternateContactType;
  if (typeof type !== 'string' || !CONTACT_TYPES.includes(type))
    throw new AwsError(
      'ValidationException',
      400,
      `1 validation error detected: Value at 'alternateContactType' failed to satisfy constraint: Member must satisfy enum value set: [SECURITY, BILLING, OPERATIONS]`,
    );
  const requested = input.AccountId;
  if (requested !== undefined && (typeof requested !== 'string' || !/^\d{12}$/.test(requested)))
    throw new AwsError(
      'ValidationException',
      400,
      `1 validation error detected: Value at 'accountId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\d{12}$`,
    );
  const targetId = requested ?? identity.accountId;
  call.actOn(targetId);
  const management = state.definition.organization.managementAccountId;
  const denied = (reason = '') =>
    new AwsError(
      'AccessDeniedException',
      403,
      `User: ${identity.arn} is not authorized to perform: account:GetAlternateContact${reason}`,
    );
  if (identity.kind === 'root') throw denied();
  if (requested === undefined) {
    // Standalone context: any identity reads its own account's contact, if its policy allows it.
    const own = state.accounts.get(identity.accountId);
    if (identity.kind === 'role' && own?.faults?.memberContact === 'AccessDenied') throw denied();
  } else {
    // Naming an account needs the management or delegated-admin account (trusted access for Account
    // Management), and the management account may not name itself. AWS's answer, as observed in
    // turbot/steampipe-plugin-aws aws/table_aws_account_alternate_contact.go: 403 AccessDeniedException
    // "… (The management account can only be managed using the standalone context from the management account.)"
    if (!isOrgAdmin(state, identity.accountId)) throw denied();
    if (identity.accountId === management && targetId === management)
      throw denied(
        ' (The management account can only be managed using the standalone context from the management account.)',
      );
  }
  const account = state.accounts.get(targetId);
  if (!account) {
    if (targetId === management) throw notFound();
    throw new AwsError(
      'AccessDeniedException',
      403,
      `The account ${targetId} is not a member of the organization.`,
    );
  }
  if (account.faults?.contact === 'AccessDenied') throw denied();
  const contact = account.securityContact;
  if (type !== 'SECURITY' || !contact) throw notFound();
  return {
    AlternateContact: {
      AlternateContactType: 'SECURITY',
      EmailAddress: contact.email,
      Name: contact.name,
      PhoneNumber: contact.phone,
      Title: contact.title ?? 'Security',
    },
  };
}

function notFound(): AwsError {
  return new AwsError(
    'ResourceNotFoundException',
    404,
    'No contact of the inputted alternate contact type found.',
  );
}
