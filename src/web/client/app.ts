/**
 * The page of the pprof web UI (src/web/server.ts serves it): views of one profile, chosen with
 * tabs, over the sample type and filters of a form. What is shown lives in the address's query,
 * so a view can be reloaded, bookmarked and sent to someone.
 */
import { FlameGraph, type Orientation } from '../flamegraph/flame-graph.ts';
import { percentage, scaledLabel } from '../../report/measurement.ts';
import { changeColour } from '../../report/flame-style.ts';
import type { GraphView, PeekView, ProfileView, SourceView, TopRow } from '../../report/views.ts';
import { drawCallGraph } from './call-graph.ts';
import './app.css';

const VIEWS = ['flame', 'graph', 'top', 'source', 'peek'] as const;
type View = (typeof VIEWS)[number];
const VIEW_NAMES: Record<View, string> = { flame: 'Flame graph', graph: 'Graph', top: 'Top', source: 'Source', peek: 'Peek' };
/** Nodes the Graph view draws unless told otherwise, as -dot. */
const GRAPH_NODES = 80;
const FILTERS = ['focus', 'ignore', 'hide', 'show', 'tagfocus', 'tagignore'] as const;
type Mode = Orientation | 'callers';
/** Rows the top view draws at once; the filter box finds the rest. */
const TOP_ROWS = 500;

/** What the page shows: everything in it comes from the address's query. */
interface State {
  view: View;
  si: string;
  filters: Record<(typeof FILTERS)[number], string>;
  /** The function the source, peek and callers views are of. */
  fn: string;
  mode: Mode;
  zoom: string[];
  search: string;
  topFilter: string;
  sort: 'flat' | 'cum';
  /** Nodes the Graph view draws at most. */
  nodes: number;
}

function readState(): State {
  const query = new URLSearchParams(location.search);
  const view = query.get('view') as View;
  const mode = query.get('mode') as Mode;
  return {
    view: VIEWS.includes(view) ? view : 'flame',
    si: query.get('si') ?? '',
    filters: Object.fromEntries(FILTERS.map((name) => [name, query.get(name) ?? ''])) as State['filters'],
    fn: query.get('fn') ?? '',
    mode: mode === 'icicle' || mode === 'callers' ? mode : 'flame',
    zoom: query.getAll('zoom'),
    search: query.get('search') ?? '',
    topFilter: query.get('q') ?? '',
    sort: query.get('sort') === 'cum' ? 'cum' : 'flat',
    nodes: /^\d+$/.test(query.get('nodes') ?? '') ? Number(query.get('nodes')) : GRAPH_NODES,
  };
}

const state = readState();

/** The query the server reads: sample type and filters. */
function profileQuery(extra: Record<string, string | string[]> = {}): URLSearchParams {
  const query = new URLSearchParams();
  if (state.si) query.set('si', state.si);
  for (const name of FILTERS) if (state.filters[name]) query.set(name, state.filters[name]);
  for (const [name, value] of Object.entries(extra)) for (const item of [value].flat()) if (item) query.append(name, item);
  return query;
}

function saveState(): void {
  const query = profileQuery();
  if (state.view !== 'flame') query.set('view', state.view);
  if (state.fn) query.set('fn', state.fn);
  if (state.mode !== 'flame') query.set('mode', state.mode);
  for (const name of state.zoom) query.append('zoom', name);
  if (state.search) query.set('search', state.search);
  if (state.topFilter) query.set('q', state.topFilter);
  if (state.sort !== 'flat') query.set('sort', state.sort);
  if (state.nodes !== GRAPH_NODES) query.set('nodes', String(state.nodes));
  history.replaceState(null, '', `?${query}`);
  updateDownloads();
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  properties: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const created = Object.assign(document.createElement(tag), properties);
  created.append(...children);
  return created;
}

async function fetchJson<T>(path: string, query: URLSearchParams): Promise<T> {
  const response = await fetch(`${path}?${query}`);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `${path} answered ${response.status}`);
  return body as T;
}

