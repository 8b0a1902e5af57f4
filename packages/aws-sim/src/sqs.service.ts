import { AwsError } from './aws-error';
import type { Identity, SimState } from './sim-state';
import type { SqsQueue } from './sqs.queues';

/** SQS speaks AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Op>`), the protocol SDK v3 switched to from query. */
export const SQS_TARGET_PREFIX = 'AmazonSQS.';

export interface SqsCall {
  state: SimState;
  identity: Identity;
  operation: string;
  input: Record<string, unknown>;
  /** `host[:port]` the request was sent to: queue URLs point back at the simulator. */
  host: string;
  /**
   * True once the caller hung up (an aborted long poll): the poll then takes no message, which would
   * otherwise stay in flight for a visibility timeout with nobody to process it.
   */
  gone?: () => boolean;
}

/**
 * SQS errors in the JSON protocol carry a `com.amazonaws.sqs#` type and, because SQS is query-compatible,
 * the legacy query code in `x-amzn-query-error: <Code>;Sender` — the SDK surfaces that code as `err.name`.
 */
export class SqsError extends AwsError {
  constructor(
    readonly type: string,
    readonly queryCode: string,
    message: string,
    status = 400,
  ) {
    super(type, status, message);
  }
}

const queueDoesNotExist = () =>
  new SqsError(
    'QueueDoesNotExist',
    'AWS.SimpleQueueService.NonExistentQueue',
    'The specified queue does not exist.',
  );
const invalidParameter = (message: string) =>
  new SqsError('InvalidParameterValueException', 'InvalidParameterValue', message);
const missingParameter = (name: string) =>
  new SqsError(
    'MissingRequiredParameterException',
    'MissingParameter',
    `The request must contain the parameter ${name}.`,
  );

const MAX_WAIT_SECONDS = 20;
const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_BODY_BYTES = 262_144;

export function queueUrl(queue: SqsQueue, host: string): string {
  return `http://${host}/${queue.ownerId}/${queue.name}`;
}

export async function handleSqs(call: SqsCall): Promise<unknown> {
  const { state, input } = call;
  const queues = state.sqs;
  switch (call.operation) {
    case 'GetQueueUrl': {
      const name = requiredString(input, 'QueueName');
      const queue = queues.get(name);
      const owner = input.QueueOwnerAWSAccountId;
      if (!queue || (owner !== undefined && owner !== queue.ownerId)) throw queueDoesNotExist();
      return { QueueUrl: queueUrl(queue, call.host) };
    }
    case 'ListQueues': {
      const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
      return {
        QueueUrls: queues
          .list()
          .filter((q) => q.name.startsWith(prefix))
          .map((q) => queueUrl(q, call.host)),
      };
    }
    case 'SendMessage': {
      const queue = queueOf(call);
      const body = requiredString(input, 'MessageBody');
      if (Buffer.byteLength(body) > MAX_BODY_BYTES)
        throw invalidParameter(
          `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_BODY_BYTES} bytes.`,
        );
      const message = queues.send(queue, body, call.identity.userId);
      return { MessageId: message.messageId, MD5OfMessageBody: message.md5OfBody };
    }
    case 'ReceiveMessage':
      return receive(call);
    case 'DeleteMessage': {
      const queue = queueOf(call);
      const handle = requiredString(input, 'ReceiptHandle');
      checkHandle(call, queue, handle);
      queues.remove(queue, handle);
      return {};
    }
    case 'DeleteMessageBatch': {
      const queue = queueOf(call);
      const entries = batchEntries(input);
      const Successful: { Id: string }[] = [];
      const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
      for (const entry of entries) {
        const handle = entry.ReceiptHandle;
        if (typeof handle !== 'string' || !queues.handleOf(queue, handle)) {
          Failed.push({
            Id: entry.Id,
            SenderFault: true,
            Code: 'ReceiptHandleIsInvalid',
            Message: `The input receipt handle "${String(handle)}" is not a valid receipt handle.`,
          });
          continue;
        }
        queues.remove(queue, handle);
        Successful.push({ Id: entry.Id });
      }
      return { Successful, Failed };
    }
    case 'ChangeMessageVisibility': {
      const queue = queueOf(call);
      const handle = requiredString(input, 'ReceiptHandle');
      const seconds = integer(input, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS);
      if (seconds === undefined) throw missingParameter('VisibilityTimeout');
      checkHandle(call, queue, handle);
      if (queues.changeVisibility(queue, handle, seconds) === 'not_inflight')
        throw new SqsError(
          'MessageNotInflight',
          'AWS.SimpleQueueService.MessageNotInflight',
          'The message referred to is not in flight.',
        );
      return {};
    }
    case 'GetQueueAttributes':
      return { Attributes: attributesOf(call, queueOf(call)) };
    default:
      throw new SqsError(
        'UnsupportedOperation',
        'AWS.SimpleQueueService.UnsupportedOperation',
        `The simulator does not support ${call.operation}.`,
      );
  }
}

