import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** One message as SQS keeps it: visibility and receive count are the queue's, not the consumer's. */
export interface SqsMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  sentAt: number;
  senderId: string;
  receiveCount: number;
  firstReceivedAt: number | null;
  /** Epoch ms before which no ReceiveMessage returns it (in flight after a receive). */
  visibleAt: number;
  /** The latest receive's handle; only it deletes the message (an older one is accepted and ignored). */
  receiptHandle: string | null;
}

export interface SqsQueue {
  name: string;
  ownerId: string;
  arn: string;
  createdAt: number;
  visibilityTimeout: number;
  /** Redrive: after this many receives the next receive moves the message to the DLQ instead. */
  redrive: { deadLetter: SqsQueue; maxReceiveCount: number } | null;
  messages: Map<string, SqsMessage>;
}

export interface ReceivedMessage {
  message: SqsMessage;
  receiptHandle: string;
}

/**
 * The simulator's queues: standard SQS semantics for the subset Rootwatch uses (visibility timeouts,
 * receive counts, redrive to a dead-letter queue, long polling). Visibility runs on the wall clock, like
 * the throttles, so tests that fake `now` for session expiry do not freeze the queues.
 */
export interface SqsQueues {
  get(name: string): SqsQueue | undefined;
  list(): SqsQueue[];
  send(queue: SqsQueue, body: string, senderId: string): SqsMessage;
  /** Up to `max` visible messages, each made invisible for `visibilitySeconds`; may be empty. */
  receive(queue: SqsQueue, max: number, visibilitySeconds: number): ReceivedMessage[];
  /** Waits until a message may be visible in `queue` or `ms` passed (whichever first). */
  waitFor(queue: SqsQueue, ms: number): Promise<void>;
  /** Parses a receipt handle of this queue; null when it is not one of ours. */
  handleOf(queue: SqsQueue, receiptHandle: string): { messageId: string } | null;
  remove(queue: SqsQueue, receiptHandle: string): void;
  changeVisibility(queue: SqsQueue, receiptHandle: string, seconds: number): 'ok' | 'not_inflight';
  /** Empties every queue and wakes every long poll (reset, stop). */
  clear(): void;
  wakeAll(): void;
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

export function createSqsQueues(opts: {
  ownerId: string;
  region: string;
  queueName: string;
  maxReceiveCount: number;
  visibilityTimeout: number;
}): SqsQueues {
  const now = () => Date.now();
  const makeQueue = (name: string, redrive: SqsQueue['redrive']): SqsQueue => ({
    name,
    ownerId: opts.ownerId,
    arn: `arn:aws:sqs:${opts.region}:${opts.ownerId}:${name}`,
    createdAt: now(),
    visibilityTimeout: opts.visibilityTimeout,
    redrive,
    messages: new Map(),
  });
  const dlq = makeQueue(`${opts.queueName}-dlq`, null);
  const main = makeQueue(opts.queueName, { deadLetter: dlq, maxReceiveCount: opts.maxReceiveCount });
  const queues = new Map([main, dlq].map((q) => [q.name, q]));
  const waiters = new Map<SqsQueue, Set<() => void>>();

  const wake = (queue: SqsQueue) => {
    const set = waiters.get(queue);
    if (!set) return;
    waiters.delete(queue);
    for (const fn of set) fn();
  };

  // Handle = base64url("<queue>/<messageId>/<random>"): opaque to clients, checkable by us.
  const encodeHandle = (queue: SqsQueue, messageId: string) =>
    Buffer.from(`${queue.name}/${messageId}/${randomBytes(12).toString('hex')}`).toString('base64url');

  const handleOf = (queue: SqsQueue, receiptHandle: string) => {
    const parts = Buffer.from(receiptHandle, 'base64url').toString('utf8').split('/');
    if (parts.length !== 3 || parts[0] !== queue.name || !parts[1]) return null;
    return { messageId: parts[1] };
  };

  return {
    get: (name) => queues.get(name),
    list: () => [...queues.values()],
    send(queue, body, senderId) {
      const message: SqsMessage = {
        messageId: randomUUID(),
        body,
        md5OfBody: md5Hex(body),
        sentAt: now(),
        senderId,
        receiveCount: 0,
        firstReceivedAt: null,
        visibleAt: 0,
        receiptHandle: null,
      };
      queue.messages.set(message.messageId, message);
      wake(queue);
      return message;
    },
    receive(queue, max, visibilitySeconds) {
      const t = now();
      const out: ReceivedMessage[] = [];
      for (const message of queue.messages.values()) {
        if (out.length >= max) break;
        if (message.visibleAt > t) continue;
        if (queue.redrive && message.receiveCount >= queue.redrive.maxReceiveCount) {
          // AWS moves the message on the receive after the last allowed one; it keeps its id and count.
          queue.messages.delete(message.messageId);
          message.visibleAt = 0;
          message.receiptHandle = null;
          queue.redrive.deadLetter.messages.set(message.messageId, message);
          wake(queue.redrive.deadLetter);
          continue;
        }
        message.receiveCount++;
        message.firstReceivedAt ??= t;
        message.visibleAt = t + visibilitySeconds * 1000;
        message.receiptHandle = encodeHandle(queue, message.messageId);
        out.push({ message, receiptHandle: message.receiptHandle });
      }
      return out;
    },
    waitFor(queue, ms) {
      let nextVisible = Number.POSITIVE_INFINITY;
      for (const m of queue.messages.values()) nextVisible = Math.min(nextVisible, m.visibleAt);
      const wait = Math.max(0, Math.min(ms, nextVisible - now()));
      return new Promise<void>((resolve) => {
        const set = waiters.get(queue) ?? new Set();
        waiters.set(queue, set);
        const done = () => {
          clearTimeout(timer);
          set.delete(done);
          resolve();
        };
        const timer = setTimeout(done, wait);
        // A pending long poll must not keep a stopping process alive.
        timer.unref();
        set.add(done);
      });
    },
    handleOf,
    remove(queue, receiptHandle) {
      const parsed = handleOf(queue, receiptHandle);
      const message = parsed && queue.messages.get(parsed.messageId);
      // A stale handle (the message was received again since) succeeds without deleting, as on AWS.
      if (message && message.receiptHandle === receiptHandle) queue.messages.delete(message.messageId);
    },
    changeVisibility(queue, receiptHandle, seconds) {
      const parsed = handleOf(queue, receiptHandle);
      const message = parsed && queue.messages.get(parsed.messageId);
      const t = now();
      if (!message || message.receiptHandle !== receiptHandle || message.visibleAt <= t)
        return 'not_inflight';
      message.visibleAt = t + seconds * 1000;
      if (seconds === 0) wake(queue);
      return 'ok';
    },
    clear() {
      for (const q of queues.values()) q.messages.clear();
      this.wakeAll();
    },
    wakeAll() {
      for (const q of [...waiters.keys()]) wake(q);
    },
  };
}
