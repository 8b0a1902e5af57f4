import { h, s } from './dom';

export interface Bar {
  label: string;
  /** 0–100, or null when nothing could be evaluated. */
  value: number | null;
  title: string;
}

const pct = (v: number) => `${Math.round(v * 10) / 10} %`;

function level(value: number): string {
  if (value >= 90) return 'good';
  if (value >= 60) return 'warn';
  return 'bad';
}

/** Horizontal bars, one per control; the height depends only on the number of bars. */
export function barChart(bars: Bar[], caption: string): SVGSVGElement {
  const row = 30;
  const labelWidth = 210;
  const barWidth = 330;
  const width = labelWidth + barWidth + 70;
  const height = bars.length * row + 24;
  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'chart bar-chart',
    role: 'img',
    'aria-label': caption,
  });
  for (const t of [0, 25, 50, 75, 100]) {
    const x = labelWidth + (barWidth * t) / 100;
    svg.append(
      s('line', { x1: x, x2: x, y1: 0, y2: height - 20, class: 'grid' }),
      s('text', { x, y: height - 6, class: 'axis', 'text-anchor': 'middle' }, `${t}%`),
    );
  }
  bars.forEach((bar, i) => {
    const y = i * row;
    const w = bar.value === null ? 0 : (barWidth * bar.value) / 100;
    svg.append(
      s(
        'g',
        { class: 'bar' },
        s('title', null, bar.title),
        s('text', { x: labelWidth - 8, y: y + 19, 'text-anchor': 'end', class: 'label' }, bar.label),
        s('rect', { x: labelWidth, y: y + 6, width: barWidth, height: 18, rx: 3, class: 'track' }),
        s('rect', {
          x: labelWidth,
          y: y + 6,
          width: Math.max(w, 0),
          height: 18,
          rx: 3,
          class: `fill ${bar.value === null ? 'none' : level(bar.value)}`,
        }),
        s(
          'text',
          { x: labelWidth + barWidth + 8, y: y + 19, class: 'value' },
          bar.value === null ? 'n/a' : pct(bar.value),
        ),
      ),
    );
  });
  return svg;
}

export interface Series {
  id: string;
  label: string;
  points: { t: number; v: number | null }[];
  /** The aggregate line: drawn thicker, in the text colour. */
  emphasis?: boolean;
}

/** Colour class of a series: the aggregate has its own, the others cycle through ten. */
export function seriesClass(series: Series[], index: number): string {
  if (series[index]?.emphasis) return 'series-overall';
  const plain = series.slice(0, index).filter((s) => !s.emphasis).length;
  return `series-${plain % 10}`;
}

function tickTimes(from: number, to: number, n: number): number[] {
  if (to <= from) return [from];
  return Array.from({ length: n }, (_, i) => from + ((to - from) * i) / (n - 1));
}

function shortDate(t: number, spanMs: number): string {
  const iso = new Date(t).toISOString();
  return spanMs <= 2 * 86_400_000 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

/** Compliance over time, 0–100 %, one line per series; a lone point is drawn as a dot. */
export function lineChart(
  series: (Series & { colorClass: string })[],
  from: number,
  to: number,
  caption: string,
): SVGSVGElement {
  const width = 760;
  const height = 300;
  const m = { top: 12, right: 16, bottom: 28, left: 44 };
  const iw = width - m.left - m.right;
  const ih = height - m.top - m.bottom;
  const span = Math.max(to - from, 1);
  const x = (t: number) => m.left + ((t - from) / span) * iw;
  const y = (v: number) => m.top + ih - (v / 100) * ih;

  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'chart line-chart',
    role: 'img',
    'aria-label': caption,
  });
  for (const v of [0, 25, 50, 75, 100]) {
    svg.append(
      s('line', { x1: m.left, x2: width - m.right, y1: y(v), y2: y(v), class: 'grid' }),
      s('text', { x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, `${v}%`),
    );
  }
  const ticks = tickTimes(from, to, 5);
  ticks.forEach((t, i) => {
    // The outer labels are anchored inwards so they stay inside the drawing.
    const anchor = i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle';
    svg.append(
      s('text', { x: x(t), y: height - 8, 'text-anchor': anchor, class: 'axis' }, shortDate(t, span)),
    );
  });
  for (const serie of series) {
    const g = s('g', { class: `series ${serie.colorClass}`, 'data-series': serie.id });
    let d = '';
    let pen = false;
    for (const p of serie.points) {
      if (p.v === null) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`;
      pen = true;
    }
    if (d) g.append(s('path', { d, class: 'line' }));
    for (const p of serie.points) {
      if (p.v === null) continue;
      g.append(
        s(
          'circle',
          { cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 3.5, class: 'dot' },
          s('title', null, `${serie.label}: ${pct(p.v)} at ${new Date(p.t).toISOString().slice(0, 16)}Z`),
        ),
      );
    }
    svg.append(g);
  }
  return svg;
}

/** A colour swatch matching a series, for legends. */
export function swatch(colorClass: string): HTMLElement {
  return h('span', { class: `swatch ${colorClass}`, 'aria-hidden': 'true' });
}
