/**
 * The flame graph of the web UI, and of the slides, which show real profiles with it: a
 * framework-free component drawn on a canvas, so a profile of fifty thousand frames stays quick
 * to draw, zoom and hover. Click a frame to zoom to it, a crumb (or the root) to zoom out;
 * hover for its values; search with a regular expression to highlight frames and sum them.
 *
 *   const graph = new FlameGraph(element, data, { orientation: 'icicle' });
 *
 * `data` is FlameData, as the web UI's /api/profile returns it and the slides record it.
 */
import type { FlameData } from '../../report/flamegraph.ts';
import { ROOT_COLOUR, changeColour, frameColour, frameWeight, labelInk } from '../../report/flame-style.ts';
import { percentage, scaledLabel } from '../../report/measurement.ts';
import './flame-graph.css';

export type Orientation = 'flame' | 'icicle';

export interface FlameGraphOptions {
  /** `flame` (the default) puts the root at the bottom, `icicle` at the top. */
  orientation?: Orientation;
  /** What the root frame is called: `all` unless told (a callers-of tree names its function). */
  rootName?: string;
  /** Names from below the root to the frame to show zoomed in at first. */
  zoom?: readonly string[];
  /** Told the names from below the root to the frame zoomed to, `[]` for the root. */
  onZoom?(path: string[]): void;
  /** Told the search pattern each time it changes, `''` when cleared. */
  onSearch?(pattern: string): void;
  /** The search to start with. */
  search?: string;
  /**
   * Frames narrower than this share of the frame zoomed to are not drawn, nor what they call:
   * a slide shows the big picture in its box, and a click on a frame its detail. 0 unless told.
   */
  minShare?: number;
  /** The unit values print in, as -unit: each value its own ("minimum") unless told. */
  unit?: string;
}

/** What a search found: the frames matched, and the total of those not inside another match. */
export interface SearchResult {
  frames: number;
  value: number;
}

const ROW_HEIGHT = 18;
const FONT = '12px system-ui, sans-serif';
/** Frames narrower than this many pixels are not drawn, nor their children: they cannot be seen. */
const MIN_PIXELS = 0.35;
/** Frames narrower than this get no name. */
const MIN_LABEL_PIXELS = 28;
const MATCH_COLOUR = '#d63384';
/** Frames off the search, and a zoomed frame's ancestors, are drawn see-through. */
const DIMMED_ALPHA = 0.45;

/** The component's element knows its component, for a caller that finds it in the page (a test, a slide's script). */
export interface FlameGraphElement extends HTMLElement {
  flameGraph?: FlameGraph;
}

export class FlameGraph {
  /** The component's own element, inside the host given. */
  readonly element: FlameGraphElement;
  private readonly options: FlameGraphOptions;
  private readonly crumbs: HTMLElement;
  private readonly searchBox: HTMLInputElement;
  private readonly matchesText: HTMLElement;
  private readonly view: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private readonly tip: HTMLElement;
  private readonly resizeObserver: ResizeObserver;
  private orientation: Orientation;

  private data!: FlameData;
  private weight!: Float64Array;
  /** Where each frame starts, in value units from the root's left edge. */
  private start!: Float64Array;
  private parent!: Int32Array;
  /** The last of each frame's descendants: a subtree is the index range [i, end[i]]. */
  private end!: Int32Array;
  /** Frame indices by depth, left to right. */
  private rows!: Int32Array[];
  private zoomed = 0;
  private hovered = -1;
  private matched: Uint8Array | undefined;
  private width = 0;
  private height = 0;
  /** Canvas pixels per layout pixel the canvas was last drawn at: the device's ratio times any CSS scaling. */
  private pixelRatio = 0;
  private charWidth = 7;
  // After the frame in which the host's own resize handlers rescale it.
  private readonly onWindowResize = () => requestAnimationFrame(() => this.rescale());