// The page's frame: header with tabs and downloads, the filter form, and the view below.
const title = document.body.dataset.title ?? 'profile';
const sampleSelect = element('select', { id: 'sample-type' });
const tabs = element('nav', { className: 'views', role: 'tablist' });
const svgLink = element('a', { textContent: 'SVG', title: 'The flame graph as you see it, as an SVG file' });
const foldedLink = element('a', { textContent: 'Folded stacks', title: 'The profile as folded stacks, for flamegraph.pl and speedscope' });
svgLink.download = 'flamegraph.svg';
foldedLink.download = 'profile.folded';
const header = element(
  'header',
  {},
  element('h1', {}, 'pprof', element('small', { textContent: title })),
  element('label', {}, 'Sample type', sampleSelect),
  tabs,
  element('span', { className: 'downloads' }, 'Download:', svgLink, foldedLink),
);
const filterForm = element('form', { className: 'filters' });
const labelSuggestions = element('datalist', { id: 'label-pairs' });
for (const name of FILTERS) {
  const input = element('input', { name, value: state.filters[name], placeholder: name.startsWith('tag') ? 'key=regexp' : 'regexp', spellcheck: false });
  if (name.startsWith('tag')) input.setAttribute('list', 'label-pairs');
  filterForm.append(element('label', {}, name, input));
}
filterForm.append(element('button', { type: 'submit', textContent: 'Apply' }), element('button', { type: 'reset', textContent: 'Clear' }), labelSuggestions);
const headerLines = element('pre', { className: 'header-lines' });
const errorBox = element('div', { className: 'error', role: 'alert' });
const notesBox = element('div', { className: 'notes' });
const viewBox = element('section', { id: 'view' });
document.body.append(header, filterForm, element('main', {}, headerLines, errorBox, notesBox, viewBox));

for (const view of VIEWS) {
  const tab = element('button', { type: 'button', textContent: VIEW_NAMES[view], role: 'tab' });
  tab.dataset.view = view;
  tab.addEventListener('click', () => show(view));
  tabs.append(tab);
}
sampleSelect.addEventListener('change', () => {
  state.si = sampleSelect.value;
  saveState();
  void render();
});
filterForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(filterForm);
  for (const name of FILTERS) state.filters[name] = String(data.get(name) ?? '').trim();
  state.zoom = [];
  saveState();
  void render();
});
filterForm.addEventListener('reset', () => {
  for (const name of FILTERS) state.filters[name] = '';
  state.zoom = [];
  saveState();
  setTimeout(() => void render());
});

function show(view: View, fn?: string): void {
  state.view = view;
  if (fn !== undefined) state.fn = fn;
  saveState();
  void render();
}

function updateDownloads(): void {
  const callers = state.mode === 'callers' && state.fn ? state.fn : '';
  svgLink.href = `/download/svg?${profileQuery({ orientation: state.mode === 'icicle' ? 'icicle' : 'flame', callers, zoom: state.zoom })}`;
  foldedLink.href = `/download/folded?${profileQuery()}`;
}

let profile: ProfileView | undefined;
let flameGraph: FlameGraph | undefined;

/** Draws the current view; a failed request shows its message and leaves the last view up. */
async function render(): Promise<void> {
  // Until the new view is drawn, the page is not marked ready: a test (or a person's script) that
  // waits for data-ready would otherwise find the last view's mark and read the old view.
  delete document.body.dataset.ready;
  for (const tab of tabs.querySelectorAll('button')) {
    tab.setAttribute('aria-selected', String(tab.dataset.view === state.view));
    tab.disabled = (tab.dataset.view === 'source' || tab.dataset.view === 'peek') && !state.fn;
  }
  errorBox.textContent = '';
  try {
    const callers = state.view === 'flame' && state.mode === 'callers' && state.fn ? state.fn : '';
    profile = await fetchJson<ProfileView>('/api/profile', profileQuery({ callers }));
    sampleSelect.replaceChildren(
      ...profile.sampleTypes.map((name, index) => element('option', { value: name, textContent: name, selected: index === profile!.sampleIndex })),
    );
    labelSuggestions.replaceChildren(...profile.labels.map((pair) => element('option', { value: pair })));
    headerLines.textContent = profile.header.join('\n');
    notesBox.textContent = profile.notes.join(' ');
    if (state.view !== 'flame') {
      flameGraph?.destroy();
      flameGraph = undefined;
    }
    if (state.view === 'flame') renderFlame(profile);
    else if (state.view === 'graph') await renderGraph();
    else if (state.view === 'top') renderTop(profile);
    else if (state.view === 'source') await renderSource();
    else await renderPeek();
    document.body.dataset.ready = state.view;
  } catch (error) {
    errorBox.textContent = (error as Error).message;
    document.body.dataset.ready = 'error';
  }
}

