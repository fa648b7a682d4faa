/**
 * The page of the pprof web UI (src/web/server.ts serves it): views of one profile, chosen with
 * tabs, over the sample type and filters of a form. What is shown lives in the address's query,
 * so a view can be reloaded, bookmarked and sent to someone.
 */
import { FlameGraph, type Orientation } from '../flamegraph/flame-graph.ts';
import { percentage, scaledLabel, unitChoices } from '../../report/measurement.ts';
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
/** The report settings the page changes, by the names the server's query takes them (src/web/server.ts). */
const SETTINGS = ['granularity', 'unit', 'nodefraction', 'edgefraction', 'nodecount'] as const;
type SettingParam = (typeof SETTINGS)[number];
const GRANULARITIES = ['functions', 'filefunctions', 'files', 'lines', 'addresses'] as const;
/**
 * The settings the server was started with (the command line's), as a query. The page's query
 * changes them: a setting the page leaves empty is sent empty only to clear one of these.
 */
const serverSettings = new URLSearchParams(document.body.dataset.settings ?? '');
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
  /** '' sorts as the server's settings say (-cum). */
  sort: '' | 'flat' | 'cum';
  /** Granularity, unit, the fractions and the Graph view's node count, as the server reads them; '' for its default. */
  settings: Record<SettingParam, string>;
}

function readState(): State {
  const query = new URLSearchParams(location.search);
  const view = query.get('view') as View;
  const mode = query.get('mode') as Mode;
  const sort = query.get('sort');
  // What the address does not say, the server's settings do.
  const setting = (name: string) => query.get(name) ?? serverSettings.get(name) ?? '';
  return {
    view: VIEWS.includes(view) ? view : 'flame',
    si: setting('si'),
    filters: Object.fromEntries(FILTERS.map((name) => [name, setting(name)])) as State['filters'],
    fn: query.get('fn') ?? '',
    mode: mode === 'icicle' || mode === 'callers' ? mode : 'flame',
    zoom: query.getAll('zoom'),
    search: query.get('search') ?? '',
    topFilter: query.get('q') ?? '',
    sort: sort === 'cum' || sort === 'flat' ? sort : '',
    settings: Object.fromEntries(SETTINGS.map((name) => [name, setting(name)])) as State['settings'],
  };
}

const state = readState();

/** The query the server reads: sample type, settings and filters (empty ones only where they clear the server's). */
function profileQuery(extra: Record<string, string | string[]> = {}): URLSearchParams {
  const query = new URLSearchParams();
  const put = (name: string, value: string) => {
    if (value !== '' || serverSettings.get(name)) query.set(name, value);
  };
  put('si', state.si);
  for (const name of SETTINGS) put(name, state.settings[name]);
  for (const name of FILTERS) put(name, state.filters[name]);
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
  if (state.sort) query.set('sort', state.sort);
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
const granularitySelect = element(
  'select',
  { id: 'granularity', title: 'What a node stands for, as -functions, -filefunctions, -files, -lines, -addresses' },
  ...GRANULARITIES.map((name) => element('option', { value: name, textContent: name })),
);
const unitSelect = element('select', { id: 'unit', title: 'The unit values print in, as -unit: minimum (one for the report), auto (each its own)' });
const fractionInput = (name: 'nodefraction' | 'edgefraction', what: string, byDefault: string) =>
  element('input', { id: name, name, size: 6, spellcheck: false, placeholder: byDefault, title: `${what}, as -${name}: a share of the total such as 0.005` });
const nodeFractionInput = fractionInput('nodefraction', 'Nodes whose cum is below this share are left out of Top and Graph', '0.005');
const edgeFractionInput = fractionInput('edgefraction', 'Calls below this share are left out of the Graph', '0.001');
const settingsBar = element(
  'div',
  { className: 'settings' },
  element('label', {}, 'Granularity', granularitySelect),
  element('label', {}, 'Unit', unitSelect),
  element('label', {}, 'Node fraction', nodeFractionInput),
  element('label', {}, 'Edge fraction', edgeFractionInput),
);
const filterForm = element('form', { className: 'filters' });
const labelSuggestions = element('datalist', { id: 'label-pairs' });
for (const name of FILTERS) {
  const input = element('input', { name, value: state.filters[name], placeholder: name.startsWith('tag') ? 'key=regexp' : 'regexp', spellcheck: false });
  if (name.startsWith('tag')) input.setAttribute('list', 'label-pairs');
  filterForm.append(element('label', {}, name, input));
}
filterForm.append(element('button', { type: 'submit', textContent: 'Apply' }), element('button', { type: 'reset', textContent: 'Clear' }), labelSuggestions);
filterForm.prepend(settingsBar);
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
/** A setting changed in the page: every view is drawn with it. */
function changeSetting(name: SettingParam, value: string): void {
  state.settings[name] = value.trim();
  if (name === 'granularity') {
    // Nodes are named anew: the function chosen, the zoom and the callers view no longer name one.
    state.fn = '';
    state.zoom = [];
    if (state.mode === 'callers') state.mode = 'flame';
    if (state.view === 'source' || state.view === 'peek') state.view = 'top';
  }
  saveState();
  void render();
}
granularitySelect.addEventListener('change', () => changeSetting('granularity', granularitySelect.value));
unitSelect.addEventListener('change', () => changeSetting('unit', unitSelect.value));
nodeFractionInput.addEventListener('change', () => changeSetting('nodefraction', nodeFractionInput.value));
edgeFractionInput.addEventListener('change', () => changeSetting('edgefraction', edgeFractionInput.value));
// Enter in a fraction box changes it, rather than applying the filters around it.
for (const input of [nodeFractionInput, edgeFractionInput]) {
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    input.dispatchEvent(new Event('change'));
  });
}

