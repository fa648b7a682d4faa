/**
 * The shapes in which reports reach a browser, as the web UI's server sends them as JSON and its
 * page reads them. Types only, and nothing that needs Node, so the page's code can import them.
 */
import type { FlameData } from './flamegraph.ts';

/** One function's lines in one source file, with what each line costs. */
export interface SourceListing {
  readonly name: string;
  readonly file: string;
  readonly flat: number;
  readonly cum: number;
  /** The lines shown, or why the file could not be read. */
  readonly lines: readonly { readonly number: number; readonly text: string; readonly flat: number; readonly cum: number }[] | string;
}

/** The source view: listings per function and file, and the functions no file is known of. */
export interface SourceView {
  listings: SourceListing[];
  unlocated: string[];
}

/** A node's row in the top view: its flat and cum values for the sample type shown. */
export interface TopRow {
  name: string;
  flat: number;
  cum: number;
  /** Whether its calls were inlined, as -top marks it after the name: "(inline)", "(partial-inline)" or "". */
  inline: string;
}

/** The report settings a view was drawn with: the server's, changed by the page's query. */
export interface ViewSettings {
  granularity: string;
  /** As -unit: "minimum" unless set. */
  unit: string;
  nodeFraction: number;
  edgeFraction: number;
  /** -cum: the top view sorts by cum. */
  cum: boolean;
}

/** Everything the flame graph and top views draw from. */
export interface ProfileView {
  sampleTypes: string[];
  sampleIndex: number;
  /** The profile's header lines, as the text reports print them. */
  header: string[];
  /** What the person should know about the filters (a tag filter read as a range). */
  notes: string[];
  /** Whether the profile is compared with a base: the flame graph colours what changed. */
  diff: boolean;
  /** label=value pairs the samples carry, for the tag filters. */
  labels: string[];
  settings: ViewSettings;
  flame: FlameData;
  /** The rows -top prints (nodes below -nodefraction left out), at the granularity asked for. */
  top: TopRow[];
  /** -top's lines on what it shows and drops ("Showing nodes accounting for..."). */
  topLegend: string[];
  /** The unit -top prints its rows in. */
  topUnit: string;
}

/** The peek view: a function with its callers and callees, each call's weight. */
export interface PeekView {
  name: string;
  flat: number;
  cum: number;
  callers: { name: string; weight: number }[];
  callees: { name: string; weight: number }[];
}

/** The Graph view: the call graph's nodes (trimmed as -dot trims them) and the calls between them. */
export interface GraphView {
  /** The header lines -dot puts in its legend. */
  legend: string[];
  /** What percentages are of. */
  total: number;
  unit: string;
  /** The unit values print in, as -dot prints them (-unit, else one chosen for the graph). */
  outputUnit: string;
  nodes: { name: string; flat: number; cum: number }[];
  /** Indexes into nodes; `residual`: the call passes over nodes left out. */
  edges: { src: number; dest: number; weight: number; residual: boolean; inline: boolean }[];
}