const format = (value: number) => (profile ? scaledLabel(value, profile.flame.unit, 'minimum') : String(value));
const share = (value: number) => (profile ? percentage(value, profile.flame.percentOf).trim() : '');
const signed = (value: number) => `${value > 0 ? '+' : ''}${format(value)}`;

function renderFlame(view: ProfileView): void {
  const modes = element('div', { className: 'modes' });
  const modeChoices: [Mode, string][] = [
    ['flame', 'Flame graph'],
    ['icicle', 'Icicle'],
    ['callers', state.fn ? `Callers of ${state.fn}` : 'Callers of… (zoom to a function first)'],
  ];
  for (const [mode, label] of modeChoices) {
    const radio = element('input', { type: 'radio', name: 'mode', value: mode, checked: state.mode === mode, disabled: mode === 'callers' && !state.fn });
    radio.addEventListener('change', () => {
      const wasCallers = state.mode === 'callers';
      state.mode = mode;
      if (mode === 'callers' || wasCallers) {
        state.zoom = [];
        saveState();
        void render();
      } else {
        saveState();
        flameGraph?.setOrientation(mode);
      }
    });
    modes.append(element('label', {}, radio, label));
  }
  const sourceButton = element('button', { type: 'button', textContent: 'Source', disabled: !state.fn });
  const peekButton = element('button', { type: 'button', textContent: 'Peek', disabled: !state.fn });
  sourceButton.addEventListener('click', () => show('source'));
  peekButton.addEventListener('click', () => show('peek'));
  const selectedText = element('span', {
    className: 'selected-fn',
    textContent: state.fn ? `Function: ${state.fn}` : 'Click a frame to zoom to it and select its function',
  });
  modes.append(selectedText, sourceButton, peekButton);
  if (view.diff) {
    const swatch = (colour: string) => {
      const box = element('i');
      box.style.background = colour;
      return box;
    };
    modes.append(element('span', { className: 'legend' }, 'Width: before + after.', swatch(changeColour(2, 1)), 'grew', swatch(changeColour(1, 2)), 'shrank'));
  }
  const holder = element('div');
  viewBox.replaceChildren(modes, holder);
  flameGraph?.destroy();
  const callers = state.mode === 'callers' && state.fn;
  flameGraph = new FlameGraph(holder, view.flame, {
    orientation: state.mode === 'icicle' ? 'icicle' : state.mode === 'callers' ? 'icicle' : 'flame',
    rootName: callers ? state.fn : 'all',
    zoom: state.zoom,
    search: state.search,
    onZoom: (path) => {
      state.zoom = path;
      if (path.length > 0 && !callers) state.fn = path[path.length - 1]!;
      saveState();
      selectedText.textContent = state.fn ? `Function: ${state.fn}` : '';
      sourceButton.disabled = peekButton.disabled = !state.fn;
      const callersRadio = modes.querySelector<HTMLInputElement>('input[value=callers]')!;
      callersRadio.disabled = !state.fn;
      callersRadio.parentElement!.lastChild!.textContent = `Callers of ${state.fn}`;
      for (const tab of tabs.querySelectorAll('button')) if (tab.dataset.view === 'source' || tab.dataset.view === 'peek') tab.disabled = !state.fn;
    },
    onSearch: (pattern) => {
      state.search = pattern;
      saveState();
    },
  });
  if (state.search) flameGraph.search(state.search);
  // For whoever times the page (the benchmark): the graph is drawn.
  performance.mark('pprof:flame-drawn');
}

