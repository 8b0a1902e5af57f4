import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { generateOrg, startSimulator } from '@rootwatch/aws-sim';

const sim = await startSimulator({ definition: generateOrg({ accounts: 50, seed: 1 }), port: 0 });
const base = { region: 'us-east-1', endpoint: sim.endpoint };
const sts = new STSClient({ ...base, credentials: sim.credentials });
const id = generateOrg({ accounts: 50, seed: 1 }).accounts.find(
  (a) => a.auditRole && a.state === 'ACTIVE',
)!.id;
const role = generateOrg({ accounts: 50, seed: 1 }).auditRole.name;
const out = await sts.send(
  new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${id}:role/${role}`, RoleSessionName: 'bench-session' }),
);
const creds = {
  accessKeyId: out.Credentials!.AccessKeyId!,
  secretAccessKey: out.Credentials!.SecretAccessKey!,
  sessionToken: out.Credentials!.SessionToken!,
};
const N = Number(process.env.N ?? 400);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (const mode of (process.env.MODES ?? 'shared,perCall,shared,perCall').split(',')) {
  const shared = new IAMClient({ ...base, credentials: creds });
  const c0 = cpu();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const client = mode === 'shared' ? shared : new IAMClient({ ...base, credentials: creds });
    await client.send(new GetAccountSummaryCommand({}));
  }
  console.log(
    mode,
    'cpu ms/call',
    ((cpu() - c0) / N).toFixed(3),
    'wall ms/call',
    ((performance.now() - t0) / N).toFixed(3),
  );
}
await sim.stop();
