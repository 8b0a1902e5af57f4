import { findRootDenyStatements } from './scp-root-deny';
import { type Control, fail, mappings, notApplicable, pass, unknown } from './types';

export const orgRootGuardrail: Control = {
  id: 'org.root-guardrail',
  title: 'An SCP denies actions by the root user',
  severity: 'medium',
  rationale:
    'A service control policy that denies root principals stops a stolen member root credential from doing anything, whatever the state of its password or MFA.',
  remediation:
    'Attach to the organization root or to the OUs of member accounts an SCP with a statement {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"arn:*:iam::*:root"}}}. FullAWSAccess alone does not restrict root.',
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
    const matches = policies.flatMap((p) => findRootDenyStatements(p, facts.partition, account.id));
    const effective = policies.map((p) => ({ id: p.id, name: p.name, targetId: p.targetId }));
    if (matches.length > 0) {
      const first = matches[0]!;
      return pass(`SCP ${first.policyName} (${first.policyId}, attached to ${first.targetId}) denies root`, {
        rootDenyStatements: matches,
        effectivePolicies: effective,
      });
    }
    return fail('no SCP effective on this account denies the root user', { effectivePolicies: effective });
  },
};