async function renderGraph(): Promise<void> {
  const graph = await fetchJson<GraphView>('/api/graph', profileQuery({ nodecount: String(state.nodes) }));
  const nodesInput = element('input', { type: 'number', min: '0', value: String(state.nodes), ariaLabel: 'Nodes at most' });
  nodesInput.addEventListener('change', () => {
    const count = Number(nodesInput.value);
    if (!Number.isInteger(count) || count < 0) return;
    state.nodes = count;
    saveState();
    void render();
  });
  const selectedText = element('span', { className: 'selected-fn' });
  const focusButton = element('button', { type: 'button', textContent: 'Focus on it' });
  const peekButton = element('button', { type: 'button', textContent: 'Peek' });
  const sourceButton = element('button', { type: 'button', textContent: 'Source' });
  const holder = element('div', { className: 'graph-holder' });
  const select = (name: string) => {
    state.fn = name;
    saveState();
    selectedText.textContent = name ? `Function: ${name}` : 'Click a box to select its function';
    focusButton.disabled = peekButton.disabled = sourceButton.disabled = !name;
    for (const node of holder.querySelectorAll<SVGGElement>('.cg-node')) node.classList.toggle('selected', node.dataset.name === name);
    for (const tab of tabs.querySelectorAll('button')) if (tab.dataset.view === 'source' || tab.dataset.view === 'peek') tab.disabled = !name;
  };
  focusButton.addEventListener('click', () => {
    state.filters.focus = `^${state.fn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
    const input = filterForm.querySelector<HTMLInputElement>('input[name=focus]');
    if (input) input.value = state.filters.focus;
    saveState();
    void render();
  });
  peekButton.addEventListener('click', () => show('peek'));
  sourceButton.addEventListener('click', () => show('source'));
  const shown = graph.legend.filter((line) => /^(Showing|Dropped)/.test(line)).join(' · ');
  viewBox.replaceChildren(
    element('div', { className: 'modes' }, element('label', {}, 'Nodes', nodesInput), selectedText, focusButton, peekButton, sourceButton),
    element('p', { className: 'graph-legend', textContent: shown }),
    holder,
  );
  if (graph.nodes.length === 0) holder.append(element('p', { className: 'empty', textContent: 'No samples to draw.' }));
  else drawCallGraph(holder, graph, { selected: state.fn, onSelect: select });
  if (graph.nodes.some((node) => node.name === state.fn)) select(state.fn);
  else {
    selectedText.textContent = 'Click a box to select its function';
    focusButton.disabled = peekButton.disabled = sourceButton.disabled = true;
  }
}

function renderTop(view: ProfileView): void {
  const filterBox = element('input', { type: 'search', value: state.topFilter, placeholder: 'Filter functions (regexp)', ariaLabel: 'Filter functions' });
  const table = element('table', { className: 'top' });
  const more = element('div', { className: 'more' });
  const sortButton = (column: 'flat' | 'cum') => {
    const button = element('button', { type: 'button', textContent: column });
    button.addEventListener('click', () => {
      state.sort = column;
      saveState();
      fill();
    });
    const cell = element('th', {}, button);
    cell.dataset.column = column;
    return cell;
  };
  const heading = element(
    'tr',
    {},
    sortButton('flat'),
    element('th', { textContent: 'flat%' }),
    element('th', { textContent: 'sum%' }),
    sortButton('cum'),
    element('th', { textContent: 'cum%' }),
    element('th', { className: 'name', textContent: 'function' }),
    element('th'),
  );
  const body = element('tbody');
  table.append(element('thead', {}, heading), body);
  const fill = () => {
    let pattern: RegExp | undefined;
    try {
      pattern = state.topFilter ? new RegExp(state.topFilter, 'i') : undefined;
      filterBox.removeAttribute('aria-invalid');
    } catch {
      filterBox.setAttribute('aria-invalid', 'true');
      return;
    }
    for (const cell of heading.querySelectorAll('th')) {
      if (cell.dataset.column) cell.setAttribute('aria-sort', cell.dataset.column === state.sort ? 'descending' : 'none');
    }
    const key = state.sort;
    const other = key === 'flat' ? 'cum' : 'flat';
    const rows = view.top
      .filter((row) => !pattern || pattern.test(row.name))
      .sort((a, b) => Math.abs(b[key]) - Math.abs(a[key]) || Math.abs(b[other]) - Math.abs(a[other]) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let sum = 0;
    body.replaceChildren(
      ...rows.slice(0, TOP_ROWS).map((row) => {
        sum += row.flat;
        return topRow(row, sum, view.diff);
      }),
    );
    more.textContent =
      rows.length > TOP_ROWS
        ? `${rows.length - TOP_ROWS} more functions: narrow the filter to see them`
        : `${rows.length} function${rows.length === 1 ? '' : 's'}`;
  };
  filterBox.addEventListener('input', () => {
    state.topFilter = filterBox.value;
    saveState();
    fill();
  });
  viewBox.replaceChildren(element('div', { className: 'top-tools' }, filterBox, 'Click flat or cum to sort; a name for its source.'), table, more);
  fill();
}

function topRow(row: TopRow, sum: number, diff: boolean): HTMLTableRowElement {
  const value = (amount: number) =>
    element('td', { textContent: diff ? signed(amount) : format(amount), className: diff ? (amount > 0 ? 'grew' : amount < 0 ? 'shrank' : '') : '' });
  const name = element('a', { textContent: row.name, title: `Source of ${row.name}` });
  name.addEventListener('click', () => show('source', row.name));
  const actions = element('td', { className: 'actions' });
  const action = (label: string, run: () => void) => {
    const button = element('button', { type: 'button', textContent: label });
    button.addEventListener('click', run);
    actions.append(button);
  };
  action('peek', () => show('peek', row.name));
  action('callers', () => {
    state.mode = 'callers';
    state.zoom = [];
    show('flame', row.name);
  });
  return element(
    'tr',
    {},
    value(row.flat),
    element('td', { textContent: share(row.flat) }),
    element('td', { textContent: share(sum) }),
    value(row.cum),
    element('td', { textContent: share(row.cum) }),
    element('td', { className: 'name' }, name),
    actions,
  );
}

async function renderSource(): Promise<void> {
  const { listings, unlocated } = await fetchJson<SourceView>('/api/source', profileQuery({ fn: state.fn }));
  const parts: HTMLElement[] = unlocated.map((name) => element('p', { className: 'empty', textContent: `The profile has no source file for ${name}.` }));
  for (const listing of listings) {
    const heading = element(
      'h2',
      {},
      `${listing.name} `,
      element('small', { textContent: `${listing.file} · flat ${format(listing.flat)}, cum ${format(listing.cum)} (${share(listing.cum)})` }),
    );
    if (typeof listing.lines === 'string') {
      parts.push(element('div', { className: 'listing' }, heading, element('p', { className: 'error', textContent: listing.lines })));
      continue;
    }
    const hottest = Math.max(...listing.lines.map((line) => Math.abs(line.cum)), 1);
    const rows = listing.lines.map((line) => {
      const row = element(
        'tr',
        { className: line.cum !== 0 ? 'hot' : '' },
        element('td', { textContent: line.flat === 0 ? '.' : format(line.flat) }),
        element('td', { textContent: line.cum === 0 ? '.' : format(line.cum) }),
        element('td', { className: 'line', textContent: String(line.number) }),
        element('td', { className: 'code', textContent: line.text }),
      );
      if (line.cum !== 0)
        row.style.background = `rgb(255 ${Math.round(236 - 90 * (Math.abs(line.cum) / hottest))} ${Math.round(200 - 150 * (Math.abs(line.cum) / hottest))})`;
      row.dataset.line = String(line.number);
      return row;
    });
    const table = element(
      'table',
      {},
      element(
        'thead',
        {},
        element(
          'tr',
          {},
          element('th', { textContent: 'flat' }),
          element('th', { textContent: 'cum' }),
          element('th', { textContent: 'line' }),
          element('th', { className: 'name', textContent: 'source' }),
        ),
      ),
      element('tbody', {}, ...rows),
    );
    parts.push(element('div', { className: 'listing' }, heading, table));
  }
  viewBox.replaceChildren(...parts);
}

async function renderPeek(): Promise<void> {
  const peek = await fetchJson<PeekView>('/api/peek', profileQuery({ fn: state.fn }));
  const edges = (title: string, list: PeekView['callers'], empty: string) => {
    if (list.length === 0) return [element('h2', { textContent: title }), element('p', { className: 'empty', textContent: empty })];
    const rows = list.map((edge) => {
      const name = element('a', { textContent: edge.name });
      name.addEventListener('click', () => show('peek', edge.name));
      return element(
        'tr',
        {},
        element('td', { textContent: format(edge.weight) }),
        element('td', { textContent: percentage(edge.weight, peek.cum).trim() }),
        element('td', { className: 'name' }, name),
      );
    });
    const head = element(
      'tr',
      {},
      element('th', { textContent: 'calls' }),
      element('th', { textContent: `of ${format(peek.cum)}` }),
      element('th', { className: 'name', textContent: 'function' }),
    );
    return [element('h2', { textContent: title }), element('table', {}, element('thead', {}, head), element('tbody', {}, ...rows))];
  };
  const self = element(
    'p',
    {},
    element('strong', { textContent: peek.name }),
    `: flat ${format(peek.flat)} (${share(peek.flat)}), cum ${format(peek.cum)} (${share(peek.cum)})`,
  );
  viewBox.replaceChildren(
    element(
      'div',
      { className: 'peek' },
      ...edges('Called by', peek.callers, 'No callers: it is where its stacks start.'),
      self,
      ...edges('Calls', peek.callees, 'It calls nothing that was sampled.'),
    ),
  );
}

updateDownloads();
void render();
