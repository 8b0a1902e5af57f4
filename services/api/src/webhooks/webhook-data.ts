import {
  driftEventFromSnapshot,
  exceptionFromSnapshot,
  findingFromSnapshot,
  rootActivityFromSnapshot,
  scanRunFromSnapshot,
} from '@rootwatch/db';
import { toDriftEvent, toException, toFinding, toScanRun } from '../schemas/resources';
import { toRootActivity } from '../schemas/root-activity';

/**
 * The `data` of a webhook event: the same JSON as the API's resource, from the row snapshot the outbox
 * trigger stored. Used by the worker at delivery (passed to startWebhookWorker) and by the API.
 * A new event type adds its case here.
 */
export function webhookData(type: string, snapshot: Record<string, unknown>): unknown {
  switch (type) {
    case 'finding.opened':
    case 'finding.resolved':
    case 'finding.updated':
      return toFinding(findingFromSnapshot(snapshot));
    case 'drift.event':
      return toDriftEvent(driftEventFromSnapshot(snapshot));
    case 'scan.completed':
      return toScanRun(scanRunFromSnapshot(snapshot));
    case 'exception.expiring':
      return toException(exceptionFromSnapshot(snapshot));
    case 'root.activity':
      return toRootActivity(rootActivityFromSnapshot(snapshot));
    default:
      // webhook.test carries its own small object.
      return snapshot;
  }
}
