import { compliancePct } from '@rootwatch/core/compliance';
import { describeError } from '../api';
import { lineChart, type Series, seriesClass, swatch } from '../charts';
import type { AppContext, View } from '../context';
import { h, replace, setAlert, skeleton } from '../dom';
import { fmtPct } from '../format';
import type { StatusCounts } from '../types';

interface TrendPoint {
  org_id: string;
  bucket_start: string;
  totals: StatusCounts;
  controls: (StatusCounts & { control_id: string })[];
}
interface TrendResponse {
  bucket: string;
  from: string;
  to: string;
  items: TrendPoint[];
}

const DAY = 86_400_000;
const PRESETS: [string, string, number, string][] = [
  ['1d', 'Last 24 hours', DAY, 'hour'],
  ['7d', 'Last 7 days', 7 * DAY, 'hour'],
  ['30d', 'Last 30 days', 30 * DAY, 'day'],
  ['90d', 'Last 90 days', 90 * DAY, 'day'],
  ['365d', 'Last year', 365 * DAY, 'week'],
  ['custom', 'Custom dates', 0, 'day'],
];
const OVERALL = 'overall';

const dateInput = (t: number) => new Date(t).toISOString().slice(0, 10);

export function trendView(ctx: AppContext, params: URLSearchParams): View {
  let disposed = false;
  let request = 0;
  const hidden = new Set<string>((params.get('hide') ?? '').split(',').filter(Boolean));
  let lastSeries: Series[] = [];
  let lastRange: [number, number] = [0, 1];

  const preset = h(
    'select',
    { id: 't-range', name: 'range' },
    PRESETS.map(([v, label]) =>
      h('option', { value: v, selected: (params.get('range') ?? '30d') === v }, label),
    ),
  );
  const bucket = h(
    'select',
    { id: 't-bucket', name: 'bucket' },
    ['hour', 'day', 'week'].map((b) => h('option', { value: b }, b)),
  );
  const from = h('input', { id: 't-from', name: 'from', type: 'date' });
  const to = h('input', { id: 't-to', name: 'to', type: 'date' });
  const alert = h('div', { role: 'alert' });
  const chartBox = h('div', { class: 'chart-box' }, skeleton(8));
  const legend = h(
    'fieldset',
    { class: 'legend' },
    h('legend', { class: 'visually-hidden' }, 'Series shown'),
  );
  const tableBox = h('div');
  const status = h('p', { class: 'muted', role: 'status' }, '\u00a0');

  function applyPreset() {
    const p = PRESETS.find(([v]) => v === preset.value)!;
    if (p[0] === 'custom') return;
    const now = Date.now();
    from.value = dateInput(now - p[2]);
    to.value = dateInput(now);
    bucket.value = p[3];
  }
  if (params.get('from') && params.get('to')) {
    preset.value = 'custom';
    from.value = params.get('from')!;
    to.value = params.get('to')!;
    bucket.value = params.get('bucket') ?? 'day';
  } else {
    applyPreset();
    if (params.get('bucket')) bucket.value = params.get('bucket')!;
  }

  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Trend range' },
    h('div', { class: 'field' }, h('label', { for: 't-range' }, 'Range'), preset),
    h('div', { class: 'field' }, h('label', { for: 't-from' }, 'From (UTC)'), from),
    h('div', { class: 'field' }, h('label', { for: 't-to' }, 'To (UTC, inclusive)'), to),
    h('div', { class: 'field' }, h('label', { for: 't-bucket' }, 'Bucket'), bucket),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Show')),
  );

  const el = h(
    'div',
    null,
    h('h1', null, 'Trend'),
    h('section', { class: 'panel' }, form),
    alert,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'trend-title' },
      h('h2', { id: 'trend-title' }, 'Compliance over time, per control'),
      status,
      chartBox,
      legend,
      tableBox,
    ),
  );

  function draw() {
    const visible = lastSeries
      .map((s, i) => ({ ...s, colorClass: seriesClass(lastSeries, i) }))
      .filter((s) => !hidden.has(s.id));
    replace(
      chartBox,
      lineChart(visible, lastRange[0], lastRange[1], 'Compliance percent over time, one line per control'),
    );
  }

  function renderLegend() {
    replace(
      legend,
      h('legend', { class: 'visually-hidden' }, 'Series shown'),
      lastSeries.map((s, i) => {
        const box = h('input', { type: 'checkbox', checked: !hidden.has(s.id), 'data-series': s.id });
        box.addEventListener('change', () => {
          if (box.checked) hidden.delete(s.id);
          else hidden.add(s.id);
          draw();
        });
        return h('label', { class: 'toggle' }, box, swatch(seriesClass(lastSeries, i)), s.label);
      }),
    );
  }

  function renderTable(buckets: number[], series: Series[]) {
    replace(
      tableBox,
      h(
        'details',
        null,
        h('summary', null, 'Show as table'),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { 'data-testid': 'trend-table' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', { scope: 'col' }, 'Bucket (UTC)'),
                series.map((s) => h('th', { scope: 'col', class: 'num' }, s.label)),
              ),
            ),
            h(
              'tbody',
              null,
              buckets.map((t, i) =>
                h(
                  'tr',
                  null,
                  h('th', { scope: 'row' }, new Date(t).toISOString().slice(0, 16).replace('T', ' ')),
                  series.map((s) => h('td', { class: 'num' }, fmtPct(s.points[i]?.v ?? null))),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function load() {
    const id = ++request;
    if (!from.value || !to.value) return;
    const fromT = Date.parse(`${from.value}T00:00:00Z`);
    const toT = Date.parse(`${to.value}T00:00:00Z`) + DAY;
    const range: [number, number] = [fromT, Math.min(toT, Date.now())];
    if (!(range[0] < range[1])) {
      setAlert(alert, 'The start date must be before the end date.');
      return;
    }
    el.removeAttribute('data-loaded');
    try {
      const res = await ctx.api.get<TrendResponse>('/v1/trend', {
        from: new Date(range[0]).toISOString(),
        to: new Date(range[1]).toISOString(),
        bucket: bucket.value,
      });
      const controls = await ctx.controls();
      if (disposed || id !== request) return;
      setAlert(alert, null);
      // Organizations are added up per bucket: one line per control for the whole estate.
      const byBucket = new Map<number, { totals: StatusCounts; controls: Map<string, StatusCounts> }>();
      for (const p of res.items) {
        const t = Date.parse(p.bucket_start);
        const b = byBucket.get(t) ?? {
          totals: { pass: 0, fail: 0, unknown: 0, not_applicable: 0 },
          controls: new Map(),
        };
        b.totals.pass += p.totals.pass;
        b.totals.fail += p.totals.fail;
        for (const c of p.controls) {
          const sum = b.controls.get(c.control_id) ?? { pass: 0, fail: 0, unknown: 0, not_applicable: 0 };
          sum.pass += c.pass;
          sum.fail += c.fail;
          b.controls.set(c.control_id, sum);
        }
        byBucket.set(t, b);
      }
      const buckets = [...byBucket.keys()].sort((a, b) => a - b);
      const series: Series[] = [
        {
          id: OVERALL,
          label: 'All controls',
          emphasis: true,
          points: buckets.map((t) => ({ t, v: compliancePct(byBucket.get(t)!.totals) })),
        },
        ...controls.map((c) => ({
          id: c.id,
          label: c.id,
          points: buckets.map((t) => {
            const counts = byBucket.get(t)!.controls.get(c.id);
            return { t, v: counts ? compliancePct(counts) : null };
          }),
        })),
      ];
      lastSeries = series;
      lastRange = range;
      draw();
      renderLegend();
      renderTable(buckets, series);
      replace(
        status,
        buckets.length
          ? `${buckets.length} ${res.bucket} bucket${buckets.length === 1 ? '' : 's'} with a finished scan.`
          : 'No finished scan in this range.',
      );
      el.setAttribute('data-loaded', 'true');
    } catch (err) {
      if (disposed || id !== request) return;
      setAlert(alert, describeError(err));
    }
  }

  preset.addEventListener('change', () => {
    applyPreset();
    form.requestSubmit();
  });
  for (const input of [from, to]) input.addEventListener('change', () => (preset.value = 'custom'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q =
      preset.value === 'custom'
        ? `?from=${from.value}&to=${to.value}&bucket=${bucket.value}`
        : `?range=${preset.value}&bucket=${bucket.value}`;
    history.replaceState(null, '', `#/trend${q}`);
    void load();
  });

  void load();
  return {
    el,
    dispose() {
      disposed = true;
    },
  };
}