  constructor(host: HTMLElement, data: FlameData, options: FlameGraphOptions = {}) {
    this.options = options;
    this.orientation = options.orientation ?? 'flame';
    this.element = document.createElement('div');
    this.element.className = 'flame-graph';
    this.element.flameGraph = this;
    this.element.innerHTML =
      '<div class="fg-bar"><nav class="fg-crumbs" aria-label="Zoom path"></nav>' +
      '<input class="fg-search" type="search" placeholder="Search (regexp)" aria-label="Search frames">' +
      '<span class="fg-matches" role="status"></span></div>' +
      '<div class="fg-view"><canvas role="img"></canvas></div><div class="fg-tip" role="tooltip" hidden></div>';
    host.append(this.element);
    this.crumbs = this.element.querySelector('.fg-crumbs')!;
    this.searchBox = this.element.querySelector('.fg-search')!;
    this.matchesText = this.element.querySelector('.fg-matches')!;
    this.view = this.element.querySelector('.fg-view')!;
    this.canvas = this.element.querySelector('canvas')!;
    this.context = this.canvas.getContext('2d')!;
    this.tip = this.element.querySelector('.fg-tip')!;

    this.canvas.addEventListener('mousemove', (event) => this.hover(event));
    this.canvas.addEventListener('mouseleave', () => this.hover(undefined));
    this.canvas.addEventListener('click', (event) => {
      const frame = this.frameAt(event);
      if (frame >= 0) this.zoomTo(frame === this.zoomed ? (this.parent[frame]! >= 0 ? this.parent[frame]! : 0) : frame);
    });
    this.crumbs.addEventListener('click', (event) => {
      const index = (event.target as HTMLElement).closest('button')?.dataset.frame;
      if (index !== undefined) this.zoomTo(Number(index));
    });
    this.searchBox.value = options.search ?? '';
    this.searchBox.addEventListener('input', () => {
      this.applySearch();
      this.options.onSearch?.(this.searchBox.value);
    });
    this.resizeObserver = new ResizeObserver(() => {
      if (this.view.clientWidth !== this.width) this.draw();
    });
    this.resizeObserver.observe(this.view);
    // A CSS transform (the slides scale their pages to the window) changes the canvas's size on
    // screen but not its layout size, so no ResizeObserver hears of it: the window's resize does.
    window.addEventListener('resize', this.onWindowResize);
    this.canvas.addEventListener('mouseenter', this.onWindowResize);
    this.setData(data, options.zoom);
  }

  /** Shows another profile (or another view of one), zoomed to `zoom` where that path exists. */
  setData(data: FlameData, zoom: readonly string[] = []): void {
    this.data = data;
    const count = data.name.length;
    this.weight = new Float64Array(count);
    this.start = new Float64Array(count);
    this.parent = new Int32Array(count);
    this.end = new Int32Array(count);
    const nextChildStart = new Float64Array(count);
    const ancestors: number[] = [];
    let maxDepth = 0;
    for (let i = 0; i < count; i++) {
      const depth = data.depth[i]!;
      maxDepth = Math.max(maxDepth, depth);
      ancestors[depth] = i;
      const parent = depth > 0 ? ancestors[depth - 1]! : -1;
      this.parent[i] = parent;
      this.weight[i] = frameWeight(data.total[i]!, data.base?.[i] ?? 0);
      this.end[i] = i;
      if (parent >= 0) {
        this.start[i] = this.start[parent]! + nextChildStart[parent]!;
        nextChildStart[parent]! += this.weight[i]!;
      }
    }
    for (let i = count - 1; i > 0; i--) {
      const parent = this.parent[i]!;
      if (this.end[i]! > this.end[parent]!) this.end[parent] = this.end[i]!;
    }
    const rowLengths = new Int32Array(maxDepth + 1);
    for (let i = 0; i < count; i++) rowLengths[data.depth[i]!]!++;
    this.rows = [...rowLengths].map((length) => new Int32Array(length));
    rowLengths.fill(0);
    for (let i = 0; i < count; i++) {
      const depth = data.depth[i]!;
      this.rows[depth]![rowLengths[depth]!++] = i;
    }
    this.hovered = -1;
    this.zoomed = count > 0 ? this.find(zoom) : 0;
    this.applySearch(false);
    this.renderCrumbs();
    this.draw(true);
  }

  setOrientation(orientation: Orientation): void {
    this.orientation = orientation;
    this.draw(true);
  }

  /** Zooms to a frame by its names from below the root; the root when the path is not there. */
  zoomToPath(path: readonly string[]): void {
    this.zoomTo(this.find(path));
  }

  /** The names from below the root to the frame zoomed to. */
  zoomPath(): string[] {
    return this.pathOf(this.zoomed);
  }

  /**
   * Highlights the frames whose names match and sums them (a match inside another counts once);
   * an empty pattern clears the search. Also what the search box does.
   */
  search(pattern: string): SearchResult | undefined {
    this.searchBox.value = pattern;
    return this.applySearch();
  }

