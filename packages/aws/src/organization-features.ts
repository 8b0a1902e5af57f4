import type { SourceError } from '@rootwatch/core';
import type { AwsClientFactory } from './clients';
import { ListOrganizationsFeaturesCommand } from './commands';
import { awsErrorCode, classifyAwsError } from './errors';

/**
 * Answers of iam:ListOrganizationsFeatures that prove centralized root access is off: trusted access for
 * IAM is not enabled, or the organization has only consolidated billing (IAM API reference,
 * ListOrganizationsFeatures errors). Neither feature can be on then, so they read as "none enabled".
 */
const FEATURES_OFF = new Set([
  'ServiceAccessNotEnabledException',
  'OrganizationNotInAllFeaturesModeException',
]);

export type OrganizationsFeatures = { ok: true; enabled: string[] } | { ok: false; error: SourceError };

/** The root-access features of the organization (`RootCredentialsManagement`, `RootSessions`), sorted. */
export async function readOrganizationsFeatures(
  clients: Pick<AwsClientFactory, 'iam'>,
): Promise<OrganizationsFeatures> {
  try {
    const out = await clients.iam().send(new ListOrganizationsFeaturesCommand({}));
    return { ok: true, enabled: [...(out.EnabledFeatures ?? [])].map(String).sort() };
  } catch (err) {
    const code = awsErrorCode(err);
    if (FEATURES_OFF.has(code)) return { ok: true, enabled: [] };
    const { kind, message } = classifyAwsError(err, { operation: 'iam:ListOrganizationsFeatures' });
    return { ok: false, error: { kind, code, message } };
  }
}
