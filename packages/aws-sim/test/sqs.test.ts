import { GenerateCredentialReportCommand, GetCredentialReportCommand } from '@aws-sdk/client-iam';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDefinition, type Harness, MGMT, PAYMENTS, sdkError, startHarness } from './fixture';

describe('SQS over AWS JSON 1.0 with the real SDK client', () => {
  let h: Harness;
  let sqs: SQSClient;
  let url: string;
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${h.sim.endpoint}${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    h = await startHarness({
      ...fixtureDefinition(),
      events: { queueName: 'rootwatch-root-activity', maxReceiveCount: 2, visibilityTimeout: 30 },
    });
    sqs = new SQSClient(h.clientConfig());
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'rootwatch-root-activity' }))).QueueUrl!;
  });
  afterAll(async () => {
    sqs.destroy();
    await h.sim.stop();
  });
  afterEach(async () => {
    await control('POST', '/_sim/reset');
  });

  it('names the queue by a URL on the simulator, owned by the caller account', () => {
    expect(url).toBe(`${h.sim.endpoint}/${MGMT}/rootwatch-root-activity`);
  });

  it('answers an unknown queue with the real JSON error shape (QueueDoesNotExist)', async () => {
    const err = await sdkError(() => sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' })));
    expect(err.status).toBe(400);
    expect(err.name).toBe('QueueDoesNotExist');
    const raw = await fetch(h.sim.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSQS.GetQueueUrl', 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    });
    expect(raw.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect((await raw.json()).__type).toBe('MissingAuthenticationToken');
  });

  it('rejects MaxNumberOfMessages above 10 as InvalidParameterValue', async () => {
    const err = await sdkError(() =>
      sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })),
    );
    expect(err).toMatchObject({ name: 'InvalidParameterValue', status: 400 });
  });

  it('long-polls until a message arrives, then hides it for the visibility timeout', async () => {
    const started = Date.now();
    const pending = sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }),
    );
    setTimeout(() => void sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{"a":1}' })), 100);
    const out = await pending;
    expect(out.Messages?.map((m) => m.Body)).toEqual(['{"a":1}']);
    expect(Date.now() - started).toBeLessThan(4_000);
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0 }));
    expect(again.Messages).toBeUndefined();
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(attrs.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
      QueueArn: `arn:aws:sqs:us-east-1:${MGMT}:rootwatch-root-activity`,
    });
    expect(JSON.parse(attrs.Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:us-east-1:${MGMT}:rootwatch-root-activity-dlq`,
      maxReceiveCount: 2,
    });
  });

  it('counts receives, deletes only with the latest handle, and redrives to the DLQ after maxReceiveCount', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    const receive = () =>
      sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          VisibilityTimeout: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
    const first = (await receive()).Messages![0]!;
    expect(first.Attributes).toEqual({ ApproximateReceiveCount: '1' });
    const second = (await receive()).Messages![0]!;
    expect(second.Attributes).toEqual({ ApproximateReceiveCount: '2' });
    // A stale handle is accepted and deletes nothing, as on AWS.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.ReceiptHandle! }));
    // The third receive moves it to the DLQ instead of returning it.
    expect((await receive()).Messages).toBeUndefined();
    const dlqUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'rootwatch-root-activity-dlq' })))
      .QueueUrl!;
    const dead = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MessageSystemAttributeNames: ['All'] }),
    );
    expect(dead.Messages?.[0]).toMatchObject({ Body: 'poison', MessageId: first.MessageId });
  });

  it('changes visibility, deletes in batches, and rejects a forged receipt handle', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'two' }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(got.Messages).toHaveLength(2);
    const [one, two] = got.Messages!;
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: one!.ReceiptHandle!,
        VisibilityTimeout: 0,
      }),
    );
    const back = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(back.Messages?.[0]?.Body).toBe('one');
    const batch = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', ReceiptHandle: back.Messages![0]!.ReceiptHandle! },
          { Id: 'b', ReceiptHandle: two!.ReceiptHandle! },
          { Id: 'c', ReceiptHandle: 'forged' },
        ],
      }),
    );
    expect(batch.Successful?.map((s) => s.Id)).toEqual(['a', 'b']);
    expect(batch.Failed).toEqual([expect.objectContaining({ Id: 'c', Code: 'ReceiptHandleIsInvalid' })]);
    const err = await sdkError(() =>
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'forged' })),
    );
    expect(err.name).toBe('ReceiptHandleIsInvalid');
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(attrs.Attributes).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });

  it('root-activity emits a CloudTrail-shaped EventBridge message and moves the root last-used date', async () => {
    const at = '2026-12-01T08:30:00Z';
    const res = await control('POST', `/_sim/accounts/${PAYMENTS}/root-activity`, {
      kind: 'console_login',
      at,
      sourceIp: '198.51.100.7',
      mfaUsed: true,
    });
    expect(res.status).toBe(202);
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    const envelope = JSON.parse(out.Messages![0]!.Body!);
    expect(envelope).toMatchObject({
      'detail-type': 'AWS Console Sign In via CloudTrail',
      source: 'aws.signin',
      account: PAYMENTS,
      detail: {
        eventName: 'ConsoleLogin',
        eventTime: at,
        sourceIPAddress: '198.51.100.7',
        userIdentity: { type: 'Root', arn: `arn:aws:iam::${PAYMENTS}:root`, accountId: PAYMENTS },
        responseElements: { ConsoleLogin: 'Success' },
        additionalEventData: { MFAUsed: 'Yes' },
        eventID: res.body.eventId,
      },
    });
    const creds = await h.assume(PAYMENTS);
    const iam = h.iam(creds);
    await iam.send(new GenerateCredentialReportCommand({}));
    const report = await iam.send(new GetCredentialReportCommand({}));
    const rootRow = Buffer.from(report.Content!).toString('utf8').split('\n')[1]!.split(',');
    expect(rootRow[4]).toBe('2026-12-01T08:30:00+00:00');

    const bad = await control('POST', `/_sim/accounts/${PAYMENTS}/root-activity`, { kind: 'teleport' });
    expect(bad.status).toBe(400);
    const missing = await control('POST', '/_sim/accounts/000000000000/root-activity', { kind: 'api_call' });
    expect(missing.status).toBe(404);
  });
});