async function receive(call: SqsCall): Promise<unknown> {
  const { input, state } = call;
  const queue = queueOf(call);
  const max = integer(input, 'MaxNumberOfMessages', 1, 10, (v) =>
    invalidParameter(
      `Value ${v} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
    ),
  );
  const wait = integer(input, 'WaitTimeSeconds', 0, MAX_WAIT_SECONDS, (v) =>
    invalidParameter(
      `Value ${v} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`,
    ),
  );
  const visibility = integer(input, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS, (v) =>
    invalidParameter(
      `Value ${v} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.`,
    ),
  );
  const wanted = new Set([
    ...stringList(input.AttributeNames),
    ...stringList(input.MessageSystemAttributeNames),
  ]);
  const deadline = Date.now() + (wait ?? 0) * 1000;
  for (;;) {
    if (call.gone?.()) return {};
    const received = state.sqs.receive(queue, max ?? 1, visibility ?? queue.visibilityTimeout);
    const remaining = deadline - Date.now();
    if (received.length > 0 || remaining <= 0) {
      // An empty long poll answers `{}`: the SDK then leaves Messages undefined, as against AWS.
      if (received.length === 0) return {};
      return {
        Messages: received.map(({ message, receiptHandle }) => {
          const all: Record<string, string> = {
            SenderId: message.senderId,
            SentTimestamp: String(message.sentAt),
            ApproximateReceiveCount: String(message.receiveCount),
            ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
          };
          const attributes = Object.fromEntries(
            Object.entries(all).filter(([k]) => wanted.has('All') || wanted.has(k)),
          );
          return {
            MessageId: message.messageId,
            ReceiptHandle: receiptHandle,
            MD5OfBody: message.md5OfBody,
            Body: message.body,
            ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
          };
        }),
      };
    }
    await state.sqs.waitFor(queue, remaining);
  }
}

function attributesOf(call: SqsCall, queue: SqsQueue): Record<string, string> {
  const names = stringList(call.input.AttributeNames);
  const now = Date.now();
  let visible = 0;
  let inFlight = 0;
  for (const m of queue.messages.values()) {
    if (m.visibleAt > now) inFlight++;
    else visible++;
  }
  const all: Record<string, string> = {
    QueueArn: queue.arn,
    ApproximateNumberOfMessages: String(visible),
    ApproximateNumberOfMessagesNotVisible: String(inFlight),
    ApproximateNumberOfMessagesDelayed: '0',
    VisibilityTimeout: String(queue.visibilityTimeout),
    CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    MaximumMessageSize: String(MAX_BODY_BYTES),
    MessageRetentionPeriod: '345600',
    DelaySeconds: '0',
    ReceiveMessageWaitTimeSeconds: '0',
    SqsManagedSseEnabled: 'true',
    ...(queue.redrive
      ? {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: queue.redrive.deadLetter.arn,
            maxReceiveCount: queue.redrive.maxReceiveCount,
          }),
        }
      : {}),
  };
  for (const name of names)
    if (name !== 'All' && !(name in all) && !KNOWN_ATTRIBUTES.has(name))
      throw new SqsError('InvalidAttributeName', 'InvalidAttributeName', `Unknown Attribute ${name}.`);
  return Object.fromEntries(Object.entries(all).filter(([k]) => names.includes('All') || names.includes(k)));
}

// Valid names the simulator has no value for (FIFO, KMS, policy): asked for, they are simply absent.
const KNOWN_ATTRIBUTES = new Set([
  'Policy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'RedrivePolicy',
]);

/** The queue named by `QueueUrl`: its last path segment is the name (any host: the URL came from us). */
function queueOf(call: SqsCall): SqsQueue {
  const url = requiredString(call.input, 'QueueUrl');
  let name: string | undefined;
  let owner: string | undefined;
  try {
    const parts = new URL(url).pathname.split('/').filter(Boolean);
    [owner, name] = parts.length === 2 ? parts : [undefined, undefined];
  } catch {
    throw new SqsError(
      'InvalidAddress',
      'InvalidAddress',
      `The address ${url} is not valid for this endpoint.`,
      404,
    );
  }
  const queue = name ? call.state.sqs.get(name) : undefined;
  if (!queue || owner !== queue.ownerId) throw queueDoesNotExist();
  return queue;
}

function checkHandle(call: SqsCall, queue: SqsQueue, handle: string): void {
  if (!call.state.sqs.handleOf(queue, handle))
    throw new SqsError(
      'ReceiptHandleIsInvalid',
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
    );
}

function batchEntries(input: Record<string, unknown>): { Id: string; ReceiptHandle?: unknown }[] {
  const entries = input.Entries;
  if (!Array.isArray(entries) || entries.length === 0)
    throw new SqsError(
      'EmptyBatchRequest',
      'AWS.SimpleQueueService.EmptyBatchRequest',
      'There should be at least one DeleteMessageBatchRequestEntry in the request.',
    );
  if (entries.length > 10)
    throw new SqsError(
      'TooManyEntriesInBatchRequest',
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
    );
  const ids = new Set<string>();
  return entries.map((entry) => {
    const id = (entry as { Id?: unknown })?.Id;
    if (typeof id !== 'string' || !/^[\w-]{1,80}$/.test(id))
      throw new SqsError(
        'InvalidBatchEntryId',
        'AWS.SimpleQueueService.InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    if (ids.has(id))
      throw new SqsError(
        'BatchEntryIdsNotDistinct',
        'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
        `Id ${id} repeated.`,
      );
    ids.add(id);
    return entry as { Id: string; ReceiptHandle?: unknown };
  });
}

function requiredString(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (value === undefined || value === null) throw missingParameter(name);
  if (typeof value !== 'string')
    throw invalidParameter(`Value for parameter ${name} is invalid. Reason: expected a string.`);
  return value;
}

function integer(
  input: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
  error: (value: unknown) => AwsError = (v) =>
    invalidParameter(
      `Value ${String(v)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}.`,
    ),
): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw error(value);
  return value;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
