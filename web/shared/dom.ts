/** A few DOM helpers: the pages are plain TypeScript, no framework. */

type Attrs = Readonly<Record<string, string | number | boolean | undefined | ((e: Event) => void)>>;
type Child = Node | string | null | undefined | false;

/** Creates an element; `on…` attributes become listeners, `true` booleans become empty attributes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from the page`);
  return el as T;
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

/** Prepends to a list, keeping at most `keep` items. */
export function prependCapped(list: Element, item: Element, keep: number): void {
  list.prepend(item);
  while (list.children.length > keep) list.lastElementChild?.remove();
}