  /**
   * Where the widest drawn frame named `name` is on the page, in the coordinates of
   * getBoundingClientRect, for a caller that points at it (a slide, a test); a frame outside
   * the scrolled view is scrolled into it first.
   */
  locate(name: string): { x: number; y: number; width: number; height: number } | undefined {
    const id = this.data.names.indexOf(name);
    let best = -1;
    for (let i = this.zoomed; i <= this.end[this.zoomed]! && id >= 0; i++) {
      if (this.data.name[i] === id && (best < 0 || this.weight[i]! > this.weight[best]!)) best = i;
    }
    if (best < 0 || this.pixelWidth(best) < this.minPixels()) return undefined;
    const y = this.rowY(this.data.depth[best]!);
    if (y < this.view.scrollTop || y + ROW_HEIGHT > this.view.scrollTop + this.view.clientHeight) this.view.scrollTop = y - this.view.clientHeight / 2;
    const box = this.canvas.getBoundingClientRect();
    const { x: scaleX, y: scaleY } = this.cssScale();
    return { x: box.left + this.pixelX(best) * scaleX, y: box.top + y * scaleY, width: this.pixelWidth(best) * scaleX, height: (ROW_HEIGHT - 1) * scaleY };
  }

  /**
   * Draws the graph again if its scale on screen changed since it was drawn: a CSS transform that
   * scales it (as the slides do theirs to the window) changes no layout size an observer hears
   * of. The window's resize calls this; a host that scales the graph otherwise calls it too.
   */
  rescale(): void {
    if (this.drawScale() !== this.pixelRatio) this.draw();
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    window.removeEventListener('resize', this.onWindowResize);
    this.element.remove();
  }

  private find(path: readonly string[]): number {
    let frame = 0;
    for (const name of path) {
      const id = this.data.names.indexOf(name);
      let child = -1;
      for (let i = frame + 1; i <= this.end[frame]! && id >= 0; i = this.end[i]! + 1) {
        if (this.data.name[i] === id) {
          child = i;
          break;
        }
      }
      if (child < 0) return 0;
      frame = child;
    }
    return frame;
  }

  private pathOf(frame: number): string[] {
    const path: string[] = [];
    for (let i = frame; i > 0; i = this.parent[i]!) path.unshift(this.data.names[this.data.name[i]!]!);
    return path;
  }

  private zoomTo(frame: number): void {
    if (frame === this.zoomed) return;
    this.zoomed = frame;
    this.renderCrumbs();
    this.applySearch(false);
    this.draw(true);
    this.options.onZoom?.(this.pathOf(frame));
  }

  private nameOf(frame: number): string {
    return frame === 0 ? (this.options.rootName ?? 'all') : this.data.names[this.data.name[frame]!]!;
  }

  private renderCrumbs(): void {
    const frames: number[] = [];
    for (let i = this.zoomed; i >= 0; i = this.parent[i]!) frames.unshift(i);
    this.crumbs.replaceChildren();
    frames.forEach((frame, position) => {
      if (position > 0) this.crumbs.append(Object.assign(document.createElement('span'), { textContent: '›' }));
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.frame = String(frame);
      button.textContent = this.nameOf(frame);
      button.title = this.nameOf(frame);
      if (frame === this.zoomed) button.setAttribute('aria-current', 'true');
      this.crumbs.append(button);
    });
  }

  private applySearch(redraw = true): SearchResult | undefined {
    const source = this.searchBox.value;
    let pattern: RegExp | undefined;
    try {
      pattern = source ? new RegExp(source) : undefined;
      this.searchBox.removeAttribute('aria-invalid');
    } catch {
      this.searchBox.setAttribute('aria-invalid', 'true');
      this.matchesText.textContent = 'not a regular expression';
      return undefined;
    }
    let result: SearchResult | undefined;
    if (!pattern) {
      this.matched = undefined;
      this.matchesText.textContent = '';
    } else {
      const names = this.data.names.map((name) => pattern.test(name));
      this.matched = new Uint8Array(this.data.name.length);
      result = { frames: 0, value: 0 };
      // Within the frame zoomed to; a match inside a match adds nothing to the sum.
      for (let i = this.zoomed; i <= this.end[this.zoomed]!; i++) {
        if (!names[this.data.name[i]!]) continue;
        this.matched[i] = 1;
        result.frames++;
        let inside = false;
        for (let a = this.parent[i]!; a >= this.zoomed && !inside; a = this.parent[a]!) inside = this.matched[a] === 1;
        if (!inside) result.value += this.data.total[i]!;
      }
      this.matchesText.textContent =
        result.frames === 0
          ? 'no match'
          : `${result.frames} frame${result.frames === 1 ? '' : 's'}: ${this.format(result.value)} (${percentage(result.value, this.data.percentOf).trim()})`;
    }
    if (redraw) this.draw();
    return result;
  }

