import { isAssessable } from '../context';
import { AUDIT_ROOT_TASK_POLICY } from '../posture';
import { type Control, fail, mappings, notApplicable, pass } from './types';

export const auditCoverage: Control = {
  id: 'audit.coverage',
  title: 'Rootwatch can assess the account',
  severity: 'high',
  rationale:
    'An account Rootwatch cannot read is not compliant, it is unknown. A missing or broken audit role hides every other finding.',
  remediation:
    'Deploy the RootwatchAudit member role (CloudFormation StackSet or Terraform module) to this account with the trust policy and ExternalId Rootwatch uses, and make sure no SCP denies its read-only IAM calls. The reason shows the AWS error code.',
  mappings: mappings({}),
  evaluate({ facts, account }) {
    if (!isAssessable(account))
      return notApplicable(`account is ${account.state}: skipped`, { state: account.state });
    if (!facts.coverage.ok) {
      return fail(facts.coverage.code, {
        kind: facts.coverage.kind,
        code: facts.coverage.code,
        message: facts.coverage.message,
      });
    }
    if (facts.access?.path === 'root-session') {
      const why = facts.access.fallbackFrom ? ` (member role: ${facts.access.fallbackFrom})` : '';
      return pass(
        `root session opened (sts:AssumeRoot, ${AUDIT_ROOT_TASK_POLICY}) and required reads succeeded${why}`,
        {},
      );
    }
    return pass('audit role assumed and required reads succeeded', {});
  },
};
