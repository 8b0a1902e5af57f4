export type Child = Node | string | number | null | undefined | false | Child[];
export type Props = Record<string, unknown>;

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c);
  } else if (child instanceof Node) {
    parent.appendChild(child);
  } else {
    parent.appendChild(document.createTextNode(String(child)));
  }
}

function applyProps(el: Element, props: Props | null | undefined): void {
  if (!props) return;
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
    } else if (key === 'class') {
      el.setAttribute('class', String(value));
    } else if ((key === 'value' || key === 'checked') && el instanceof HTMLElement) {
      (el as unknown as Record<string, unknown>)[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
}

/** Creates an HTML element: `h('button', { type: 'button', onClick }, 'Scan now')`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  applyProps(el, props);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  applyProps(el, props);
  append(el, children);
  return el;
}

/** Replaces an element's children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** Placeholder blocks with the size of the content they stand for, so nothing moves when it arrives. */
export function skeleton(lines = 1, cls = ''): HTMLElement {
  const el = h('div', { class: `skeleton ${cls}`.trim(), 'aria-hidden': 'true' });
  for (let i = 0; i < lines; i++) el.appendChild(h('span', { class: 'skeleton-line' }));
  return el;
}

/** Placeholder table rows, so the table keeps its size while its rows load. */
export function skeletonRows(rows: number, cols: number): HTMLElement[] {
  return Array.from({ length: rows }, () =>
    h(
      'tr',
      { class: 'skeleton-row', 'aria-hidden': 'true' },
      Array.from({ length: cols }, () => h('td', null, h('span'))),
    ),
  );
}

/** A `<thead>` of column headers; `num` columns are right-aligned. */
export function tableHead(...columns: (string | { label: string; num: true })[]): HTMLElement {
  return h(
    'thead',
    null,
    h(
      'tr',
      null,
      columns.map((c) =>
        typeof c === 'string'
          ? h('th', { scope: 'col' }, c)
          : h('th', { scope: 'col', class: 'num' }, c.label),
      ),
    ),
  );
}

/** Shows a message in an alert region, or clears it (null). */
export function setAlert(el: HTMLElement, message: string | null): void {
  replace(el, message ?? '');
  el.className = message === null ? '' : 'alert';
}