  private format(value: number): string {
    return scaledLabel(value, this.data.unit, this.options.unit ?? 'minimum');
  }

  private pixelX(frame: number): number {
    const zoomed = this.zoomed;
    if (frame < zoomed || frame > this.end[zoomed]!) return 0;
    return ((this.start[frame]! - this.start[zoomed]!) / this.weight[zoomed]!) * this.width;
  }

  private pixelWidth(frame: number): number {
    const zoomed = this.zoomed;
    if (frame < zoomed || frame > this.end[zoomed]!) return this.width;
    return this.weight[zoomed]! > 0 ? (this.weight[frame]! / this.weight[zoomed]!) * this.width : 0;
  }

  /** The narrowest frame drawn, in layout pixels. */
  private minPixels(): number {
    return Math.max(MIN_PIXELS, (this.options.minShare ?? 0) * this.width);
  }

  private rowY(depth: number): number {
    return this.orientation === 'icicle' ? depth * ROW_HEIGHT : this.height - (depth + 1) * ROW_HEIGHT;
  }

  private colourOf(frame: number): string {
    if (this.data.base) return changeColour(this.data.total[frame]! + this.data.base[frame]!, this.data.base[frame]!);
    return frame === 0 ? ROOT_COLOUR : frameColour(this.data.names[this.data.name[frame]!]!);
  }

