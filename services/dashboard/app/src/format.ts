import { type ControlStatus, SEVERITIES } from '@rootwatch/core/vocabulary';
import { h } from './dom';

/** Timestamps are shown in UTC, like the API serves them, so screens and exports agree. */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function fmtNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

export function fmtPct(n: number | null | undefined): string {
  return n === null || n === undefined ? 'n/a' : `${Math.round(n * 10) / 10} %`;
}

export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 100) / 10;
  if (s < 120) return `${s} s`;
  return `${Math.round(s / 60)} min`;
}

const statusLabels: Record<string, string> = {
  PASS: 'Pass',
  FAIL: 'Fail',
  UNKNOWN: 'Unknown',
  NOT_APPLICABLE: 'N/A',
};

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge status-${status}` }, statusLabels[status] ?? status);
}

export function severityBadge(severity: string): HTMLElement {
  return h('span', { class: `badge sev-${severity}` }, severity);
}

export const severityOrder = SEVERITIES;
/** Display order (failures and unknowns before the not applicable). */
export const statusOrder = [
  'PASS',
  'FAIL',
  'UNKNOWN',
  'NOT_APPLICABLE',
] as const satisfies readonly ControlStatus[];
