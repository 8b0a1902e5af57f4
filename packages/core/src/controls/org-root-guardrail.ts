import { findRootDenyStatements, type RootDenyStatement } from './scp-root-deny';
import { type Control, fail, mappings, notApplicable, pass, unknown } from './types';

// The "deny root" SCP with AWS's carve-out (aws-samples/service-control-policy-examples,
// Privileged-access-controls): without the Null aws:AssumedRoot condition the deny also blocks the
// sts:AssumeRoot sessions of centralized root access.
const RECOMMENDED_STATEMENT = JSON.stringify({
  Effect: 'Deny',
  Action: '*',
  Resource: '*',
  Condition: {
    StringLike: { 'aws:PrincipalArn': 'arn:*:iam::*:root' },
    Null: { 'aws:AssumedRoot': 'true' },
  },
});

function where(s: RootDenyStatement): string {
  return `SCP ${s.policyName} (${s.policyId}, attached to ${s.targetId}${s.sid ? `, statement ${s.sid}` : ''})`;
}

export const orgRootGuardrail: Control = {
  id: 'org.root-guardrail',
  title: 'An SCP denies every action to the root user',
  severity: 'medium',
  rationale:
    'A service control policy that denies every action to root principals stops a stolen member root credential from doing anything, whatever the state of its password or MFA. A deny of some actions only leaves root the rest.',
  remediation: `Attach to the organization root or to the OUs of member accounts an SCP with the statement ${RECOMMENDED_STATEMENT}. Keep the "Null": {"aws:AssumedRoot": "true"} condition: it exempts the short sts:AssumeRoot sessions of centralized root access, which the deny would otherwise block. FullAWSAccess alone does not restrict root, and a deny of some actions (e.g. s3:DeleteBucket) leaves root every other one.`,
  mappings: mappings({ cisV7: ['2.1.2'] }),
  evaluate({ facts, account, org }) {
    if (account.isManagementAccount) {
      return notApplicable('SCPs do not apply to the management account', {});
    }
    if (!org.scpEnabled)
      return notApplicable('the organization has not enabled service control policies', {});
    if (!account.effectiveScps.known) {
      return unknown(`effective SCPs unknown: ${account.effectiveScps.reason}`, {});
    }
    const policies = account.effectiveScps.policies;
    const statements = policies.flatMap((p) => findRootDenyStatements(p, facts.partition, account.id));
    const effectivePolicies = policies.map((p) => ({ id: p.id, name: p.name, targetId: p.targetId }));
    const full = statements.filter((s) => s.scope === 'everything');
    const partial = statements.filter((s) => s.scope === 'partial');
    const evidence = { rootDenyStatements: full, partialRootDenyStatements: partial, effectivePolicies };
    if (full.length > 0) {
      const first = full[0]!;
      const carveOut = first.assumedRootCarveOut
        ? ', except centralized root sessions (aws:AssumedRoot)'
        : '';
      return pass(`${where(first)} denies every action to root${carveOut}`, evidence);
    }
    if (partial.length > 0) {
      const described = partial.map((s) => `${where(s)} denies root ${s.limits.join('; ')}`).join('. ');
      return fail(`no SCP denies every action to root: ${described}`, evidence);
    }
    return fail('no SCP effective on this account denies the root user', evidence);
  },
};
