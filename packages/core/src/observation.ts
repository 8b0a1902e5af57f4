import type { AccountContext, OrgContext } from './context';
import { evaluateControls } from './controls/catalog';
import type { ControlResult, EvaluationOptions } from './controls/types';
import { derivePostureFacts, type PostureFacts } from './facts';
import type { RootPosture } from './posture';

/** One assessment of one account: what drift, findings and history versions are computed from. */
export interface Observation {
  observedAt: string;
  facts: PostureFacts;
  results: ControlResult[];
}

export function observe(
  posture: RootPosture,
  account: AccountContext,
  org: OrgContext,
  options: EvaluationOptions,
): Observation {
  return {
    observedAt: posture.collectedAt,
    facts: derivePostureFacts(posture, account),
    results: evaluateControls(posture, account, org, options),
  };
}
