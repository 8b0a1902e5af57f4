import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { AwsCredentials, AwsCredentialsProvider } from './clients';

export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** ApproximateReceiveCount: 1 on the first delivery. */
  receiveCount: number;
  /** SentTimestamp (epoch ms): when the message reached the queue. */
  sentAt: number;
}

/** The root-activity queue (EVENTS.md) as the consumer uses it: receive, delete after commit, release. */
export interface EventsQueue {
  receive(input: { maxMessages: number; waitSeconds: number; signal?: AbortSignal }): Promise<QueueMessage[]>;
  /** Deletes by receipt handle, up to 10 per call; returns the handles SQS refused. */
  delete(receiptHandles: string[]): Promise<string[]>;
  /** Makes a message visible again at once (visibility 0), e.g. on shutdown before processing. */
  release(receiptHandle: string): Promise<void>;
  destroy(): void;
}

export interface EventsQueueOptions {
  queueUrl: string;
  region: string;
  /** Endpoint override (AWS_ENDPOINT_URL); none = the queue URL's own host. */
  endpoint?: string;
  credentials?: AwsCredentials | AwsCredentialsProvider;
  maxAttempts?: number;
}

export function createEventsQueue(options: EventsQueueOptions): EventsQueue {
  const client = new SQSClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
  });
  const QueueUrl = options.queueUrl;
  return {
    async receive({ maxMessages, waitSeconds, signal }) {
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: maxMessages,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
        { abortSignal: signal },
      );
      return (out.Messages ?? []).flatMap((m) =>
        m.ReceiptHandle && m.MessageId
          ? [
              {
                messageId: m.MessageId,
                receiptHandle: m.ReceiptHandle,
                body: m.Body ?? '',
                receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
                sentAt: Number(m.Attributes?.SentTimestamp ?? Date.now()),
              },
            ]
          : [],
      );
    },
    async delete(receiptHandles) {
      const failed: string[] = [];
      for (let i = 0; i < receiptHandles.length; i += 10) {
        const chunk = receiptHandles.slice(i, i + 10);
        const out = await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl,
            Entries: chunk.map((ReceiptHandle, j) => ({ Id: `m${j}`, ReceiptHandle })),
          }),
        );
        for (const f of out.Failed ?? []) failed.push(chunk[Number(f.Id?.slice(1))]!);
      }
      return failed;
    },
    async release(receiptHandle) {
      await client.send(
        new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: 0 }),
      );
    },
    destroy: () => client.destroy(),
  };
}
