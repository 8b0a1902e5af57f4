/** The `rootwatch` commands. Container roles (Dockerfile, compose, k8s) must name one of these; a test checks it. */
export const COMMANDS = {
  demo: 'Run Rootwatch on a simulated organization: simulator, database, first scan, API, drift',
  scan: 'Scan an organization now (`scan --once`) and print a report',
  migrate: 'Apply database migrations and exit',
  'api-keys': 'Create, list or revoke API keys',
  exceptions: 'Apply a file of exceptions (exceptions as code)',
  api: 'Serve the REST API',
  worker: 'Process scan jobs from the queue',
  events: 'Consume root activity (CloudTrail via EventBridge and SQS)',
  scheduler: 'Enqueue scheduled scans and prune old scan rows',
  sim: 'Run the AWS Organization simulator',
  remediate: 'Plan, show or apply a guarded removal of member root credentials',
} as const;

export type CommandName = keyof typeof COMMANDS;