/** The settings' controls show what the view was drawn with: the page's, else the server's, else the defaults. */
function showSettings(view: ProfileView): void {
  granularitySelect.value = view.settings.granularity;
  const units = ['minimum', 'auto', ...unitChoices(view.flame.unit)];
  if (!units.includes(view.settings.unit)) units.push(view.settings.unit);
  unitSelect.replaceChildren(...units.map((unit) => element('option', { value: unit, textContent: unit, selected: unit === view.settings.unit })));
  // A bad value stays in its box, to be corrected; the error says what is wrong with it.
  nodeFractionInput.value = state.settings.nodefraction || String(view.settings.nodeFraction);
  edgeFractionInput.value = state.settings.edgefraction || String(view.settings.edgeFraction);
}
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
    showSettings(profile);
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
    // The controls keep what was asked for, so a bad value can be seen and corrected.
    nodeFractionInput.value = state.settings.nodefraction;
    edgeFractionInput.value = state.settings.edgefraction;
    if (unitSelect.options.length === 0) {
      const unit = state.settings.unit || 'minimum';
      unitSelect.replaceChildren(
        ...[...new Set(['minimum', 'auto', unit])].map((name) => element('option', { value: name, textContent: name, selected: name === unit })),
      );
    }
    if ((GRANULARITIES as readonly string[]).includes(state.settings.granularity)) granularitySelect.value = state.settings.granularity;
    document.body.dataset.ready = 'error';
  }
}

/** A value as the views print it: in -unit's unit, else each in its own. */
const format = (value: number) => (profile ? scaledLabel(value, profile.flame.unit, profile.settings.unit) : String(value));
const share = (value: number) => (profile ? percentage(value, profile.flame.percentOf).trim() : '');

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
    unit: view.settings.unit,
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
  const graph = await fetchJson<GraphView>('/api/graph', profileQuery());
  const nodesInput = element('input', { type: 'number', min: '0', value: state.settings.nodecount || String(GRAPH_NODES), ariaLabel: 'Nodes at most' });
  nodesInput.addEventListener('change', () => changeSetting('nodecount', nodesInput.value));
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
  const sortKey = () => state.sort || (view.settings.cum ? 'cum' : 'flat');
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
    element('th', { className: 'inline', textContent: 'inlined?', title: '(inline): every call to it was inlined; (partial-inline): some were' }),
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
      if (cell.dataset.column) cell.setAttribute('aria-sort', cell.dataset.column === sortKey() ? 'descending' : 'none');
    }
    const key = sortKey();
    const other = key === 'flat' ? 'cum' : 'flat';
    const rows = view.top
      .filter((row) => !pattern || pattern.test(row.name))
      // -top's order: by the value, then the name, then the other value.
      .sort((a, b) => Math.abs(b[key]) - Math.abs(a[key]) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || Math.abs(b[other]) - Math.abs(a[other]));
    let sum = 0;
    body.replaceChildren(
      ...rows.slice(0, TOP_ROWS).map((row) => {
        sum += row.flat;
        return topRow(row, sum, view);
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
  viewBox.replaceChildren(
    element('div', { className: 'top-tools' }, filterBox, 'Click flat or cum to sort; a name for its source.'),
    element('p', { className: 'top-legend', textContent: view.topLegend.join(' · ') }),
    table,
    more,
  );
  fill();
}

function topRow(row: TopRow, sum: number, view: ProfileView): HTMLTableRowElement {
  const diff = view.diff;
  // In the unit -top prints its rows in.
  const inUnit = (amount: number) => scaledLabel(amount, view.flame.unit, view.topUnit);
  const value = (amount: number) =>
    element('td', {
      textContent: diff ? `${amount > 0 ? '+' : ''}${inUnit(amount)}` : inUnit(amount),
      className: diff ? (amount > 0 ? 'grew' : amount < 0 ? 'shrank' : '') : '',
    });
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
    element('td', { className: 'inline', textContent: row.inline }),
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
