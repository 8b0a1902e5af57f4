/** An error answered to the client in the shape of the service's protocol. */
export class AwsError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = 'AwsError';
    this.code = code;
    this.status = status;
  }

  get isThrottling(): boolean {
    return this.code === 'Throttling' || this.code === 'TooManyRequestsException';
  }
}

export const throttling = (): AwsError => new AwsError('Throttling', 400, 'Rate exceeded');

export const validation = (message: string): AwsError => new AwsError('ValidationError', 400, message);

export const notNull = (member: string): AwsError =>
  validation(
    `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
  );
