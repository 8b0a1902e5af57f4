import { generateOrg } from '@rootwatch/aws-sim';
import { CONTROL_IDS } from '@rootwatch/core';
import { describe, expect, it } from 'vitest';
import { planDrift } from '../src/drift-plan';
import { renderCsv } from '../src/report/csv';
import { failuresAtOrAbove, type ReportAccount, type ScanReport, summarize } from '../src/report/model';

const account = (id: string, name: string, statuses: Record<string, 'PASS' | 'FAIL'>): ReportAccount => ({
  accountId: id,
  name,
  email: `${id}@example.com`,
  ouPath: '/Root/Prod',
  state: 'ACTIVE',
  outcome: 'assessed',
  controls: Object.fromEntries(
    Object.entries(statuses).map(([cid, status]) => [
      cid,
      { status, severity: cid === 'root.mfa' ? 'critical' : 'medium', reason: '' },
    ]),
  ),
});

const reportOf = (accounts: ReportAccount[]): ScanReport => ({
  organization: { id: 'o-x', managementAccountId: '111111111111', features: [] },
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:01.000Z',
  summary: summarize(accounts, CONTROL_IDS),
  accounts,
});

describe('report', () => {
  it('CSV cells with commas, quotes or formula prefixes cannot break rows or run in a spreadsheet', () => {
    const csv = renderCsv(
      reportOf([account('222222222222', '=HYPERLINK("x"), "prod"', { 'root.mfa': 'FAIL' })]),
      ['root.mfa'],
    );
    expect(csv.split('\r\n')[1]).toBe(
      `222222222222,"'=HYPERLINK(""x""), ""prod""",222222222222@example.com,/Root/Prod,ACTIVE,assessed,,FAIL`,
    );
  });

  it('--fail-on counts a FAIL at or above the level, never below it', () => {
    const report = reportOf([
      account('222222222222', 'a', { 'root.mfa': 'PASS', 'account.password-policy': 'FAIL' }),
      account('333333333333', 'b', { 'root.mfa': 'FAIL' }),
    ]);
    expect(failuresAtOrAbove(report, 'critical')).toEqual([
      { accountId: '333333333333', controlId: 'root.mfa' },
    ]);
    expect(failuresAtOrAbove(report, 'high')).toHaveLength(1);
    expect(failuresAtOrAbove(report, 'medium')).toHaveLength(2);
  });
});

describe('demo drift plan', () => {
  const original = generateOrg({ accounts: 60, seed: 5, referenceTime: Date.UTC(2026, 0, 1) });
  const now = new Date(Date.UTC(2026, 0, 2));

  it('is deterministic for a seed and round, and picks distinct ACTIVE member accounts with an audit role', () => {
    const a = planDrift({ original, seed: 42, round: 3, count: 3, now });
    expect(planDrift({ original, seed: 42, round: 3, count: 3, now })).toEqual(a);
    expect(planDrift({ original, seed: 43, round: 3, count: 3, now })).not.toEqual(a);
    expect(new Set(a.breaks.map((b) => b.accountId)).size).toBe(3);
    for (const change of a.breaks) {
      const acc = original.accounts.find((x) => x.id === change.accountId)!;
      expect(acc.state).toBe('ACTIVE');
      expect(acc.auditRole).toBe(true);
      expect(acc.id).not.toBe(original.organization.managementAccountId);
    }
  });

  it("restores the previous round's accounts to their original posture", () => {
    const previous = planDrift({ original, seed: 42, round: 0, count: 3, now });
    expect(previous.restores).toEqual([]);
    const next = planDrift({ original, seed: 42, round: 1, count: 3, now });
    const brokenNow = new Set(next.breaks.map((b) => b.accountId));
    expect(next.restores.map((r) => r.accountId)).toEqual(
      previous.breaks.map((b) => b.accountId).filter((id) => !brokenNow.has(id)),
    );
    for (const restore of next.restores) {
      const acc = original.accounts.find((x) => x.id === restore.accountId)!;
      expect(restore.patch).toEqual({
        root: acc.root,
        securityContact: acc.securityContact,
        auditRole: true,
      });
    }
  });
});
