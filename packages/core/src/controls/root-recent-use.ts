import type { Usage } from '../facts';
import { reportEvidence } from './evidence';
import { type Control, fail, mappings, pass, unknown } from './types';

const DAY_MS = 86_400_000;

export const rootRecentUse: Control = {
  id: 'root.recent-use',
  title: 'Root user not used recently',
  severity: 'high',
  rationale:
    'Root should only be used for the few tasks that require it. Recent use is either such a task (worth confirming) or a sign of daily use or compromise.',
  remediation:
    'Find who used root and why (CloudTrail events with userIdentity.type = Root). Move routine work to IAM roles; for the root-only tasks of member accounts use centralized root access (sts:AssumeRoot) instead of root sign-in.',
  mappings: mappings({ cisV3: ['1.7'], cisV5: ['1.6'], cisV6: ['2.6'], cisV7: ['2.7'] }),
  evaluate({ facts, options }) {
    // Evidence must not depend on `now`, or every re-scan would look like a new posture.
    const windowStart = new Date(options.now.getTime() - options.usageWindowDays * DAY_MS);
    const slots = facts.accessKeys.slots ?? [];
    const evidence = {
      usageWindowDays: options.usageWindowDays,
      passwordLastUsed: usageText(facts.password.lastUsed),
      accessKey1LastUsed: usageText(slots[0]?.lastUsed),
      accessKey2LastUsed: usageText(slots[1]?.lastUsed),
      latestUse: usageText(facts.lastUsed),
      ...reportEvidence(facts),
    };
    const usage = facts.lastUsed;
    const latest =
      usage.kind === 'used' ? usage.at : usage.kind === 'unknown' ? usage.knownLatest : undefined;
    const recent = latest !== undefined && Date.parse(latest) >= windowStart.getTime();
    if (recent) {
      return fail(`root was used at ${latest}, within the ${options.usageWindowDays}-day window`, evidence);
    }
    if (usage.kind === 'unknown') return unknown(usage.reason, evidence);
    if (usage.kind === 'never') return pass('root has never been used (no recorded use)', evidence);
    return pass(`root last used at ${usage.at}, before the ${options.usageWindowDays}-day window`, evidence);
  },
};

function usageText(usage: Usage | undefined): string | null {
  if (!usage) return null;
  return usage.kind === 'used' ? usage.at : usage.kind;
}