  /**
   * Draws the graph; `settle` (a new profile, zoom or orientation, not a hover) also scrolls a
   * graph taller than its view to where its root is.
   */
  private draw(settle = false): void {
    const { context, zoomed } = this;
    let deepest = this.data.depth[zoomed] ?? 0;
    this.width = this.view.clientWidth;
    const minimum = this.minPixels();
    for (let i = zoomed; i <= this.end[zoomed]!; ) {
      if (this.pixelWidth(i) < minimum) {
        i = this.end[i]! + 1;
        continue;
      }
      deepest = Math.max(deepest, this.data.depth[i]!);
      i++;
    }
    this.height = (deepest + 1) * ROW_HEIGHT;
    const ratio = this.drawScale();
    this.pixelRatio = ratio;
    this.canvas.width = Math.round(this.width * ratio);
    this.canvas.height = Math.round(this.height * ratio);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, this.width, this.height);
    context.font = FONT;
    context.textBaseline = 'middle';
    this.charWidth = context.measureText('abcdefghijklmnopqrstuvwxyz').width / 26;
    if (this.data.name.length === 0) return;
    for (let i = this.parent[zoomed]!; i >= 0; i = this.parent[i]!) this.drawFrame(i, 0, this.width, true);
    for (let i = zoomed; i <= this.end[zoomed]!; ) {
      const width = this.pixelWidth(i);
      if (width < minimum) {
        i = this.end[i]! + 1;
        continue;
      }
      this.drawFrame(i, this.pixelX(i), width, false);
      i++;
    }
    if (this.hovered >= 0) {
      const width = this.pixelWidth(this.hovered);
      context.strokeStyle = '#222';
      context.lineWidth = 1.5;
      context.strokeRect(this.pixelX(this.hovered) + 0.75, this.rowY(this.data.depth[this.hovered]!) + 0.75, Math.max(width - 1.5, 1), ROW_HEIGHT - 2.5);
    }
    if (settle) this.view.scrollTop = this.orientation === 'icicle' ? 0 : this.view.scrollHeight;
    this.canvas.dataset.drawn = String(this.width);
    this.canvas.setAttribute('aria-label', `${this.orientation === 'icicle' ? 'Icicle' : 'Flame'} graph of ${this.data.type} at ${this.nameOf(zoomed)}`);
  }

  private drawFrame(frame: number, x: number, width: number, ancestor: boolean): void {
    const { context } = this;
    const y = this.rowY(this.data.depth[frame]!);
    const dimmed = ancestor || (this.matched !== undefined && this.matched[frame] !== 1);
    const matched = this.matched?.[frame] === 1;
    const fill = matched ? MATCH_COLOUR : this.colourOf(frame);
    context.globalAlpha = dimmed ? DIMMED_ALPHA : 1;
    context.fillStyle = fill;
    context.fillRect(x, y, Math.max(width - 0.5, 0.5), ROW_HEIGHT - 1);
    context.globalAlpha = 1;
    if (width < MIN_LABEL_PIXELS) return;
    const name = this.nameOf(frame);
    const fits = Math.floor((width - 8) / this.charWidth);
    const label = name.length <= fits ? name : `${name.slice(0, Math.max(fits - 1, 1))}…`;
    context.fillStyle = labelInk(fill, matched ? '#ffffff' : dimmed ? '#333333' : '#111111', dimmed ? DIMMED_ALPHA : 1);
    context.fillText(label, x + 4, y + ROW_HEIGHT / 2);
  }

  /**
   * How much CSS transforms on the way up scale the canvas on screen, per axis: its bounding box
   * against its layout size. 1 where it has no layout yet (hidden).
   */
  private cssScale(): { x: number; y: number } {
    const box = this.canvas.getBoundingClientRect();
    const { offsetWidth, offsetHeight } = this.canvas;
    return { x: offsetWidth > 0 && box.width > 0 ? box.width / offsetWidth : 1, y: offsetHeight > 0 && box.height > 0 ? box.height / offsetHeight : 1 };
  }

  /** Canvas pixels per layout pixel for a sharp drawing: the device's pixel ratio times the CSS scale. */
  private drawScale(): number {
    // Rounded so that a scale measured a hair differently does not redraw the graph.
    return Math.round((window.devicePixelRatio || 1) * Math.max(this.cssScale().x, 0.25) * 100) / 100;
  }

  /** The frame under the pointer, or -1. Pointer coordinates are on screen; frames are laid out unscaled. */
  private frameAt(event: MouseEvent): number {
    const box = this.canvas.getBoundingClientRect();
    const scale = this.cssScale();
    const x = (event.clientX - box.left) / scale.x;
    const y = (event.clientY - box.top) / scale.y;
    const depth = this.orientation === 'icicle' ? Math.floor(y / ROW_HEIGHT) : Math.floor((this.height - y) / ROW_HEIGHT);
    const zoomed = this.zoomed;
    const zoomedDepth = this.data.depth[zoomed]!;
    if (depth < 0 || x < 0 || x > this.width) return -1;
    if (depth < zoomedDepth) {
      let ancestor = zoomed;
      while (this.data.depth[ancestor]! > depth) ancestor = this.parent[ancestor]!;
      return ancestor;
    }
    const row = this.rows[depth];
    if (!row) return -1;
    const target = this.start[zoomed]! + (x / this.width) * this.weight[zoomed]!;
    // The last frame of the row starting at or before the target.
    let low = 0;
    let high = row.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.start[row[middle]!]! <= target) {
        found = row[middle]!;
        low = middle + 1;
      } else high = middle - 1;
    }
    if (found < zoomed || found > this.end[zoomed]!) return -1;
    if (this.start[found]! + this.weight[found]! < target || this.pixelWidth(found) < this.minPixels()) return -1;
    return found;
  }

  private hover(event: MouseEvent | undefined): void {
    const frame = event ? this.frameAt(event) : -1;
    if (frame !== this.hovered) {
      this.hovered = frame;
      this.draw();
    }
    if (frame < 0 || !event) {
      this.tip.hidden = true;
      return;
    }
    const { data } = this;
    const share = (value: number) => percentage(value, data.percentOf).trim();
    const rows = data.base
      ? [
          `before ${this.format(data.base[frame]!)}, after ${this.format(data.total[frame]! + data.base[frame]!)}`,
          `change ${data.total[frame]! > 0 ? '+' : ''}${this.format(data.total[frame]!)} (${data.total[frame]! > 0 ? '+' : data.total[frame]! < 0 ? '-' : ''}${share(data.total[frame]!)} of the base)`,
        ]
      : // As the text reports say it: cum, the time in the frame and what it calls; flat, in the frame itself.
        [`cum ${this.format(data.total[frame]!)} (${share(data.total[frame]!)})`, `flat ${this.format(data.self[frame]!)} (${share(data.self[frame]!)})`];
    const title = document.createElement('strong');
    title.textContent = this.nameOf(frame);
    this.tip.replaceChildren(title, ...rows.map((text) => Object.assign(document.createElement('div'), { textContent: text })));
    this.tip.hidden = false;
    // The tip is placed in the element's layout pixels, which a CSS transform may scale on screen.
    const host = this.element.getBoundingClientRect();
    const scale = this.cssScale();
    const left = Math.min((event.clientX - host.left) / scale.x + 12, this.element.offsetWidth - this.tip.offsetWidth - 4);
    this.tip.style.left = `${Math.max(0, left)}px`;
    this.tip.style.top = `${(event.clientY - host.top) / scale.y + 16}px`;
  }
}
