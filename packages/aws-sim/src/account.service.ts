import { AwsError } from './aws-error';
import type { JsonCall } from './organizations.service';

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
  const denied = new AwsError(
    'AccessDeniedException',
    403,
    `User: ${identity.arn} is not authorized to perform: account:GetAlternateContact on resource: arn:aws:account::${targetId}:account`,
  );
  // Reading another account's contact needs the management account (trusted access for Account Management).
  if (identity.kind === 'root' || (targetId !== identity.accountId && identity.accountId !== management))
    throw denied;
  const account = state.accounts.get(targetId);
  if (!account) {
    if (targetId === management) throw notFound();
    throw new AwsError(
      'AccessDeniedException',
      403,
      `The account ${targetId} is not a member of the organization.`,
    );
  }
  if (account.faults?.contact === 'AccessDenied') throw denied;
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
